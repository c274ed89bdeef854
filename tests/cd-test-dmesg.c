/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <json-c/json.h>
#include <string.h>
#include <sys/wait.h>

#include "cd-cleanup.h"
#include "cd-test-dmesg.h"


/* what `crashdesk dmesg` prints of vmcore-dmesg's @text for a person: every byte but
 * printable ASCII, newline and tab as \xNN (vmcore-dmesg's own escapes are printable) */
static gchar *
cd_test_dmesg_visible(const gchar *text, gsize len)
{
	GString *out = g_string_sized_new(len);

	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)text[i];
		if ((c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\t')
			g_string_append_c(out, (gchar)c);
		else
			g_string_append_printf(out, "\\x%02x", c);
	}
	return g_string_free(out, FALSE);
}

static void
cd_test_dmesg_run(const gchar *crashdesk,
		  const gchar *path,
		  json_object *root,
		  gint expected_exit,
		  gboolean raw)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *prefix = g_strdup_printf("%s: ", path);
	g_auto(GStrv) err_lines = NULL;
	const gchar *argv_raw[] = { crashdesk, "dmesg", "--raw", path, NULL };
	const gchar *argv_visible[] = { crashdesk, "dmesg", path, NULL };
	json_object *notes = NULL;
	json_object *node;
	gint wait_status = 0;

	if (!g_spawn_sync(NULL,
			  (gchar **)(raw ? argv_raw : argv_visible),
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  &err,
			  &wait_status,
			  &error)) {
		g_test_fail_printf("cannot run %s: %s", crashdesk, error->message);
		return;
	}
	g_test_message("%s%s: stderr: %s", path, raw ? " (--raw)" : "", err);

	g_assert_true(WIFEXITED(wait_status));
	g_assert_cmpint(WEXITSTATUS(wait_status), ==, expected_exit);
	if (json_object_object_get_ex(root, "stdout", &node) && node != NULL) {
		const gchar *expected = json_object_get_string(node);
		gsize len = (gsize)json_object_get_string_len(node);
		if (raw) {
			g_assert_cmpmem(out, strlen(out), expected, len);
		} else {
			g_autofree gchar *visible = cd_test_dmesg_visible(expected, len);
			g_assert_cmpstr(out, ==, visible);
		}
	}
	if (json_object_object_get_ex(root, "stderr_contains", &notes) && notes != NULL) {
		for (gsize i = 0; i < json_object_array_length(notes); i++) {
			const gchar *needle =
				json_object_get_string(json_object_array_get_idx(notes, i));
			if (strstr(err, needle) == NULL)
				g_test_fail_printf("stderr lacks \"%s\": %s", needle, err);
		}
	}
	err_lines = g_strsplit(err, "\n", -1);
	for (guint i = 0; err_lines[i] != NULL; i++) {
		if (err_lines[i][0] != '\0')
			g_assert_true(g_str_has_prefix(err_lines[i], prefix));
	}
	if (expected_exit == 0 && (notes == NULL || json_object_array_length(notes) == 0))
		g_assert_cmpstr(err, ==, "");
	if (expected_exit != 0)
		g_assert_cmpuint(strlen(err), >, strlen(prefix));
}

/**
 * cd_test_dmesg_expect:
 * @path: a vmcore or dump a fixture generator wrote
 * @json_path: what the generator expects: `exit`, `stdout` (vmcore-dmesg's text),
 * `stderr_contains`
 *
 * Runs `crashdesk dmesg --raw PATH` and checks the exit code and the exact text, then
 * `crashdesk dmesg PATH` and checks the same text made visible; every message names the
 * file, a complete read says nothing unless the case expects a note, and a failure says
 * something. Failures are reported with g_test_fail(), so that one broken case does not
 * hide the others.
 */
void
cd_test_dmesg_expect(const gchar *crashdesk, const gchar *path, const gchar *json_path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json_text = NULL;
	g_autoptr(json_object) root = NULL;
	json_object *node;
	gint expected_exit;

	if (!g_file_get_contents(json_path, &json_text, NULL, &error)) {
		g_test_fail_printf("%s", error->message);
		return;
	}
	root = json_tokener_parse(json_text);
	if (root == NULL || !json_object_object_get_ex(root, "exit", &node)) {
		g_test_fail_printf("%s is not a fixture's JSON", json_path);
		return;
	}
	expected_exit = json_object_get_int(node);
	cd_test_dmesg_run(crashdesk, path, root, expected_exit, TRUE);
	cd_test_dmesg_run(crashdesk, path, root, expected_exit, FALSE);
}
