/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cd-test-util.h"
#include "cd-crashkernel.h"
#include "cd-error.h"
#include "cd-size.h"

/* The crashkernel= option as kernel/crash_reserve.c reads it, and the state of machines
 * built as trees in a temporary directory: /proc and /sys as root and as a user see
 * them, GRUB's files with and without drop-ins, /etc/kernel/cmdline. */

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)

#define RELEASE "6.1.0-28-amd64"

typedef struct {
	gchar *root;
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	fx->root = g_dir_make_tmp("crashdesk-crashkernel-XXXXXX", &error);
	g_assert_no_error(error);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer user_data)
{
	cd_test_rm_rf(fx->root);
	g_free(fx->root);
}

static void
put(Fixture *fx, const gchar *path, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *full = g_build_filename(fx->root, path, NULL);
	g_autofree gchar *dir = g_path_get_dirname(full);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	g_file_set_contents(full, text, -1, &error);
	g_assert_no_error(error);
}

/* a sparse file of @size bytes, as a kernel image or initramfs */
static void
put_sized(Fixture *fx, const gchar *path, guint64 size)
{
	g_autofree gchar *full = g_build_filename(fx->root, path, NULL);
	gint fd;

	put(fx, path, "");
	fd = open(full, O_WRONLY);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
	close(fd);
}

/* the parser */

static void
test_parse_sizes(void)
{
	const struct {
		const gchar *value;
		guint64 size;
	} cases[] = {
		{ "4096", 4096 },
		{ "0", 0 },
		{ "1k", KiB },
		{ "1K", KiB },
		{ "256m", 256 * MiB },
		{ "256M", 256 * MiB },
		{ "2g", 2 * GiB },
		{ "2G", 2 * GiB },
		{ "1t", TiB },
		{ "1T", TiB },
		{ "1p", 1024 * TiB },
		{ "1P", 1024 * TiB },
		{ "1e", 1024 * 1024 * TiB },
		{ "15E", 15 * 1024 * 1024 * TiB },
		{ "0x10M", 16 * MiB },
		{ "0X1e", 30 },	     /* E is a hex digit here, as in the kernel */
		{ "010M", 8 * MiB }, /* a leading 0 is octal, as in the kernel */
		{ "crashkernel=384M", 384 * MiB },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdCrashkernel) ck = cd_crashkernel_parse(cases[i].value, &error);

		g_assert_no_error(error);
		g_assert_nonnull(ck);
		g_assert_cmpint(cd_crashkernel_get_kind(ck), ==, CD_CRASHKERNEL_KIND_PLAIN);
		g_assert_cmpuint(cd_crashkernel_get_range_count(ck), ==, 0);
		g_assert_false(cd_crashkernel_get_offset(ck, NULL));
		/* any RAM above the size */
		g_assert_cmpuint(cd_crashkernel_get_size_for_ram(ck, G_MAXUINT64),
				 ==,
				 cases[i].size);
	}
}

static void
test_parse_ranges(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdCrashkernel) ck =
		cd_crashkernel_parse("1G-4G:192M,4G-64G:256M,64G-:512M", &error);
	guint64 start = 0;
	guint64 end = 0;
	guint64 size = 0;
	const gchar *text = NULL;
	const struct {
		guint64 ram;
		guint64 size;
		gint range;
	} cases[] = {
		{ 512 * MiB, 0, -1 },		/* below the first range */
		{ 1 * GiB - 128 * MiB, 0, -1 }, /* just below its start */
		{ 1 * GiB, 192 * MiB, 0 },	/* at its start: included */
		{ 2 * GiB, 192 * MiB, 0 },
		{ 4 * GiB - 128 * MiB, 192 * MiB, 0 },
		{ 4 * GiB, 256 * MiB, 1 }, /* at its end: excluded, the next range */
		/* the kernel rounds the RAM up to 128 MiB: 3.9 GiB counts as 4 GiB */
		{ 4 * GiB - 100 * MiB, 256 * MiB, 1 },
		{ 4 * GiB - 128 * MiB - 1, 192 * MiB, 0 },
		{ 64 * GiB - 128 * MiB, 256 * MiB, 1 },
		{ 64 * GiB - 1, 512 * MiB, 2 }, /* rounded up */
		{ 64 * GiB, 512 * MiB, 2 },
		{ 16 * TiB, 512 * MiB, 2 }, /* no end: no limit */
		{ G_MAXUINT64, 512 * MiB, 2 },
	};

	g_assert_no_error(error);
	g_assert_cmpstr(cd_crashkernel_get_text(ck), ==, "1G-4G:192M,4G-64G:256M,64G-:512M");
	g_assert_cmpuint(cd_crashkernel_get_range_count(ck), ==, 3);
	g_assert_true(cd_crashkernel_get_range(ck, 0, &start, &end, &size, &text));
	g_assert_cmpuint(start, ==, GiB);
	g_assert_cmpuint(end, ==, 4 * GiB);
	g_assert_cmpuint(size, ==, 192 * MiB);
	g_assert_cmpstr(text, ==, "1G-4G");
	g_assert_true(cd_crashkernel_get_range(ck, 2, &start, &end, &size, &text));
	g_assert_cmpuint(end, ==, G_MAXUINT64);
	g_assert_cmpstr(text, ==, "64G-");
	g_assert_false(cd_crashkernel_get_range(ck, 3, NULL, NULL, NULL, NULL));
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("RAM %" G_GUINT64_FORMAT, cases[i].ram);
		g_assert_cmpuint(cd_crashkernel_get_size_for_ram(ck, cases[i].ram),
				 ==,
				 cases[i].size);
		g_assert_cmpint(cd_crashkernel_get_range_for_ram(ck, cases[i].ram),
				==,
				cases[i].range);
	}
}

static void
test_parse_refused_sizes(void)
{
	g_autoptr(CdCrashkernel) plain = cd_crashkernel_parse("4G", NULL);
	g_autoptr(CdCrashkernel) ranges = cd_crashkernel_parse("512M-:2G", NULL);
	g_autoptr(CdCrashkernel) early = cd_crashkernel_parse("0-1G:1G,1G-:256M", NULL);

	/* a size not below the RAM is refused by parse_crashkernel() */
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(plain, 2 * GiB), ==, 0);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(plain, 8 * GiB), ==, 4 * GiB);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(ranges, 1536 * MiB), ==, 0);
	g_assert_cmpint(cd_crashkernel_get_range_for_ram(ranges, 1536 * MiB), ==, -1);
	/* parse_crashkernel_mem() refuses the option for a range it passed on the way */
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(early, 768 * MiB), ==, 0);
	g_assert_cmpint(cd_crashkernel_get_range_for_ram(early, 768 * MiB), ==, -1);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(early, 2 * GiB), ==, 256 * MiB);
}

static void
test_parse_offset(void)
{
	g_autoptr(CdCrashkernel) plain = cd_crashkernel_parse("256M@16M", NULL);
	g_autoptr(CdCrashkernel) ranges =
		cd_crashkernel_parse("512M-2G:64M,2G-:128M@0x1000000", NULL);
	guint64 offset = 0;

	g_assert_nonnull(plain);
	g_assert_true(cd_crashkernel_get_offset(plain, &offset));
	g_assert_cmpuint(offset, ==, 16 * MiB);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(plain, GiB), ==, 256 * MiB);
	g_assert_nonnull(ranges);
	g_assert_true(cd_crashkernel_get_offset(ranges, &offset));
	g_assert_cmpuint(offset, ==, 16 * MiB);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(ranges, GiB), ==, 64 * MiB);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(ranges, 3 * GiB), ==, 128 * MiB);
}

static void
test_parse_suffixes(void)
{
	g_autoptr(CdCrashkernel) high = cd_crashkernel_parse("512M,high", NULL);
	g_autoptr(CdCrashkernel) low = cd_crashkernel_parse("crashkernel=72M,low", NULL);
	g_autoptr(CdCrashkernel) none = cd_crashkernel_parse("0,low", NULL);
	g_autoptr(CdCrashkernel) cma = cd_crashkernel_parse("1G,cma", NULL);

	g_assert_cmpint(cd_crashkernel_get_kind(high), ==, CD_CRASHKERNEL_KIND_HIGH);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(high, 16 * GiB), ==, 512 * MiB);
	g_assert_cmpint(cd_crashkernel_get_kind(low), ==, CD_CRASHKERNEL_KIND_LOW);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(low, 16 * GiB), ==, 72 * MiB);
	g_assert_cmpint(cd_crashkernel_get_kind(none), ==, CD_CRASHKERNEL_KIND_LOW);
	g_assert_cmpuint(cd_crashkernel_get_size_for_ram(none, 16 * GiB), ==, 0);
	g_assert_cmpint(cd_crashkernel_get_kind(cma), ==, CD_CRASHKERNEL_KIND_CMA);
}

static void
test_parse_cmdline(void)
{
	const struct {
		const gchar *cmdline;
		guint count;
		const gchar *main;
		const gchar *low;
	} cases[] = {
		{ "BOOT_IMAGE=/vmlinuz ro quiet", 0, NULL, NULL },
		{ "", 0, NULL, NULL },
		{ "ro crashkernel=256M quiet", 1, "256M", NULL },
		/* the last plain word wins */
		{ "crashkernel=128M ro crashkernel=1G-:384M", 2, "1G-:384M", NULL },
		/* ,high and ,low go together, the last of each */
		{ "crashkernel=512M,high crashkernel=72M,low", 2, "512M,high", "72M,low" },
		{ "crashkernel=1G,high crashkernel=96M,low crashkernel=512M,high",
		  3,
		  "512M,high",
		  "96M,low" },
		{ "crashkernel=512M,high", 1, "512M,high", NULL },
		/* a plain word makes the kernel ignore ,high and ,low */
		{ "crashkernel=512M,high crashkernel=256M crashkernel=72M,low", 3, "256M", NULL },
		/* ,low alone reserves nothing */
		{ "crashkernel=72M,low", 1, NULL, NULL },
		/* only whole words count; the kernel reads them after "--" too */
		{ "xcrashkernel=1G\tfoo -- crashkernel=64M\n", 1, "64M", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) options =
			cd_crashkernel_parse_cmdline(cases[i].cmdline, &error);
		const CdCrashkernel *main = NULL;
		const CdCrashkernel *low = NULL;

		g_assert_no_error(error);
		g_assert_cmpuint(options->len, ==, cases[i].count);
		cd_crashkernel_select(options, &main, &low);
		g_assert_cmpstr(main != NULL ? cd_crashkernel_get_text(main) : NULL,
				==,
				cases[i].main);
		g_assert_cmpstr(low != NULL ? cd_crashkernel_get_text(low) : NULL,
				==,
				cases[i].low);
	}
}

static void
test_parse_bad(void)
{
	const struct {
		const gchar *value;
		const gchar *message;
	} cases[] = {
		{ "", "crashkernel=: no size" },
		{ "1G-:", "crashkernel=1G-:: range 1 has no size" },
		{ "1G-4G:", "range 1 has no size" },
		{ "-1G", "no size" },
		{ "256X", "unknown size suffix 'X' in '256X'" },
		{ "256MB", "unexpected 'B' after '256M'" },
		{ "256MiB", "unexpected 'i' after '256M'" },
		{ "256M#", "unexpected '#' after the size" },
		{ "1G-2G", "unexpected '-2G' after the size" },
		{ "4G-1G:64M", "range 1 (4G-1G): the start is not below the end" },
		{ "1G-1G:64M", "the start is not below the end" },
		{ "1G-4G:64M,2G-8G:128M",
		  "range 2 (2G-8G) overlaps or comes before range 1 (1G-4G)" },
		{ "4G-8G:64M,1G-2G:32M", "range 2 (1G-2G) overlaps or comes before range 1" },
		{ "1G-:64M,4G-:128M", "range 2 (4G-) follows range 1 (1G-), which has no end" },
		{ "1G:64M", "range 1: '-' expected after its start" },
		{ "1G-2G;64M:", "range 1: ':' expected after its end" },
		{ "1G-4G:64M,", "range 2 has no start" },
		{ "1G-x:64M", "range 1: an end or ':' expected after '-'" },
		{ "1G-4G:64M@16M,4G-:128M", "unexpected ',4G-:128M' after the offset" },
		{ "1G-4G:64Mx", "unexpected 'x' after '64M'" },
		{ "1G-4G:64M;", "unexpected ';' after range 1" },
		{ "99999999999999999999", "'99999999999999999999' is too large" },
		{ "16E", "'16E' is too large" },
		{ "0x10000000000000000", "is too large" },
		{ "1G-99999999999999999999:1M", "is too large" },
		{ "08M", "'08' is not an octal number" },
		{ "256M@", "no offset after '@'" },
		{ "256M@16M@", "unexpected '@' after the offset" },
		{ "256M@16M,high", "unexpected '@16M' before ',high'" },
		{ ",high", "no size before the suffix" },
		{ "1G-:256M,high", "unexpected '-:256M' before ',high'" },
		{ "256M,hi", "unexpected ',hi' after the size" },
		{ "256M foo", "one word" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdCrashkernel) ck = cd_crashkernel_parse(cases[i].value, &error);

		g_test_message("%s", cases[i].value);
		g_assert_null(ck);
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		if (strstr(error->message, cases[i].message) == NULL)
			g_error("'%s' gave '%s', not '%s'",
				cases[i].value,
				error->message,
				cases[i].message);
		/* the message names the value */
		g_assert_true(g_str_has_prefix(error->message, "crashkernel="));
	}
}

static void
test_parse_cmdline_bad(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) options =
		cd_crashkernel_parse_cmdline("ro crashkernel=256M crashkernel=1G-: quiet", &error);

	g_assert_null(options);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_cmpstr(error->message, ==, "crashkernel=1G-:: range 1 has no size");
}

static void
test_size_format(void)
{
	const struct {
		guint64 bytes;
		const gchar *text;
	} cases[] = {
		{ 0, "0 bytes" },	    { 17, "17 bytes" },
		{ 512 * KiB, "512 KiB" },   { 192 * MiB, "192 MiB" },
		{ 1023 * MiB, "1023 MiB" }, { GiB, "1.0 GiB" },
		{ 2 * GiB, "2.0 GiB" },	    { 23 * GiB + 512 * MiB, "23.5 GiB" },
		{ 3 * TiB / 2, "1.5 TiB" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = cd_size_format(cases[i].bytes);
		g_assert_cmpstr(text, ==, cases[i].text);
	}
}

static void
test_suggest(void)
{
	g_autofree gchar *o256 = cd_crashkernel_suggest_option(256 * MiB);
	g_autofree gchar *o1g = cd_crashkernel_suggest_option(GiB);

	/* 4 x 8 + 5 x 40 + 128 + 4 = 364 MiB, to 368 */
	g_assert_cmpuint(cd_crashkernel_suggest_size(8 * MiB, 40 * MiB, 4 * GiB), ==, 368 * MiB);
	/* without an initramfs: 4 x 8 + 128 = 160 MiB, raised to the least, 256 */
	g_assert_cmpuint(cd_crashkernel_suggest_size(8 * MiB, 0, 0), ==, 256 * MiB);
	/* Debian's usual sizes, which the state assumes for missing files: 400 MiB */
	g_assert_cmpuint(cd_crashkernel_suggest_size(CD_CRASHKERNEL_SUGGEST_DEFAULT_KERNEL,
						     CD_CRASHKERNEL_SUGGEST_DEFAULT_INITRD,
						     0),
			 ==,
			 400 * MiB);
	/* the RAM term: 64 MiB for 64 GiB */
	g_assert_cmpuint(cd_crashkernel_suggest_size(8 * MiB, 40 * MiB, 64 * GiB), ==, 432 * MiB);
	/* never below 256 MiB, always a multiple of 16 MiB */
	g_assert_cmpuint(cd_crashkernel_suggest_size(MiB, MiB, 0), ==, 256 * MiB);
	g_assert_cmpuint(cd_crashkernel_suggest_size(8 * MiB + 1, 40 * MiB, 0) % (16 * MiB), ==, 0);
	g_assert_cmpuint(cd_crashkernel_suggest_size(G_MAXUINT64, G_MAXUINT64, G_MAXUINT64),
			 >,
			 256 * MiB);
	g_assert_cmpstr(o256, ==, "crashkernel=256M");
	g_assert_cmpstr(o1g, ==, "crashkernel=1G");
}

/* machines */

/* /proc/iomem of a 2 GiB x86_64 machine as root reads it, with @crash nested in RAM */
static gchar *
iomem_root(const gchar *crash)
{
	return g_strdup_printf("00000000-00000fff : Reserved\n"
			       "00001000-0009ffff : System RAM\n"
			       "000a0000-000fffff : Reserved\n"
			       "  000f0000-000fffff : System ROM\n"
			       "00100000-7ff60fff : System RAM\n"
			       "%s"
			       "  53000000-54002fff : Kernel code\n"
			       "7ff61000-7fffffff : Reserved\n"
			       "80000000-afffffff : PCI Bus 0000:00\n"
			       "feffc000-feffffff : Reserved\n"
			       "100000000-10009ffff : System RAM\n"
			       "fd00000000-ffffffffff : Reserved\n",
			       crash);
}

/* the same as a user reads it: every address zero */
static const gchar *const iomem_user = "00000000-00000000 : Reserved\n"
				       "00000000-00000000 : System RAM\n"
				       "00000000-00000000 : Reserved\n"
				       "  00000000-00000000 : System ROM\n"
				       "00000000-00000000 : System RAM\n"
				       "  00000000-00000000 : Crash kernel\n"
				       "  00000000-00000000 : Kernel code\n";

/* 0x1000-0x9ffff, 0x100000-0x7ff60fff and 0x100000000-0x10009ffff */
#define IOMEM_RAM (0x9f000ULL + 0x7fe61000ULL + 0xa0000ULL)

static void
put_machine(Fixture *fx, const gchar *cmdline, const gchar *crash_iomem, guint64 crash_size)
{
	g_autofree gchar *iomem = iomem_root(crash_iomem);
	g_autofree gchar *size = g_strdup_printf("%" G_GUINT64_FORMAT "\n", crash_size);

	put(fx, "/proc/cmdline", cmdline);
	put(fx, "/proc/iomem", iomem);
	put(fx, "/sys/kernel/kexec_crash_size", size);
	put(fx, "/sys/kernel/kexec_crash_loaded", "1\n");
	put(fx, "/proc/meminfo", "MemTotal:        1800000 kB\nMemFree:          900000 kB\n");
	put_sized(fx, "/boot/vmlinuz-" RELEASE, 8 * MiB);
	put_sized(fx, "/boot/initrd.img-" RELEASE, 20 * MiB);
}

static CdCrashkernelState *
read_state(Fixture *fx)
{
	g_autoptr(GError) error = NULL;
	CdCrashkernelState *state =
		cd_crashkernel_state_read(fx->root, RELEASE, NULL, NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(state);
	return state;
}

static gchar *
state_text(const CdCrashkernelState *state)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	cd_crashkernel_state_append_text(state, lines);
	g_ptr_array_add(lines, NULL);
	return g_strjoinv("\n", (gchar **)lines->pdata);
}

static void
assert_text_has(const gchar *text, const gchar *needle)
{
	if (strstr(text, needle) == NULL)
		g_error("no '%s' in:\n%s", needle, text);
}

static json_object *
state_json(const CdCrashkernelState *state)
{
	json_object *obj = json_object_new_object();
	cd_crashkernel_state_to_json(state, obj);
	return obj;
}

static const gchar *
json_string(json_object *obj, const gchar *key)
{
	json_object *v = NULL;
	g_assert_true(json_object_object_get_ex(obj, key, &v));
	return v != NULL ? json_object_get_string(v) : NULL;
}

static gint64
json_int(json_object *obj, const gchar *key)
{
	json_object *v = NULL;
	g_assert_true(json_object_object_get_ex(obj, key, &v));
	g_assert_nonnull(v);
	return json_object_get_int64(v);
}

static void
test_state_root_too_small(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;
	json_object *obj;
	json_object *bootloader = NULL;
	json_object *options = NULL;

	put_machine(fx,
		    "BOOT_IMAGE=/vmlinuz-" RELEASE
		    " root=UUID=1 ro crashkernel=1G-4G:192M,4G-:256M "
		    "quiet\n",
		    "  5f000000-6affffff : Crash kernel\n",
		    192 * MiB);
	put(fx, "/etc/default/grub", "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n");
	state = read_state(fx);
	g_assert_cmpint(state->ram_source, ==, CD_CRASHKERNEL_RAM_SOURCE_IOMEM);
	g_assert_cmpuint(state->system_ram, ==, IOMEM_RAM);
	g_assert_cmpuint(state->reserved_bytes, ==, 192 * MiB);
	g_assert_cmpuint(state->applies_bytes, ==, 192 * MiB);
	g_assert_cmpstr(state->matched_range, ==, "1G-4G");
	g_assert_true(state->loaded);
	g_assert_true(state->kexec);
	g_assert_false(state->images_assumed);
	/* 4 x 8 + 5 x 20 + 128 + 2 = 262 MiB, to 272 */
	g_assert_cmpuint(state->suggested_bytes, ==, 272 * MiB);
	g_assert_cmpstr(state->suggested_option, ==, "crashkernel=272M");
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_TOO_SMALL);

	text = state_text(state);
	assert_text_has(text,
			"crashkernel=1G-4G:192M,4G-:256M: this machine has 2.0 GiB of RAM, in "
			"range 1G-4G: 192 MiB reserved.");
	assert_text_has(text, "less than the 272 MiB suggested");
	assert_text_has(text, "A capture kernel is loaded.");
	assert_text_has(text, "RAM from /proc/iomem");
	/* no crashkernel= in GRUB's files: a drop-in of its own */
	assert_text_has(text,
			"Create /etc/default/grub.d/crashdesk.cfg with the line\n"
			"    GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
			"crashkernel=272M\"\n"
			"then run update-grub and reboot.");

	obj = state_json(state);
	g_assert_true(json_object_object_get_ex(obj, "options", &options));
	g_assert_cmpint(json_object_array_length(options), ==, 1);
	g_assert_cmpstr(json_object_get_string(json_object_array_get_idx(options, 0)),
			==,
			"crashkernel=1G-4G:192M,4G-:256M");
	g_assert_cmpint(json_int(obj, "system_ram_bytes"), ==, (gint64)IOMEM_RAM);
	g_assert_cmpstr(json_string(obj, "system_ram_source"), ==, "iomem");
	g_assert_cmpint(json_int(obj, "applies_bytes"), ==, (gint64)(192 * MiB));
	g_assert_cmpstr(json_string(obj, "matched_range"), ==, "1G-4G");
	g_assert_cmpint(json_int(obj, "reserved_bytes"), ==, (gint64)(192 * MiB));
	g_assert_cmpstr(json_string(obj, "loaded"), ==, "true");
	g_assert_cmpstr(json_string(obj, "verdict"), ==, "too_small");
	g_assert_cmpstr(json_string(obj, "suggested_option"), ==, "crashkernel=272M");
	g_assert_null(json_string(obj, "option_error"));
	g_assert_true(json_object_object_get_ex(obj, "bootloader", &bootloader));
	g_assert_cmpstr(json_string(bootloader, "kind"), ==, "grub");
	g_assert_cmpstr(json_string(bootloader, "file"), ==, "/etc/default/grub.d/crashdesk.cfg");
	g_assert_null(json_string(bootloader, "line"));
	g_assert_null(json_string(bootloader, "current"));
	g_assert_cmpstr(json_string(bootloader, "command"), ==, "update-grub");
	json_object_put(obj);
}

static void
test_state_root_ok(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	put_machine(fx,
		    "ro crashkernel=1G-4G:384M,4G-:512M\n",
		    "  50000000-67ffffff : Crash kernel\n",
		    384 * MiB);
	put(fx, "/sys/kernel/kexec_crash_loaded", "0\n");
	state = read_state(fx);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_OK);
	g_assert_false(state->loaded);
	cd_crashkernel_state_append_text(state, lines);
	g_assert_cmpuint(lines->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(lines, 0),
			==,
			"crashkernel=1G-4G:384M,4G-:512M: this machine has 2.0 GiB of RAM, in "
			"range 1G-4G: 384 MiB reserved.");
	g_assert_cmpstr(g_ptr_array_index(lines, 1), ==, "No capture kernel is loaded into it.");
	/* no boot loader configuration in the tree */
	g_assert_cmpint(state->bootloader.kind, ==, CD_BOOTLOADER_NONE);
}

/*
 * The suggestion is for the images load would use: a small initrd of the capture's own
 * (Initrd=) needs less than the system's, and none (Initrd=none) less still.
 */
static void
test_state_images(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdCrashkernelState) system = NULL;
	g_autoptr(CdCrashkernelState) small = NULL;
	g_autoptr(CdCrashkernelState) none = NULL;
	g_autoptr(CdCrashkernelState) missing = NULL;

	put_machine(fx, "ro crashkernel=256M\n", "  50000000-5fffffff : Crash kernel\n", 256 * MiB);
	put_sized(fx, "/boot/initrd-capture.img", 4 * MiB);
	system = read_state(fx);
	/* 4 x 8 + 5 x 20 + 128 + 2 = 262 MiB, to 272: more than reserved */
	g_assert_cmpuint(system->initrd_bytes, ==, 20 * MiB);
	g_assert_cmpuint(system->suggested_bytes, ==, 272 * MiB);
	g_assert_cmpint(system->verdict, ==, CD_CRASHKERNEL_VERDICT_TOO_SMALL);

	small = cd_crashkernel_state_read(fx->root,
					  RELEASE,
					  "/boot/vmlinuz-" RELEASE,
					  "/boot/initrd-capture.img",
					  &error);
	g_assert_no_error(error);
	g_assert_cmpuint(small->initrd_bytes, ==, 4 * MiB);
	g_assert_false(small->images_assumed);
	g_assert_cmpuint(small->suggested_bytes, ==, 256 * MiB);
	g_assert_cmpint(small->verdict, ==, CD_CRASHKERNEL_VERDICT_OK);

	none = cd_crashkernel_state_read(fx->root, RELEASE, NULL, "", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(none->initrd_bytes, ==, 0);
	g_assert_false(none->images_assumed);
	g_assert_cmpint(none->verdict, ==, CD_CRASHKERNEL_VERDICT_OK);

	/* a configured image that is missing: Debian's usual sizes, said so */
	missing = cd_crashkernel_state_read(fx->root, RELEASE, "/boot/nothing", NULL, &error);
	g_assert_no_error(error);
	g_assert_true(missing->images_assumed);
	g_assert_cmpuint(missing->kernel_image_bytes, ==, CD_CRASHKERNEL_SUGGEST_DEFAULT_KERNEL);
}

/* as a user: /proc/iomem all zeros, the RAM from the memory blocks, the size from sysfs */
static void
test_state_user(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;

	put_machine(fx, "ro crashkernel=1G-4G:192M,4G-:256M\n", "", 192 * MiB);
	put(fx, "/proc/iomem", iomem_user);
	put(fx, "/sys/devices/system/memory/block_size_bytes", "8000000\n");
	for (guint i = 0; i < 18; i++) {
		g_autofree gchar *path =
			g_strdup_printf("/sys/devices/system/memory/memory%u/online", i);
		/* two blocks offline */
		put(fx, path, i < 16 ? "1\n" : "0\n");
	}
	state = read_state(fx);
	g_assert_cmpint(state->ram_source, ==, CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS);
	g_assert_cmpuint(state->system_ram, ==, 2 * GiB);
	g_assert_cmpuint(state->reserved_bytes, ==, 192 * MiB);
	g_assert_cmpstr(state->matched_range, ==, "1G-4G");
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_TOO_SMALL);
	text = state_text(state);
	assert_text_has(text, "RAM from the online memory blocks");
}

/* neither iomem addresses nor memory blocks: MemTotal plus the reservation */
static void
test_state_meminfo(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	json_object *obj;

	put_machine(fx, "crashkernel=256M\n", "", 256 * MiB);
	put(fx, "/proc/iomem", iomem_user);
	state = read_state(fx);
	g_assert_cmpint(state->ram_source, ==, CD_CRASHKERNEL_RAM_SOURCE_MEMINFO);
	g_assert_cmpuint(state->system_ram, ==, 1800000 * KiB + 256 * MiB);
	g_assert_cmpuint(state->applies_bytes, ==, 256 * MiB);
	g_assert_null(state->matched_range);
	obj = state_json(state);
	g_assert_cmpstr(json_string(obj, "system_ram_source"), ==, "meminfo");
	g_assert_null(json_string(obj, "matched_range"));
	json_object_put(obj);
}

static void
test_state_no_option(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;

	put_machine(fx, "BOOT_IMAGE=/vmlinuz ro quiet\n", "", 0);
	put(fx,
	    "/etc/default/grub",
	    "# If you change this file, run 'update-grub' afterwards\n"
	    "GRUB_DEFAULT=0\n"
	    "GRUB_TIMEOUT=5\n"
	    "GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	    "GRUB_CMDLINE_LINUX=\"\"\n");
	/* a cloud image's drop-in sorts before crashdesk.cfg: the drop-in still works */
	put(fx,
	    "/etc/default/grub.d/50-cloudimg-settings.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"console=tty1 console=ttyS0\"\n");
	put(fx, "/etc/default/grub.d/notes.txt", "GRUB_CMDLINE_LINUX_DEFAULT=\"ignored\"\n");
	state = read_state(fx);
	g_assert_cmpuint(state->options->len, ==, 0);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NO_OPTION);
	text = state_text(state);
	assert_text_has(text,
			"No memory is reserved for a capture kernel: the kernel command line has "
			"no crashkernel= option.");
	assert_text_has(text, "Suggested: crashkernel=272M");
	g_assert_cmpstr(state->bootloader.file, ==, "/etc/default/grub.d/crashdesk.cfg");
}

static void
test_state_no_kexec(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *path = g_build_filename(fx->root, "/sys/kernel/kexec_crash_size", NULL);
	g_autofree gchar *loaded =
		g_build_filename(fx->root, "/sys/kernel/kexec_crash_loaded", NULL);

	put_machine(fx, "crashkernel=256M\n", "", 0);
	g_unlink(path);
	g_unlink(loaded);
	state = read_state(fx);
	g_assert_false(state->kexec);
	g_assert_false(state->loaded);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NO_KEXEC);
	text = state_text(state);
	assert_text_has(text, "no kexec or crash dump support");
	g_assert_null(strstr(text, "Suggested"));
}

static void
test_state_no_range(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;

	put_machine(fx, "crashkernel=8G-:512M\n", "", 0);
	state = read_state(fx);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NOT_RESERVED);
	g_assert_cmpuint(state->applies_bytes, ==, 0);
	text = state_text(state);
	assert_text_has(text,
			"crashkernel=8G-:512M: this machine has 2.0 GiB of RAM, in none of its "
			"ranges: no memory is reserved for a capture kernel.");
}

static void
test_state_failed(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;

	put_machine(fx, "crashkernel=1536M@16M\n", "", 0);
	state = read_state(fx);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NOT_RESERVED);
	g_assert_cmpuint(state->applies_bytes, ==, 1536 * MiB);
	text = state_text(state);
	assert_text_has(text,
			"crashkernel=1536M@16M asks for 1.5 GiB, but no memory is reserved for "
			"a capture kernel: the kernel could not find it at the given offset");
}

static void
test_state_invalid(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;
	json_object *obj;

	/* the first word is bad but the kernel never reads it; the last one it reads */
	put_machine(fx, "crashkernel=foo ro crashkernel=1G-: quiet\n", "", 0);
	state = read_state(fx);
	g_assert_cmpuint(state->options->len, ==, 2);
	g_assert_null(state->main);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NOT_RESERVED);
	text = state_text(state);
	assert_text_has(text,
			"No memory is reserved for a capture kernel: the kernel cannot read "
			"crashkernel=1G-:: range 1 has no size.");
	obj = state_json(state);
	g_assert_cmpstr(json_string(obj, "option_error"),
			==,
			"crashkernel=1G-:: range 1 has no size");
	json_object_put(obj);
}

/* ,high and ,low: two "Crash kernel" regions, one above 4 GiB */
static void
test_state_high_low(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *iomem = NULL;

	put_machine(fx, "crashkernel=512M,high crashkernel=72M,low\n", "", 512 * MiB);
	iomem = g_strdup_printf("00001000-0009ffff : System RAM\n"
				"00100000-bfffffff : System RAM\n"
				"  7b000000-7f7fffff : Crash kernel\n"
				"100000000-43fffffff : System RAM\n"
				"  41f000000-43effffff : Crash kernel\n");
	put(fx, "/proc/iomem", iomem);
	state = read_state(fx);
	g_assert_cmpint(cd_crashkernel_get_kind(state->main), ==, CD_CRASHKERNEL_KIND_HIGH);
	g_assert_cmpstr(cd_crashkernel_get_text(state->low), ==, "72M,low");
	g_assert_cmpuint(state->reserved_bytes, ==, 72 * MiB + 512 * MiB);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_OK);
	text = state_text(state);
	assert_text_has(text, "crashkernel=512M,high crashkernel=72M,low: 584 MiB reserved.");
}

/* an option in /etc/default/grub is replaced where it is, not added again */
static void
test_grub_replace(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;

	put_machine(fx,
		    "ro quiet crashkernel=128M\n",
		    "  5f000000-66ffffff : Crash kernel\n",
		    128 * MiB);
	put(fx, "/boot/grub/grub.cfg", "");
	put(fx,
	    "/etc/default/grub",
	    "GRUB_DEFAULT=0\n"
	    "GRUB_CMDLINE_LINUX_DEFAULT='quiet crashkernel=128M splash' # keep\n"
	    "GRUB_CMDLINE_LINUX=\"\"\n");
	state = read_state(fx);
	g_assert_cmpint(state->bootloader.kind, ==, CD_BOOTLOADER_GRUB);
	g_assert_cmpstr(state->bootloader.file, ==, "/etc/default/grub");
	g_assert_cmpuint(state->bootloader.line, ==, 2);
	g_assert_cmpstr(state->bootloader.current,
			==,
			"GRUB_CMDLINE_LINUX_DEFAULT='quiet crashkernel=128M splash' # keep");
	g_assert_cmpstr(state->bootloader.replacement,
			==,
			"GRUB_CMDLINE_LINUX_DEFAULT='quiet crashkernel=272M splash' # keep");
	text = state_text(state);
	assert_text_has(text,
			"In /etc/default/grub, line 2, change\n"
			"    GRUB_CMDLINE_LINUX_DEFAULT='quiet crashkernel=128M splash' # keep\n"
			"to\n"
			"    GRUB_CMDLINE_LINUX_DEFAULT='quiet crashkernel=272M splash' # keep\n"
			"then run update-grub and reboot.");
}

/* a quoted parameter's spaces are the value's: the word is cut as the kernel cuts it and
 * kept as it is, two spaces and all */
static void
test_grub_replace_quoted(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;

	put_machine(fx,
		    "ro quiet crashkernel=128M\n",
		    "  5f000000-66ffffff : Crash kernel\n",
		    128 * MiB);
	put(fx, "/boot/grub/grub.cfg", "");
	put(fx,
	    "/etc/default/grub",
	    "GRUB_CMDLINE_LINUX_DEFAULT='quiet acpi_osi=\"Windows  2020\" crashkernel=128M'\n");
	state = read_state(fx);
	g_assert_cmpstr(
		state->bootloader.replacement,
		==,
		"GRUB_CMDLINE_LINUX_DEFAULT='quiet acpi_osi=\"Windows  2020\" crashkernel=272M'");
}

/* kdump-tools' drop-in holds the option: that line changes, two words become one */
static void
test_grub_dropin(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;

	put_machine(fx, "ro quiet crashkernel=384M-:128M\n", "", 0);
	put(fx,
	    "/etc/default/grub",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"\"\n");
	put(fx,
	    "/etc/default/grub.d/kdump-tools.cfg",
	    "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M-:128M "
	    "crashkernel=64M,low\"\n");
	state = read_state(fx);
	g_assert_cmpstr(state->bootloader.file, ==, "/etc/default/grub.d/kdump-tools.cfg");
	g_assert_cmpuint(state->bootloader.line, ==, 1);
	g_assert_cmpstr(
		state->bootloader.replacement,
		==,
		"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=272M\"");
}

/* a drop-in after crashdesk.cfg sets the variable afresh: edit that one */
static void
test_grub_overridden(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;

	put_machine(fx, "ro console=ttyS0\n", "", 0);
	/* overridden by the drop-in: its crashkernel= is not in effect */
	put(fx, "/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=256M\"\n");
	put(fx,
	    "/etc/default/grub.d/zz-serial.cfg",
	    "# serial console\nexport GRUB_CMDLINE_LINUX_DEFAULT=console=ttyS0\n");
	state = read_state(fx);
	g_assert_cmpstr(state->bootloader.file, ==, "/etc/default/grub.d/zz-serial.cfg");
	g_assert_cmpuint(state->bootloader.line, ==, 2);
	g_assert_cmpstr(state->bootloader.replacement,
			==,
			"export GRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0 crashkernel=272M\"");
}

static void
test_kernel_install(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *text = NULL;
	json_object *obj;
	json_object *bootloader = NULL;

	put_machine(fx, "root=UUID=1 ro quiet crashkernel=128M\n", "", 128 * MiB);
	put(fx, "/etc/kernel/cmdline", "root=UUID=1 ro quiet crashkernel=128M\n");
	state = read_state(fx);
	g_assert_cmpint(state->bootloader.kind, ==, CD_BOOTLOADER_KERNEL_INSTALL);
	g_assert_cmpuint(state->bootloader.line, ==, 1);
	g_assert_cmpstr(state->bootloader.replacement, ==, "root=UUID=1 ro quiet crashkernel=272M");
	text = state_text(state);
	assert_text_has(text, "In /etc/kernel/cmdline, line 1, change");
	assert_text_has(text, "then run kernel-install add");
	obj = state_json(state);
	g_assert_true(json_object_object_get_ex(obj, "bootloader", &bootloader));
	g_assert_cmpstr(json_string(bootloader, "kind"), ==, "kernel-install");
	g_assert_cmpint(json_int(bootloader, "line"), ==, 1);
	g_assert_cmpstr(json_string(bootloader, "current"),
			==,
			"root=UUID=1 ro quiet crashkernel=128M");
	json_object_put(obj);
}

/* systemd-boot without /etc/kernel/cmdline: create it from the running command line */
static void
test_systemd_boot_new(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = NULL;

	put_machine(fx, "initrd=\\initrd.img root=UUID=1 ro quiet\n", "", 0);
	put(fx, "/boot/efi/loader/loader.conf", "timeout 3\n");
	state = read_state(fx);
	g_assert_cmpint(state->bootloader.kind, ==, CD_BOOTLOADER_KERNEL_INSTALL);
	g_assert_cmpuint(state->bootloader.line, ==, 0);
	g_assert_null(state->bootloader.current);
	g_assert_cmpstr(state->bootloader.replacement, ==, "root=UUID=1 ro quiet crashkernel=272M");
}

/* an empty tree: nothing is known, nothing fails */
static void
test_state_empty(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(CdCrashkernelState) state = read_state(fx);

	g_assert_cmpint(state->ram_source, ==, CD_CRASHKERNEL_RAM_SOURCE_NONE);
	g_assert_cmpint(state->verdict, ==, CD_CRASHKERNEL_VERDICT_NO_KEXEC);
	g_assert_true(state->images_assumed);
	g_assert_cmpuint(state->suggested_bytes, ==, 400 * MiB);
}

static void
test_state_bad_files(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *big = g_strnfill(CD_CRASHKERNEL_MAX_CMDLINE + 1, 'a');

	put_machine(fx, "crashkernel=256M\n", "", 256 * MiB);
	put(fx, "/proc/iomem", "garbage\n");
	state = cd_crashkernel_state_read(fx->root, RELEASE, NULL, NULL, &error);
	g_assert_null(state);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "/proc/iomem: line 1"));
	g_clear_error(&error);

	put(fx, "/proc/iomem", "");
	put(fx, "/sys/kernel/kexec_crash_size", "lots\n");
	state = cd_crashkernel_state_read(fx->root, RELEASE, NULL, NULL, &error);
	g_assert_null(state);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_clear_error(&error);

	put(fx, "/sys/kernel/kexec_crash_size", "0\n");
	put(fx, "/proc/cmdline", big);
	state = cd_crashkernel_state_read(fx->root, RELEASE, NULL, NULL, &error);
	g_assert_null(state);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "bytes expected"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/crashkernel/parse-sizes", test_parse_sizes);
	g_test_add_func("/capture/crashkernel/parse-ranges", test_parse_ranges);
	g_test_add_func("/capture/crashkernel/parse-refused-sizes", test_parse_refused_sizes);
	g_test_add_func("/capture/crashkernel/parse-offset", test_parse_offset);
	g_test_add_func("/capture/crashkernel/parse-suffixes", test_parse_suffixes);
	g_test_add_func("/capture/crashkernel/parse-cmdline", test_parse_cmdline);
	g_test_add_func("/capture/crashkernel/parse-bad", test_parse_bad);
	g_test_add_func("/capture/crashkernel/parse-cmdline-bad", test_parse_cmdline_bad);
	g_test_add_func("/capture/crashkernel/size-format", test_size_format);
	g_test_add_func("/capture/crashkernel/suggest", test_suggest);
#define ADD(path, func)                                                                            \
	g_test_add("/capture/crashkernel/" path,                                                   \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_set_up,                                                                 \
		   func,                                                                           \
		   fixture_tear_down)
	ADD("state-root-too-small", test_state_root_too_small);
	ADD("state-root-ok", test_state_root_ok);
	ADD("state-user", test_state_user);
	ADD("state-images", test_state_images);
	ADD("state-meminfo", test_state_meminfo);
	ADD("state-no-option", test_state_no_option);
	ADD("state-no-kexec", test_state_no_kexec);
	ADD("state-no-range", test_state_no_range);
	ADD("state-failed", test_state_failed);
	ADD("state-invalid", test_state_invalid);
	ADD("state-high-low", test_state_high_low);
	ADD("state-empty", test_state_empty);
	ADD("state-bad-files", test_state_bad_files);
	ADD("grub-replace", test_grub_replace);
	ADD("grub-replace-quoted", test_grub_replace_quoted);
	ADD("grub-dropin", test_grub_dropin);
	ADD("grub-overridden", test_grub_overridden);
	ADD("kernel-install", test_kernel_install);
	ADD("systemd-boot-new", test_systemd_boot_new);
#undef ADD
	return g_test_run();
}
