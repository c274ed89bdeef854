/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCmdline"

#include "config.h"

#include "cd-cmdline.h"

/* a kernel command line read as the kernel reads it: one splitter for every reader */

/*
 * The words of a kernel command line as the kernel's next_arg() cuts them: at spaces
 * outside double quotes, the quotes kept.
 */
gchar **
cd_cmdline_split(const gchar *cmdline)
{
	g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) word = g_string_new(NULL);
	gboolean in_quote = FALSE;

	for (const gchar *p = cmdline;; p++) {
		if (*p == '\0' || (!in_quote && g_ascii_isspace(*p))) {
			if (word->len > 0) {
				g_ptr_array_add(words, g_strdup(word->str));
				g_string_truncate(word, 0);
			}
			if (*p == '\0')
				break;
			continue;
		}
		if (*p == '"')
			in_quote = !in_quote;
		g_string_append_c(word, *p);
	}
	g_ptr_array_add(words, NULL);
	return (gchar **)g_ptr_array_free(g_steal_pointer(&words), FALSE);
}

/* the kernel's parameq(): '-' and '_' are the same in a parameter's name */
gboolean
cd_cmdline_param_name_equal(const gchar *word, const gchar *name)
{
	gsize i;

	if (word[0] == '"')
		word++;
	for (i = 0; name[i] != '\0'; i++) {
		gchar a = word[i] == '-' ? '_' : word[i];
		gchar b = name[i] == '-' ? '_' : name[i];

		/* "-s" is a word of its own, not a name with a dash */
		if (i == 0 && name[0] == '-')
			a = word[0], b = name[0];
		if (a != b)
			return FALSE;
	}
	return word[i] == '\0' || word[i] == '=' || word[i] == '"';
}
