/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

/* Runs a libFuzzer target over files and directories of inputs without libFuzzer, so
 * that the corpus (and every crash once found) replays under meson test with any
 * compiler, and under the sanitizers of the build it is in. Prints TAP: one result for
 * the target, whose inputs count in a comment; an input proves only that the target
 * neither crashed nor tripped a sanitizer on it, so it is not a check of its own. */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

static guint n_inputs;
static GPtrArray *unreadable; /* "PATH: why" */
static const gchar *only_suffix; /* --suffix: in directories, replay only these files */

static void
replay_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, &error)) {
		g_ptr_array_add(unreadable, g_strdup_printf("%s: %s", path, error->message));
		return;
	}
	LLVMFuzzerTestOneInput((const guint8 *)data, len);
	n_inputs++;
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
		g_ptr_array_add(unreadable, g_strdup_printf("%s: cannot open", path));
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
	g_autofree gchar *name = g_path_get_basename(argv[0]);
	gboolean ok;

	unreadable = g_ptr_array_new_with_free_func(g_free);
	for (gint i = 1; i < argc; i++) {
		if (g_str_has_prefix(argv[i], "--suffix=")) {
			only_suffix = argv[i] + strlen("--suffix=");
			continue;
		}
		replay_path(argv[i]);
	}
	/* an input that would crash the target never comes back here: the run fails */
	ok = n_inputs > 0 && unreadable->len == 0;
	g_print("1..1\n%s 1 - %s replayed %u inputs\n", ok ? "ok" : "not ok", name, n_inputs);
	for (guint i = 0; i < unreadable->len; i++)
		g_print("# cannot read %s\n", (const gchar *)g_ptr_array_index(unreadable, i));
	if (n_inputs == 0)
		g_print("# no inputs found\n");
	g_ptr_array_unref(unreadable);
	return ok ? 0 : 1;
}
