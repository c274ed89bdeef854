/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <elf.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cd-bytes.h"
#include "cd-dmesg.h"
#include "cd-file.h"
#include "cd-kdump-file.h"
#include "cd-test-dmesg.h"
#include "cd-kdump-format.h"

/* Reads the kdump-compressed files that tests/fixtures/gen-kdump.py wrote, a writer
 * separate from the reader: each good one must print what its ELF original prints and
 * hold exactly the pages the writer put in it (the .json has a digest of them); each
 * hostile one must fail with a message that names the problem. */

typedef struct {
	gchar *name;
	gchar *kdump;
	gchar *json;
} Fixture;

static const gchar *crashdesk;
static const gchar *fixtures_dir;

static void
fixture_free(gpointer data)
{
	Fixture *f = data;
	g_free(f->name);
	g_free(f->kdump);
	g_free(f->json);
	g_free(f);
}

static json_object *
load_json(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &error))
		g_error("%s", error->message);
	return json_tokener_parse(text);
}

static gchar *
fixture_path(const gchar *name, const gchar *suffix)
{
	return g_strdup_printf("%s/%s%s", fixtures_dir, name, suffix);
}

static CdKdumpFile *
open_kdump(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdKdumpFile) kdump = NULL;
	gint fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, NULL, &error);

	g_assert_no_error(error);
	kdump = cd_kdump_file_new_from_fd(fd, path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(kdump);
	return g_steal_pointer(&kdump);
}

/* `crashdesk dmesg FILE`: exit code, exact text, and messages that name the file */
static void
test_dmesg(gconstpointer data)
{
	const Fixture *f = data;

	cd_test_dmesg_expect(crashdesk, f->kdump, f->json);
}

/* every page of the memory the writer described: its state, and the stored ones'
 * bytes in a digest that must equal the writer's */
static void
test_pages(gconstpointer data)
{
	const Fixture *f = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdKdumpFile) kdump = open_kdump(f->kdump);
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(GChecksum) digest = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *page = NULL;
	json_object *root = load_json(f->json);
	json_object *pages;
	json_object *ranges;
	json_object *node;
	guint32 bs = cd_kdump_file_get_block_size(kdump);
	guint64 stored = 0;
	guint64 excluded = 0;
	CdKdumpPageState state;

	g_assert_true(json_object_object_get_ex(root, "pages", &pages));
	g_assert_true(json_object_object_get_ex(pages, "memory", &ranges));
	page = g_malloc(bs);
	for (gsize i = 0; i < json_object_array_length(ranges); i++) {
		json_object *range = json_object_array_get_idx(ranges, i);
		guint64 first = (guint64)json_object_get_int64(json_object_array_get_idx(range, 0));
		guint64 last = (guint64)json_object_get_int64(json_object_array_get_idx(range, 1));

		for (guint64 pfn = first; pfn <= last; pfn++) {
			guint64 le = GUINT64_TO_LE(pfn);
			g_assert_true(cd_kdump_file_get_page_state(kdump, pfn, &state, &error));
			g_assert_no_error(error);
			if (state == CD_KDUMP_PAGE_EXCLUDED) {
				excluded++;
				continue;
			}
			g_assert_cmpint(state, ==, CD_KDUMP_PAGE_STORED);
			g_assert_true(cd_kdump_file_read_paddr(kdump, pfn * bs, page, bs, &error));
			g_assert_no_error(error);
			g_checksum_update(digest, (const guchar *)&le, sizeof(le));
			g_checksum_update(digest, page, bs);
			stored++;
		}
		/* the pfn after a range is no memory, unless the next range starts there */
		g_assert_true(cd_kdump_file_get_page_state(kdump, last + 1, &state, &error));
		if (i + 1 == json_object_array_length(ranges))
			g_assert_cmpint(state, ==, CD_KDUMP_PAGE_NOT_MEMORY);
	}
	g_assert_true(json_object_object_get_ex(pages, "stored", &node));
	g_assert_cmpuint(stored, ==, (guint64)json_object_get_int64(node));
	g_assert_cmpuint(cd_kdump_file_get_stored_pages(kdump), ==, stored);
	g_assert_true(json_object_object_get_ex(pages, "excluded", &node));
	g_assert_cmpuint(excluded, ==, (guint64)json_object_get_int64(node));
	g_assert_true(json_object_object_get_ex(pages, "sha256", &node));
	g_assert_cmpstr(g_checksum_get_string(digest), ==, json_object_get_string(node));
	g_assert_true(cd_kdump_file_get_page_state(kdump,
						   cd_kdump_file_get_max_pfn(kdump),
						   &state,
						   &error));
	g_assert_cmpint(state, ==, CD_KDUMP_PAGE_NOT_MEMORY);

	/* the vmcore on top: notes, CPUs and architecture from the kdump headers */
	vmcore = cd_vmcore_new_from_path(f->kdump, &error);
	if (cd_kdump_file_get_vmcoreinfo(kdump) == NULL) {
		/* error-no-vmcoreinfo: the vmcore needs it */
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		json_object_put(root);
		return;
	}
	g_assert_no_error(error);
	g_assert_true(json_object_object_get_ex(root, "cpus", &node));
	g_assert_cmpuint(cd_vmcore_get_cpu_count(vmcore), ==, (guint)json_object_get_int(node));
	g_assert_cmpuint(cd_vmcore_get_arch(vmcore)->elf_machine, ==, EM_X86_64);
	g_assert_cmpstr(cd_vmcoreinfo_get_osrelease(cd_vmcore_get_vmcoreinfo(vmcore)),
			==,
			cd_kdump_file_get_utsname(kdump, CD_KDUMP_UTSNAME_RELEASE));
	json_object_put(root);
}

static void
test_getters(void)
{
	g_autofree gchar *zlib_path = fixture_path("lockless-basic-zlib", ".kdump");
	g_autofree gchar *raw_path = fixture_path("lockless-basic-raw", ".kdump");
	g_autofree gchar *v3_path = fixture_path("v3-no-notes", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(zlib_path);
	g_autoptr(CdKdumpFile) raw = open_kdump(raw_path);
	g_autoptr(CdKdumpFile) v3 = open_kdump(v3_path);
	g_autoptr(GError) error = NULL;
	CdVmcoreinfo *info = cd_kdump_file_get_vmcoreinfo(kdump);
	gint64 phys_base = 0;
	guint8 buf[16];

	g_assert_cmpuint(cd_kdump_file_get_header_version(kdump), ==, 6);
	g_assert_cmpstr(cd_kdump_file_get_utsname(kdump, CD_KDUMP_UTSNAME_SYSNAME), ==, "Linux");
	g_assert_cmpstr(cd_kdump_file_get_utsname(kdump, CD_KDUMP_UTSNAME_MACHINE), ==, "x86_64");
	g_assert_cmpstr(cd_kdump_file_get_utsname(kdump, CD_KDUMP_UTSNAME_RELEASE),
			==,
			"6.1.0-fixture");
	g_assert_cmpuint(cd_kdump_file_get_elf_machine(kdump), ==, EM_X86_64);
	g_assert_cmpuint(cd_kdump_file_get_timestamp(kdump), ==, 1700000000);
	g_assert_cmpuint(cd_kdump_file_get_nr_cpus(kdump), ==, 2);
	g_assert_cmpuint(cd_kdump_file_get_dump_level(kdump), ==, 0);
	g_assert_cmpuint(cd_kdump_file_get_block_size(kdump), ==, 4096);
	g_assert_nonnull(info);
	g_assert_true(cd_vmcoreinfo_get_number(info, "phys_base", &phys_base, NULL));
	g_assert_cmpuint(cd_kdump_file_get_phys_base(kdump), ==, (guint64)phys_base);
	g_assert_nonnull(cd_kdump_file_get_notes(kdump));
	g_assert_false(cd_kdump_file_is_incomplete(kdump));
	g_assert_cmpuint(cd_kdump_file_get_expected_size(kdump),
			 ==,
			 cd_kdump_file_get_file_size(kdump));

	/* the header says zlib; pages read raw (too small to compress) add nothing */
	g_assert_cmpuint(cd_kdump_file_get_compression(kdump), ==, CD_KDUMP_COMPRESSED_ZLIB);
	g_assert_cmpuint(cd_kdump_file_get_compression(raw), ==, 0);
	g_assert_true(cd_kdump_file_read_paddr(raw, 0x1000000, buf, sizeof(buf), &error));
	g_assert_no_error(error);
	g_assert_cmpuint(cd_kdump_file_get_compression(raw), ==, 0);

	/* version 3: VMCOREINFO but no notes */
	g_assert_cmpuint(cd_kdump_file_get_header_version(v3), ==, 3);
	g_assert_nonnull(cd_kdump_file_get_vmcoreinfo(v3));
	g_assert_null(cd_kdump_file_get_notes(v3));
}

/* a read that spans pages equals the pages read one by one */
static void
test_read_across(void)
{
	g_autofree gchar *path = fixture_path("many-pages", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(path);
	g_autoptr(GError) error = NULL;
	guint64 first = cd_kdump_file_get_max_pfn(kdump) - 100;
	g_autofree guint8 *pages = g_malloc(3 * 4096);
	g_autofree guint8 *span = g_malloc(2 * 4096);

	for (guint i = 0; i < 3; i++) {
		g_assert_true(cd_kdump_file_read_paddr(kdump,
						       (first + i) * 4096,
						       pages + i * 4096,
						       4096,
						       &error));
		g_assert_no_error(error);
	}
	g_assert_true(cd_kdump_file_read_paddr(kdump, first * 4096 + 1000, span, 2 * 4096, &error));
	g_assert_no_error(error);
	g_assert_cmpmem(span, 2 * 4096, pages + 1000, 2 * 4096);
	/* the writer made neighbours differ */
	g_assert_cmpint(memcmp(pages, pages + 4096, 4096), !=, 0);
	g_assert_cmpuint(cd_kdump_file_get_compression(kdump) & ~CD_KDUMP_COMPRESSED_ZLIB &
				 ~CD_KDUMP_COMPRESSED_ZSTD,
			 ==,
			 0);
}

/* more pages than the cache holds, read back in orders that evict them */
static void
test_cache(void)
{
	g_autofree gchar *path = fixture_path("many-pages", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(path);
	g_autoptr(GError) error = NULL;
	guint64 first = cd_kdump_file_get_max_pfn(kdump) - 100;
	g_autofree guint8 *copies = g_malloc(100 * 4096);
	guint8 page[4096];

	for (guint i = 0; i < 100; i++) {
		g_assert_true(cd_kdump_file_read_paddr(kdump,
						       (first + i) * 4096,
						       copies + i * 4096,
						       4096,
						       &error));
		g_assert_no_error(error);
	}
	for (guint round = 0; round < 3; round++) {
		for (guint k = 0; k < 100; k++) {
			/* 0, 50, 1, 51, ... then backwards, then a stride of 37 */
			guint i = round == 0   ? (k % 2 ? 50 + k / 2 : k / 2)
				  : round == 1 ? 99 - k
					       : (k * 37) % 100;
			g_assert_true(cd_kdump_file_read_paddr(kdump,
							       (first + i) * 4096,
							       page,
							       sizeof(page),
							       &error));
			g_assert_no_error(error);
			g_assert_cmpmem(page, sizeof(page), copies + i * 4096, 4096);
		}
	}
}

static guint64
find_pfn(CdKdumpFile *kdump, CdKdumpPageState want)
{
	for (guint64 pfn = 0; pfn < cd_kdump_file_get_max_pfn(kdump); pfn++) {
		CdKdumpPageState state;
		g_assert_true(cd_kdump_file_get_page_state(kdump, pfn, &state, NULL));
		if (state == want)
			return pfn;
	}
	g_assert_not_reached();
}

/* excluded pages are memory, not data: reads fail and say why, range checks tell the
 * two apart */
static void
test_excluded(void)
{
	g_autofree gchar *path = fixture_path("zero-pages-excluded", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(path);
	g_autoptr(GError) error = NULL;
	guint64 pfn = find_pfn(kdump, CD_KDUMP_PAGE_EXCLUDED);
	g_autofree gchar *msg =
		g_strdup_printf("page 0x%" G_GINT64_MODIFIER "x excluded from the dump", pfn);
	guint64 stored_pfn = find_pfn(kdump, CD_KDUMP_PAGE_STORED);
	guint8 buf[8];

	g_assert_cmpuint(cd_kdump_file_get_dump_level(kdump), ==, CD_DUMP_LEVEL_ZERO);
	g_assert_false(cd_kdump_file_read_paddr(kdump, pfn * 4096 + 8, buf, sizeof(buf), &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, msg));
	g_clear_error(&error);

	g_assert_true(cd_kdump_file_check_paddr_range(kdump,
						      pfn * 4096,
						      4096,
						      CD_KDUMP_RANGE_MEMORY,
						      &error));
	g_assert_no_error(error);
	g_assert_false(cd_kdump_file_check_paddr_range(kdump,
						       pfn * 4096,
						       4096,
						       CD_KDUMP_RANGE_STORED,
						       &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(cd_kdump_file_check_paddr_range(kdump,
						      stored_pfn * 4096 + 100,
						      10,
						      CD_KDUMP_RANGE_STORED,
						      &error));
	g_assert_no_error(error);

	/* no memory at all: both checks fail, and so does a read */
	pfn = find_pfn(kdump, CD_KDUMP_PAGE_NOT_MEMORY);
	g_assert_false(cd_kdump_file_check_paddr_range(kdump,
						       pfn * 4096,
						       1,
						       CD_KDUMP_RANGE_MEMORY,
						       &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(cd_kdump_file_read_paddr(kdump, pfn * 4096, buf, sizeof(buf), &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "not in the dump"));
	g_clear_error(&error);
	g_assert_false(cd_kdump_file_check_paddr_range(kdump,
						       G_MAXUINT64 - 10,
						       100,
						       CD_KDUMP_RANGE_MEMORY,
						       &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
}

/* an incomplete dump: pages it never wrote are missing, the others read */
static void
test_incomplete(void)
{
	g_autofree gchar *path = fixture_path("incomplete-unread-pages", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(path);
	g_autoptr(GError) error = NULL;
	guint64 last = cd_kdump_file_get_max_pfn(kdump) - 1;
	CdKdumpPageState state;
	guint8 buf[8];

	g_assert_true(cd_kdump_file_is_incomplete(kdump));
	g_assert_true(cd_kdump_file_get_page_state(kdump, last, &state, &error));
	g_assert_cmpint(state, ==, CD_KDUMP_PAGE_MISSING);
	g_assert_false(cd_kdump_file_read_paddr(kdump, last * 4096, buf, sizeof(buf), &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "incomplete"));
	g_clear_error(&error);
	g_assert_true(cd_kdump_file_check_paddr_range(kdump,
						      last * 4096,
						      4096,
						      CD_KDUMP_RANGE_MEMORY,
						      &error));
	g_assert_false(cd_kdump_file_check_paddr_range(kdump,
						       last * 4096,
						       4096,
						       CD_KDUMP_RANGE_STORED,
						       &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
}

static GBytes *
read_fixture(const gchar *name)
{
	g_autofree gchar *path = fixture_path(name, ".kdump");
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;
	gsize len = 0;

	g_assert_true(g_file_get_contents(path, &data, &len, &error));
	return g_bytes_new_take(data, len);
}

static gint
memfd_with(const guint8 *data, gsize len)
{
	gint fd = memfd_create("kdump", MFD_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
	return fd;
}

static gboolean
collect_record(const CdPrintkRecord *record, gpointer user_data, GError **error)
{
	cd_dmesg_append_record(user_data, record, CD_DMESG_FLAG_NONE);
	return TRUE;
}

/* the file cut everywhere: it opens or not, reads or not, but never gives a wrong log */
static void
test_truncation_sweep(void)
{
	g_autoptr(GBytes) bytes = read_fixture("lockless-basic-zlib");
	g_autofree gchar *json_path = fixture_path("lockless-basic-zlib", ".json");
	json_object *root = load_json(json_path);
	json_object *node;
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	guint whole = 0;

	g_assert_true(json_object_object_get_ex(root, "stdout", &node));
	for (gsize cut = 0; cut <= len; cut = cut == len ? len + 1 : MIN(len, cut + 301)) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdVmcore) vmcore = NULL;
		g_autoptr(GString) out = g_string_new(NULL);

		vmcore = cd_vmcore_new_from_fd(memfd_with(data, cut), "cut", &error);
		if (vmcore == NULL) {
			g_assert_nonnull(error);
			continue;
		}
		if (!cd_printk_foreach(vmcore, collect_record, out, NULL, &error)) {
			g_assert_nonnull(error);
			continue;
		}
		g_assert_cmpstr(out->str, ==, json_object_get_string(node));
		whole++;
	}
	/* the kernel image page is the last one: only the whole file reads */
	g_assert_cmpuint(whole, ==, 1);
	json_object_put(root);
}

/* every byte of the headers and bitmaps changed in turn: no crash, no hang */
static void
test_corruption_sweep(void)
{
	g_autoptr(GBytes) bytes = read_fixture("lockless-basic-lzo");
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	g_autofree guint8 *copy = g_memdup2(data, len);
	gsize end = MIN(len, (gsize)(2 * 4096));
	gsize desc;

	for (gsize pos = 0; pos < end; pos += pos < 512 ? 1 : 7) {
		for (guint k = 0; k < 2; k++) {
			g_autoptr(CdVmcore) vmcore = NULL;
			g_autoptr(GString) out = g_string_new(NULL);

			copy[pos] = k == 0 ? (guint8)(data[pos] ^ 0xff) : (guint8)(data[pos] + 1);
			vmcore = cd_vmcore_new_from_fd(memfd_with(copy, len), "corrupt", NULL);
			if (vmcore != NULL)
				cd_printk_foreach(vmcore, collect_record, out, NULL, NULL);
			copy[pos] = data[pos];
		}
	}
	/* the descriptors too: their offsets, sizes and flags */
	desc = (1 + (gsize)cd_read_le32(data + CD_KDUMP_HDR_SUB_HDR_SIZE) +
		cd_read_le32(data + CD_KDUMP_HDR_BITMAP_BLOCKS)) *
	       cd_read_le32(data + CD_KDUMP_HDR_BLOCK_SIZE);
	g_assert_cmpuint(desc + 10 * CD_KDUMP_DESC_LEN, <, len);
	for (gsize pos = desc; pos < desc + 10 * CD_KDUMP_DESC_LEN; pos++) {
		g_autoptr(CdVmcore) vmcore = NULL;
		g_autoptr(GString) out = g_string_new(NULL);

		copy[pos] = (guint8)(data[pos] ^ 0x80);
		vmcore = cd_vmcore_new_from_fd(memfd_with(copy, len), "corrupt", NULL);
		if (vmcore != NULL)
			cd_printk_foreach(vmcore, collect_record, out, NULL, NULL);
		copy[pos] = data[pos];
	}
}

/* the peak memory of `crashdesk dmesg FILE`, in KiB */
static glong
peak_rss_of_dmesg(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = { crashdesk, "dmesg", path, NULL };
	struct rusage ru = { 0 };
	GPid pid = 0;
	gint status = 0;

	g_assert_true(g_spawn_async(NULL,
				    (gchar **)argv,
				    NULL,
				    G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
					    G_SPAWN_STDERR_TO_DEV_NULL,
				    NULL,
				    NULL,
				    &pid,
				    &error));
	g_assert_no_error(error);
	g_assert_cmpint(wait4(pid, &status, 0, &ru), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 0);
	return ru.ru_maxrss;
}

/* a dump of a 4 TiB machine (two 128 MiB bitmaps) costs no more memory than a small one:
 * the bitmap is streamed into one count per block, never loaded */
static void
test_memory_bounded(void)
{
	g_autofree gchar *small = fixture_path("lockless-basic-zlib", ".kdump");
	g_autofree gchar *huge = fixture_path("big/huge-sparse", ".kdump");
	g_autoptr(CdKdumpFile) kdump = open_kdump(huge);
	g_autoptr(GError) error = NULL;
	guint64 top = cd_kdump_file_get_max_pfn(kdump) - 1;
	CdKdumpPageState state;
	guint8 page[4096];
	glong small_kib;
	glong huge_kib;

	g_assert_cmpuint(cd_kdump_file_get_max_pfn(kdump), ==, G_GUINT64_CONSTANT(1) << 30);
	g_assert_true(cd_kdump_file_read_paddr(kdump, top * 4096, page, sizeof(page), &error));
	g_assert_no_error(error);
	for (guint i = 0; i < sizeof(page); i++)
		g_assert_cmpuint(page[i], ==, i % 256);
	g_assert_true(cd_kdump_file_get_page_state(kdump, top / 2, &state, &error));
	g_assert_cmpint(state, ==, CD_KDUMP_PAGE_NOT_MEMORY);

	small_kib = peak_rss_of_dmesg(small);
	huge_kib = peak_rss_of_dmesg(huge);
	g_test_message("peak RSS: %ld KiB small, %ld KiB for max_mapnr 2^30", small_kib, huge_kib);
	g_assert_cmpint(huge_kib - small_kib, <, 8 * 1024);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
add_fixtures(GPtrArray *fixtures, const gchar *subdir)
{
	g_autofree gchar *dirname = g_build_filename(fixtures_dir, subdir, NULL);
	g_autoptr(GDir) dir = g_dir_open(dirname, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(name, ".json"))
			g_ptr_array_add(names, g_strndup(name, strlen(name) - 5));
	}
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		Fixture *f = g_new0(Fixture, 1);
		g_autofree gchar *path = NULL;
		json_object *root;
		json_object *node;

		f->name = g_strdup(g_ptr_array_index(names, i));
		f->kdump = g_strdup_printf("%s/%s.kdump", dirname, f->name);
		f->json = g_strdup_printf("%s/%s.json", dirname, f->name);
		path = g_strdup_printf("/capture/kdump/dmesg/%s", f->name);
		g_test_add_data_func(path, f, test_dmesg);
		root = load_json(f->json);
		if (json_object_object_get_ex(root, "pages", &node)) {
			g_autofree gchar *pages_path =
				g_strdup_printf("/capture/kdump/pages/%s", f->name);
			g_test_add_data_func(pages_path, f, test_pages);
		}
		json_object_put(root);
		g_ptr_array_add(fixtures, f);
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) fixtures = g_ptr_array_new_with_free_func(fixture_free);

	g_test_init(&argc, &argv, NULL);
	/* one broken case must not hide the others */
	g_test_set_nonfatal_assertions();
	crashdesk = g_getenv("CRASHDESK");
	fixtures_dir = g_getenv("CRASHDESK_KDUMP_FIXTURES");
	g_assert_nonnull(crashdesk);
	g_assert_nonnull(fixtures_dir);

	g_test_add_func("/capture/kdump/getters", test_getters);
	g_test_add_func("/capture/kdump/read-across", test_read_across);
	g_test_add_func("/capture/kdump/cache", test_cache);
	g_test_add_func("/capture/kdump/excluded", test_excluded);
	g_test_add_func("/capture/kdump/incomplete", test_incomplete);
	g_test_add_func("/capture/kdump/truncation-sweep", test_truncation_sweep);
	g_test_add_func("/capture/kdump/corruption-sweep", test_corruption_sweep);
	g_test_add_func("/capture/kdump/memory-bounded", test_memory_bounded);
	add_fixtures(fixtures, ".");
	add_fixtures(fixtures, "big");
	/* the generator writes a hundred cases and more: few would mean a broken build */
	g_assert_cmpuint(fixtures->len, >=, 100);
	return g_test_run();
}
