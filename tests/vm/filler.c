/*
 * Fills the memory of the first kernel of the crash kind `filled` (see filled.sh) the way a
 * busy server's looks, so that dump filtering and compression meet realistic pages.
 * crashvm.py builds it on the host with `gcc -static`: the guest has no C library.
 *
 *   filler files DIR COUNT            COUNT files in DIR (slab: dentries, inodes), a quarter
 *                                     of them deleted again (freed objects in partial slabs)
 *   filler memory DATADIR MIB FREE    MIB of anonymous memory, filled from the files under
 *                                     DATADIR, zeros, records and random bytes; FREE MiB of it
 *                                     given back (stale free pages); prints "filler: ready" and
 *                                     stays alive, so the rest is user memory at the crash
 *   filler garbage DATADIR FILE MIB   MIB of file data written to FILE, which is then deleted:
 *                                     on a tmpfs, freed pages that keep what they held
 *
 * Everything is deterministic except which file data lands where, which follows the order
 * of the directory walk. Errors end the program with a message and exit code 1.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MIB	 ((size_t)1 << 20)
#define PER_DIR	 1000
#define MAX_MIB	 (64 * 1024)
#define MAX_DATA 65536

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("filler: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static unsigned long
parse_count(const char *text, unsigned long max)
{
	char *end = NULL;
	unsigned long value;

	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || value > max)
		die("bad number '%s' (at most %lu)", text, max);
	return value;
}

/* --- file data: every regular file under a directory, in walk order, again and again --- */

static char **data_paths;
static size_t data_n;

static int
collect(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
		return 0;
	if (data_n == MAX_DATA)
		return 1;
	data_paths = realloc(data_paths, (data_n + 1) * sizeof(*data_paths));
	if (data_paths == NULL || (data_paths[data_n] = strdup(path)) == NULL)
		die("out of memory listing files");
	data_n++;
	return 0;
}

struct data_stream {
	size_t next;
	int fd;
};

static void
data_open(const char *dir)
{
	if (nftw(dir, collect, 32, FTW_PHYS) < 0)
		die("cannot walk %s: %s", dir, strerror(errno));
	if (data_n == 0)
		die("no files under %s", dir);
}

/* fill buf with the next len bytes of file data, wrapping around at the last file */
static void
data_read(struct data_stream *s, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t got;

		if (s->fd < 0) {
			s->fd = open(data_paths[s->next], O_RDONLY | O_CLOEXEC);
			if (s->fd < 0)
				die("cannot open %s: %s", data_paths[s->next], strerror(errno));
			s->next = (s->next + 1) % data_n;
		}
		got = read(s->fd, buf, len);
		if (got < 0)
			die("cannot read: %s", strerror(errno));
		if (got == 0) {
			close(s->fd);
			s->fd = -1;
			continue;
		}
		buf += got;
		len -= (size_t)got;
	}
}

/* --- the commands --- */

static int
cmd_files(const char *dir, unsigned long count)
{
	char path[4096];
	unsigned long i;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die("cannot create %s: %s", dir, strerror(errno));
	for (i = 0; i < count; i++) {
		int fd;

		if (i % PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%04lu", dir, i / PER_DIR);
			if (mkdir(path, 0755) < 0)
				die("cannot create %s: %s", path, strerror(errno));
		}
		snprintf(path, sizeof(path), "%s/d%04lu/session-%08lu.state", dir, i / PER_DIR, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0)
			die("cannot create %s: %s", path, strerror(errno));
		/* one in sixteen has a little content: a page of shmem each */
		if (i % 16 == 0)
			dprintf(fd, "session %lu user %lu state active\n", i, i % 977);
		close(fd);
	}
	for (i = 0; i < count; i += 4) {
		snprintf(path, sizeof(path), "%s/d%04lu/session-%08lu.state", dir, i / PER_DIR, i);
		if (unlink(path) < 0)
			die("cannot delete %s: %s", path, strerror(errno));
	}
	printf("filler: %lu files created, %lu deleted\n", count, (count + 3) / 4);
	return 0;
}

/* what a heap of a server holds: linked records with ids, flags, times and short strings */
struct record {
	uint64_t next;
	uint32_t id;
	uint32_t flags;
	uint64_t time_ns;
	char text[40];
};

static void
fill_records(char *chunk, size_t len, uint64_t *seq)
{
	struct record *r = (struct record *)chunk;
	size_t n = len / sizeof(*r);

	for (size_t i = 0; i < n; i++, (*seq)++) {
		r[i].next = i + 1 < n ? (uint64_t)(uintptr_t)&r[i + 1] : 0;
		r[i].id = (uint32_t)*seq;
		r[i].flags = (uint32_t)(*seq % 7 == 0 ? 0x11 : 0x1);
		r[i].time_ns = 1700000000000000000ULL + *seq * 1000003ULL;
		snprintf(r[i].text,
			 sizeof(r[i].text),
			 "10.%u.%u.%u:443 ESTABLISHED",
			 (unsigned)(*seq >> 16) & 255,
			 (unsigned)(*seq >> 8) & 255,
			 (unsigned)*seq & 255);
	}
}

static void
fill_random(char *chunk, size_t len, uint64_t *state)
{
	uint64_t *w = (uint64_t *)chunk;

	for (size_t i = 0; i < len / sizeof(*w); i++) {
		/* xorshift64: incompressible, like compressed or encrypted data */
		*state ^= *state << 13;
		*state ^= *state >> 7;
		*state ^= *state << 17;
		w[i] = *state;
	}
}

static _Noreturn void
cmd_memory(const char *dir, unsigned long mib, unsigned long free_mib)
{
	struct data_stream stream = { 0, -1 };
	uint64_t seq = 0, state = 0x9e3779b97f4a7c15ULL;
	unsigned long freed = 0;
	char *mem;

	if (free_mib > mib)
		die("cannot free %lu MiB of %lu", free_mib, mib);
	data_open(dir);
	mem = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("cannot map %lu MiB: %s", mib, strerror(errno));

	/* per 20 MiB: 10 of file data, 3 of zeros (allocated, as calloc'd buffers are),
	 * 4 of records, 3 of random bytes */
	for (unsigned long i = 0; i < mib; i++) {
		char *chunk = mem + i * MIB;
		unsigned long k = i % 20;

		if (k < 10)
			data_read(&stream, chunk, MIB);
		else if (k < 13)
			memset(chunk, 0, MIB);
		else if (k < 17)
			fill_records(chunk, MIB, &seq);
		else
			fill_random(chunk, MIB, &state);
	}

	/* give back FREE MiB spread evenly over the whole range: the kernel frees the pages
	 * but, without init_on_free, does not clear them */
	for (unsigned long i = 0; i < mib; i++) {
		if ((i + 1) * free_mib / mib == i * free_mib / mib)
			continue;
		if (madvise(mem + i * MIB, MIB, MADV_DONTNEED) < 0)
			die("cannot free: %s", strerror(errno));
		freed++;
	}
	printf("filler: ready, %lu MiB filled, %lu MiB freed\n", mib, freed);
	fflush(stdout);
	for (;;)
		pause();
}

static int
cmd_garbage(const char *dir, const char *file, unsigned long mib)
{
	struct data_stream stream = { 0, -1 };
	static char buf[MIB];
	int fd;

	data_open(dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		die("cannot create %s: %s", file, strerror(errno));
	for (unsigned long i = 0; i < mib; i++) {
		data_read(&stream, buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("cannot write %s: %s", file, strerror(errno));
	}
	close(fd);
	if (unlink(file) < 0)
		die("cannot delete %s: %s", file, strerror(errno));
	printf("filler: %lu MiB written to %s and deleted\n", mib, file);
	return 0;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && strcmp(argv[1], "files") == 0)
		return cmd_files(argv[2], parse_count(argv[3], 10 * 1000 * 1000));
	if (argc == 5 && strcmp(argv[1], "memory") == 0)
		cmd_memory(argv[2], parse_count(argv[3], MAX_MIB), parse_count(argv[4], MAX_MIB));
	if (argc == 5 && strcmp(argv[1], "garbage") == 0)
		return cmd_garbage(argv[2], argv[3], parse_count(argv[4], MAX_MIB));
	fputs("usage: filler files DIR COUNT | memory DATADIR MIB FREE_MIB | "
	      "garbage DATADIR FILE MIB\n",
	      stderr);
	return 2;
}
