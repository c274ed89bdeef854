/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-report-store.h"
#include "cd-report-writer.h"

typedef struct {
	gchar *tmp;
	gchar *root;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	f->tmp = g_dir_make_tmp("crashdesk-store-XXXXXX", NULL);
	g_assert_nonnull(f->tmp);
	f->root = g_build_filename(f->tmp, "crash", "kernel", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	g_autofree gchar *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->root);
	g_free(f->tmp);
}

static CdReportStore *
make_store(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	CdReportStore *store = cd_report_store_new(f->root, CD_REPORT_STORE_FLAG_CREATE, &error);
	g_assert_no_error(error);
	g_assert_nonnull(store);
	return store;
}

static void
add_report(CdReportStore *store, const gchar *id, gsize dmesg_size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportWriter) w = cd_report_store_begin(store, id, &error);
	g_autofree gchar *dmesg = g_malloc0(dmesg_size + 1);

	g_assert_no_error(error);
	memset(dmesg, 'x', dmesg_size);
	g_assert_true(cd_report_writer_add_file(w, CD_REPORT_FILE_META, "{}", 2, &error));
	g_assert_true(
		cd_report_writer_add_file(w, CD_REPORT_FILE_DMESG, dmesg, dmesg_size, &error));
	g_assert_true(cd_report_writer_commit(w, &error));
	g_assert_no_error(error);
}

static void
test_report_id(void)
{
	const gchar *valid[] = { "20261122-141530-3f2a9c1e", "19700101-000000-00000000" };
	const gchar *invalid[] = { "",
				   "20261122-141530-3F2A9C1E",
				   "20261122-141530-3f2a9c1",
				   "20261122-141530-3f2a9c1e0",
				   "20261122_141530-3f2a9c1e",
				   "../../../etc/passwd.....",
				   "20261122-14153a-3f2a9c1e",
				   "2026112-2141530-3f2a9c1e",
				   ".partial-20261122-141530",
				   NULL };
	g_autoptr(GDateTime) t = g_date_time_new_utc(2026, 11, 22, 14, 15, 30);
	g_autofree gchar *a = cd_report_id_new(t, "3f2a9c1e");
	g_autofree gchar *b = cd_report_id_new(t, NULL);

	for (gsize i = 0; i < G_N_ELEMENTS(valid); i++)
		g_assert_true(cd_report_id_is_valid(valid[i]));
	for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++)
		g_assert_false(cd_report_id_is_valid(invalid[i]));
	g_assert_cmpstr(a, ==, "20261122-141530-3f2a9c1e");
	g_assert_true(cd_report_id_is_valid(b));
	g_assert_true(g_str_has_prefix(b, "20261122-141530-"));
}

static void
test_store_create(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GPtrArray) ids = NULL;
	struct stat st;

	g_assert_cmpint(g_stat(f->root, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	g_assert_cmpint(st.st_uid, ==, geteuid());
	ids = cd_report_store_list(store, NULL);
	g_assert_cmpuint(ids->len, ==, 0);
}

static void
test_store_refuses_unsafe_root(Fixture *f, gconstpointer data)
{
	g_autofree gchar *real = g_build_filename(f->tmp, "real", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportStore) open = NULL;
	g_autoptr(CdReportStore) linked = NULL;

	/* open to others */
	g_assert_cmpint(g_mkdir_with_parents(f->root, 0755), ==, 0);
	g_assert_cmpint(g_chmod(f->root, 0755), ==, 0);
	open = cd_report_store_new(f->root, CD_REPORT_STORE_FLAG_CREATE, &error);
	g_assert_null(open);
	g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "chmod 0700"));
	g_clear_error(&error);

	/* a symbolic link, even to a good directory */
	g_assert_cmpint(g_rmdir(f->root), ==, 0);
	g_assert_cmpint(g_mkdir(real, 0700), ==, 0);
	g_assert_cmpint(symlink(real, f->root), ==, 0);
	linked = cd_report_store_new(f->root, CD_REPORT_STORE_FLAG_CREATE, &error);
	g_assert_null(linked);
	g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "symbolic link"));
}

static void
test_store_refuses_foreign_owner(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportStore) store = NULL;

	if (geteuid() != 0) {
		g_test_skip("needs root to give the root away");
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(f->root, 0700), ==, 0);
	g_assert_cmpint(chown(f->root, 65534, 65534), ==, 0);
	store = cd_report_store_new(f->root, CD_REPORT_STORE_FLAG_NONE, &error);
	g_assert_null(store);
	g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "owned by uid 65534"));
	g_assert_nonnull(strstr(error->message, "chown root:"));
}

static void
test_store_write_atomic(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) during = NULL;
	g_autoptr(GPtrArray) after = NULL;
	g_autofree gchar *meta = NULL;
	gsize meta_len = 0;
	g_autoptr(CdReportWriter) w =
		cd_report_store_begin(store, "20261122-141530-0000000a", &error);
	g_autofree gchar *dir = g_build_filename(f->root, "20261122-141530-0000000a", NULL);
	g_autofree gchar *file = g_build_filename(dir, CD_REPORT_FILE_META, NULL);
	struct stat st;

	g_assert_no_error(error);
	g_assert_true(cd_report_writer_add_file(w, CD_REPORT_FILE_META, "{\"a\":1}", 7, &error));
	/* while it is written, the report does not exist for readers */
	during = cd_report_store_list(store, &error);
	g_assert_cmpuint(during->len, ==, 0);
	g_assert_false(cd_report_store_has(store, "20261122-141530-0000000a"));
	/* a name is written once */
	g_assert_false(cd_report_writer_add_file(w, CD_REPORT_FILE_META, "{}", 2, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST);
	g_clear_error(&error);
	g_assert_true(cd_report_writer_commit(w, &error));
	g_assert_no_error(error);

	after = cd_report_store_list(store, &error);
	g_assert_cmpuint(after->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(after, 0), ==, "20261122-141530-0000000a");
	g_assert_cmpint(g_stat(dir, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	g_assert_cmpint(g_stat(file, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0600);
	meta = cd_report_store_read_range(store,
					  "20261122-141530-0000000a",
					  CD_REPORT_FILE_META,
					  CD_FILE_RANGE_HEAD,
					  CD_REPORT_MAX_META_SIZE,
					  &meta_len,
					  NULL,
					  &error);
	g_assert_no_error(error);
	g_assert_cmpmem(meta, meta_len, "{\"a\":1}", 7);

	/* never over an existing report */
	g_clear_object(&w);
	w = cd_report_store_begin(store, "20261122-141530-0000000a", &error);
	g_assert_null(w);
	g_assert_error(error, CD_ERROR, CD_ERROR_EXISTS);
}

static void
test_store_abort_and_leftovers(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *partial =
		g_build_filename(f->root, ".partial-20261122-141530-0000000b", NULL);
	g_autofree gchar *leftover =
		g_build_filename(f->root, ".partial-20200101-000000-00000000", NULL);
	g_autofree gchar *leftover_file = g_build_filename(leftover, "dmesg.txt", NULL);
	guint removed = 0;

	{
		g_autoptr(CdReportWriter) w =
			cd_report_store_begin(store, "20261122-141530-0000000b", &error);
		g_assert_no_error(error);
		g_assert_true(cd_report_writer_add_file(w, CD_REPORT_FILE_DMESG, "x", 1, &error));
		g_assert_true(g_file_test(partial, G_FILE_TEST_IS_DIR));
		/* dropped without commit */
	}
	g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
	g_assert_false(cd_report_store_has(store, "20261122-141530-0000000b"));

	/* what a killed writer leaves is removed by the next */
	g_assert_cmpint(g_mkdir(leftover, 0700), ==, 0);
	g_assert_true(g_file_set_contents(leftover_file, "half", -1, NULL));
	g_assert_true(cd_report_store_remove_leftovers(store, &removed, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(removed, ==, 1);
	g_assert_false(g_file_test(leftover, G_FILE_TEST_EXISTS));
}

static void
test_store_planted_links(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bytes = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *fake = g_build_filename(f->root, "20261122-141530-000000cc", NULL);

	add_report(store, "20261122-141530-000000aa", 10);
	/* a link in place of a file of a report is not followed */
	meta = g_build_filename(f->root, "20261122-141530-000000aa", CD_REPORT_FILE_STATE, NULL);
	g_assert_cmpint(symlink("/etc/shadow", meta), ==, 0);
	bytes = cd_report_store_read_range(store,
					   "20261122-141530-000000aa",
					   CD_REPORT_FILE_STATE,
					   CD_FILE_RANGE_HEAD,
					   4096,
					   NULL,
					   NULL,
					   &error);
	g_assert_null(bytes);
	g_assert_nonnull(error);
	g_clear_error(&error);
	/* a link in place of a report is not a report */
	g_assert_cmpint(symlink("/etc", fake), ==, 0);
	g_assert_false(cd_report_store_has(store, "20261122-141530-000000cc"));
	g_assert_cmpint(cd_report_store_open_file(store,
						  "20261122-141530-000000cc",
						  CD_REPORT_FILE_META,
						  &error),
			==,
			-1);
	g_assert_nonnull(error);
	g_clear_error(&error);
	/* nor does an id with a path in it reach anything */
	g_assert_null(cd_report_store_read_range(store,
						 "../../../etc",
						 "passwd",
						 CD_FILE_RANGE_HEAD,
						 4096,
						 NULL,
						 NULL,
						 &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

static void
test_store_size_limit(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bytes = NULL;
	g_autofree gchar *tail = NULL;
	gboolean cut = FALSE;
	gsize len = 0;

	add_report(store, "20261122-141530-000000aa", 5000);
	/* the whole file asked for: a larger one is an error naming it */
	bytes = cd_report_store_read_range(store,
					   "20261122-141530-000000aa",
					   CD_REPORT_FILE_DMESG,
					   CD_FILE_RANGE_HEAD,
					   4096,
					   NULL,
					   NULL,
					   &error);
	g_assert_null(bytes);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "dmesg.txt of report 20261122-141530-000000aa"));
	g_clear_error(&error);
	/* a part asked for: its end, and that the start was cut */
	tail = cd_report_store_read_range(store,
					  "20261122-141530-000000aa",
					  CD_REPORT_FILE_DMESG,
					  CD_FILE_RANGE_TAIL,
					  4096,
					  &len,
					  &cut,
					  &error);
	g_assert_no_error(error);
	g_assert_cmpuint(len, ==, 4096);
	g_assert_true(cut);
}

static void
test_store_delete_and_retention(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) removed = NULL;
	g_autoptr(GPtrArray) left = NULL;

	for (guint i = 0; i < 5; i++) {
		g_autofree gchar *id = g_strdup_printf("2026112%u-000000-0000000%u", i, i);
		add_report(store, id, 64 * 1024);
	}
	g_assert_true(cd_report_store_delete(store, "20261120-000000-00000000", &error));
	g_assert_no_error(error);
	g_assert_false(cd_report_store_delete(store, "20261120-000000-00000000", &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	removed = cd_report_store_apply_retention(store, 2, 0, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(removed->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(removed, 0), ==, "20261121-000000-00000001");
	g_assert_cmpstr(g_ptr_array_index(removed, 1), ==, "20261122-000000-00000002");
	g_clear_pointer(&removed, g_ptr_array_unref);

	/* a size no report fits: all go but the newest */
	removed = cd_report_store_apply_retention(store, 0, 1, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(removed->len, ==, 1);
	left = cd_report_store_list(store, &error);
	g_assert_cmpuint(left->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(left, 0), ==, "20261124-000000-00000004");
}

static void
test_store_state(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;
	gsize len = 0;
	const gchar *id = "20261122-141530-000000aa";

	add_report(store, id, 10);
	g_assert_true(cd_report_store_write_state(store, id, "{\"seen\":false}", 14, &error));
	first = cd_report_store_read_state(store, id, &len, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(first, len, "{\"seen\":false}", 14);
	/* the one file that is replaced, atomically */
	g_assert_true(cd_report_store_write_state(store, id, "{\"seen\":true}", 13, &error));
	second = cd_report_store_read_state(store, id, &len, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(second, len, "{\"seen\":true}", 13);
	g_assert_false(
		cd_report_store_write_state(store, "20261122-141530-000000ff", "{}", 2, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
}

/* a change that cannot take the lock within the store's bound answers "busy" in time */
static void
test_store_lock_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(CdReportStore) other = make_store(f);
	g_autoptr(CdReportWriter) w = NULL;
	gint64 start;
	gint64 elapsed;

	add_report(store, "20261120-000000-00000000", 10);
	/* a save in progress holds the lock for as long as its writer lives */
	w = cd_report_store_begin(store, "20261121-000000-00000000", &error);
	g_assert_no_error(error);
	cd_report_store_set_lock_timeout(other, 200);
	start = g_get_monotonic_time();
	g_assert_false(cd_report_store_delete(other, "20261120-000000-00000000", &error));
	elapsed = g_get_monotonic_time() - start;
	g_assert_error(error, CD_ERROR, CD_ERROR_BUSY);
	g_assert_cmpint(elapsed, >=, 200 * 1000);
	g_assert_cmpint(elapsed, <, 2 * G_USEC_PER_SEC);
	g_assert_true(cd_report_store_has(other, "20261120-000000-00000000"));
	g_clear_error(&error);
	/* once the save is done, the same call goes through */
	g_clear_object(&w);
	g_assert_true(cd_report_store_delete(other, "20261120-000000-00000000", &error));
	g_assert_no_error(error);
}

static gboolean
warnings_have(GPtrArray *warnings, const gchar *a, const gchar *b)
{
	for (guint i = 0; i < warnings->len; i++) {
		const gchar *w = g_ptr_array_index(warnings, i);
		if (strstr(w, a) != NULL && (b == NULL || strstr(w, b) != NULL))
			return TRUE;
	}
	return FALSE;
}

/* the installed layout: the root one level below a private directory of its own */
static void
test_store_hidden_layout(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autofree gchar *parent = g_path_get_dirname(f->root);
	struct stat st;

	store = cd_report_store_new(f->root,
				    CD_REPORT_STORE_FLAG_CREATE | CD_REPORT_STORE_FLAG_HIDDEN,
				    &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(parent, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	warnings = cd_report_store_take_warnings(store);
	g_assert_cmpuint(warnings->len, ==, 0);
	g_clear_object(&store);
	g_clear_pointer(&warnings, g_ptr_array_unref);

	/* a hiding level open to others is the store's to close, with a word */
	g_assert_cmpint(g_chmod(parent, 0755), ==, 0);
	store = cd_report_store_new(f->root,
				    CD_REPORT_STORE_FLAG_CREATE | CD_REPORT_STORE_FLAG_HIDDEN,
				    &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(parent, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 07777, ==, 0700);
	warnings = cd_report_store_take_warnings(store);
	g_assert_true(warnings_have(warnings, "was mode 0755", "made it mode 0700"));
	g_clear_pointer(&warnings, g_ptr_array_unref);
	/* taken once */
	warnings = cd_report_store_take_warnings(store);
	g_assert_cmpuint(warnings->len, ==, 0);
	g_clear_object(&store);

	/* but a hiding level that is a link is refused, as a root that is one */
	{
		g_autofree gchar *real = g_build_filename(f->tmp, "elsewhere", NULL);
		g_assert_cmpint(g_rename(parent, real), ==, 0);
		g_assert_cmpint(symlink(real, parent), ==, 0);
		store = cd_report_store_new(f->root,
					    CD_REPORT_STORE_FLAG_CREATE |
						    CD_REPORT_STORE_FLAG_HIDDEN,
					    &error);
		g_assert_null(store);
		g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
		g_assert_nonnull(strstr(error->message, "symbolic link"));
	}
}

/* the old layout: reports directly in the hiding level, moved into the root */
static void
test_store_old_layout(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(CdReportStore) old = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autofree gchar *parent = g_path_get_dirname(f->root);
	g_autofree gchar *clash = g_build_filename(f->root, "20261120-000000-00000002", NULL);
	g_autofree gchar *notes = g_build_filename(parent, "notes.txt", NULL);
	g_autofree gchar *partial =
		g_build_filename(parent, ".partial-20261120-000000-0000000f", NULL);
	const CdReportStoreFlags hidden = CD_REPORT_STORE_FLAG_CREATE | CD_REPORT_STORE_FLAG_HIDDEN;
	guint count = 99;
	struct stat before;
	struct stat after;

	/* what an older version wrote, with the parent as its root */
	g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
	old = cd_report_store_new(parent, CD_REPORT_STORE_FLAG_NONE, &error);
	g_assert_no_error(error);
	add_report(old, "20261120-000000-00000001", 10);
	add_report(old, "20261120-000000-00000002", 10);
	g_clear_object(&old);
	g_assert_cmpint(g_mkdir(partial, 0700), ==, 0);
	g_assert_true(g_file_set_contents(notes, "mine", -1, NULL));
	/* a report of that name already in the root: the old one must not replace it */
	g_assert_cmpint(g_mkdir_with_parents(clash, 0700), ==, 0);

	g_assert_true(cd_report_store_find_old_layout(f->root, &count, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 3);
	{
		g_autofree gchar *one = g_build_filename(parent, "20261120-000000-00000001", NULL);
		g_assert_cmpint(g_stat(one, &before), ==, 0);
	}

	store = cd_report_store_new(f->root, hidden, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(cd_report_store_get_moved(store), ==, 2);
	warnings = cd_report_store_take_warnings(store);
	g_assert_true(warnings_have(warnings, "20261120-000000-00000002", "stays where it is"));
	ids = cd_report_store_list(store, &error);
	g_assert_cmpuint(ids->len, ==, 2);
	/* renamed, not copied */
	{
		g_autofree gchar *one = g_build_filename(f->root, "20261120-000000-00000001", NULL);
		g_assert_cmpint(g_stat(one, &after), ==, 0);
		g_assert_cmpuint(before.st_ino, ==, after.st_ino);
	}
	/* the leftover came along and goes with the next sweep */
	g_assert_true(cd_report_store_remove_leftovers(store, NULL, &error));
	g_clear_pointer(&warnings, g_ptr_array_unref);
	warnings = cd_report_store_take_warnings(store);
	g_assert_true(warnings_have(warnings, "removed", ".partial-20261120-000000-0000000f"));
	/* what is not crashdesk's is left alone; the clash is still there to be seen */
	g_assert_true(g_file_test(notes, G_FILE_TEST_IS_REGULAR));
	g_assert_true(cd_report_store_find_old_layout(f->root, &count, &error));
	g_assert_cmpuint(count, ==, 1);
}

/* a leftover larger than one sweep's bound goes over several saves, none failing */
static void
test_store_sweep_bound(Fixture *f, gconstpointer data)
{
	g_autoptr(CdReportStore) store = make_store(f);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) warnings = NULL;
	g_autofree gchar *doomed =
		g_build_filename(f->root, ".deleting-20261120-000000-00000001", NULL);
	guint removed = 0;

	g_assert_cmpint(g_mkdir(doomed, 0700), ==, 0);
	for (guint i = 0; i < CD_REPORT_STORE_SWEEP_MAX_ENTRIES + 100; i++) {
		g_autofree gchar *name = g_strdup_printf("%s/%u", doomed, i);
		gint fd = g_open(name, O_WRONLY | O_CREAT | O_EXCL, 0600);
		g_assert_cmpint(fd, >=, 0);
		close(fd);
	}
	{
		g_autoptr(CdReportWriter) w =
			cd_report_store_begin(store, "20261121-000000-00000001", &error);
		g_assert_no_error(error);
		g_assert_nonnull(w);
	}
	warnings = cd_report_store_take_warnings(store);
	g_assert_true(warnings_have(warnings, "left", "removed the next time"));
	g_assert_true(g_file_test(doomed, G_FILE_TEST_IS_DIR));
	g_assert_true(cd_report_store_remove_leftovers(store, &removed, &error));
	g_assert_cmpuint(removed, ==, 1);
	g_assert_false(g_file_test(doomed, G_FILE_TEST_EXISTS));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/report-store/id", test_report_id);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
	ADD("/capture/report-store/create", test_store_create);
	ADD("/capture/report-store/unsafe-root", test_store_refuses_unsafe_root);
	ADD("/capture/report-store/foreign-owner", test_store_refuses_foreign_owner);
	ADD("/capture/report-store/write-atomic", test_store_write_atomic);
	ADD("/capture/report-store/abort-and-leftovers", test_store_abort_and_leftovers);
	ADD("/capture/report-store/planted-links", test_store_planted_links);
	ADD("/capture/report-store/size-limit", test_store_size_limit);
	ADD("/capture/report-store/delete-and-retention", test_store_delete_and_retention);
	ADD("/capture/report-store/state", test_store_state);
	ADD("/capture/report-store/lock-timeout", test_store_lock_timeout);
	ADD("/capture/report-store/hidden-layout", test_store_hidden_layout);
	ADD("/capture/report-store/old-layout", test_store_old_layout);
	ADD("/capture/report-store/sweep-bound", test_store_sweep_bound);
#undef ADD
	return g_test_run();
}
