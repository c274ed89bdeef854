/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>
#include <unistd.h>

#include "cd-file.h"
#include "cd-kdump-file.h"
#include "cd-kdump-writer.h"
#include "cd-test-run.h"
#include "cd-test-util.h"
#include "cd-vmcore.h"

/* Pages the segments of a vmcore cover only in part, as kexec-tools' loader describes
 * the RAM of a PC (0x1000-0x9fc00): tests/fixtures/gen-vmcore.py's partial-pages case,
 * whose .json has a digest of every page as the covered bytes plus zeros. The reader
 * must read them so, the dump writer must keep them whole and finish, and save must
 * count them in meta.json. */

#define DIRECT_MAP 0xffff888000000000ULL

static const gchar *crashdesk;
static gchar *vmcore_path;
static json_object *expected; /* the .json's "dump" */
static json_object *pages;    /* pfn (decimal string) -> sha256 */
static guint64 n_partial;

static json_object *
get_member(json_object *obj, const gchar *key)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value))
		g_error("the fixture's .json lacks \"%s\"", key);
	return value;
}

static CdVmcore *
open_vmcore(void)
{
	g_autoptr(GError) error = NULL;
	CdVmcore *vmcore = cd_vmcore_new_from_path(vmcore_path, &error);

	g_assert_no_error(error);
	g_assert_nonnull(vmcore);
	return vmcore;
}

static gchar *
page_digest(const guint8 *page)
{
	return g_compute_checksum_for_data(G_CHECKSUM_SHA256, page, 4096);
}

static gboolean
is_partial(guint64 pfn)
{
	json_object *list = get_member(expected, "partial_pfns");

	for (gsize i = 0; i < json_object_array_length(list); i++) {
		if ((guint64)json_object_get_int64(json_object_array_get_idx(list, i)) == pfn)
			return TRUE;
	}
	return FALSE;
}

/* every page through the windows, straight with pread(), and through the direct map */
static void
test_read(void)
{
	g_autoptr(CdVmcore) vmcore = open_vmcore();
	guint8 page[4096];
	guint checked = 0;

	json_object_object_foreach(pages, key, value)
	{
		guint64 pfn = g_ascii_strtoull(key, NULL, 10);
		const gchar *want = json_object_get_string(value);
		g_autoptr(GError) error = NULL;
		g_autofree gchar *got = NULL;
		g_autofree gchar *got_direct = NULL;

		g_assert_true(cd_vmcore_read_paddr(vmcore, pfn * 4096, page, sizeof(page), &error));
		g_assert_no_error(error);
		got = page_digest(page);
		g_assert_cmpstr(got, ==, want);
		memset(page, 0xaa, sizeof(page));
		g_assert_true(
			cd_vmcore_read_phys_direct(vmcore, pfn * 4096, page, sizeof(page), &error));
		g_assert_no_error(error);
		got_direct = page_digest(page);
		g_assert_cmpstr(got_direct, ==, want);
		checked++;
	}
	g_assert_cmpuint(checked, ==, 13);

	/* the hole in the middle of page 8, from its virtual address: zeros between the
	 * two segments' bytes */
	{
		g_autoptr(GError) error = NULL;
		guint8 buf[0x800];
		guint8 zero[0x400] = { 0 };

		g_assert_true(cd_vmcore_read_kvaddr(vmcore,
						    DIRECT_MAP + 0x8400,
						    buf,
						    sizeof(buf),
						    &error));
		g_assert_no_error(error);
		g_assert_cmpmem(buf + 0x400, 0x400, zero, 0x400);
		g_assert_false(buf[0] == 0 && buf[1] == 0 && buf[2] == 0 && buf[3] == 0);
	}
	/* a read that runs from the partial page 3 into page 4, which no segment touches,
	 * is not in the dump */
	{
		g_autoptr(GError) error = NULL;
		guint8 buf[0x800];

		g_assert_false(cd_vmcore_read_paddr(vmcore, 0x3c00, buf, sizeof(buf), &error));
		g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
		g_assert_nonnull(strstr(error->message, "0x4000"));
	}
}

static void
test_ranges(void)
{
	g_autoptr(CdVmcore) vmcore = open_vmcore();
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(cd_vmcore_count_partial_pages(vmcore, 0, 1ULL << 40), ==, n_partial);
	for (guint64 pfn = 0; pfn < 0x10; pfn++)
		g_assert_cmpuint(cd_vmcore_count_partial_pages(vmcore, pfn, 1),
				 ==,
				 is_partial(pfn) ? 1 : 0);

	/* the uncovered end of page 3 is described (it reads as zeros) but not stored */
	g_assert_true(cd_vmcore_check_kvaddr_range(vmcore,
						   DIRECT_MAP + 0x3000,
						   0x1000,
						   CD_VMCORE_RANGE_DESCRIBED,
						   "the test range",
						   &error));
	g_assert_no_error(error);
	g_assert_false(cd_vmcore_check_kvaddr_range(vmcore,
						    DIRECT_MAP + 0x3000,
						    0x1000,
						    CD_VMCORE_RANGE_IN_FILE,
						    "the test range",
						    &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "the test range"));
	g_clear_error(&error);
	g_assert_false(cd_vmcore_check_kvaddr_range(vmcore,
						    DIRECT_MAP + 0x3000,
						    0x1001,
						    CD_VMCORE_RANGE_DESCRIBED,
						    "the test range",
						    &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
}

/* the writer keeps every page whole and finishes; the dump reads back page for page */
static void
test_write(gconstpointer data)
{
	guint level = GPOINTER_TO_UINT(data);
	g_autoptr(CdVmcore) vmcore = open_vmcore();
	g_autoptr(CdKdumpWriter) writer = NULL;
	g_autoptr(CdKdumpFile) kdump = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = NULL;
	const CdKdumpWriterResult *result;
	guint8 page[4096];
	guint64 n_pages = (guint64)json_object_object_length(pages);
	gint fd;

	writer = cd_kdump_writer_new(vmcore, level, &error);
	g_assert_no_error(error);
	cd_kdump_writer_set_threads(writer, 1);
	g_assert_true(cd_kdump_writer_plan(writer, &error));
	g_assert_no_error(error);
	fd = g_file_open_tmp("crashdesk-partial-XXXXXX", &path, &error);
	g_assert_no_error(error);
	g_assert_true(cd_kdump_writer_write(writer, fd, G_MAXUINT64, &error));
	g_assert_no_error(error);
	g_close(fd, NULL);
	result = cd_kdump_writer_get_result(writer);
	g_assert_cmpstr(result->incomplete_reason, ==, NULL);
	g_assert_true(result->complete);
	g_assert_cmpuint(result->pages_written, ==, n_pages);
	g_assert_cmpuint(result->pages_partial, ==, n_partial);

	fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, NULL, &error);
	g_assert_no_error(error);
	kdump = cd_kdump_file_new_from_fd(fd, path, &error);
	g_assert_no_error(error);
	g_assert_false(cd_kdump_file_is_incomplete(kdump));
	g_assert_cmpuint(cd_kdump_file_get_stored_pages(kdump), ==, n_pages);
	json_object_object_foreach(pages, key, value)
	{
		guint64 pfn = g_ascii_strtoull(key, NULL, 10);
		g_autofree gchar *got = NULL;

		g_assert_true(cd_kdump_file_read_paddr(kdump, pfn * 4096, page, 4096, &error));
		g_assert_no_error(error);
		got = page_digest(page);
		g_assert_cmpstr(got, ==, json_object_get_string(value));
	}
	g_unlink(path);
}

/* crashdesk save: a complete dump, and meta.json counts the partial pages */
static void
test_save(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *root = g_dir_make_tmp("crashdesk-partial-XXXXXX", &error);
	g_autofree gchar *meta_path = NULL;
	g_autofree gchar *text = NULL;
	g_auto(CdTestRun) save = { 0 };
	json_object *meta;
	json_object *dump;

	g_assert_no_error(error);
	cd_test_run(&save,
		    crashdesk,
		    (const gchar *[]){ "save",
				       "--keep-free",
				       "0",
				       "--input",
				       vmcore_path,
				       "--dir",
				       root,
				       NULL });
	g_assert_cmpint(save.status, ==, 0);
	meta_path = g_build_filename(g_strstrip(save.out), "meta.json", NULL);
	g_assert_true(g_file_get_contents(meta_path, &text, NULL, &error));
	g_assert_no_error(error);
	meta = json_tokener_parse(text);
	g_assert_nonnull(meta);
	dump = get_member(meta, "dump");
	g_assert_true(json_object_get_boolean(get_member(dump, "complete")));
	g_assert_cmpuint((guint64)json_object_get_int64(get_member(dump, "pages_written")),
			 ==,
			 (guint64)json_object_object_length(pages));
	g_assert_cmpuint((guint64)json_object_get_int64(get_member(dump, "partial_pages")),
			 ==,
			 n_partial);
	json_object_put(meta);
	cd_test_rm_rf(root);
}

int
main(int argc, char **argv)
{
	const gchar *dir = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *json_path = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	json_object *root;
	gint status;

	g_test_init(&argc, &argv, NULL);
	crashdesk = g_getenv("CRASHDESK");
	if (dir == NULL || crashdesk == NULL)
		g_error("CRASHDESK_FIXTURES and CRASHDESK must be set (meson test sets them)");
	vmcore_path = g_strdup_printf("%s/partial-pages.vmcore", dir);
	json_path = g_strdup_printf("%s/partial-pages.json", dir);
	if (!g_file_get_contents(json_path, &text, NULL, &error))
		g_error("%s", error->message);
	root = json_tokener_parse(text);
	expected = get_member(root, "dump");
	pages = get_member(expected, "pages");
	n_partial = json_object_array_length(get_member(expected, "partial_pfns"));

	g_test_add_func("/capture/vmcore/partial/read", test_read);
	g_test_add_func("/capture/vmcore/partial/ranges", test_ranges);
	g_test_add_data_func("/capture/kdump-writer/partial/level-0",
			     GUINT_TO_POINTER(0),
			     test_write);
	g_test_add_data_func("/capture/kdump-writer/partial/level-31",
			     GUINT_TO_POINTER(31),
			     test_write);
	g_test_add_func("/capture/save/partial/meta", test_save);
	status = g_test_run();
	/* expected and pages are parts of root */
	json_object_put(root);
	return status;
}
