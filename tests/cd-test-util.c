/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "cd-test-util.h"

/* removes a scratch tree a test made; a symbolic link goes, not what it points to */
void
cd_test_rm_rf(const gchar *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir == NULL) {
		g_unlink(path);
		return;
	}
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			cd_test_rm_rf(child);
		else
			g_unlink(child);
	}
	g_dir_close(dir);
	g_rmdir(path);
}
