/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-c/json.h>
#include <string.h>

#include "cd-test-util.h"
#include "cd-config.h"
#include "cd-dump-estimate.h"
#include "cd-error.h"
#include "cd-kdump-format.h"

/* The dump estimate over real-looking /proc/meminfo texts: tests/meminfo/vm-24g.txt is
 * the meminfo of the machine this was written on (a 24 GiB guest, mostly free),
 * server-64g.txt a busy 64 GiB server with hugetlb pages and a large page cache. */

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

static void
read_meminfo(const gchar *name, CdMeminfo *mi)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "meminfo", name, NULL);
	g_autofree gchar *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(cd_meminfo_parse(text, mi, &error));
	g_assert_no_error(error);
}

/* what the estimate adds to the compressed pages: descriptors, bitmaps, headers */
static guint64
overhead(guint64 memory, guint64 kept)
{
	return kept / 4096 * 24 + memory / 4096 / 4 + 64 * 1024;
}

static void
test_meminfo_vm(void)
{
	CdMeminfo mi;
	CdDumpEstimate est;
	guint64 excluded;

	read_meminfo("vm-24g.txt", &mi);
	g_assert_cmpuint(mi.mem_total, ==, 24683620 * KiB);
	g_assert_cmpuint(mi.hugetlb, ==, 0);
	g_assert_cmpuint(mi.shmem, !=, G_MAXUINT64);
	g_assert_cmpuint(mi.shmem, <=, mi.cached);

	/* the RAM /proc/iomem gave on that machine: 24 GiB less a few KiB of holes */
	cd_dump_estimate(&mi, 0x63ffff000ULL - 0x60000ULL, CD_DUMP_LEVEL_ALL, &est);
	excluded = mi.mem_free + mi.cached + mi.buffers + mi.anon_pages;
	g_assert_cmpuint(est.free_bytes, ==, mi.mem_free);
	g_assert_cmpuint(est.cache_bytes, ==, mi.cached + mi.buffers);
	g_assert_cmpuint(est.user_bytes, ==, mi.anon_pages);
	g_assert_cmpuint(est.kept_bytes, ==, est.memory_bytes - excluded);
	/* a mostly idle guest: what stays is the kernel's, around a GiB */
	g_assert_cmpuint(est.kept_bytes, >, 256 * MiB);
	g_assert_cmpuint(est.kept_bytes, <, 4 * GiB);
	g_assert_cmpuint(est.dump_bytes,
			 ==,
			 (guint64)((gdouble)est.kept_bytes * CD_DUMP_ESTIMATE_RATIO) +
				 overhead(est.memory_bytes, est.kept_bytes));
}

static void
test_meminfo_server(void)
{
	CdMeminfo mi;
	CdDumpEstimate est;

	read_meminfo("server-64g.txt", &mi);
	g_assert_cmpuint(mi.hugetlb, ==, 4 * GiB);
	g_assert_cmpuint(mi.shmem, ==, 2 * GiB);

	cd_dump_estimate(&mi, 64 * GiB, CD_DUMP_LEVEL_ALL, &est);
	g_assert_cmpuint(est.memory_bytes, ==, 64 * GiB);
	g_assert_cmpuint(est.free_bytes, ==, 4 * GiB);
	/* Cached (with its 2 GiB of Shmem) and Buffers */
	g_assert_cmpuint(est.cache_bytes, ==, 33 * GiB);
	/* AnonPages (with its THP) and every hugetlb page */
	g_assert_cmpuint(est.user_bytes, ==, 16 * GiB);
	g_assert_cmpuint(est.kept_bytes, ==, 11 * GiB);
	g_assert_cmpuint(est.dump_bytes,
			 ==,
			 (guint64)(11.0 * GiB * CD_DUMP_ESTIMATE_RATIO) +
				 overhead(64 * GiB, 11 * GiB));

	/* each level leaves out its own part */
	cd_dump_estimate(&mi, 64 * GiB, 0, &est);
	g_assert_cmpuint(est.kept_bytes, ==, 64 * GiB);
	cd_dump_estimate(&mi, 64 * GiB, CD_DUMP_LEVEL_FREE, &est);
	g_assert_cmpuint(est.kept_bytes, ==, 60 * GiB);
	cd_dump_estimate(&mi, 64 * GiB, CD_DUMP_LEVEL_CACHE, &est);
	g_assert_cmpuint(est.cache_bytes, ==, 32 * GiB); /* Buffers kept: private data */
	cd_dump_estimate(&mi, 64 * GiB, CD_DUMP_LEVEL_CACHE_PRIVATE, &est);
	g_assert_cmpuint(est.cache_bytes, ==, 33 * GiB);
	cd_dump_estimate(&mi, 64 * GiB, CD_DUMP_LEVEL_USER | CD_DUMP_LEVEL_ZERO, &est);
	g_assert_cmpuint(est.kept_bytes, ==, 48 * GiB);
	g_assert_cmpuint(est.dump_level, ==, 9);

	/* no RAM figure: MemTotal */
	cd_dump_estimate(&mi, 0, 0, &est);
	g_assert_cmpuint(est.memory_bytes, ==, 65536000 * KiB);
}

static void
test_meminfo_old_and_bad(void)
{
	g_autoptr(GError) error = NULL;
	CdMeminfo mi;
	CdDumpEstimate est;

	/* before Linux 5.16: no Hugetlb line, the default pool instead */
	g_assert_true(cd_meminfo_parse("MemTotal: 8388608 kB\nMemFree: 1048576 kB\n"
				       "HugePages_Total:     512\nHugepagesize:       2048 kB\n",
				       &mi,
				       &error));
	g_assert_no_error(error);
	g_assert_cmpuint(mi.hugetlb, ==, GiB);
	g_assert_cmpuint(mi.cached, ==, G_MAXUINT64);
	/* absent figures count as nothing left out */
	cd_dump_estimate(&mi, 8 * GiB, CD_DUMP_LEVEL_ALL, &est);
	g_assert_cmpuint(est.cache_bytes, ==, 0);
	g_assert_cmpuint(est.kept_bytes, ==, 6 * GiB);

	/* more left out than memory: nothing kept, never a wrap */
	g_assert_true(cd_meminfo_parse("MemTotal: 1024 kB\nMemFree: 4096 kB\n", &mi, &error));
	cd_dump_estimate(&mi, 0, CD_DUMP_LEVEL_ALL, &est);
	g_assert_cmpuint(est.kept_bytes, ==, 0);

	/* lookalike keys and overflow are not figures */
	g_assert_true(cd_meminfo_parse("MemTotal: 1024 kB\nMemFree: 0 kB\nCachedX: 5 kB\n"
				       "Buffers: 99999999999999999999 kB\nShmem: x kB\n",
				       &mi,
				       &error));
	g_assert_cmpuint(mi.cached, ==, G_MAXUINT64);
	g_assert_cmpuint(mi.buffers, ==, G_MAXUINT64);
	g_assert_cmpuint(mi.shmem, ==, G_MAXUINT64);

	g_assert_false(cd_meminfo_parse("MemFree: 1 kB\n", &mi, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
}

static void
test_keep_free(void)
{
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 0), ==, GiB);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 10 * GiB), ==, GiB);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 20 * GiB), ==, GiB);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 100 * GiB), ==, 5 * GiB);
}

static void
test_space(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-estimate-XXXXXX", &error);
	g_autofree gchar *missing = g_build_filename(tmp, "var", "crash", "kernel", NULL);
	g_autofree gchar *file = g_build_filename(tmp, "file", NULL);
	g_autofree gchar *below_file = g_build_filename(file, "kernel", NULL);
	CdDumpSpace space;

	g_assert_no_error(error);
	/* the report root need not exist: its nearest existing parent is measured */
	g_assert_true(cd_dump_space_read(missing, &space, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(space.checked_dir, ==, tmp);
	g_assert_cmpuint(space.filesystem_bytes, >, 0);
	g_assert_cmpuint(space.available_bytes, <=, space.filesystem_bytes);
	cd_dump_space_clear(&space);

	g_assert_true(g_file_set_contents(file, "", 0, NULL));
	g_assert_true(cd_dump_space_read(below_file, &space, &error));
	g_assert_cmpstr(space.checked_dir, ==, tmp);
	cd_dump_space_clear(&space);

	g_assert_true(cd_dump_space_read("/nonexistent-crashdesk/a/b", &space, &error));
	g_assert_cmpstr(space.checked_dir, ==, "/");
	cd_dump_space_clear(&space);

	g_unlink(file);
	g_rmdir(tmp);
}

static void
put(const gchar *root, const gchar *path, const gchar *text)
{
	g_autofree gchar *full = g_build_filename(root, path, NULL);
	g_autofree gchar *dir = g_path_get_dirname(full);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_assert_true(g_file_set_contents(full, text, -1, NULL));
}

/* crashdesk estimate on the 64 GiB server as a user sees it, text and JSON */
static void
test_cli(void)
{
	const gchar *crashdesk = g_getenv("CRASHDESK");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *root = NULL;
	g_autofree gchar *meminfo = NULL;
	g_autofree gchar *meminfo_path =
		g_test_build_filename(G_TEST_DIST, "meminfo", "server-64g.txt", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *dir = NULL;
	gint status = -1;
	json_object *obj;
	json_object *capture = NULL;
	json_object *space = NULL;
	json_object *v = NULL;

	if (crashdesk == NULL) {
		g_test_skip("CRASHDESK is not set");
		return;
	}
	root = g_dir_make_tmp("crashdesk-estimate-root-XXXXXX", &error);
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(meminfo_path, &meminfo, NULL, NULL));
	put(root, "/proc/meminfo", meminfo);
	put(root,
	    "/proc/cmdline",
	    "BOOT_IMAGE=/vmlinuz ro quiet crashkernel=1G-4G:192M,4G-:256M\n");
	put(root, "/proc/iomem", "00000000-00000000 : System RAM\n");
	put(root, "/sys/kernel/kexec_crash_size", "268435456\n");
	put(root, "/sys/kernel/kexec_crash_loaded", "1\n");
	put(root, "/sys/devices/system/memory/block_size_bytes", "80000000\n");
	for (guint i = 0; i < 32; i++) {
		g_autofree gchar *path =
			g_strdup_printf("/sys/devices/system/memory/memory%u/online", i);
		put(root, path, "1\n");
	}
	put(root,
	    "/etc/default/grub",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=1G-4G:192M,4G-:256M\"\n");
	dir = g_build_filename(root, "var", "crash", "kernel", NULL);

	{
		const gchar *argv[] = { crashdesk, "estimate",	"--root", root,	    "--dir",
					dir,	   "--release", "none",	  "--json", NULL };
		g_assert_true(g_spawn_sync(NULL,
					   (gchar **)argv,
					   NULL,
					   G_SPAWN_DEFAULT,
					   NULL,
					   NULL,
					   &out,
					   &err,
					   &status,
					   &error));
	}
	g_assert_no_error(error);
	g_assert_cmpstr(err, ==, "");
	g_assert_cmpint(status, ==, 0);
	obj = json_tokener_parse(out);
	g_assert_nonnull(obj);
	g_assert_true(json_object_object_get_ex(obj, "kept_bytes", &v));
	/* 64 GiB of blocks less the 256 MiB reservation, less 53 GiB left out */
	g_assert_cmpint(json_object_get_int64(v), ==, (gint64)(11 * GiB - 256 * MiB));
	g_assert_true(json_object_object_get_ex(obj, "dump_level", &v));
	g_assert_cmpint(json_object_get_int(v), ==, 31);
	g_assert_true(json_object_object_get_ex(obj, "capture", &capture));
	g_assert_true(json_object_object_get_ex(capture, "system_ram_source", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "memory_blocks");
	g_assert_true(json_object_object_get_ex(capture, "matched_range", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "4G-");
	g_assert_true(json_object_object_get_ex(capture, "verdict", &v));
	/* 4 x 8 + 5 x 48 + 128 + 64 = 464 MiB suggested, 256 reserved */
	g_assert_cmpstr(json_object_get_string(v), ==, "too_small");
	g_assert_true(json_object_object_get_ex(capture, "suggested_option", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, "crashkernel=464M");
	g_assert_true(json_object_object_get_ex(obj, "space", &space));
	g_assert_true(json_object_object_get_ex(space, "checked_dir", &v));
	g_assert_cmpstr(json_object_get_string(v), ==, root);
	g_assert_true(json_object_object_get_ex(space, "fits", &v));
	json_object_put(obj);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	{
		const gchar *argv[] = { crashdesk,   "estimate", "--root",	 root, "--dir", dir,
					"--release", "none",	 "--dump-level", "16", NULL };
		g_assert_true(g_spawn_sync(NULL,
					   (gchar **)argv,
					   NULL,
					   G_SPAWN_DEFAULT,
					   NULL,
					   NULL,
					   &out,
					   &err,
					   &status,
					   &error));
	}
	g_assert_cmpint(status, ==, 0);
	g_assert_nonnull(strstr(out, "Left out at dump level 16:"));
	g_assert_nonnull(strstr(out, "Expected dump size"));
	g_assert_nonnull(strstr(out, "In /etc/default/grub, line 1, change"));
	g_assert_nonnull(strstr(out, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=464M\""));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);

	{
		const gchar *argv[] = { crashdesk, "estimate", "--dump-level", "32", NULL };
		g_assert_true(g_spawn_sync(NULL,
					   (gchar **)argv,
					   NULL,
					   G_SPAWN_DEFAULT,
					   NULL,
					   NULL,
					   &out,
					   &err,
					   &status,
					   &error));
	}
	g_assert_true(g_spawn_check_wait_status(status, NULL) == FALSE);
	g_assert_nonnull(strstr(err, "--dump-level 32 is out of range"));
	cd_test_rm_rf(root);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/dump-estimate/meminfo-vm", test_meminfo_vm);
	g_test_add_func("/capture/dump-estimate/meminfo-server", test_meminfo_server);
	g_test_add_func("/capture/dump-estimate/meminfo-old-and-bad", test_meminfo_old_and_bad);
	g_test_add_func("/capture/dump-estimate/keep-free", test_keep_free);
	g_test_add_func("/capture/dump-estimate/space", test_space);
	g_test_add_func("/capture/dump-estimate/cli", test_cli);
	return g_test_run();
}
