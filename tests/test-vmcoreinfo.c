/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-error.h"

#include "cd-text.h"
#include "cd-vmcoreinfo.h"

/* a shortened note as Debian's 6.1 kernel writes it, CRASHTIME without a newline */
static const gchar sample[] = "OSRELEASE=6.1.0-56-amd64\n"
			      "BUILD-ID=1234abcd\n"
			      "PAGESIZE=4096\n"
			      "SYMBOL(init_uts_ns)=ffffffffa1e13420\n"
			      "SYMBOL(prb)=ffffffffa1c5f0c8\n"
			      "SIZE(printk_ringbuffer)=88\n"
			      "OFFSET(prb_desc_ring.count_bits)=0\n"
			      "LENGTH(mem_section)=2048\n"
			      "NUMBER(phys_base)=-2147483648\n"
			      "NUMBER(PAGE_OFFSET)=0xffff888000000000\n"
			      "NUMBER(pgtable_l5_enabled)=0\n"
			      "KERNELOFFSET=1f000000\n"
			      "not a key value line\n"
			      "=no key\n"
			      "CRASHTIME=1763821530";

static void
test_vmcoreinfo_parse(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcoreinfo) info = cd_vmcoreinfo_new_from_data(sample, strlen(sample), &error);
	guint64 u = 0;
	gint64 s = 0;

	g_assert_no_error(error);
	g_assert_nonnull(info);
	g_assert_cmpstr(cd_vmcoreinfo_get_osrelease(info), ==, "6.1.0-56-amd64");
	g_assert_cmpuint(cd_vmcoreinfo_get_page_size(info), ==, 4096);

	g_assert_true(cd_vmcoreinfo_get_symbol(info, "prb", &u, &error));
	g_assert_cmphex(u, ==, 0xffffffffa1c5f0c8ULL);
	g_assert_true(cd_vmcoreinfo_get_size(info, "printk_ringbuffer", &u, &error));
	g_assert_cmpuint(u, ==, 88);
	g_assert_true(cd_vmcoreinfo_get_offset(info, "prb_desc_ring.count_bits", &u, &error));
	g_assert_cmpuint(u, ==, 0);
	g_assert_true(cd_vmcoreinfo_get_length(info, "mem_section", &u, &error));
	g_assert_cmpuint(u, ==, 2048);
	g_assert_true(cd_vmcoreinfo_get_number(info, "phys_base", &s, &error));
	g_assert_cmpint(s, ==, -2147483648LL);
	g_assert_true(cd_vmcoreinfo_get_number(info, "PAGE_OFFSET", &s, &error));
	g_assert_cmphex((guint64)s, ==, 0xffff888000000000ULL);
	g_assert_true(cd_vmcoreinfo_get_kernel_offset(info, &u));
	g_assert_cmphex(u, ==, 0x1f000000);
	g_assert_true(cd_vmcoreinfo_get_crash_time(info, &s));
	g_assert_cmpint(s, ==, 1763821530);
	g_assert_no_error(error);

	/* lines that are not KEY=VALUE are not keys */
	g_assert_null(cd_vmcoreinfo_lookup(info, "not a key value line"));
	g_assert_null(cd_vmcoreinfo_lookup(info, ""));
}

static void
test_vmcoreinfo_missing(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcoreinfo) info = cd_vmcoreinfo_new_from_data(sample, strlen(sample), NULL);
	guint64 u;

	g_assert_false(cd_vmcoreinfo_get_symbol(info, "log_buf", &u, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_assert_nonnull(strstr(error->message, "SYMBOL(log_buf)"));
}

static void
test_vmcoreinfo_invalid_values(void)
{
	static const gchar bad[] = "SYMBOL(a)=xyz\nSIZE(b)=-3\nOFFSET(c.d)=12abc\n"
				   "NUMBER(e)=0x\nNUMBER(f)=99999999999999999999\nSIZE(g)=\n"
				   "PAGESIZE=4095\nCRASHTIME=-1";
	g_autoptr(CdVmcoreinfo) info = cd_vmcoreinfo_new_from_data(bad, strlen(bad), NULL);
	const gchar *unsigned_keys[][2] = { { "SYMBOL", "a" },
					    { "SIZE", "b" },
					    { "OFFSET", "c.d" },
					    { "SIZE", "g" } };
	guint64 u;
	gint64 s;

	for (gsize i = 0; i < G_N_ELEMENTS(unsigned_keys); i++) {
		g_autoptr(GError) error = NULL;
		gboolean ok;
		if (g_str_equal(unsigned_keys[i][0], "SYMBOL"))
			ok = cd_vmcoreinfo_get_symbol(info, unsigned_keys[i][1], &u, &error);
		else if (g_str_equal(unsigned_keys[i][0], "SIZE"))
			ok = cd_vmcoreinfo_get_size(info, unsigned_keys[i][1], &u, &error);
		else
			ok = cd_vmcoreinfo_get_offset(info, unsigned_keys[i][1], &u, &error);
		g_assert_false(ok);
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	}
	g_assert_false(cd_vmcoreinfo_get_number(info, "e", &s, NULL));
	g_assert_false(cd_vmcoreinfo_get_number(info, "f", &s, NULL));
	g_assert_cmpuint(cd_vmcoreinfo_get_page_size(info), ==, 0);
	g_assert_false(cd_vmcoreinfo_get_crash_time(info, &s));
}

/* a bad value is quoted in the error, which reaches a terminal: cut and made visible */
static void
test_vmcoreinfo_invalid_value_shown(void)
{
	g_autofree gchar *long_value = g_strnfill(4000, '7');
	g_autofree gchar *text = g_strdup_printf("SYMBOL(a)=ff\x1b]0;t\x07\nNUMBER(b)=1\x1b[2J\n"
						 "SIZE(c)=%sx",
						 long_value);
	g_autoptr(CdVmcoreinfo) info = cd_vmcoreinfo_new_from_data(text, strlen(text), NULL);
	g_autoptr(GError) symbol_error = NULL;
	g_autoptr(GError) number_error = NULL;
	g_autoptr(GError) size_error = NULL;
	guint64 u;
	gint64 s;

	g_assert_false(cd_vmcoreinfo_get_symbol(info, "a", &u, &symbol_error));
	g_assert_cmpstr(symbol_error->message,
			==,
			"VMCOREINFO has an invalid value for SYMBOL(a): \"ff\\x1b]0;t\\x07\"");
	g_assert_false(cd_vmcoreinfo_get_number(info, "b", &s, &number_error));
	g_assert_cmpstr(number_error->message,
			==,
			"VMCOREINFO has an invalid value for NUMBER(b): \"1\\x1b[2J\"");
	g_assert_false(cd_vmcoreinfo_get_size(info, "c", &u, &size_error));
	g_assert_cmpuint(strlen(size_error->message), <, 200);
}

static void
test_vmcoreinfo_nul_and_limit(void)
{
	static const gchar padded[] = "OSRELEASE=6.1\n\0SYMBOL(prb)=ff\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcoreinfo) info = cd_vmcoreinfo_new_from_data(padded, sizeof(padded), NULL);
	g_autofree gchar *huge = g_malloc0(CD_VMCOREINFO_MAX_SIZE + 1);
	g_autoptr(CdVmcoreinfo) too_big = NULL;

	/* a NUL ends the text: what follows is padding */
	g_assert_cmpstr(cd_vmcoreinfo_get_osrelease(info), ==, "6.1");
	g_assert_false(cd_vmcoreinfo_has(info, "SYMBOL(prb)"));

	too_big = cd_vmcoreinfo_new_from_data(huge, CD_VMCOREINFO_MAX_SIZE + 1, &error);
	g_assert_null(too_big);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

/* CRASHTIME is the crashed kernel's clock: only what a report id can hold is a time */
static void
test_vmcoreinfo_crash_time_range(void)
{
	const struct {
		const gchar *value;
		gint64 expected; /* -1: refused */
		const gchar *says;
	} cases[] = {
		{ "0", 0, NULL },
		{ "1763821530", 1763821530, NULL },
		{ "253402300799", 253402300799, NULL }, /* 9999-12-31T23:59:59Z */
		{ "253402300800", -1, "after the year 9999" },
		{ "300000000000", -1, "after the year 9999" },
		{ "9223372036854775807", -1, "after the year 9999" },
		{ "99999999999999999999", -1, "not a number of seconds" },
		{ "-1", -1, "before 1970" },
		{ "12x", -1, "not a number of seconds" },
		{ "\x1b]0;t\x07", -1, "\\x1b]0;t\\x07" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text =
			g_strdup_printf("OSRELEASE=6.1\nCRASHTIME=%s", cases[i].value);
		g_autoptr(CdVmcoreinfo) info =
			cd_vmcoreinfo_new_from_data(text, strlen(text), NULL);
		g_autoptr(GError) error = NULL;
		gint64 seconds = -1;
		gboolean ok = cd_vmcoreinfo_read_crash_time(info, &seconds, &error);

		g_test_message("CRASHTIME=%s", cases[i].value);
		g_assert_cmpint(cd_vmcoreinfo_get_crash_time(info, &seconds), ==, ok);
		if (cases[i].expected >= 0) {
			g_assert_no_error(error);
			g_assert_true(ok);
			g_assert_cmpint(seconds, ==, cases[i].expected);
			continue;
		}
		g_assert_false(ok);
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		g_assert_nonnull(strstr(error->message, "CRASHTIME"));
		g_assert_nonnull(strstr(error->message, cases[i].says));
		g_assert_true(cd_text_is_visible(error->message, CD_TEXT_FLAG_NONE));
	}
	{
		g_autoptr(CdVmcoreinfo) none = cd_vmcoreinfo_new_from_data("A=1", 3, NULL);
		g_autoptr(GError) error = NULL;
		gint64 seconds;
		g_assert_false(cd_vmcoreinfo_read_crash_time(none, &seconds, &error));
		g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	}
}

/* OSRELEASE goes into reports as it is: only a release-like value is one */
static void
test_vmcoreinfo_osrelease(void)
{
	const gchar *refused[] = { "OSRELEASE=",
				   "OSRELEASE=6.1\x1b[2J",
				   "OSRELEASE=6.1\xc2\x9b",
				   "OSRELEASE=6.1\t",
				   NULL };
	g_autofree gchar *long_release = g_strnfill(65, '6');
	g_autofree gchar *long_text = g_strdup_printf("OSRELEASE=%s", long_release);
	g_autoptr(CdVmcoreinfo) too_long =
		cd_vmcoreinfo_new_from_data(long_text, strlen(long_text), NULL);
	g_autoptr(CdVmcoreinfo) good =
		cd_vmcoreinfo_new_from_data("OSRELEASE=6.1.0-57-amd64", 24, NULL);

	for (guint i = 0; refused[i] != NULL; i++) {
		g_autoptr(CdVmcoreinfo) info =
			cd_vmcoreinfo_new_from_data(refused[i], strlen(refused[i]), NULL);
		g_assert_null(cd_vmcoreinfo_get_osrelease(info));
	}
	g_assert_null(cd_vmcoreinfo_get_osrelease(too_long));
	g_assert_cmpstr(cd_vmcoreinfo_get_osrelease(good), ==, "6.1.0-57-amd64");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/vmcoreinfo/parse", test_vmcoreinfo_parse);
	g_test_add_func("/capture/vmcoreinfo/missing", test_vmcoreinfo_missing);
	g_test_add_func("/capture/vmcoreinfo/invalid-values", test_vmcoreinfo_invalid_values);
	g_test_add_func("/capture/vmcoreinfo/invalid-value-shown",
			test_vmcoreinfo_invalid_value_shown);
	g_test_add_func("/capture/vmcoreinfo/nul-and-limit", test_vmcoreinfo_nul_and_limit);
	g_test_add_func("/capture/vmcoreinfo/crash-time-range", test_vmcoreinfo_crash_time_range);
	g_test_add_func("/capture/vmcoreinfo/osrelease", test_vmcoreinfo_osrelease);
	return g_test_run();
}
