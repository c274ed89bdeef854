/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-c/json.h>
#include <string.h>

#include "cd-cleanup.h"
#include "cd-test-run.h"
#include "cd-test-util.h"
#include "cd-text.h"

/*
 * What `crashdesk dmesg` and `crashdesk save` make of text from the crashed kernel that
 * a terminal would act on, and of a crash time no date can hold, in the vmcores
 * tests/fixtures/gen-vmcore.py writes: an oops whose task name holds ESC[8m, an OSC 0
 * title and an OSC 52 clipboard write, in the lockless, the structured and the plain
 * pre-3.5 ring, and CRASHTIME=300000000000.
 */

static const gchar *crashdesk;
static const gchar *fixtures;

/* the task name as every summary shows it */
#define VISIBLE_COMM "\\x1b[8mx\\x1b]0;t\\x07\\x1b]52;c;ZXZpbA==\\x07"

/* crashdesk with @args */
static void
run(CdTestRun *r, const gchar *const *args)
{
	cd_test_run(r, crashdesk, args);
}

/* no byte a terminal acts on: printable ASCII or UTF-8, newline and tab only */
static void
assert_no_controls(const gchar *what, const gchar *data, gsize len)
{
	g_autofree gchar *copy = g_strndup(data, len);

	g_assert_cmpuint(strlen(copy), ==, len);
	if (!cd_text_is_visible(copy, CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS))
		g_test_fail_printf("%s holds a control character", what);
}

/* every string anywhere in meta.json, keys too */
static void
assert_json_visible(json_object *node)
{
	switch (json_object_get_type(node)) {
	case json_type_string:
		if (!cd_text_is_visible(json_object_get_string(node), CD_TEXT_FLAG_NONE)) {
			g_autofree gchar *shown = cd_text_make_visible(json_object_get_string(node),
								       -1,
								       CD_TEXT_FLAG_NONE);
			g_test_fail_printf("meta.json holds a control character: %s", shown);
		}
		break;
	case json_type_array:
		for (gsize i = 0; i < json_object_array_length(node); i++)
			assert_json_visible(json_object_array_get_idx(node, i));
		break;
	case json_type_object: {
		json_object_object_foreach(node, key, value)
		{
			g_assert_true(cd_text_is_visible(key, CD_TEXT_FLAG_NONE));
			assert_json_visible(value);
		}
		break;
	}
	default:
		break;
	}
}

/* the one report under @root */
static gchar *
report_dir(const gchar *root)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(root, 0, &error);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	g_assert_no_error(error);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.')
			g_ptr_array_add(ids, g_strdup(name));
	}
	g_assert_cmpuint(ids->len, ==, 1);
	return g_build_filename(root, g_ptr_array_index(ids, 0), NULL);
}

static gchar *
read_file(const gchar *dir, const gchar *name, gsize *len)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;

	g_assert_true(g_file_get_contents(path, &data, len, &error));
	g_assert_no_error(error);
	return data;
}

static json_object *
read_meta(const gchar *dir)
{
	g_autofree gchar *data = read_file(dir, "meta.json", NULL);
	json_object *meta = json_tokener_parse(data);

	g_assert_nonnull(meta);
	return meta;
}

static const gchar *
json_path_string(json_object *root, const gchar *object, const gchar *key)
{
	json_object *node = root;
	json_object *value = NULL;

	if (object != NULL)
		g_assert_true(json_object_object_get_ex(root, object, &node));
	if (!json_object_object_get_ex(node, key, &value) || value == NULL)
		return NULL;
	return json_object_get_string(value);
}

/* the hostile task name in every ring format: shown visible, filed visible, the same
 * fields and signature from each, and dmesg.txt the bytes as vmcore-dmesg prints them */
static void
test_hostile_comm(void)
{
	const gchar *rings[] = { "lockless", "legacy", "plain" };
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-dmesg-save-XXXXXX", NULL);
	g_autofree gchar *signature = NULL;

	g_assert_nonnull(tmp);
	for (guint i = 0; i < G_N_ELEMENTS(rings); i++) {
		g_autofree gchar *name = g_strdup_printf("hostile-comm-%s.vmcore", rings[i]);
		g_autofree gchar *vmcore = g_build_filename(fixtures, name, NULL);
		g_autofree gchar *root = g_build_filename(tmp, rings[i], NULL);
		g_autofree gchar *dir = NULL;
		g_autofree gchar *dmesg_txt = NULL;
		g_autofree gchar *apport = NULL;
		g_autoptr(json_object) meta = NULL;
		gsize dmesg_len = 0;
		gsize apport_len = 0;
		g_auto(CdTestRun) shown = { 0 };
		g_auto(CdTestRun) raw = { 0 };
		g_auto(CdTestRun) save = { 0 };

		g_test_message("the %s ring", rings[i]);

		/* crashdesk dmesg: for a person, whatever the ring */
		run(&shown, (const gchar *[]){ "dmesg", vmcore, NULL });
		g_assert_cmpint(shown.status, ==, 0);
		assert_no_controls("crashdesk dmesg's output", shown.out, shown.out_len);
		g_assert_nonnull(strstr(shown.out, "Comm: " VISIBLE_COMM " Not tainted"));
		g_assert_nonnull(strstr(shown.out, "evil.service\\x0dStarted good.service"));

		/* crashdesk save --no-dump: meta.json and report.crash hold no control */
		run(&save,
		    (const gchar
			     *[]){ "save", "--no-dump", "--input", vmcore, "--dir", root, NULL });
		g_assert_cmpint(save.status, ==, 0);
		dir = report_dir(root);
		meta = read_meta(dir);
		assert_json_visible(meta);
		g_assert_cmpstr(json_path_string(meta, "crash", "comm"), ==, VISIBLE_COMM);
		g_assert_cmpstr(json_path_string(meta, "crash", "kind"), ==, "oops");
		apport = read_file(dir, "report.crash", &apport_len);
		assert_no_controls("report.crash", apport, apport_len);
		g_assert_nonnull(strstr(apport, "Comm: " VISIBLE_COMM " Not tainted"));
		g_assert_nonnull(strstr(apport, "evil.service\\x0dStarted good.service"));

		/* one bug, one signature, whichever ring it came from */
		if (signature == NULL)
			signature = g_strdup(json_path_string(meta, NULL, "signature"));
		g_assert_cmpstr(json_path_string(meta, NULL, "signature"), ==, signature);

		/* the evidence: dmesg.txt is vmcore-dmesg's text, byte for byte */
		run(&raw, (const gchar *[]){ "dmesg", "--raw", vmcore, NULL });
		g_assert_cmpint(raw.status, ==, 0);
		dmesg_txt = read_file(dir, "dmesg.txt", &dmesg_len);
		g_assert_cmpmem(dmesg_txt, dmesg_len, raw.out, raw.out_len);
		g_assert_nonnull(strstr(dmesg_txt, "evil.service\rStarted good.service"));
		if (g_strcmp0(rings[i], "plain") == 0)
			g_assert_nonnull(strstr(dmesg_txt, "Comm: \033[8mx\033]0;t\a\033]52;"));
		else
			g_assert_nonnull(strstr(dmesg_txt, "Comm: " VISIBLE_COMM));
	}
	cd_test_rm_rf(tmp);
}

/* a plain ring with a byte that is not UTF-8: apport's text must be UTF-8, so a raw log
 * in report.crash cost the whole save; the log goes there made visible */
static void
test_plain_not_utf8(void)
{
	g_autofree gchar *vmcore =
		g_build_filename(fixtures, "hostile-plain-not-utf8.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-dmesg-save-XXXXXX", NULL);
	g_autofree gchar *dir = NULL;
	g_autofree gchar *apport = NULL;
	g_autofree gchar *dmesg_txt = NULL;
	g_autoptr(json_object) meta = NULL;
	gsize apport_len = 0;
	gsize dmesg_len = 0;
	g_auto(CdTestRun) save = { 0 };
	g_auto(CdTestRun) shown = { 0 };
	g_auto(CdTestRun) raw = { 0 };

	run(&save, (const gchar *[]){ "save", "--no-dump", "--input", vmcore, "--dir", tmp, NULL });
	g_assert_cmpint(save.status, ==, 0);
	dir = report_dir(tmp);
	meta = read_meta(dir);
	assert_json_visible(meta);
	g_assert_cmpstr(json_path_string(meta, "crash", "comm"), ==, "caf\\xff\\u009b2J");
	apport = read_file(dir, "report.crash", &apport_len);
	assert_no_controls("report.crash", apport, apport_len);
	g_assert_nonnull(strstr(apport, "Comm: caf\\xff\\u009b2J Not tainted"));

	/* dmesg.txt: the bytes as they are; crashdesk dmesg: escaped byte by byte */
	run(&raw, (const gchar *[]){ "dmesg", "--raw", vmcore, NULL });
	dmesg_txt = read_file(dir, "dmesg.txt", &dmesg_len);
	g_assert_cmpmem(dmesg_txt, dmesg_len, raw.out, raw.out_len);
	g_assert_nonnull(strstr(dmesg_txt,
				"Comm: caf\xff\xc2\x9b"
				"2J Not tainted"));
	run(&shown, (const gchar *[]){ "dmesg", vmcore, NULL });
	g_assert_cmpint(shown.status, ==, 0);
	assert_no_controls("crashdesk dmesg's output", shown.out, shown.out_len);
	g_assert_nonnull(strstr(shown.out, "Comm: caf\\xff\\xc2\\x9b2J Not tainted"));
	cd_test_rm_rf(tmp);
}

/* CRASHTIME in the year 11476: the report is saved, dated with the time of capture */
static void
test_crash_time_after_9999(void)
{
	g_autofree gchar *vmcore = g_build_filename(fixtures, "crashtime-after-9999.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-dmesg-save-XXXXXX", NULL);
	g_autofree gchar *dir = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *id_day = NULL;
	g_autoptr(json_object) meta = NULL;
	json_object *warnings = NULL;
	json_object *crash = NULL;
	json_object *time = NULL;
	const gchar *captured_at;
	const gchar *warning;
	g_auto(CdTestRun) save = { 0 };

	run(&save, (const gchar *[]){ "save", "--no-dump", "--input", vmcore, "--dir", tmp, NULL });
	g_assert_cmpint(save.status, ==, 0);
	g_assert_nonnull(strstr(save.err,
				"warning: VMCOREINFO's CRASHTIME 300000000000 is "
				"after the year 9999"));
	dir = report_dir(tmp);
	meta = read_meta(dir);

	/* the crash time is unknown; the id is the capture's time */
	g_assert_true(json_object_object_get_ex(meta, "crash", &crash));
	g_assert_true(json_object_object_get_ex(crash, "time", &time));
	g_assert_null(time);
	captured_at = json_path_string(meta, NULL, "captured_at");
	g_assert_nonnull(captured_at);
	id = g_path_get_basename(dir);
	g_assert_cmpstr(json_path_string(meta, NULL, "id"), ==, id);
	/* "2026-12-07T15:51:11Z" and "20261207-155111-..." */
	id_day = g_strdup_printf("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ",
				 id,
				 id + 4,
				 id + 6,
				 id + 9,
				 id + 11,
				 id + 13);
	/* the id is taken when the report begins, captured_at when it is finished: the
	 * clock may tick between the two */
	{
		g_autoptr(GDateTime) begun = g_date_time_new_from_iso8601(id_day, NULL);
		g_autoptr(GDateTime) finished = g_date_time_new_from_iso8601(captured_at, NULL);
		GTimeSpan apart;

		g_assert_nonnull(begun);
		g_assert_nonnull(finished);
		apart = g_date_time_difference(finished, begun);
		g_assert_cmpint(apart, >=, 0);
		g_assert_cmpint(apart, <=, 5 * G_TIME_SPAN_SECOND);
	}

	g_assert_true(json_object_object_get_ex(meta, "warnings", &warnings));
	g_assert_cmpuint(json_object_array_length(warnings), ==, 1);
	warning = json_object_get_string(json_object_array_get_idx(warnings, 0));
	g_assert_nonnull(strstr(warning, "CRASHTIME 300000000000 is after the year 9999"));
	g_assert_nonnull(strstr(warning, "time of capture"));

	/* the log and the analysis are all there */
	g_assert_cmpstr(json_path_string(meta, "crash", "kind"), ==, "sysrq");
	cd_test_rm_rf(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	crashdesk = g_getenv("CRASHDESK");
	fixtures = g_getenv("CRASHDESK_FIXTURES");
	if (crashdesk == NULL || fixtures == NULL) {
		g_printerr(
			"CRASHDESK and CRASHDESK_FIXTURES are not set: run through meson test\n");
		return 1;
	}
	g_test_add_func("/capture/dmesg-save/hostile-comm", test_hostile_comm);
	g_test_add_func("/capture/dmesg-save/plain-not-utf8", test_plain_not_utf8);
	g_test_add_func("/capture/dmesg-save/crash-time-after-9999", test_crash_time_after_9999);
	return g_test_run();
}
