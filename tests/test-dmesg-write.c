/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cd-dmesg.h"

/* cd_dmesg_write() as save uses it: counts and the tail kept while the text streams out */

static gchar *
expected_stdout(const gchar *name)
{
	g_autofree gchar *path =
		g_strdup_printf("%s/%s.json", g_getenv("CRASHDESK_FIXTURES"), name);
	g_autofree gchar *text = NULL;
	json_object *root;
	json_object *out;
	gchar *result;

	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	root = json_tokener_parse(text);
	g_assert_true(json_object_object_get_ex(root, "stdout", &out));
	result = g_strdup(json_object_get_string(out));
	json_object_put(root);
	return result;
}

static void
test_dmesg_write_tail(gconstpointer data)
{
	gsize tail_max = GPOINTER_TO_SIZE(data);
	g_autofree gchar *path =
		g_strdup_printf("%s/lockless-wraparound.vmcore", g_getenv("CRASHDESK_FIXTURES"));
	g_autofree gchar *expected = expected_stdout("lockless-wraparound");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcore) vmcore = cd_vmcore_new_from_path(path, &error);
	g_autoptr(GString) tail = g_string_new(NULL);
	CdDmesgResult result = { .tail_max = tail_max, .tail = tail };
	gint fd = memfd_create("dmesg", MFD_CLOEXEC);
	gsize len = strlen(expected);
	g_autofree gchar *written = NULL;
	guint64 lines = 0;
	const gchar *want;

	g_assert_no_error(error);
	g_assert_true(cd_dmesg_write(vmcore, fd, CD_DMESG_FLAG_NONE, &result, NULL, &error));
	g_assert_no_error(error);
	for (gsize i = 0; i < len; i++)
		lines += expected[i] == '\n';
	g_assert_cmpuint(result.lines, ==, lines);
	g_assert_cmpuint(result.bytes, ==, len);
	/* what went to the file is vmcore-dmesg's text, byte for byte */
	g_assert_cmpuint(lseek(fd, 0, SEEK_END), ==, len);
	written = g_malloc(len + 1);
	g_assert_cmpint(pread(fd, written, len, 0), ==, (gssize)len);
	written[len] = '\0';
	g_assert_cmpstr(written, ==, expected);
	close(fd);

	/* the tail: the last lines that fit whole in tail_max, or all of it */
	want = len <= tail_max ? expected : expected + len - tail_max;
	if (want != expected && want[-1] != '\n') {
		want = strchr(want, '\n');
		g_assert_nonnull(want);
		want++;
	}
	g_assert_cmpstr(tail->str, ==, want);
	g_assert_cmpuint(tail->len, <=, tail_max);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_assert_nonnull(g_getenv("CRASHDESK_FIXTURES"));
	g_test_add_data_func("/capture/dmesg/write/tail-small",
			     GSIZE_TO_POINTER(100),
			     test_dmesg_write_tail);
	/* flushes are 64 KiB: a tail smaller than one, and one spanning several */
	g_test_add_data_func("/capture/dmesg/write/tail-medium",
			     GSIZE_TO_POINTER(3000),
			     test_dmesg_write_tail);
	g_test_add_data_func("/capture/dmesg/write/tail-large",
			     GSIZE_TO_POINTER(1024 * 1024),
			     test_dmesg_write_tail);
	return g_test_run();
}
