/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

/*
 * The length of the longest start of @s, valid UTF-8 of @len bytes, that fits in @max
 * bytes and ends between characters: where a bounded text may be cut.
 */
static inline gsize
cd_utf8_prefix_length(const gchar *s, gsize len, gsize max)
{
	const gchar *end;

	if (len <= max)
		return len;
	end = g_utf8_find_prev_char(s, s + max + 1);
	return end != NULL ? (gsize)(end - s) : 0;
}

/*
 * The offset of the shortest end of @s, valid UTF-8 of @len bytes, that fits in @max
 * bytes and starts between characters: where a bounded tail may begin.
 */
static inline gsize
cd_utf8_suffix_start(const gchar *s, gsize len, gsize max)
{
	gsize from;

	if (len <= max)
		return 0;
	from = len - max;
	while (from < len && ((guchar)s[from] & 0xc0) == 0x80)
		from++;
	return from;
}
