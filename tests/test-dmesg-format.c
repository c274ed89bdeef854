/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-dmesg.h"

static gchar *
format(guint64 ts, const gchar *text, gsize len, guint32 caller, CdDmesgFlags flags)
{
	CdPrintkRecord rec = {
		.ts_nsec = ts,
		.has_timestamp = TRUE,
		.has_caller_id = TRUE,
		.caller_id = caller,
		.text = (const guint8 *)text,
		.text_len = len,
	};
	GString *out = g_string_new(NULL);

	cd_dmesg_append_record(out, &rec, flags);
	return g_string_free(out, FALSE);
}

static void
test_dmesg_format_timestamp(void)
{
	g_autofree gchar *a = format(0, "x", 1, 0, CD_DMESG_FLAG_NONE);
	g_autofree gchar *b = format(1234567890123ULL, "y", 1, 0, CD_DMESG_FLAG_NONE);
	g_autofree gchar *c = format(100000999999999ULL, "", 0, 0, CD_DMESG_FLAG_NONE);

	g_assert_cmpstr(a, ==, "[    0.000000] x\n");
	/* microseconds are truncated, not rounded */
	g_assert_cmpstr(b, ==, "[ 1234.567890] y\n");
	/* past five digits the field grows */
	g_assert_cmpstr(c, ==, "[100000.999999] \n");
}

static void
test_dmesg_format_escaping(void)
{
	static const gchar text[] = "a\x01\tb\x7f\xc3\xa9\n\r\x0b\x0c~ \x1f\x80\xff";
	g_autofree gchar *s = format(0, text, sizeof(text) - 1, 0, CD_DMESG_FLAG_NONE);

	g_autofree gchar *v = format(0, text, sizeof(text) - 1, 0, CD_DMESG_FLAG_VISIBLE);

	g_assert_cmpstr(s,
			==,
			"[    0.000000] a\\x01\tb\\x7f\\xc3\\xa9\n\r\x0b\x0c~ \\x1f\\x80\\xff\n");
	/* for a person only newline and tab are kept: no carriage return to overwrite a
	 * line with, no vertical tab nor form feed */
	g_assert_cmpstr(
		v,
		==,
		"[    0.000000] a\\x01\tb\\x7f\\xc3\\xa9\n\\x0d\\x0b\\x0c~ \\x1f\\x80\\xff\n");
}

static void
test_dmesg_format_caller(void)
{
	g_autofree gchar *task = format(0, "t", 1, 42, CD_DMESG_FLAG_CALLER_ID);
	g_autofree gchar *cpu = format(0, "c", 1, 0x80000001u, CD_DMESG_FLAG_CALLER_ID);
	g_autofree gchar *none = format(0, "n", 1, 42, CD_DMESG_FLAG_NONE);

	g_assert_cmpstr(task, ==, "[    0.000000][   T42] t\n");
	g_assert_cmpstr(cpu, ==, "[    0.000000][    C1] c\n");
	g_assert_cmpstr(none, ==, "[    0.000000] n\n");
}

static void
test_dmesg_format_plain(void)
{
	CdPrintkRecord rec = { .text = (const guint8 *)"<6>raw\x01", .text_len = 7 };
	g_autoptr(GString) out = g_string_new(NULL);

	static const gchar hostile[] = "<4>Comm: \x1b]0;t\x07\r\t\xc2\x9b\n";
	CdPrintkRecord bad = { .text = (const guint8 *)hostile, .text_len = sizeof(hostile) - 1 };

	/* the pre-3.5 ring is copied as it is, as vmcore-dmesg does */
	cd_dmesg_append_record(out, &rec, CD_DMESG_FLAG_NONE);
	g_assert_cmpmem(out->str, out->len, "<6>raw\x01", 7);
	g_string_truncate(out, 0);
	cd_dmesg_append_record(out, &bad, CD_DMESG_FLAG_NONE);
	g_assert_cmpmem(out->str, out->len, hostile, sizeof(hostile) - 1);
	/* for a person, escaped as the records are, newline and tab kept */
	g_string_truncate(out, 0);
	cd_dmesg_append_record(out, &bad, CD_DMESG_FLAG_VISIBLE);
	g_assert_cmpstr(out->str, ==, "<4>Comm: \\x1b]0;t\\x07\\x0d\t\\xc2\\x9b\n");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/dmesg/format/timestamp", test_dmesg_format_timestamp);
	g_test_add_func("/capture/dmesg/format/escaping", test_dmesg_format_escaping);
	g_test_add_func("/capture/dmesg/format/caller", test_dmesg_format_caller);
	g_test_add_func("/capture/dmesg/format/plain", test_dmesg_format_plain);
	return g_test_run();
}
