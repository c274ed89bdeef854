/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cd-cmd.h"

typedef struct {
	const gchar *name;
	const gchar *summary;
	gint (*run)(gint argc, gchar **argv);
} CdCommand;

static const CdCommand cd_commands[] = {
	{ "status", "Say whether a kernel crash would be captured, and what is missing",
	  cd_cmd_status },
	{ "load", "Load the capture kernel", cd_cmd_load },
	{ "unload", "Unload the capture kernel", cd_cmd_unload },
	{ "test-crash", "Crash the kernel now, to test the capture", cd_cmd_test_crash },
	{ "dmesg", "Print the crashed kernel's log from a vmcore", cd_cmd_dmesg },
	{ "save", "Save the crashed kernel's report from a vmcore", cd_cmd_save },
	{ "pstore", "Save the panic logs the kernel left in pstore", cd_cmd_pstore },
	{ "list", "List the saved crash reports", cd_cmd_list },
	{ "show", "Show a saved crash report", cd_cmd_show },
	{ "estimate", "Estimate the dump's size and the memory a capture needs", cd_cmd_estimate },
	{ "final-action", "End the capture: reboot, power off or a shell", cd_cmd_final_action },
};

static void
cd_usage(FILE *out)
{
	fprintf(out,
		"Usage: crashdesk COMMAND [OPTION...]\n\n"
		"Saves and explains Linux kernel crashes.\n\nCommands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(cd_commands); i++)
		fprintf(out, "  %-13s %s\n", cd_commands[i].name, cd_commands[i].summary);
	fprintf(out, "\nRun 'crashdesk COMMAND --help' for a command's options.\n");
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");

	if (argc < 2) {
		cd_usage(stderr);
		return CD_EXIT_USAGE;
	}
	if (g_strcmp0(argv[1], "--help") == 0 || g_strcmp0(argv[1], "-h") == 0 ||
	    g_strcmp0(argv[1], "help") == 0) {
		cd_usage(stdout);
		return CD_EXIT_OK;
	}
	if (g_strcmp0(argv[1], "--version") == 0) {
		printf("crashdesk %s\n", PACKAGE_VERSION);
		return CD_EXIT_OK;
	}
	for (gsize i = 0; i < G_N_ELEMENTS(cd_commands); i++) {
		if (g_strcmp0(argv[1], cd_commands[i].name) == 0) {
			g_autofree gchar *prgname = g_strdup_printf("crashdesk %s", argv[1]);
			g_set_prgname(prgname);
			return cd_commands[i].run(argc - 1, argv + 1);
		}
	}
	g_printerr("crashdesk: unknown command '%s'\n\n", argv[1]);
	cd_usage(stderr);
	return CD_EXIT_USAGE;
}
