/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * CdTextFlags:
 * @CD_TEXT_FLAG_NONE: every control character is made visible, newlines and tabs too
 * @CD_TEXT_FLAG_KEEP_NEWLINES: '\n' is kept, for text shown as several lines (a log)
 * @CD_TEXT_FLAG_KEEP_TABS: '\t' is kept
 */
typedef enum {
	CD_TEXT_FLAG_NONE = 0,
	CD_TEXT_FLAG_KEEP_NEWLINES = 1 << 0,
	CD_TEXT_FLAG_KEEP_TABS = 1 << 1,
} CdTextFlags;

gchar *
cd_text_make_visible(const gchar *data, gssize len, CdTextFlags flags);
gboolean
cd_text_is_visible(const gchar *text, CdTextFlags flags);

G_END_DECLS
