/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "cd-text.h"
#include "cd-utf8.h"

typedef struct {
	const gchar *data;
	gssize len;
	CdTextFlags flags;
	const gchar *shown;
} CdTextCase;

/* the sequences a hostile task name carries, and what a person must see instead */
static const CdTextCase cd_text_cases[] = {
	{ "plain text", -1, CD_TEXT_FLAG_NONE, "plain text" },
	{ "\x1b[8mhidden", -1, CD_TEXT_FLAG_NONE, "\\x1b[8mhidden" },
	{ "\x1b]0;title\x07", -1, CD_TEXT_FLAG_NONE, "\\x1b]0;title\\x07" },
	{ "\x1b]52;c;ZXZpbA==\x1b\\", -1, CD_TEXT_FLAG_NONE, "\\x1b]52;c;ZXZpbA==\\x1b\\" },
	{ "a\x7f"
	  "b",
	  -1,
	  CD_TEXT_FLAG_NONE,
	  "a\\x7fb" },
	{ "\r\b\x0c", -1, CD_TEXT_FLAG_NONE, "\\x0d\\x08\\x0c" },
	/* U+009B is CSI for many terminals; U+0085 is NEL */
	{ "x\xc2\x9b"
	  "31m\xc2\x85",
	  -1,
	  CD_TEXT_FLAG_NONE,
	  "x\\u009b31m\\u0085" },
	/* bidi override and isolate, line separator */
	{ "a\xe2\x80\xae"
	  "b\xe2\x81\xa6"
	  "c\xe2\x80\xa8",
	  -1,
	  CD_TEXT_FLAG_NONE,
	  "a\\u202eb\\u2066c\\u2028" },
	/* bytes that are not UTF-8, and raw C1 bytes */
	{ "\xff\x9b\xc3", -1, CD_TEXT_FLAG_NONE, "\\xff\\x9b\\xc3" },
	{ "ok\xc3\xa9\xe2\x82\xac", -1, CD_TEXT_FLAG_NONE, "ok\xc3\xa9\xe2\x82\xac" },
	{ "a\tb\nc", -1, CD_TEXT_FLAG_NONE, "a\\x09b\\x0ac" },
	{ "a\tb\nc", -1, CD_TEXT_FLAG_KEEP_NEWLINES, "a\\x09b\nc" },
	{ "a\tb\nc", -1, CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS, "a\tb\nc" },
	{ "a\0b\x1b", 4, CD_TEXT_FLAG_NONE, "a\\x00b\\x1b" },
	{ "\\x1b stays", -1, CD_TEXT_FLAG_NONE, "\\x1b stays" },
	{ "", 0, CD_TEXT_FLAG_NONE, "" },
};

static void
cd_test_text_cases(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(cd_text_cases); i++) {
		const CdTextCase *tc = &cd_text_cases[i];
		g_autofree gchar *shown = cd_text_make_visible(tc->data, tc->len, tc->flags);
		g_autofree gchar *again = NULL;

		g_assert_cmpstr(shown, ==, tc->shown);
		g_assert_true(g_utf8_validate(shown, -1, NULL));
		/* making visible twice changes nothing */
		again = cd_text_make_visible(shown, -1, tc->flags);
		g_assert_cmpstr(again, ==, shown);
		g_assert_true(cd_text_is_visible(shown, tc->flags));
	}
	g_assert_false(cd_text_is_visible("\x1b[1m", CD_TEXT_FLAG_NONE));
}

static void
cd_test_text_null(void)
{
	g_autofree gchar *shown = cd_text_make_visible(NULL, -1, CD_TEXT_FLAG_NONE);
	g_assert_cmpstr(shown, ==, "");
}

/* every byte value, alone and in pairs: the result is UTF-8 without a control character */
static void
cd_test_text_every_byte(void)
{
	for (guint a = 0; a < 256; a++) {
		for (guint b = 0; b < 256; b++) {
			gchar data[2] = { (gchar)a, (gchar)b };
			g_autofree gchar *shown = cd_text_make_visible(data, 2, CD_TEXT_FLAG_NONE);
			g_assert_true(g_utf8_validate(shown, -1, NULL));
			for (const gchar *p = shown; *p != '\0'; p = g_utf8_next_char(p)) {
				gunichar c = g_utf8_get_char(p);
				g_assert_false(g_unichar_iscntrl(c));
			}
		}
	}
}

/* a bounded tail starts between characters: "é" is two bytes */
static void
cd_test_utf8_suffix(void)
{
	const gchar *s = "ab\xc3\xa9\xc3\xa9";

	g_assert_cmpuint(cd_utf8_suffix_start(s, 6, 6), ==, 0);
	g_assert_cmpuint(cd_utf8_suffix_start(s, 6, 4), ==, 2);
	g_assert_cmpuint(cd_utf8_suffix_start(s, 6, 3), ==, 4);
	g_assert_cmpuint(cd_utf8_suffix_start(s, 6, 1), ==, 6);
	g_assert_cmpuint(cd_utf8_suffix_start(s, 6, 0), ==, 6);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/text/cases", cd_test_text_cases);
	g_test_add_func("/capture/text/null", cd_test_text_null);
	g_test_add_func("/capture/text/every-byte", cd_test_text_every_byte);
	g_test_add_func("/capture/utf8/suffix", cd_test_utf8_suffix);
	return g_test_run();
}
