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

#include "cd-dmesg.h"

/* exit codes, documented in crashdesk(1) */
#define CD_EXIT_OK	0
#define CD_EXIT_FAILURE 1
#define CD_EXIT_PARTIAL 2 /* the log was printed, but part of it was lost */
#define CD_EXIT_USAGE	64

#define CD_PROC_VMCORE "/proc/vmcore"

typedef struct {
	const gchar *name;
	const gchar *summary;
	gint (*run)(gint argc, gchar **argv);
} CdCommand;

static void
cd_print_warnings(const gchar *name, GPtrArray *warnings)
{
	for (guint i = 0; i < warnings->len; i++)
		g_printerr("%s: warning: %s\n",
			   name,
			   (const gchar *)g_ptr_array_index(warnings, i));
}

static gint
cd_cmd_dmesg(gint argc, gchar **argv)
{
	gboolean caller_id = FALSE;
	g_auto(GStrv) files = NULL;
	const GOptionEntry entries[] = {
		{ "caller-id",
		  'c',
		  0,
		  G_OPTION_ARG_NONE,
		  &caller_id,
		  "Show the task or CPU that logged each line ([T42], [C1])",
		  NULL },
		{ G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "[FILE]" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("[FILE] - print the crashed kernel's log");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	const gchar *path = CD_PROC_VMCORE;

	g_option_context_set_summary(ctx,
				     "Prints the log of the kernel that crashed, from FILE (an ELF "
				     "vmcore) or, by default,\n" CD_PROC_VMCORE
				     " in a capture kernel, as kexec-tools' vmcore-dmesg does.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("crashdesk dmesg: %s\n", error->message);
		return CD_EXIT_USAGE;
	}
	if (files != NULL && g_strv_length(files) > 1) {
		g_printerr("crashdesk dmesg: one FILE at a time\n");
		return CD_EXIT_USAGE;
	}
	if (files != NULL && files[0] != NULL) {
		path = files[0];
	} else if (access(CD_PROC_VMCORE, F_OK) != 0) {
		g_printerr("crashdesk dmesg: no FILE given and %s does not exist "
			   "(this is not a capture kernel)\n",
			   CD_PROC_VMCORE);
		return CD_EXIT_USAGE;
	}

	vmcore = cd_vmcore_new_from_path(path, &error);
	if (vmcore == NULL) {
		g_printerr("%s: %s\n", path, error->message);
		return CD_EXIT_FAILURE;
	}
	if (cd_vmcore_get_expected_size(vmcore) > cd_vmcore_get_file_size(vmcore)) {
		g_printerr("%s: warning: truncated: the file has %" G_GUINT64_FORMAT
			   " bytes, its headers describe %" G_GUINT64_FORMAT "\n",
			   path,
			   cd_vmcore_get_file_size(vmcore),
			   cd_vmcore_get_expected_size(vmcore));
	}
	if (!cd_dmesg_write(vmcore,
			    STDOUT_FILENO,
			    caller_id ? CD_DMESG_FLAG_CALLER_ID : CD_DMESG_FLAG_NONE,
			    NULL,
			    warnings,
			    &error)) {
		cd_print_warnings(path, warnings);
		g_printerr("%s: %s\n", path, error->message);
		return CD_EXIT_FAILURE;
	}
	cd_print_warnings(path, warnings);
	return warnings->len > 0 ? CD_EXIT_PARTIAL : CD_EXIT_OK;
}

static const CdCommand cd_commands[] = {
	{ "dmesg", "Print the crashed kernel's log from a vmcore", cd_cmd_dmesg },
};

static void
cd_usage(FILE *out)
{
	fprintf(out,
		"Usage: crashdesk COMMAND [OPTION...]\n\n"
		"Saves and explains Linux kernel crashes.\n\nCommands:\n");
	for (gsize i = 0; i < G_N_ELEMENTS(cd_commands); i++)
		fprintf(out, "  %-10s %s\n", cd_commands[i].name, cd_commands[i].summary);
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
