/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* the words of a kernel command line as next_arg() cuts them (NULL-terminated) */
gchar **
cd_cmdline_split(const gchar *cmdline);
/* whether @word names the parameter @name ('-' and '_' alike, as parameq()) */
gboolean
cd_cmdline_param_name_equal(const gchar *word, const gchar *name);

G_END_DECLS
