/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-config.h"
#include "cd-error.h"

/* crashdesk.conf: defaults, every key, and each bad value named with its line */

static CdConfig *
load_text(const gchar *text, GError **error)
{
	return cd_config_load_from_data("test.conf", text, strlen(text), error);
}

static void
test_config_defaults(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = load_text("# nothing set\n\n[Load]\n[Capture]\n", &error);

	g_assert_no_error(error);
	g_assert_nonnull(config);
	g_assert_null(config->kernel);
	g_assert_null(config->initrd);
	g_assert_false(config->no_initrd);
	g_assert_cmpuint(g_strv_length(config->command_line_append), ==, 0);
	g_assert_cmpint(config->panic_screen, ==, CD_PANIC_SCREEN_OFF);
	g_assert_cmphex(config->panic_screen_foreground, ==, 0xffffff);
	g_assert_cmphex(config->panic_screen_background, ==, 0xaa5500);
	g_assert_cmpint(config->final_action, ==, CD_FINAL_ACTION_REBOOT);
	g_assert_cmpuint(config->dump_level, ==, 31);
	g_assert_cmpuint(config->threads, ==, 0);
	g_assert_cmpint(config->keep_free, ==, -1);
	g_assert_cmpint(config->keep_free_percent, ==, -1);
	g_assert_cmpuint(config->max_reports, ==, 50);
	g_assert_cmpuint(config->max_total_size, ==, 0);
	g_assert_cmpuint(config->warnings->len, ==, 0);
}

static void
test_config_all_keys(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = load_text("[Load]\n"
					       "Kernel = /boot/vmlinuz-capture\n"
					       "Initrd=/boot/initrd-small.img\n"
					       "CommandLineAppend=console=ttyS1 crashdesk.shell=1\n"
					       "CommandLineRemove=irqpoll  quiet\n"
					       "[Capture]\n"
					       "PanicScreen=brown\n"
					       "PanicScreenColors=#FFFF00  #000080\n"
					       "FinalAction=poweroff\n"
					       "DumpLevel=17\n"
					       "Threads=2\n"
					       "KeepFree=512M\n"
					       "MaxReports=7\n"
					       "MaxTotalSize=2G\n",
					       &error);

	g_assert_no_error(error);
	g_assert_cmpstr(config->kernel, ==, "/boot/vmlinuz-capture");
	g_assert_cmpstr(config->initrd, ==, "/boot/initrd-small.img");
	g_assert_cmpuint(g_strv_length(config->command_line_append), ==, 2);
	g_assert_cmpstr(config->command_line_append[1], ==, "crashdesk.shell=1");
	g_assert_cmpuint(g_strv_length(config->command_line_remove), ==, 2);
	g_assert_cmpstr(config->command_line_remove[1], ==, "quiet");
	g_assert_cmpint(config->panic_screen, ==, CD_PANIC_SCREEN_BROWN);
	g_assert_cmphex(config->panic_screen_foreground, ==, 0xffff00);
	g_assert_cmphex(config->panic_screen_background, ==, 0x000080);
	g_assert_cmpint(config->final_action, ==, CD_FINAL_ACTION_POWEROFF);
	g_assert_cmpuint(config->dump_level, ==, 17);
	g_assert_cmpuint(config->threads, ==, 2);
	g_assert_cmpint(config->keep_free, ==, 512 << 20);
	g_assert_cmpuint(config->max_reports, ==, 7);
	g_assert_cmpuint(config->max_total_size, ==, 2ULL << 30);
}

static void
test_config_keep_free(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = load_text("[Capture]\nKeepFree=10%\n", &error);

	g_assert_no_error(error);
	g_assert_cmpint(config->keep_free, ==, -1);
	g_assert_cmpint(config->keep_free_percent, ==, 10);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, 10, 100ULL << 30), ==, 10ULL << 30);
	/* the default: 5 %, but at least 1 GiB */
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 100ULL << 30), ==, 5ULL << 30);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, -1, 4ULL << 30), ==, 1ULL << 30);
	g_assert_cmpuint(cd_config_keep_free_bytes(4096, -1, 4ULL << 30), ==, 4096);
	g_assert_cmpuint(cd_config_keep_free_bytes(-1, 0, 4ULL << 30), ==, 0);
}

static void
test_config_initrd_none(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = load_text("[Load]\nInitrd=none\n", &error);

	g_assert_no_error(error);
	g_assert_true(config->no_initrd);
	g_assert_null(config->initrd);
}

static void
test_config_unknown_key(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config =
		load_text("[Capture]\nDumpLevel=31\n\nDumpLevle=1\n[Future]\nKey=1\n", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(config->dump_level, ==, 31);
	g_assert_cmpuint(config->warnings->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(config->warnings, 0),
			==,
			"test.conf:4: unknown key DumpLevle in [Capture], ignored");
	g_assert_cmpstr(g_ptr_array_index(config->warnings, 1),
			==,
			"test.conf:6: unknown key Key in [Future], ignored");
}

/* GKeyFile keeps Key[locale] apart: it must be named, not silently ignored */
static void
test_config_localized_key(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config =
		load_text("[Capture]\nDumpLevel=31\nDumpLevel[de]=3\nThreads=64\n", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(config->dump_level, ==, 31);
	g_assert_cmpuint(config->threads, ==, 64);
	g_assert_cmpuint(config->warnings->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(config->warnings, 0),
			==,
			"test.conf:3: localized key DumpLevel[de] in [Capture], ignored: "
			"crashdesk.conf is not translated");
}

static void
test_config_sizes(void)
{
	const struct {
		const gchar *text;
		gboolean ok;
		guint64 bytes;
	} cases[] = {
		{ "0", TRUE, 0 },
		{ "4096", TRUE, 4096 },
		{ "1K", TRUE, 1024 },
		{ "3m", TRUE, 3 << 20 },
		{ "2G", TRUE, 2ULL << 30 },
		{ "2GiB", TRUE, 2ULL << 30 },
		{ "2GB", TRUE, 2ULL << 30 },
		{ "1T", TRUE, 1ULL << 40 },
		{ "", FALSE, 0 },
		{ "G", FALSE, 0 },
		{ "-1", FALSE, 0 },
		{ "1X", FALSE, 0 },
		{ "1 G", FALSE, 0 },
		{ "1.5G", FALSE, 0 },
		{ "99999999999999999999", FALSE, 0 },
		{ "20000000T", FALSE, 0 },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		guint64 bytes = 0;
		gboolean ok = cd_config_parse_size(cases[i].text, &bytes);

		g_assert_cmpint(ok, ==, cases[i].ok);
		if (ok)
			g_assert_cmpuint(bytes, ==, cases[i].bytes);
	}
}

/* every bad value: the message names the file, the line, the group, the key and why */
static void
test_config_bad_values(void)
{
	const struct {
		const gchar *text;
		const gchar *message;
	} cases[] = {
		{ "[Capture]\nDumpLevel=32\n",
		  "test.conf:2: [Capture] DumpLevel=32: out of range (0 to 31)" },
		{ "[Capture]\n# x\nDumpLevel=all\n",
		  "test.conf:3: [Capture] DumpLevel=all: not a number" },
		{ "[Capture]\nDumpLevel=-1\n",
		  "test.conf:2: [Capture] DumpLevel=-1: not a number" },
		{ "[Capture]\nThreads=100000\n",
		  "test.conf:2: [Capture] Threads=100000: out of range (0 to 64)" },
		/* what crashdesk save --threads refuses (65), the file refuses too */
		{ "[Capture]\nThreads=65\n",
		  "test.conf:2: [Capture] Threads=65: out of range (0 to 64)" },
		{ "[Capture]\n\nThreads=256\n",
		  "test.conf:3: [Capture] Threads=256: out of range (0 to 64)" },
		{ "[Capture]\nFinalAction=halt\n",
		  "test.conf:2: [Capture] FinalAction=halt: must be reboot, poweroff or shell" },
		{ "[Capture]\nPanicScreen=blue\n",
		  "test.conf:2: [Capture] PanicScreen=blue: must be off, brown or text" },
		{ "[Capture]\nPanicScreenColors=white on brown\n",
		  "test.conf:2: [Capture] PanicScreenColors=white on brown: must be two colours, "
		  "the text's then the background's, as #RRGGBB" },
		{ "[Capture]\nPanicScreenColors=#ffffff\n",
		  "test.conf:2: [Capture] PanicScreenColors=#ffffff: must be two colours, "
		  "the text's then the background's, as #RRGGBB" },
		{ "[Capture]\nPanicScreenColors=#ffffff #aa5500 #000000\n",
		  "test.conf:2: [Capture] PanicScreenColors=#ffffff #aa5500 #000000: must be two "
		  "colours, the text's then the background's, as #RRGGBB" },
		{ "[Capture]\nPanicScreenColors=#fffffg #aa5500\n",
		  "test.conf:2: [Capture] PanicScreenColors=#fffffg #aa5500: must be two colours, "
		  "the text's then the background's, as #RRGGBB" },
		{ "[Capture]\nKeepFree=lots\n",
		  "test.conf:2: [Capture] KeepFree=lots: not a size (bytes with K, M, G or T) or "
		  "a percentage" },
		{ "[Capture]\nKeepFree=95%\n",
		  "test.conf:2: [Capture] KeepFree=95%: a percentage must be 0 to 90" },
		{ "[Capture]\nMaxTotalSize=1Q\n",
		  "test.conf:2: [Capture] MaxTotalSize=1Q: not a size (bytes with K, M, G or T)" },
		{ "[Capture]\nMaxReports=many\n",
		  "test.conf:2: [Capture] MaxReports=many: not a number" },
		{ "[Load]\nKernel=vmlinuz\n",
		  "test.conf:2: [Load] Kernel=vmlinuz: not an absolute path" },
		{ "[Load]\nInitrd=../initrd\n",
		  "test.conf:2: [Load] Initrd=../initrd: not an absolute path" },
		{ "[Load]\nCommandLineRemove=quiet irqpoll=1\n",
		  "test.conf:2: [Load] CommandLineRemove=quiet irqpoll=1: 'irqpoll=1': give "
		  "parameter names, without '='" },
		{ "[Load]\nCommandLineAppend=a=\"b c\"\n",
		  "test.conf:2: [Load] CommandLineAppend=a=\"b c\": 'a=\"b': quoted values are not "
		  "supported" },
		{ "[Load]\nCommandLineAppend=a\\nb\n",
		  "test.conf:2: [Load] CommandLineAppend=a\nb: holds a control character" },
		/* what GKeyFile refuses, with the line it does not say */
		{ "[Load]\nKernel\n",
		  "test.conf:2: 'Kernel' is not a Key=value line, a [Group] or a # comment" },
		{ "Kernel=/boot/x\n[Load]\n", "test.conf:1: a key before the first [Group]" },
		{ "[Load\nKernel=/x\n", "test.conf:1: '[Load' is not a [Group] line" },
		{ "[Load]\n=x\n",
		  "test.conf:2: '=x' is not a Key=value line, a [Group] or a # comment" },
		/* the line of the last setting: the one GKeyFile uses */
		{ "[Capture]\nDumpLevel=1\nDumpLevel=99\n",
		  "test.conf:3: [Capture] DumpLevel=99: out of range (0 to 31)" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdConfig) config = load_text(cases[i].text, &error);

		g_assert_null(config);
		g_assert_nonnull(error);
		g_assert_cmpstr(error->message, ==, cases[i].message);
	}
}

static void
test_config_bytes(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	const gchar nul[] = "[Load]\nKernel=/a\0b\n";

	config = cd_config_load_from_data("test.conf", nul, sizeof(nul) - 1, &error);
	g_assert_null(config);
	g_assert_cmpstr(error->message, ==, "test.conf: holds a NUL byte");
	g_clear_error(&error);
	config = load_text("[Load]\nKernel=/\xff\n", &error);
	g_assert_null(config);
	g_assert_cmpstr(error->message, ==, "test.conf: not UTF-8");
}

/* the file itself: missing is the defaults, unless named; unsafe ones are refused */
static void
test_config_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("cd-config-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "crashdesk.conf", NULL);
	g_autofree gchar *big = NULL;

	config = cd_config_load(path, FALSE, &error);
	g_assert_no_error(error);
	g_assert_null(config->path);
	g_clear_pointer(&config, cd_config_free);

	config = cd_config_load(path, TRUE, &error);
	g_assert_null(config);
	g_assert_true(g_str_has_prefix(error->message, path));
	g_assert_nonnull(strstr(error->message, "No such file"));
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(path, "[Capture]\nDumpLevel=3\n", -1, NULL));
	g_assert_cmpint(chmod(path, 0644), ==, 0);
	config = cd_config_load(path, TRUE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(config->path, ==, path);
	g_assert_cmpuint(config->dump_level, ==, 3);
	g_clear_pointer(&config, cd_config_free);

	/* others could choose the kernel root loads: refused */
	g_assert_cmpint(chmod(path, 0666), ==, 0);
	config = cd_config_load(path, FALSE, &error);
	g_assert_null(config);
	g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
	g_assert_nonnull(strstr(error->message, "writable by root only"));
	g_clear_error(&error);
	g_assert_cmpint(chmod(path, 0620), ==, 0);
	config = cd_config_load(path, FALSE, &error);
	g_assert_error(error, CD_ERROR, CD_ERROR_UNSAFE);
	g_clear_error(&error);
	g_assert_cmpint(chmod(path, 0644), ==, 0);

	big = g_strnfill(CD_CONFIG_MAX_SIZE + 1, '#');
	g_assert_true(g_file_set_contents(path, big, -1, NULL));
	config = cd_config_load(path, FALSE, &error);
	g_assert_null(config);
	g_assert_nonnull(strstr(error->message, "larger than"));
	g_clear_error(&error);

	/* a directory is no configuration */
	g_assert_cmpint(g_unlink(path), ==, 0);
	g_assert_cmpint(g_mkdir(path, 0755), ==, 0);
	config = cd_config_load(path, FALSE, &error);
	g_assert_null(config);
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_cmpint(g_rmdir(path), ==, 0);
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/config/defaults", test_config_defaults);
	g_test_add_func("/config/all-keys", test_config_all_keys);
	g_test_add_func("/config/keep-free", test_config_keep_free);
	g_test_add_func("/config/initrd-none", test_config_initrd_none);
	g_test_add_func("/config/unknown-key", test_config_unknown_key);
	g_test_add_func("/config/localized-key", test_config_localized_key);
	g_test_add_func("/config/sizes", test_config_sizes);
	g_test_add_func("/config/bad-values", test_config_bad_values);
	g_test_add_func("/config/bytes", test_config_bytes);
	g_test_add_func("/config/file", test_config_file);
	return g_test_run();
}
