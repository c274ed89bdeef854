/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "test-file-range"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "cd-file.h"

/* cd_file_read_range(), the one bounded read of a report's files: its edges */

#define LIMIT 4096

/* byte i of every file here: which part was read shows in the bytes themselves */
static guint8
pattern(guint64 i)
{
	return (guint8)('a' + i % 23);
}

static gint
make_file(gsize size)
{
	g_autofree gchar *path = NULL;
	g_autofree guint8 *data = g_malloc(size + 1);
	gint fd = g_file_open_tmp("test-file-range-XXXXXX", &path, NULL);

	g_assert_cmpint(fd, >=, 0);
	g_unlink(path);
	for (gsize i = 0; i < size; i++)
		data[i] = pattern(i);
	g_assert_cmpint(write(fd, data, size), ==, (gssize)size);
	return fd;
}

static void
check_bytes(const gchar *got, gsize len, guint64 from)
{
	for (gsize i = 0; i < len; i++) {
		if ((guint8)got[i] != pattern(from + i))
			g_error("byte %" G_GSIZE_FORMAT
				" is not the file's byte %" G_GUINT64_FORMAT,
				i,
				from + i);
	}
	g_assert_cmpint(got[len], ==, '\0');
}

typedef struct {
	gsize size;
	CdFileRange range;
	gsize len;
	guint64 from;
	gboolean cut;
} RangeCase;

static void
test_range_edges(void)
{
	const RangeCase cases[] = {
		{ 0, CD_FILE_RANGE_HEAD, 0, 0, FALSE },
		{ 0, CD_FILE_RANGE_TAIL, 0, 0, FALSE },
		{ 1, CD_FILE_RANGE_HEAD, 1, 0, FALSE },
		{ LIMIT - 1, CD_FILE_RANGE_TAIL, LIMIT - 1, 0, FALSE },
		{ LIMIT, CD_FILE_RANGE_HEAD, LIMIT, 0, FALSE },
		{ LIMIT, CD_FILE_RANGE_TAIL, LIMIT, 0, FALSE },
		{ LIMIT + 1, CD_FILE_RANGE_HEAD, LIMIT, 0, TRUE },
		{ LIMIT + 1, CD_FILE_RANGE_TAIL, LIMIT, 1, TRUE },
		{ 3 * LIMIT + 7, CD_FILE_RANGE_TAIL, LIMIT, 2 * LIMIT + 7, TRUE },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const RangeCase *c = &cases[i];
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = NULL;
		gint fd = make_file(c->size);
		gboolean cut = !c->cut;
		gsize len = G_MAXSIZE;

		g_test_message("size %" G_GSIZE_FORMAT ", %s",
			       c->size,
			       c->range == CD_FILE_RANGE_HEAD ? "head" : "tail");
		got = cd_file_read_range(fd, c->range, LIMIT, &len, &cut, &error);
		g_assert_no_error(error);
		g_assert_nonnull(got);
		g_assert_cmpuint(len, ==, c->len);
		g_assert_cmpint(cut, ==, c->cut);
		check_bytes(got, len, c->from);
		g_clear_pointer(&got, g_free);

		/* the whole file asked for: exactly the limit is read, one past it is not */
		got = cd_file_read_range(fd, c->range, LIMIT, &len, NULL, &error);
		if (c->size > LIMIT) {
			g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
			g_assert_null(got);
			g_assert_nonnull(strstr(error->message, "larger than the 4096 bytes"));
		} else {
			g_assert_no_error(error);
			g_assert_cmpuint(len, ==, c->size);
		}
		close(fd);
	}
}

/* a FIFO would block, a device never end: only a regular file is read */
static void
test_range_not_regular(void)
{
	g_autoptr(GError) error = NULL;
	gint fds[2];
	gint fd;
	gboolean cut = FALSE;

	g_assert_cmpint(pipe(fds), ==, 0);
	g_assert_null(cd_file_read_range(fds[0], CD_FILE_RANGE_HEAD, LIMIT, NULL, &cut, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	close(fds[0]);
	close(fds[1]);

	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_null(cd_file_read_range(fd, CD_FILE_RANGE_TAIL, LIMIT, NULL, &cut, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	close(fd);

	fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	g_assert_null(cd_file_read_range(fd, CD_FILE_RANGE_HEAD, LIMIT, NULL, &cut, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED);
	close(fd);
}

/*
 * a file that another thread shrinks, or grows, while it is read: every read is either a
 * range of the file as it was at some moment (bytes in their places, a cut tail a full
 * one) or an error saying that it changed, never the few bytes left of a range that went.
 * Each round is a new file, shrunk step by step from 3 limits to half of one, or grown
 * by appending from half a limit to 3; the contents of a byte never change.
 */
#define CHURN_LIMIT  (256 * 1024)
#define CHURN_ROUNDS 60
#define CHURN_STEP   4096

typedef struct {
	gboolean grow;
	gint fds[CHURN_ROUNDS];
	gint current; /* the file being changed, or -1 once all are done */
} Churn;

static gpointer
churn_thread(gpointer data)
{
	Churn *churn = data;
	g_autofree guint8 *buf = g_malloc(3 * CHURN_LIMIT);

	for (gsize i = 0; i < 3 * CHURN_LIMIT; i++)
		buf[i] = pattern(i);
	for (guint r = 0; r < CHURN_ROUNDS; r++) {
		gint fd = churn->fds[r];

		g_atomic_int_set(&churn->current, fd);
		if (churn->grow) {
			for (gsize at = CHURN_LIMIT / 2; at < 3 * CHURN_LIMIT; at += CHURN_STEP) {
				g_assert_cmpint(pwrite(fd, buf + at, CHURN_STEP, (off_t)at),
						==,
						CHURN_STEP);
				/* the reader gets its turn between two steps */
				g_usleep(20);
			}
		} else {
			for (gsize size = 3 * CHURN_LIMIT; size >= CHURN_LIMIT / 2;
			     size -= CHURN_STEP) {
				g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
				g_usleep(20);
			}
		}
	}
	g_atomic_int_set(&churn->current, -1);
	return NULL;
}

static void
test_range_changing(gconstpointer data)
{
	Churn churn = { GPOINTER_TO_INT(data), { 0 }, 0 };
	g_autoptr(GThread) thread = NULL;
	guint ok = 0;
	guint changed = 0;
	guint cut_heads = 0;
	gint fd;

	for (guint r = 0; r < CHURN_ROUNDS; r++)
		churn.fds[r] = make_file(churn.grow ? CHURN_LIMIT / 2 : 3 * CHURN_LIMIT);
	churn.current = churn.fds[0];
	thread = g_thread_new("churn", churn_thread, &churn);
	for (guint i = 0; (fd = g_atomic_int_get(&churn.current)) >= 0; i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = NULL;
		CdFileRange range = i % 2 ? CD_FILE_RANGE_TAIL : CD_FILE_RANGE_HEAD;
		gboolean cut = FALSE;
		gsize len = 0;

		got = cd_file_read_range(fd, range, CHURN_LIMIT, &len, &cut, &error);
		if (got == NULL) {
			g_assert_error(error, CD_ERROR, CD_ERROR_TRUNCATED);
			g_assert_nonnull(strstr(error->message, "changed while it was read"));
			changed++;
			continue;
		}
		ok++;
		g_assert_cmpuint(len, <=, CHURN_LIMIT);
		if (range == CD_FILE_RANGE_HEAD) {
			check_bytes(got, len, 0);
			if (cut && len < CHURN_LIMIT)
				cut_heads++;
		} else {
			check_bytes(got, len, len > 0 ? (guint64)(got[0] - 'a') : 0);
			if (cut)
				g_assert_cmpuint(len, ==, CHURN_LIMIT);
		}
	}
	g_thread_join(g_steal_pointer(&thread));
	for (guint r = 0; r < CHURN_ROUNDS; r++)
		close(churn.fds[r]);
	g_test_message("%u reads of a file %s, %u said it changed, %u heads of a grown one cut",
		       ok + changed,
		       churn.grow ? "growing" : "shrinking",
		       changed,
		       cut_heads);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/file-range/edges", test_range_edges);
	g_test_add_func("/capture/file-range/not-regular", test_range_not_regular);
	g_test_add_data_func("/capture/file-range/shrinking",
			     GINT_TO_POINTER(FALSE),
			     test_range_changing);
	g_test_add_data_func("/capture/file-range/growing",
			     GINT_TO_POINTER(TRUE),
			     test_range_changing);
	return g_test_run();
}
