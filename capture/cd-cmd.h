/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-config.h"

G_BEGIN_DECLS

/* exit codes of the crashdesk command, documented in crashdesk(1) */
#define CD_EXIT_OK	0
#define CD_EXIT_FAILURE 1
#define CD_EXIT_PARTIAL 2 /* done, but part of the log was lost */
#define CD_EXIT_USAGE	64

#define CD_PROC_VMCORE "/proc/vmcore"

/* the --config option of every command that reads crashdesk.conf(5) */
#define CD_CMD_OPTION_CONFIG(path)                                                                 \
	{                                                                                          \
		"config", 0, 0, G_OPTION_ARG_FILENAME, (path),                                     \
			"Read this configuration file (default: " CD_CONFIG_FILE ")", "FILE"       \
	}

gint
cd_cmd_dmesg(gint argc, gchar **argv);
gint
cd_cmd_save(gint argc, gchar **argv);
gint
cd_cmd_pstore(gint argc, gchar **argv);
gint
cd_cmd_list(gint argc, gchar **argv);
gint
cd_cmd_show(gint argc, gchar **argv);
gint
cd_cmd_load(gint argc, gchar **argv);
gint
cd_cmd_unload(gint argc, gchar **argv);
gint
cd_cmd_test_crash(gint argc, gchar **argv);
gint
cd_cmd_final_action(gint argc, gchar **argv);
gint
cd_cmd_status(gint argc, gchar **argv);

CdConfig *
cd_cmd_load_config(const gchar *path);
gint
cd_cmd_estimate(gint argc, gchar **argv);

void
cd_cmd_print_warnings(const gchar *name, GPtrArray *warnings);
gboolean
cd_cmd_parse(GOptionContext *ctx, gint *argc, gchar ***argv);
gboolean
cd_cmd_parse_options_only(GOptionContext *ctx, gint *argc, gchar ***argv);
gboolean
cd_cmd_require_root(const gchar *what);

G_END_DECLS
