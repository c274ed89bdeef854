/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-panic-options.h"
#include "cd-test-util.h"

/* crashdesk.panic_screen= and crashdesk.shell= from a command line, over crashdesk.conf */

typedef struct {
	gchar *dir;
	gchar *cmdline;
	gchar *config;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("crashdesk-panic-options-XXXXXX", &error);
	g_assert_no_error(error);
	f->cmdline = g_build_filename(f->dir, "cmdline", NULL);
	f->config = g_build_filename(f->dir, "crashdesk.conf", NULL);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	cd_test_rm_rf(f->dir);
	g_free(f->cmdline);
	g_free(f->config);
	g_free(f->dir);
}

static void
read_with(Fixture *f, const gchar *cmdline, const gchar *config, CdPanicOptions *options)
{
	g_autoptr(GError) error = NULL;

	g_unlink(f->cmdline);
	g_unlink(f->config);
	if (cmdline != NULL) {
		g_file_set_contents(f->cmdline, cmdline, -1, &error);
		g_assert_no_error(error);
	}
	if (config != NULL) {
		g_file_set_contents(f->config, config, -1, &error);
		g_assert_no_error(error);
		g_assert_cmpint(g_chmod(f->config, 0644), ==, 0);
	}
	cd_panic_options_read(f->cmdline, f->config, options);
}

static void
test_panic_options_cmdline(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *cmdline;
		CdPanicScreen screen;
		gboolean shell;
	} cases[] = {
		{ "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet\n", CD_PANIC_SCREEN_OFF, FALSE },
		{ "root=/dev/vda crashdesk.panic_screen=brown\n", CD_PANIC_SCREEN_BROWN, FALSE },
		{ "crashdesk.panic_screen=text crashdesk.shell=1", CD_PANIC_SCREEN_TEXT, TRUE },
		/* the kernel's rules: dashes are underscores in names, quotes go, the last wins */
		{ "crashdesk.panic-screen=brown", CD_PANIC_SCREEN_BROWN, FALSE },
		{ "\"crashdesk.panic_screen=brown\"", CD_PANIC_SCREEN_BROWN, FALSE },
		{ "crashdesk.panic_screen=\"text\"", CD_PANIC_SCREEN_TEXT, FALSE },
		{ "crashdesk.panic_screen=brown crashdesk.panic_screen=off", CD_PANIC_SCREEN_OFF,
		  FALSE },
		{ "crashdesk.shell", CD_PANIC_SCREEN_OFF, TRUE },
		{ "crashdesk.shell=on crashdesk.shell=0", CD_PANIC_SCREEN_OFF, FALSE },
		/* what is wrong is a warning, and changes nothing */
		{ "crashdesk.panic_screen=blue crashdesk.shell=maybe", CD_PANIC_SCREEN_OFF, FALSE },
		{ "crashdesk.panic_screen", CD_PANIC_SCREEN_OFF, FALSE },
		/* init's arguments are not the kernel's */
		{ "ro -- crashdesk.panic_screen=brown", CD_PANIC_SCREEN_OFF, FALSE },
		/* a longer name is another parameter */
		{ "crashdesk.panic_screenx=brown crashdesk.shellfish=1", CD_PANIC_SCREEN_OFF, FALSE },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		CdPanicOptions options = { 0 };

		g_test_message("%s", cases[i].cmdline);
		read_with(f, cases[i].cmdline, NULL, &options);
		g_assert_cmpint(options.screen, ==, cases[i].screen);
		g_assert_cmpint(options.shell, ==, cases[i].shell);
		g_assert_cmphex(options.foreground, ==, 0xffffff);
		g_assert_cmphex(options.background, ==, 0xaa5500);
	}
}

static void
test_panic_options_missing_files(Fixture *f, gconstpointer data)
{
	CdPanicOptions options = { .screen = CD_PANIC_SCREEN_TEXT, .shell = TRUE };

	/* no command line, no configuration: off, and the default colours */
	read_with(f, NULL, NULL, &options);
	g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_OFF);
	g_assert_false(options.shell);
	g_assert_cmphex(options.background, ==, 0xaa5500);
}

/* crashdesk.conf must be root's: as any other user the file is refused, which is the
 * defaults, and that is checked too */
static void
test_panic_options_config(Fixture *f, gconstpointer data)
{
	CdPanicOptions options = { 0 };
	const gchar *conf = "[Capture]\nPanicScreen=brown\nPanicScreenColors=#000000 #ffff00\n";

	read_with(f, "root=/dev/vda\n", conf, &options);
	if (geteuid() != 0) {
		g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_OFF);
		return;
	}
	g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_BROWN);
	g_assert_cmphex(options.foreground, ==, 0x000000);
	g_assert_cmphex(options.background, ==, 0xffff00);

	/* the command line wins over the file */
	read_with(f, "crashdesk.panic_screen=off\n", conf, &options);
	g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_OFF);
	read_with(f, "crashdesk.panic_screen=text\n", conf, &options);
	g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_TEXT);
	g_assert_cmphex(options.background, ==, 0xffff00);

	/* a broken file is the defaults, and the command line still counts */
	read_with(f, "crashdesk.panic_screen=brown\n", "[Capture]\nPanicScreen=purple\n", &options);
	g_assert_cmpint(options.screen, ==, CD_PANIC_SCREEN_BROWN);
	g_assert_cmphex(options.background, ==, 0xaa5500);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/panic-options/cmdline", Fixture, NULL, fixture_set_up,
		   test_panic_options_cmdline, fixture_tear_down);
	g_test_add("/panic-options/missing-files", Fixture, NULL, fixture_set_up,
		   test_panic_options_missing_files, fixture_tear_down);
	g_test_add("/panic-options/config", Fixture, NULL, fixture_set_up,
		   test_panic_options_config, fixture_tear_down);
	return g_test_run();
}
