/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "cd-text.h"

/*
 * Text that came from the crashed kernel (a task name, a message, a log line) is
 * untrusted: any user can put an escape sequence into a task name with
 * prctl(PR_SET_NAME), and the kernel prints it. Before such text is shown to a person
 * (a terminal, a D-Bus reply, a screen, a window) or stored as a summary field, the
 * characters a terminal or a renderer would act on are written out visibly instead:
 *
 *  - C0 controls and DEL as \xNN (vmcore-dmesg's spelling of the same bytes);
 *  - C1 controls (U+0080..U+009F; many terminals take U+009B as CSI) as \u00NN;
 *  - the characters that reorder or break lines without being controls (the bidi
 *    embeddings, overrides and isolates, U+2028 and U+2029) as \uNNNN;
 *  - bytes that are not valid UTF-8 as \xNN.
 *
 * A backslash is left as it is, so that making visible twice changes nothing: a
 * summary field made visible when the report was written and again when it is shown
 * reads the same. The raw log (dmesg.txt) is never passed through here: it is kept
 * byte-exact as evidence.
 */

static gboolean
cd_text_unichar_is_hidden(gunichar c, CdTextFlags flags)
{
	if (c == '\n')
		return (flags & CD_TEXT_FLAG_KEEP_NEWLINES) == 0;
	if (c == '\t')
		return (flags & CD_TEXT_FLAG_KEEP_TABS) == 0;
	if (c < 0x20 || c == 0x7f)
		return TRUE;
	if (c >= 0x80 && c <= 0x9f)
		return TRUE;
	if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
	    c == 0x200f || c == 0x061c || c == 0x2028 || c == 0x2029)
		return TRUE;
	return FALSE;
}

/**
 * cd_text_make_visible:
 * @data: untrusted bytes, not necessarily UTF-8 nor NUL-terminated
 * @len: their length, or -1 when @data is NUL-terminated
 * @flags: which of '\n' and '\t' to keep
 *
 * Returns: (transfer full): @data as valid UTF-8 in which no character that a terminal
 * or a text renderer would interpret is left as it is; never %NULL (an empty string for
 * %NULL @data)
 */
gchar *
cd_text_make_visible(const gchar *data, gssize len, CdTextFlags flags)
{
	GString *out;
	const gchar *p;
	const gchar *end;

	if (data == NULL)
		return g_strdup("");
	if (len < 0)
		len = (gssize)strlen(data);
	out = g_string_sized_new((gsize)len + 1);
	p = data;
	end = data + len;
	while (p < end) {
		const gchar *valid_end = NULL;
		gunichar c;

		/* the longest valid run first, so that most text is copied in one go */
		g_utf8_validate(p, end - p, &valid_end);
		while (p < valid_end) {
			const gchar *next = g_utf8_next_char(p);
			c = g_utf8_get_char(p);
			if (!cd_text_unichar_is_hidden(c, flags))
				g_string_append_len(out, p, next - p);
			else if (c < 0x80)
				g_string_append_printf(out, "\\x%02x", (guint)c);
			else
				g_string_append_printf(out, "\\u%04x", (guint)c);
			p = next;
		}
		if (p < end) {
			/* a byte that starts no valid character (NUL stops the validation too) */
			g_string_append_printf(out, "\\x%02x", (guint)(guchar)*p);
			p++;
		}
	}
	return g_string_free(out, FALSE);
}

/**
 * cd_text_is_visible:
 * @text: a NUL-terminated string
 * @flags: as for cd_text_make_visible()
 *
 * Returns: %TRUE when cd_text_make_visible() would return @text unchanged
 */
gboolean
cd_text_is_visible(const gchar *text, CdTextFlags flags)
{
	g_autofree gchar *visible = cd_text_make_visible(text, -1, flags);
	return g_strcmp0(visible, text) == 0;
}
