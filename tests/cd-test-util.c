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

/* a machine's /proc and /sys as status reads them: 4 GiB of RAM, nothing reserved, and
 * with @kexec a kernel that could reserve (kexec_crash_size 0) */
gchar *
cd_test_machine_tree_new(gboolean kexec)
{
	g_autofree gchar *root = g_dir_make_tmp("crashdesk-machine-XXXXXX", NULL);
	const gchar *files[][2] = {
		{ "proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=/dev/vda ro quiet\n" },
		{ "proc/iomem",
		  "00000000-00000fff : Reserved\n"
		  "00001000-0009fbff : System RAM\n"
		  "00100000-bffdffff : System RAM\n"
		  "100000000-13fffffff : System RAM\n" },
		{ "proc/meminfo", "MemTotal:        4030000 kB\n" },
		{ kexec ? "sys/kernel/kexec_crash_size" : NULL, "0\n" },
		{ kexec ? "sys/kernel/kexec_crash_loaded" : NULL, "0\n" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *dir = NULL;

		if (files[i][0] == NULL)
			continue;
		path = g_build_filename(root, files[i][0], NULL);
		dir = g_path_get_dirname(path);
		g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
		g_assert_true(g_file_set_contents(path, files[i][1], -1, NULL));
	}
	return g_steal_pointer(&root);
}
