/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-error.h"

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

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/vmcoreinfo/parse", test_vmcoreinfo_parse);
	g_test_add_func("/capture/vmcoreinfo/missing", test_vmcoreinfo_missing);
	g_test_add_func("/capture/vmcoreinfo/invalid-values", test_vmcoreinfo_invalid_values);
	g_test_add_func("/capture/vmcoreinfo/nul-and-limit", test_vmcoreinfo_nul_and_limit);
	return g_test_run();
}
