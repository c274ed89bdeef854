/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

/* Runs a libFuzzer target over files and directories of inputs without libFuzzer, so
 * that the corpus (and every crash once found) replays under meson test with any
 * compiler, and under the sanitizers of the build it is in. Prints TAP. */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

static guint n_tests;
static const gchar *only_suffix; /* --suffix: in directories, replay only these files */

static void
replay_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		g_print("not ok %u - %s: %s\n", ++n_tests, path, error->message);
		return;
	}
	LLVMFuzzerTestOneInput((const guint8 *)data, len);
	g_print("ok %u - %s\n", ++n_tests, path);
}

static gint
compare_paths(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static void
replay_path(const gchar *path)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		replay_file(path);
		return;
	}
	dir = g_dir_open(path, 0, NULL);
	if (dir == NULL) {
		g_print("not ok %u - %s: cannot open\n", ++n_tests, path);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (only_suffix == NULL || g_str_has_suffix(name, only_suffix))
			g_ptr_array_add(names, g_build_filename(path, name, NULL));
	}
	/* a stable order makes a failing input easy to find again */
	g_ptr_array_sort(names, compare_paths);
	for (guint i = 0; i < names->len; i++)
		replay_path(g_ptr_array_index(names, i));
}

int
main(int argc, char **argv)
{
	for (gint i = 1; i < argc; i++) {
		if (g_str_has_prefix(argv[i], "--suffix=")) {
			only_suffix = argv[i] + strlen("--suffix=");
			continue;
		}
		replay_path(argv[i]);
	}
	if (n_tests == 0) {
		g_print("not ok 1 - no inputs found\n1..1\n");
		return 1;
	}
	g_print("1..%u\n", n_tests);
	return 0;
}
