/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-dmesg.h"

/* crashdesk dmesg [--caller-id] [--raw] [FILE] */

gint
cd_cmd_dmesg(gint argc, gchar **argv)
{
	gboolean caller_id = FALSE;
	gboolean raw = FALSE;
	CdDmesgFlags flags = CD_DMESG_FLAG_NONE;
	g_auto(GStrv) files = NULL;
	const GOptionEntry entries[] = {
		{ "caller-id",
		  'c',
		  0,
		  G_OPTION_ARG_NONE,
		  &caller_id,
		  "Show the task or CPU that logged each line ([T42], [C1])",
		  NULL },
		{ "raw",
		  0,
		  0,
		  G_OPTION_ARG_NONE,
		  &raw,
		  "Print the log byte for byte as vmcore-dmesg does (and a report's dmesg.txt "
		  "holds it), carriage returns and a pre-3.5 kernel's escape sequences included",
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
				     " in a capture kernel, as kexec-tools' vmcore-dmesg does,\n"
				     "except that every control character but newline and tab is "
				     "written as \\xNN\n(the log is the crashed kernel's, and "
				     "anyone can put an escape sequence into it).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
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
	if (caller_id)
		flags |= CD_DMESG_FLAG_CALLER_ID;
	/* the text goes to a person, or through a pipe to one */
	if (!raw)
		flags |= CD_DMESG_FLAG_VISIBLE;
	if (!cd_dmesg_write(vmcore, STDOUT_FILENO, flags, NULL, warnings, &error)) {
		cd_cmd_print_warnings(path, warnings);
		g_printerr("%s: %s\n", path, error->message);
		return CD_EXIT_FAILURE;
	}
	cd_cmd_print_warnings(path, warnings);
	return warnings->len > 0 ? CD_EXIT_PARTIAL : CD_EXIT_OK;
}
