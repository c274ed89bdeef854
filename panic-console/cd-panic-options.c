/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPanicOptions"

#include "config.h"

#include <string.h>

#include "cd-file.h"
#include "cd-kexec.h"
#include "cd-panic-options.h"

/* /proc/cmdline is at most a page; a file claiming more is not a command line */
#define CD_PANIC_OPTIONS_CMDLINE_MAX 65536

/* the value of a name=value word, quotes as the kernel's next_arg() leaves them removed */
static gchar *
cd_panic_options_value(const gchar *word)
{
	const gchar *eq = strchr(word, '=');
	g_autoptr(GString) value = NULL;

	if (eq == NULL)
		return NULL;
	value = g_string_new(eq + 1);
	g_string_replace(value, "\"", "", 0);
	return g_string_free(g_steal_pointer(&value), FALSE);
}

/* the kernel's kstrtobool() words; a bare name is "on" as for a kernel bool parameter */
static gboolean
cd_panic_options_bool(const gchar *value, gboolean *out)
{
	if (value == NULL) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strv_contains((const gchar *const[]){ "1", "y", "Y", "yes", "on", "true", NULL },
			    value)) {
		*out = TRUE;
		return TRUE;
	}
	if (g_strv_contains((const gchar *const[]){ "0", "n", "N", "no", "off", "false", NULL },
			    value)) {
		*out = FALSE;
		return TRUE;
	}
	return FALSE;
}

static void
cd_panic_options_from_cmdline(const gchar *path, CdPanicOptions *options)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_auto(GStrv) words = NULL;

	text = cd_file_read_text(path, CD_PANIC_OPTIONS_CMDLINE_MAX, NULL, &error);
	if (text == NULL) {
		g_printerr("%s: warning: %s\n", g_get_prgname(), error->message);
		return;
	}
	words = cd_cmdline_split(g_strstrip(text));
	for (guint i = 0; words[i] != NULL; i++) {
		g_autofree gchar *value = NULL;

		/* what follows "--" is init's, not the kernel's */
		if (g_strcmp0(words[i], "--") == 0)
			break;
		if (cd_cmdline_param_name_equal(words[i], "crashdesk.panic_screen")) {
			value = cd_panic_options_value(words[i]);
			if (value == NULL || !cd_panic_screen_from_string(value, &options->screen)) {
				g_printerr("%s: warning: %s: %s: must be off, brown or text\n",
					   g_get_prgname(),
					   path,
					   words[i]);
			}
		} else if (cd_cmdline_param_name_equal(words[i], "crashdesk.shell")) {
			value = cd_panic_options_value(words[i]);
			if (!cd_panic_options_bool(value, &options->shell)) {
				g_printerr("%s: warning: %s: %s: must be 1 or 0\n",
					   g_get_prgname(),
					   path,
					   words[i]);
			}
		}
	}
}

void
cd_panic_options_read(const gchar *cmdline_path,
		      const gchar *config_path,
		      CdPanicOptions *options)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;

	config = cd_config_load(config_path, FALSE, &error);
	if (config == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		g_printerr("%s: using the default configuration\n", g_get_prgname());
		config = cd_config_new();
	}
	for (guint i = 0; i < config->warnings->len; i++)
		g_printerr("%s: warning: %s\n",
			   g_get_prgname(),
			   (const gchar *)g_ptr_array_index(config->warnings, i));
	options->screen = config->panic_screen;
	options->shell = FALSE;
	options->foreground = config->panic_screen_foreground;
	options->background = config->panic_screen_background;
	if (cmdline_path != NULL)
		cd_panic_options_from_cmdline(cmdline_path, options);
}
