/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-c/json.h>

/* Runs `crashdesk dmesg` over each synthetic vmcore that tests/fixtures/gen-vmcore.py
 * wrote, an implementation of the formats written apart from the reader, and checks
 * the exit code, the exact text and the messages against what the generator expects. */

typedef struct {
	gchar *name;
	gchar *vmcore;
	gchar *json;
} Fixture;

static const gchar *crashdesk;

static void
fixture_free(gpointer data)
{
	Fixture *f = data;
	g_free(f->name);
	g_free(f->vmcore);
	g_free(f->json);
	g_free(f);
}

static void
test_fixture(gconstpointer data)
{
	const Fixture *f = data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json_text = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_auto(GStrv) err_lines = NULL;
	const gchar *argv[] = { crashdesk, "dmesg", f->vmcore, NULL };
	json_object *root;
	json_object *node;
	gint wait_status = 0;
	gint expected_exit;

	if (!g_file_get_contents(f->json, &json_text, NULL, &error)) {
		g_test_fail_printf("%s", error->message);
		return;
	}
	root = json_tokener_parse(json_text);
	if (root == NULL) {
		g_test_fail_printf("%s is not JSON", f->json);
		return;
	}
	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  &err,
			  &wait_status,
			  &error)) {
		g_test_fail_printf("cannot run %s: %s", crashdesk, error->message);
		json_object_put(root);
		return;
	}
	g_test_message("%s: stderr: %s", f->name, err);

	g_assert_true(json_object_object_get_ex(root, "exit", &node));
	expected_exit = json_object_get_int(node);
	g_assert_true(WIFEXITED(wait_status));
	g_assert_cmpint(WEXITSTATUS(wait_status), ==, expected_exit);

	if (json_object_object_get_ex(root, "stdout", &node) && node != NULL) {
		const gchar *expected = json_object_get_string(node);
		gsize len = (gsize)json_object_get_string_len(node);
		g_assert_cmpmem(out, strlen(out), expected, len);
	}
	if (json_object_object_get_ex(root, "stderr_contains", &node)) {
		for (gsize i = 0; i < json_object_array_length(node); i++) {
			const gchar *needle =
				json_object_get_string(json_object_array_get_idx(node, i));
			if (strstr(err, needle) == NULL)
				g_test_fail_printf("stderr lacks \"%s\": %s", needle, err);
		}
	}
	/* every message names the file it is about */
	err_lines = g_strsplit(err, "\n", -1);
	for (guint i = 0; err_lines[i] != NULL; i++) {
		g_autofree gchar *prefix = g_strdup_printf("%s: ", f->vmcore);
		if (err_lines[i][0] != '\0')
			g_assert_true(g_str_has_prefix(err_lines[i], prefix));
	}
	/* a complete read says nothing, unless the case expects a note */
	if (expected_exit == 0 && (!json_object_object_get_ex(root, "stderr_contains", &node) ||
				   json_object_array_length(node) == 0))
		g_assert_cmpstr(err, ==, "");
	json_object_put(root);
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) fixtures = g_ptr_array_new_with_free_func(fixture_free);
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *dirname = g_getenv("CRASHDESK_FIXTURES");
	const gchar *name;

	g_test_init(&argc, &argv, NULL);
	/* one broken case must not hide the others */
	g_test_set_nonfatal_assertions();
	crashdesk = g_getenv("CRASHDESK");
	g_assert_nonnull(crashdesk);
	g_assert_nonnull(dirname);

	dir = g_dir_open(dirname, 0, NULL);
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(name, ".json"))
			g_ptr_array_add(names, g_strndup(name, strlen(name) - 5));
	}
	g_ptr_array_sort(names, compare_names);
	/* the generator writes dozens of cases: none would mean a broken build */
	g_assert_cmpuint(names->len, >=, 20);

	for (guint i = 0; i < names->len; i++) {
		Fixture *f = g_new0(Fixture, 1);
		g_autofree gchar *path = NULL;
		f->name = g_strdup(g_ptr_array_index(names, i));
		f->vmcore = g_strdup_printf("%s/%s.vmcore", dirname, f->name);
		f->json = g_strdup_printf("%s/%s.json", dirname, f->name);
		path = g_strdup_printf("/capture/dmesg/fixture/%s", f->name);
		g_test_add_data_func(path, f, test_fixture);
		g_ptr_array_add(fixtures, f);
	}
	return g_test_run();
}
