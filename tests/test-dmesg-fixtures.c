/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-c/json.h>

#include "cd-test-dmesg.h"

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

	cd_test_dmesg_expect(crashdesk, f->vmcore, f->json);
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
