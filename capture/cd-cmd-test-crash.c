/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"
#include "cd-kexec.h"
#include "cd-report-store.h"

/* crashdesk test-crash [--yes]: crashes the kernel on purpose, once a capture kernel waits */

#define CD_SYSRQ_TRIGGER "/proc/sysrq-trigger"
#define CD_CONFIRM_WORD	 "crash"

/* asks for the word on the terminal; FALSE when it was not typed */
static gboolean
cd_test_crash_confirm(void)
{
	gchar answer[64] = { 0 };

	g_print("Type '%s' to crash the kernel now, anything else to stop: ", CD_CONFIRM_WORD);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return FALSE;
	g_strstrip(answer);
	return g_strcmp0(answer, CD_CONFIRM_WORD) == 0;
}

gint
cd_cmd_test_crash(gint argc, gchar **argv)
{
	g_autofree gchar *config_path = NULL;
	gboolean yes = FALSE;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "yes", 'y', 0, G_OPTION_ARG_NONE, &yes,
		  "Crash without asking", NULL },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- crash the kernel now, to test that crashes are captured");
	g_autoptr(CdConfig) config = NULL;
	guint64 loaded = 0;
	gint fd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_cmd_load_config(config_path);
	if (config == NULL)
		return CD_EXIT_FAILURE;
	if (!cd_cmd_require_root("crash the kernel"))
		return CD_EXIT_FAILURE;
	if (!cd_kexec_read_number(CD_KEXEC_CRASH_LOADED, &loaded) || loaded != 1) {
		g_printerr(
			"%s: refused: no capture kernel is loaded, so the crash would be lost "
			"and the machine would only stop. Run 'crashdesk load' (or enable "
			"crashdesk-load.service) first; 'crashdesk status' says what is missing.\n",
			g_get_prgname());
		return CD_EXIT_FAILURE;
	}
	g_print("This crashes the running kernel at once, through %s.\n"
		"Programs lose what they have not saved; file systems are synced first.\n"
		"The capture kernel will boot, save the crash under %s, then %s.\n",
		CD_SYSRQ_TRIGGER,
		CD_REPORT_ROOT_DEFAULT,
		config->final_action == CD_FINAL_ACTION_REBOOT	   ? "reboot"
		: config->final_action == CD_FINAL_ACTION_POWEROFF ? "power off"
								   : "offer a shell");
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			g_printerr("%s: not on a terminal: confirm with --yes\n", g_get_prgname());
			return CD_EXIT_FAILURE;
		}
		if (!cd_test_crash_confirm()) {
			g_print("Not crashed.\n");
			return CD_EXIT_FAILURE;
		}
	}
	fflush(stdout);
	sync();
	fd = open(CD_SYSRQ_TRIGGER, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "c", 1) != 1) {
		g_printerr("%s: %s: %s\n", g_get_prgname(), CD_SYSRQ_TRIGGER, g_strerror(errno));
		if (fd >= 0)
			g_close(fd, NULL);
		return CD_EXIT_FAILURE;
	}
	/* not reached when the kernel crashed */
	g_close(fd, NULL);
	g_printerr("%s: the kernel did not crash\n", g_get_prgname());
	return CD_EXIT_FAILURE;
}
