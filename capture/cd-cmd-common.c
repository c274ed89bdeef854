/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"

/* what every command does alike: its options parsed, warnings and refusals told */

void
cd_cmd_print_warnings(const gchar *name, GPtrArray *warnings)
{
	for (guint i = 0; i < warnings->len; i++)
		g_printerr("%s: warning: %s\n",
			   name,
			   (const gchar *)g_ptr_array_index(warnings, i));
}

/* parses a command's options, saying what was wrong as "crashdesk CMD: ..." */
gboolean
cd_cmd_parse(GOptionContext *ctx, gint *argc, gchar ***argv)
{
	g_autoptr(GError) error = NULL;

	if (!g_option_context_parse(ctx, argc, argv, &error)) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return FALSE;
	}
	return TRUE;
}

/* the same, for a command that takes options only */
gboolean
cd_cmd_parse_options_only(GOptionContext *ctx, gint *argc, gchar ***argv)
{
	if (!cd_cmd_parse(ctx, argc, argv))
		return FALSE;
	if (*argc > 1) {
		g_printerr("%s: no arguments expected\n", g_get_prgname());
		return FALSE;
	}
	return TRUE;
}

/* the configuration, or NULL after saying why */
CdConfig *
cd_cmd_load_config(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	CdConfig *config =
		cd_config_load(path != NULL ? path : CD_CONFIG_FILE, path != NULL, &error);

	if (config == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return NULL;
	}
	cd_cmd_print_warnings(g_get_prgname(), config->warnings);
	return config;
}

/* root only: anyone else is told to use sudo */
gboolean
cd_cmd_require_root(const gchar *what)
{
	if (geteuid() == 0)
		return TRUE;
	g_printerr("%s: only root can %s: run it as root, e.g. with sudo\n", g_get_prgname(), what);
	return FALSE;
}
