/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#define ZLIB_CONST
#include <zlib.h>

#include "cd-test-run.h"
#include "cd-test-util.h"
#include "cd-error.h"

#include "cd-pstore.h"
#include "cd-report-meta.h"

/* Record sets shaped as the kernel leaves them in /sys/fs/pstore: the names
 * pstore_mkfile() gives, the ids each backend makes, the "Reason#N PartN" header
 * pstore_dump() writes, and mtimes set to the records' times as the kernel sets them. */

/* 2025-11-22 14:25:30 UTC */
#define TS 1763821530

typedef struct {
	gchar *dir;
	GPtrArray *warnings;
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	fx->dir = g_dir_make_tmp("crashdesk-pstore-XXXXXX", &error);
	g_assert_no_error(error);
	fx->warnings = g_ptr_array_new_with_free_func(g_free);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer user_data)
{
	cd_test_rm_rf(fx->dir);
	g_free(fx->dir);
	g_ptr_array_unref(fx->warnings);
}

static gchar *
write_record(Fixture *fx, const gchar *name, const void *data, gsize len, gint64 mtime)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_build_filename(fx->dir, name, NULL);
	struct utimbuf times = { .actime = (time_t)mtime, .modtime = (time_t)mtime };

	g_file_set_contents(path, data, (gssize)len, &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_utime(path, &times), ==, 0);
	return path;
}

static gchar *
write_text(Fixture *fx, const gchar *name, const gchar *text, gint64 mtime)
{
	return write_record(fx, name, text, strlen(text), mtime);
}

/* efi-pstore.c generic_id(): (timestamp * 100 + part) * 1000 + count */
static gchar *
efi_name(const gchar *backend, gint64 timestamp, guint part, guint count, const gchar *suffix)
{
	guint64 id = ((guint64)timestamp * 100 + part) * 1000 + count;
	return g_strdup_printf("dmesg-%s-%" G_GUINT64_FORMAT "%s", backend, id, suffix);
}

/* cper_next_record_id(): the boot's first time << 32, then one more per record */
static gchar *
erst_name(gint64 boot_time, guint seq, const gchar *suffix)
{
	guint64 id = ((guint64)boot_time << 32) + seq;
	return g_strdup_printf("dmesg-erst-%" G_GUINT64_FORMAT "%s", id, suffix);
}

/* the kernel's deflate: windowBits 12 with a zlib header up to 4.18, raw -11 through the
 * crypto API up to 6.5, raw -MAX_WBITS from 6.6 */
static GByteArray *
deflate_like_kernel(const gchar *text, gsize len, gint level, gint window_bits, gint mem_level)
{
	GByteArray *out = g_byte_array_new();
	z_stream zs = { 0 };
	uLong bound;

	g_assert_cmpint(
		deflateInit2(&zs, level, Z_DEFLATED, window_bits, mem_level, Z_DEFAULT_STRATEGY),
		==,
		Z_OK);
	bound = deflateBound(&zs, (uLong)len);
	g_byte_array_set_size(out, (guint)bound);
	zs.next_in = (const Bytef *)text;
	zs.avail_in = (uInt)len;
	zs.next_out = out->data;
	zs.avail_out = (uInt)bound;
	g_assert_cmpint(deflate(&zs, Z_FINISH), ==, Z_STREAM_END);
	g_byte_array_set_size(out, (guint)zs.total_out);
	deflateEnd(&zs);
	return out;
}

static gboolean
warnings_have(GPtrArray *warnings, const gchar *needle)
{
	for (guint i = 0; i < warnings->len; i++) {
		if (strstr(g_ptr_array_index(warnings, i), needle) != NULL)
			return TRUE;
	}
	return FALSE;
}

static void
dump_warnings(GPtrArray *warnings)
{
	for (guint i = 0; i < warnings->len; i++)
		g_test_message("warning: %s", (const gchar *)g_ptr_array_index(warnings, i));
}

static GPtrArray *
read_ok(Fixture *fx)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *crashes = cd_pstore_read(fx->dir, fx->warnings, &error);

	g_assert_no_error(error);
	g_assert_nonnull(crashes);
	dump_warnings(fx->warnings);
	return crashes;
}

static CdPstoreCrash *
crash_at(GPtrArray *crashes, guint i)
{
	return g_ptr_array_index(crashes, i);
}

static const gchar efi_part3[] =
	"Panic#1 Part3\n"
	"<6>[   41.120004] sysrq: Trigger a crash\n"
	"<0>[   41.120031] Kernel panic - not syncing: sysrq triggered crash\n";
static const gchar efi_part2[] =
	"Panic#1 Part2\n"
	"<4>[   41.120077] CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 "
	"#1  Debian 6.1.158-1\n"
	"<4>[   41.120110] Call Trace:\n"
	"<4>[   41.120113]  <TASK>\n";
static const gchar efi_part1[] =
	"Panic#1 Part1\n"
	"<4>[   41.120201]  panic+0x11b/0x2e8\n"
	"<4>[   41.120210]  </TASK>\n"
	"<0>[   41.120390] Kernel Offset: 0x1f000000 from 0xffffffff81000000\n";
static const gchar efi_text[] =
	"<6>[   41.120004] sysrq: Trigger a crash\n"
	"<0>[   41.120031] Kernel panic - not syncing: sysrq triggered crash\n"
	"<4>[   41.120077] CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-56-amd64 #1  Debian 6.1.158-1\n"
	"<4>[   41.120110] Call Trace:\n"
	"<4>[   41.120113]  <TASK>\n"
	"<4>[   41.120201]  panic+0x11b/0x2e8\n"
	"<4>[   41.120210]  </TASK>\n"
	"<0>[   41.120390] Kernel Offset: 0x1f000000 from 0xffffffff81000000\n";

static void
test_pstore_efi_multipart(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *n1 = efi_name("efi_pstore", TS, 1, 1, "");
	g_autofree gchar *n2 = efi_name("efi_pstore", TS, 2, 1, "");
	/* the loop crossed a second: Part3's id has the next timestamp */
	g_autofree gchar *n3 = efi_name("efi_pstore", TS + 1, 3, 1, "");
	g_autofree gchar *p1 = NULL;
	g_autofree gchar *p2 = NULL;
	g_autofree gchar *p3 = NULL;
	g_autoptr(GPtrArray) crashes = NULL;
	CdPstoreCrash *crash;

	/* given out of order */
	p2 = write_text(fx, n2, efi_part2, TS);
	p3 = write_text(fx, n3, efi_part3, TS + 1);
	p1 = write_text(fx, n1, efi_part1, TS);

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->backend, ==, "efi_pstore");
	g_assert_cmpstr(crash->reason, ==, "Panic");
	g_assert_cmpuint(crash->count, ==, 1);
	g_assert_cmpint(crash->time, ==, TS + 1);
	g_assert_cmpstr(crash->text, ==, efi_text);
	g_assert_cmpuint(crash->files->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 0), ==, p3);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 1), ==, p2);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 2), ==, p1);
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_efi_oops_then_panic(Fixture *fx, gconstpointer user_data)
{
	/* one boot: an Oops dumped in two parts, then the panic it led to, all in one
	 * second; the old backend name */
	g_autofree gchar *o1 = efi_name("efi", TS, 1, 1, "");
	g_autofree gchar *o2 = efi_name("efi", TS, 2, 1, "");
	g_autofree gchar *pn = efi_name("efi", TS, 1, 2, "");
	g_autofree gchar *po1 = NULL;
	g_autofree gchar *po2 = NULL;
	g_autofree gchar *ppn = NULL;
	g_autoptr(GPtrArray) crashes = NULL;

	po1 = write_text(fx,
			 o1,
			 "Oops#1 Part1\n<4>[    9.000002] RIP: 0010:tg3_poll+0x10/0x20\n",
			 TS);
	po2 = write_text(fx,
			 o2,
			 "Oops#1 Part2\n<1>[    9.000001] BUG: kernel NULL pointer dereference\n",
			 TS);
	ppn = write_text(fx,
			 pn,
			 "Panic#2 Part1\n<0>[    9.000003] Kernel panic - not syncing: Fatal "
			 "exception in interrupt\n",
			 TS);

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 2);
	g_assert_cmpstr(crash_at(crashes, 0)->reason, ==, "Panic");
	g_assert_cmpuint(crash_at(crashes, 0)->count, ==, 2);
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<0>[    9.000003] Kernel panic - not syncing: Fatal exception in "
			"interrupt\n");
	g_assert_cmpuint(crash_at(crashes, 0)->files->len, ==, 1);
	g_assert_cmpstr(crash_at(crashes, 1)->reason, ==, "Oops");
	g_assert_cmpuint(crash_at(crashes, 1)->count, ==, 1);
	g_assert_cmpstr(crash_at(crashes, 1)->text,
			==,
			"<1>[    9.000001] BUG: kernel NULL pointer dereference\n"
			"<4>[    9.000002] RIP: 0010:tg3_poll+0x10/0x20\n");
	g_assert_cmpuint(crash_at(crashes, 1)->files->len, ==, 2);
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_ramoops_single(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GPtrArray) crashes = NULL;
	CdPstoreCrash *crash;

	/* ramoops.ecc=1: ram.c appends its ECC notice to the record */
	path = write_text(fx,
			  "dmesg-ramoops-0",
			  "Panic#1 Part1\n"
			  "<6>[    3.490101] sysrq: Trigger a crash\n"
			  "<0>[    3.490200] Kernel panic - not syncing: sysrq triggered crash\n"
			  "<0>[    3.491035] Kernel Offset: disabled\n"
			  "\nECC: No errors detected\n",
			  TS);
	/* not dumps: ignored without a word */
	g_free(write_text(fx,
			  "console-ramoops-0",
			  "[    0.000000] Linux version 6.12.0\n"
			  "[    3.516247] Rebooting in 5 seconds..\n\nECC: No errors detected\n",
			  TS));
	g_free(write_text(fx, "pmsg-ramoops-0", "BB-PMSG: written by user space\n", TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->backend, ==, "ramoops");
	g_assert_cmpstr(crash->reason, ==, "Panic");
	g_assert_cmpuint(crash->count, ==, 1);
	g_assert_cmpint(crash->time, ==, TS);
	g_assert_cmpstr(crash->text,
			==,
			"<6>[    3.490101] sysrq: Trigger a crash\n"
			"<0>[    3.490200] Kernel panic - not syncing: sysrq triggered crash\n"
			"<0>[    3.491035] Kernel Offset: disabled\n");
	g_assert_cmpuint(crash->files->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 0), ==, path);
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_ramoops_two_dumps(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GPtrArray) crashes = NULL;

	/* zone 1 holds the newer dump, zone 0 an older one of the same boot */
	g_free(write_text(fx,
			  "dmesg-ramoops-0",
			  "Oops#1 Part1\n<1>[   12.000001] BUG: unable to handle page fault\n"
			  "\nECC: 3 Corrected bytes, 0 unrecoverable blocks\n",
			  TS));
	g_free(write_text(fx,
			  "dmesg-ramoops-1",
			  "Panic#2 Part1\n<0>[   12.000009] Kernel panic - not syncing: Fatal "
			  "exception\n",
			  TS + 3));
	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 2);
	g_assert_cmpstr(crash_at(crashes, 0)->reason, ==, "Panic");
	g_assert_cmpuint(crash_at(crashes, 0)->count, ==, 2);
	g_assert_cmpint(crash_at(crashes, 0)->time, ==, TS + 3);
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<0>[   12.000009] Kernel panic - not syncing: Fatal exception\n");
	g_assert_cmpstr(crash_at(crashes, 1)->reason, ==, "Oops");
	g_assert_cmpstr(crash_at(crashes, 1)->text,
			==,
			"<1>[   12.000001] BUG: unable to handle page fault\n");
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_ramoops_zone_reused(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GPtrArray) crashes = NULL;

	/* dump_write_cnt starts at 0 each boot: the later boot's panic went to zone 0,
	 * so the zone index is no order, and both are "Panic#1 Part1" */
	g_free(write_text(
		fx,
		"dmesg-ramoops-0",
		"Panic#1 Part1\n<0>[    5.000000] Kernel panic - not syncing: second boot\n",
		TS + 100));
	g_free(write_text(
		fx,
		"dmesg-ramoops-1",
		"Panic#1 Part1\n<0>[    7.000000] Kernel panic - not syncing: first boot\n",
		TS));
	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 2);
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<0>[    5.000000] Kernel panic - not syncing: second boot\n");
	g_assert_cmpint(crash_at(crashes, 0)->time, ==, TS + 100);
	g_assert_cmpstr(crash_at(crashes, 1)->text,
			==,
			"<0>[    7.000000] Kernel panic - not syncing: first boot\n");
}

static void
test_pstore_erst(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *a1 = erst_name(TS, 1, "");
	g_autofree gchar *a2 = erst_name(TS, 2, "");
	g_autofree gchar *a3 = erst_name(TS, 3, "");
	g_autofree gchar *b1 = erst_name(TS + 600, 1, "");
	g_autofree gchar *b2 = erst_name(TS + 600, 2, "");
	g_autoptr(GPtrArray) crashes = NULL;
	CdPstoreCrash *crash;

	/* boot A: a panic in three CPER records with consecutive ids */
	g_free(write_text(fx, a3, "Panic#1 Part3\n<6>[  100.000001] first line\n", TS + 61));
	g_free(write_text(fx, a1, "Panic#1 Part1\n<0>[  100.000003] last line\n", TS + 60));
	g_free(write_text(fx, a2, "Panic#1 Part2\n<4>[  100.000002] middle line\n", TS + 61));
	/* boot B, ten minutes later: the same count again, ids seeded by its boot time */
	g_free(write_text(fx, b2, "Panic#1 Part2\n<6>[   20.000001] b first\n", TS + 700));
	g_free(write_text(fx, b1, "Panic#1 Part1\n<0>[   20.000002] b last\n", TS + 700));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 2);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->backend, ==, "erst");
	g_assert_cmpint(crash->time, ==, TS + 700);
	g_assert_cmpstr(crash->text,
			==,
			"<6>[   20.000001] b first\n"
			"<0>[   20.000002] b last\n");
	crash = crash_at(crashes, 1);
	g_assert_cmpint(crash->time, ==, TS + 61);
	g_assert_cmpstr(crash->text,
			==,
			"<6>[  100.000001] first line\n"
			"<4>[  100.000002] middle line\n"
			"<0>[  100.000003] last line\n");
	g_assert_cmpuint(crash->files->len, ==, 3);
	g_assert_true(g_str_has_suffix(g_ptr_array_index(crash->files, 0), a3));
	g_assert_true(g_str_has_suffix(g_ptr_array_index(crash->files, 2), a1));
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_compressed(Fixture *fx, gconstpointer user_data)
{
	static const gchar old_era[] = "Panic#1 Part1\n<0>[    1.000001] zlib header, 4.x\n";
	static const gchar crypto_era[] = "Oops#1 Part1\n<0>[    2.000001] raw, crypto API\n";
	static const gchar new_era[] = "Panic#1 Part1\n<0>[    3.000002] raw, 6.6 and later\n";
	static const gchar ramoops[] = "Panic#1 Part1\n<0>[    4.000001] ramoops, compressed\n";
	static const gchar ecc[] = "\nECC: No errors detected\n";
	g_autoptr(GByteArray) z_old = deflate_like_kernel(old_era, strlen(old_era), 6, 12, 4);
	g_autoptr(GByteArray) z_crypto =
		deflate_like_kernel(crypto_era, strlen(crypto_era), Z_DEFAULT_COMPRESSION, -11, 9);
	g_autoptr(GByteArray) z_new =
		deflate_like_kernel(new_era, strlen(new_era), Z_DEFAULT_COMPRESSION, -MAX_WBITS, 8);
	g_autoptr(GByteArray) z_ram =
		deflate_like_kernel(ramoops, strlen(ramoops), Z_DEFAULT_COMPRESSION, -MAX_WBITS, 8);
	g_autofree gchar *n_old = efi_name("efi", TS - 3000, 1, 1, ".enc.z");
	g_autofree gchar *n_crypto = erst_name(TS - 2000, 1, ".enc.z");
	g_autofree gchar *n_new1 = efi_name("efi_pstore", TS, 1, 1, ".enc.z");
	/* compression failed for this part: stored plain, next to a compressed one */
	g_autofree gchar *n_new2 = efi_name("efi_pstore", TS, 2, 1, "");
	g_autoptr(GPtrArray) crashes = NULL;

	g_assert_cmphex(z_old->data[0], ==, 0x48); /* CMF: deflate, 4 KiB window */
	g_byte_array_append(z_ram, (const guint8 *)ecc, strlen(ecc));

	g_free(write_record(fx, n_old, z_old->data, z_old->len, TS - 3000));
	g_free(write_record(fx, n_crypto, z_crypto->data, z_crypto->len, TS - 2000));
	g_free(write_record(fx, n_new1, z_new->data, z_new->len, TS));
	g_free(write_text(fx, n_new2, "Panic#1 Part2\n<6>[    3.000001] plain part\n", TS));
	g_free(write_record(fx, "dmesg-ramoops-0.enc.z", z_ram->data, z_ram->len, TS - 1000));

	crashes = read_ok(fx);
	g_assert_cmpuint(fx->warnings->len, ==, 0);
	g_assert_cmpuint(crashes->len, ==, 4);
	g_assert_cmpstr(crash_at(crashes, 0)->backend, ==, "efi_pstore");
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<6>[    3.000001] plain part\n"
			"<0>[    3.000002] raw, 6.6 and later\n");
	g_assert_cmpuint(crash_at(crashes, 0)->files->len, ==, 2);
	g_assert_true(
		g_str_has_suffix(g_ptr_array_index(crash_at(crashes, 0)->files, 1), ".enc.z"));
	g_assert_cmpstr(crash_at(crashes, 1)->backend, ==, "ramoops");
	g_assert_cmpstr(crash_at(crashes, 1)->text, ==, "<0>[    4.000001] ramoops, compressed\n");
	g_assert_cmpstr(crash_at(crashes, 2)->backend, ==, "erst");
	g_assert_cmpstr(crash_at(crashes, 2)->reason, ==, "Oops");
	g_assert_cmpstr(crash_at(crashes, 2)->text, ==, "<0>[    2.000001] raw, crypto API\n");
	g_assert_cmpstr(crash_at(crashes, 3)->backend, ==, "efi");
	g_assert_cmpstr(crash_at(crashes, 3)->text, ==, "<0>[    1.000001] zlib header, 4.x\n");
}

static void
test_pstore_corrupt(Fixture *fx, gconstpointer user_data)
{
	static const gchar good[] = "Panic#1 Part1\n<0>[    1.000000] still read\n";
	static const guint8 garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0x00, 0x13, 0x37 };
	static const guint8 zstd[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x01, 0x00 };
	g_autoptr(GByteArray) cut = deflate_like_kernel(
		"Panic#1 Part1\n<0>[    1.000000] cut short, cut short, cut short\n",
		65,
		Z_DEFAULT_COMPRESSION,
		-MAX_WBITS,
		8);
	g_autofree gchar *n_garbage = efi_name("efi_pstore", TS, 1, 1, ".enc.z");
	g_autofree gchar *n_cut = erst_name(TS, 1, ".enc.z");
	g_autoptr(GPtrArray) crashes = NULL;

	g_free(write_record(fx, n_garbage, garbage, sizeof(garbage), TS));
	g_free(write_record(fx, n_cut, cut->data, cut->len / 2, TS));
	g_free(write_record(fx, "dmesg-ramoops-1.enc.z", zstd, sizeof(zstd), TS));
	g_free(write_text(fx, "dmesg-ramoops-0", good, TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	g_assert_cmpstr(crash_at(crashes, 0)->text, ==, "<0>[    1.000000] still read\n");
	g_assert_cmpuint(fx->warnings->len, ==, 3);
	g_assert_true(warnings_have(fx->warnings, n_garbage));
	g_assert_true(warnings_have(fx->warnings, n_cut));
	g_assert_true(warnings_have(fx->warnings, "cut short"));
	g_assert_true(warnings_have(fx->warnings, "zstd"));
}

static void
test_pstore_bomb(Fixture *fx, gconstpointer user_data)
{
	gsize len = CD_PSTORE_MAX_INFLATED_SIZE + 4096;
	g_autofree gchar *zeros = g_malloc0(len);
	g_autoptr(GByteArray) bomb = NULL;
	g_autoptr(GPtrArray) crashes = NULL;

	memcpy(zeros, "Panic#1 Part1\n", 14);
	bomb = deflate_like_kernel(zeros, len, 9, -MAX_WBITS, 8);
	g_assert_cmpuint(bomb->len, <, 64 * 1024);
	g_free(write_record(fx, "dmesg-ramoops-0.enc.z", bomb->data, bomb->len, TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 0);
	g_assert_cmpuint(fx->warnings->len, ==, 1);
	g_assert_true(warnings_have(fx->warnings, "inflates to more than"));
}

static void
test_pstore_not_regular(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *outside = g_strconcat(fx->dir, "-outside", NULL);
	g_autofree gchar *link = g_build_filename(fx->dir, "dmesg-efi-123", NULL);
	g_autofree gchar *subdir = g_build_filename(fx->dir, "dmesg-erst-5", NULL);
	g_autofree gchar *fifo = g_build_filename(fx->dir, "dmesg-ramoops-7", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) crashes = NULL;

	/* a link to a valid record elsewhere: not followed */
	g_file_set_contents(outside, "Panic#1 Part1\n<0>[ 1.0] planted\n", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(symlink(outside, link), ==, 0);
	g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);
	/* a FIFO must not hang the reader */
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	g_free(write_text(fx, "dmesg-ramoops-0", "Panic#1 Part1\n<0>[ 2.0] real\n", TS));

	crashes = read_ok(fx);
	g_unlink(outside);
	g_assert_cmpuint(crashes->len, ==, 1);
	g_assert_cmpstr(crash_at(crashes, 0)->text, ==, "<0>[ 2.0] real\n");
	g_assert_cmpuint(fx->warnings->len, ==, 3);
	g_assert_true(warnings_have(fx->warnings, "dmesg-efi-123: a symbolic link"));
	g_assert_true(warnings_have(fx->warnings, "dmesg-erst-5: not a regular file"));
	g_assert_true(warnings_have(fx->warnings, "dmesg-ramoops-7: not a regular file"));
}

static void
test_pstore_bad_names_and_sizes(Fixture *fx, gconstpointer user_data)
{
	gsize big_len = CD_PSTORE_MAX_FILE_SIZE + 1;
	g_autofree gchar *big = g_malloc(big_len);
	g_autoptr(GPtrArray) crashes = NULL;

	memset(big, 'a', big_len);
	memcpy(big, "Panic#1 Part1\n", 14);
	g_free(write_record(fx, "dmesg-ramoops-3", big, big_len, TS));
	g_free(write_text(fx, "dmesg-efi-12x", "Panic#1 Part1\n", TS));
	g_free(write_text(fx, "dmesg-42", "Panic#1 Part1\n", TS));
	g_free(write_text(fx, "dmesg-efi--1", "Panic#1 Part1\n", TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 0);
	g_assert_cmpuint(fx->warnings->len, ==, 4);
	g_assert_true(warnings_have(fx->warnings, "dmesg-ramoops-3: 4194305 bytes, more than"));
	g_assert_true(warnings_have(fx->warnings, "dmesg-efi-12x: not named"));
	g_assert_true(warnings_have(fx->warnings, "dmesg-42: not named"));
	g_assert_true(warnings_have(fx->warnings, "dmesg-efi--1: not named"));
}

static void
test_pstore_missing_part(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *n1 = efi_name("efi_pstore", TS, 1, 1, "");
	g_autofree gchar *n3 = efi_name("efi_pstore", TS, 3, 1, "");
	g_autoptr(GPtrArray) crashes = NULL;

	/* Part2 was deleted, or never written when the variable store was full */
	g_free(write_text(fx, n1, efi_part1, TS));
	g_free(write_text(fx, n3, efi_part3, TS));
	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<6>[   41.120004] sysrq: Trigger a crash\n"
			"<0>[   41.120031] Kernel panic - not syncing: sysrq triggered crash\n"
			"<4>[   41.120201]  panic+0x11b/0x2e8\n"
			"<4>[   41.120210]  </TASK>\n"
			"<0>[   41.120390] Kernel Offset: 0x1f000000 from 0xffffffff81000000\n");
	g_assert_cmpuint(fx->warnings->len, ==, 1);
	g_assert_true(warnings_have(fx->warnings, "efi_pstore Panic#1: Part2 is missing"));
}

static void
test_pstore_no_header_and_nul(Fixture *fx, gconstpointer user_data)
{
	static const gchar decayed[] = "P\x01nic#1 Part1\n<0>[ 1.0] decayed header\n";
	static const gchar with_nul[] = "Panic#1 Part1\n<0>[ 2.0] a\0b\n<0>[ 2.1] \xe2\x9c\x93\n";
	/* a chunk cut mid-line, as when compression failed and the record was truncated */
	static const gchar cut[] = "Panic#1 Part2\n<4>[ 1.9] cut mid-li";
	g_autofree gchar *n_cut = efi_name("efi", TS, 2, 1, "");
	g_autofree gchar *n_nul = efi_name("efi", TS, 1, 1, "");
	g_autoptr(GPtrArray) crashes = NULL;

	g_free(write_text(fx, "dmesg-ramoops-0", decayed, TS - 50));
	g_free(write_record(fx, n_nul, with_nul, sizeof(with_nul) - 1, TS));
	g_free(write_text(fx, n_cut, cut, TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 2);
	g_assert_cmpstr(crash_at(crashes, 0)->backend, ==, "efi");
	g_assert_cmpstr(crash_at(crashes, 0)->text,
			==,
			"<4>[ 1.9] cut mid-li\n<0>[ 2.0] a\\x00b\n<0>[ 2.1] \xe2\x9c\x93\n");
	g_assert_cmpstr(crash_at(crashes, 1)->reason, ==, "Unknown");
	g_assert_cmpuint(crash_at(crashes, 1)->count, ==, 0);
	g_assert_cmpstr(crash_at(crashes, 1)->text, ==, decayed);
	g_assert_cmpuint(fx->warnings->len, ==, 1);
	g_assert_true(warnings_have(fx->warnings, "dmesg-ramoops-0: no \"Reason#N PartN\""));
}

static void
test_pstore_empty_and_missing(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *missing = g_build_filename(fx->dir, "absent", NULL);
	g_autofree gchar *file = NULL;
	g_autoptr(GPtrArray) empty = NULL;
	g_autoptr(GPtrArray) absent = NULL;
	g_autoptr(GPtrArray) not_dir = NULL;

	empty = cd_pstore_read(fx->dir, fx->warnings, &error);
	g_assert_no_error(error);
	g_assert_nonnull(empty);
	g_assert_cmpuint(empty->len, ==, 0);

	absent = cd_pstore_read(missing, fx->warnings, &error);
	g_assert_no_error(error);
	g_assert_nonnull(absent);
	g_assert_cmpuint(absent->len, ==, 0);
	g_assert_cmpuint(fx->warnings->len, ==, 0);

	/* something is there but cannot be listed: an error, not "no crash" */
	file = write_text(fx, "console-ramoops-0", "not a directory\n", TS);
	not_dir = cd_pstore_read(file, NULL, &error);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
	g_assert_null(not_dir);
}

static void
test_pstore_remove_files(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *n1 = efi_name("efi_pstore", TS, 1, 1, "");
	g_autofree gchar *n2 = efi_name("efi_pstore", TS, 2, 1, "");
	g_autofree gchar *p1 = write_text(fx, n1, efi_part1, TS);
	g_autofree gchar *p2 = write_text(fx, n2, efi_part2, TS);
	g_autofree gchar *console = write_text(fx, "console-efi_pstore-0", "kept\n", TS);
	g_autofree gchar *subdir = g_build_filename(fx->dir, "busy", NULL);
	g_autofree gchar *inner = g_build_filename(subdir, "x", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) crashes = read_ok(fx);
	g_autoptr(CdPstoreCrash) fake = g_new0(CdPstoreCrash, 1);

	g_assert_cmpuint(crashes->len, ==, 1);
	g_assert_true(cd_pstore_crash_remove_files(crash_at(crashes, 0), &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(console, G_FILE_TEST_EXISTS));

	/* already gone is fine */
	g_assert_true(cd_pstore_crash_remove_files(crash_at(crashes, 0), &error));
	g_assert_no_error(error);

	/* a failure is reported, and the files after it are still deleted */
	g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);
	g_file_set_contents(inner, "x", -1, &error);
	g_assert_no_error(error);
	fake->files = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(fake->files, g_strdup(subdir));
	g_ptr_array_add(fake->files, g_strdup(console));
	g_assert_false(cd_pstore_crash_remove_files(fake, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
	g_assert_nonnull(strstr(error->message, subdir));
	g_assert_false(g_file_test(console, G_FILE_TEST_EXISTS));
}

/* the log of one boot as ramoops' zones keep it: the Oops dump and, a moment later, the
 * Panic dump of the same crash, whose log has lost the oops's oldest line */
static const gchar oops_text[] =
	"<6>[    5.100000] crashdesk-test: a line only the oops record kept\n"
	"<1>[    5.200000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
	"<4>[    5.200100] CPU: 0 PID: 86 Comm: insmod Tainted: G           OE      "
	"6.1.0-57-amd64 #1  Debian 6.1.192-3\n"
	"<4>[    5.200200] RIP: 0010:crashdesk_test_init+0x83/0x1000 [crashdesk_test]\n";
static const gchar panic_text[] =
	"<1>[    5.200000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
	"<4>[    5.200100] CPU: 0 PID: 86 Comm: insmod Tainted: G           OE      "
	"6.1.0-57-amd64 #1  Debian 6.1.192-3\n"
	"<4>[    5.200200] RIP: 0010:crashdesk_test_init+0x83/0x1000 [crashdesk_test]\n"
	"<0>[    5.300000] Kernel panic - not syncing: Fatal exception\n";

static void
test_pstore_oops_panic_joined(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *oops = g_strconcat("Oops#1 Part1\n", oops_text, NULL);
	g_autofree gchar *panic = g_strconcat("Panic#2 Part1\n", panic_text, NULL);
	g_autofree gchar *p0 = write_text(fx, "dmesg-ramoops-0", oops, TS);
	g_autofree gchar *p1 = write_text(fx, "dmesg-ramoops-1", panic, TS + 1);
	/* a panic of an earlier boot in another zone: the same counts, another log */
	g_autofree gchar *p2 = write_text(
		fx,
		"dmesg-ramoops-2",
		"Panic#2 Part1\n<0>[    9.000000] Kernel panic - not syncing: another boot\n",
		TS - 600);
	g_autoptr(GPtrArray) crashes = read_ok(fx);
	CdPstoreCrash *crash;

	g_assert_cmpuint(crashes->len, ==, 2);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->reason, ==, "Panic");
	g_assert_cmpuint(crash->count, ==, 2);
	/* every line of both records, once each */
	g_assert_cmpstr(
		crash->text,
		==,
		"<6>[    5.100000] crashdesk-test: a line only the oops record kept\n"
		"<1>[    5.200000] BUG: kernel NULL pointer dereference, address: "
		"0000000000000000\n"
		"<4>[    5.200100] CPU: 0 PID: 86 Comm: insmod Tainted: G           OE      "
		"6.1.0-57-amd64 #1  Debian 6.1.192-3\n"
		"<4>[    5.200200] RIP: 0010:crashdesk_test_init+0x83/0x1000 "
		"[crashdesk_test]\n"
		"<0>[    5.300000] Kernel panic - not syncing: Fatal exception\n");
	g_assert_cmpint(crash->time, ==, TS + 1);
	g_assert_cmpuint(crash->files->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 0), ==, p0);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 1), ==, p1);
	/* the release from the "CPU:" line, past the taint flags */
	g_assert_cmpstr(crash->release, ==, "6.1.0-57-amd64");
	g_assert_cmpstr(crash->version, ==, "#1  Debian 6.1.192-3");
	g_assert_cmpuint(crash->text_warnings->len, ==, 1);
	g_assert_nonnull(strstr(g_ptr_array_index(crash->text_warnings, 0),
				"the start of the log is missing: pstore kept its end, from "
				"[    5.100000] on"));

	crash = crash_at(crashes, 1);
	g_assert_cmpuint(crash->files->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(crash->files, 0), ==, p2);
	g_assert_null(crash->release);
}

#define BANNER                                                                                     \
	"<5>[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) "         \
	"(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP "        \
	"PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)\n"
#define LINE_A "<6>[    5.100000] crashdesk-test: a line\n"
#define LINE_B "<1>[    5.200000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
#define LINE_C                                                                                     \
	"<4>[    5.200100] CPU: 0 PID: 86 Comm: Not tainted 9 Not tainted 6.1.0-57-amd64 #1 "      \
	"Debian 6.1.192-3\n"
#define LINE_P "<0>[    5.300000] Kernel panic - not syncing: Fatal exception\n"

static void
test_pstore_efi_oops_panic_joined(Fixture *fx, gconstpointer user_data)
{
	/* efi: the oops in two parts, then the panic, whose log holds all of the oops's */
	g_autofree gchar *o1 = efi_name("efi", TS, 1, 1, "");
	g_autofree gchar *o2 = efi_name("efi", TS, 2, 1, "");
	g_autofree gchar *n1 = efi_name("efi", TS, 1, 2, "");
	g_autofree gchar *n2 = efi_name("efi", TS, 2, 2, "");
	g_autoptr(GPtrArray) crashes = NULL;
	CdPstoreCrash *crash;

	g_free(write_text(fx, o2, "Oops#1 Part2\n" BANNER LINE_A, TS));
	g_free(write_text(fx, o1, "Oops#1 Part1\n" LINE_B LINE_C, TS));
	g_free(write_text(fx, n2, "Panic#2 Part2\n" BANNER LINE_A LINE_B, TS));
	g_free(write_text(fx, n1, "Panic#2 Part1\n" LINE_C LINE_P, TS));

	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->text, ==, BANNER LINE_A LINE_B LINE_C LINE_P);
	g_assert_cmpuint(crash->files->len, ==, 4);
	/* the banner wins over the "CPU:" line, whose task name mimics the taint */
	g_assert_cmpstr(crash->release, ==, "6.1.0-57-amd64");
	g_assert_cmpstr(crash->version, ==, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)");
	g_assert_cmpuint(crash->text_warnings->len, ==, 0);
	g_assert_cmpuint(fx->warnings->len, ==, 0);
}

static void
test_pstore_join_bounded(Fixture *fx, gconstpointer user_data)
{
	/* the oops's last line ("b") is every second line of the panic's log, and the lines
	 * before it agree until the very last ("q"): looking at every place would compare
	 * about k lines at the k-th, minutes for this; the search is bounded */
	g_autoptr(GString) oops = g_string_new("Oops#1 Part1\n");
	g_autoptr(GString) panic = g_string_new("Panic#2 Part1\n");
	g_autoptr(GPtrArray) crashes = NULL;
	gint64 started = g_get_monotonic_time();

	for (guint i = 0; i < 125000; i++) {
		g_string_append(oops, "<4>[ 1.0] c\n<4>[ 1.0] b\n");
		g_string_append(panic, "<4>[ 1.0] c\n<4>[ 1.0] b\n");
	}
	g_string_append(oops, "<4>[ 1.0] q\n<4>[ 1.0] b\n");
	g_string_append(panic, "<0>[ 1.1] Kernel panic - not syncing: Fatal exception\n");
	g_free(write_record(fx, "dmesg-ramoops-0", oops->str, oops->len, TS));
	g_free(write_record(fx, "dmesg-ramoops-1", panic->str, panic->len, TS));
	crashes = read_ok(fx);
	/* they do not continue each other: two reports */
	g_assert_cmpuint(crashes->len, ==, 2);
	g_test_message("read in %.1f s", (g_get_monotonic_time() - started) / 1e6);
	/* bounded: half a second on a loaded 2-core machine; unbounded: over a minute */
	g_assert_cmpint(g_get_monotonic_time() - started, <, 20 * G_USEC_PER_SEC);
}

static void
test_pstore_release_untrusted(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GPtrArray) crashes = NULL;
	CdPstoreCrash *crash;

	/* a banner written to /dev/kmsg has the user facility (<12>), not the kernel's; the
	 * task name mimics "Not tainted" before the kernel's own */
	g_free(write_text(
		fx,
		"dmesg-ramoops-0",
		"Panic#1 Part1\n"
		"<12>[    3.000000] Linux version 9.9.9-evil (x) (y) #666\n" LINE_C LINE_P,
		TS));
	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->release, ==, "6.1.0-57-amd64");
	g_assert_cmpstr(crash->version, ==, "#1 Debian 6.1.192-3");
	g_assert_cmpuint(crash->text_warnings->len, ==, 1);
}

static void
test_pstore_release_none(Fixture *fx, gconstpointer user_data)
{
	g_autoptr(GPtrArray) crashes = NULL;
	g_autofree gchar *long_release = g_strnfill(65, '6');
	g_autofree gchar *text = g_strdup_printf("Panic#1 Part1\n<4>[    5.200100] CPU: 0 PID: 1 "
						 "Comm: sh Not tainted %s #1\n" LINE_P,
						 long_release);

	/* a release longer than utsname's 64 bytes is not one */
	g_free(write_text(fx, "dmesg-ramoops-0", text, TS));
	crashes = read_ok(fx);
	g_assert_cmpuint(crashes->len, ==, 1);
	g_assert_null(crash_at(crashes, 0)->release);
	g_assert_null(crash_at(crashes, 0)->version);
}

/* crashdesk pstore itself, on records as the kernel leaves them: what reaches meta.json,
 * report.crash and dmesg.txt, and what becomes of the records */

static gint
run_pstore(const gchar *pstore_dir, const gchar *report_dir, gchar **out, gchar **err)
{
	const gchar *crashdesk = g_getenv("CRASHDESK");
	g_auto(CdTestRun) r = { 0 };

	g_assert_nonnull(crashdesk);
	cd_test_run(&r,
		    crashdesk,
		    (const gchar *[]){ "pstore",
				       "--pstore-dir",
				       pstore_dir,
				       "--dir",
				       report_dir,
				       "--max-reports",
				       "0",
				       NULL });
	*out = g_steal_pointer(&r.out);
	*err = g_steal_pointer(&r.err);
	return r.status;
}

/* the ids of the reports in @root, sorted */
static GPtrArray *
report_ids(const gchar *root)
{
	g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (name[0] != '.')
			g_ptr_array_add(ids, g_strdup(name));
	}
	g_ptr_array_sort(ids, (GCompareFunc)g_strcmp0);
	return ids;
}

static gchar *
read_report_file(const gchar *root, const gchar *id, const gchar *name, gsize *len)
{
	g_autofree gchar *path = g_build_filename(root, id, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;

	g_file_get_contents(path, &data, len, &error);
	g_assert_no_error(error);
	return data;
}

static CdReportSummary *
read_summary(const gchar *root, const gchar *id)
{
	gsize len = 0;
	g_autofree gchar *meta = read_report_file(root, id, "meta.json", &len);
	g_autoptr(GError) error = NULL;
	CdReportSummary *summary = cd_report_summary_new_from_data(meta, len, &error);

	g_assert_no_error(error);
	return summary;
}

/* none of the bytes a terminal acts on: ESC, BEL, CSI as C1 (U+009B), as JSON escapes too */
static void
assert_nothing_hidden(const gchar *what, const gchar *data, gsize len)
{
	g_test_message("checking %s", what);
	g_assert_null(memchr(data, 0x1b, len));
	g_assert_null(memchr(data, 0x07, len));
	g_assert_null(g_strstr_len(data, (gssize)len, "\xc2\x9b"));
	g_assert_null(g_strstr_len(data, (gssize)len, "\\u001b"));
	g_assert_null(g_strstr_len(data, (gssize)len, "\\u0007"));
}

#define HOSTILE_COMM	     "\x1b[8m\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4K\x07"
#define HOSTILE_COMM_VISIBLE "\\x1b[8m\\x1b]0;owned\\x07\\x1b]52;c;cm0gLXJmIH4K\\x07"

static void
test_pstore_cli_escapes(Fixture *fx, gconstpointer user_data)
{
	static const gchar record[] =
		"Panic#1 Part1\n"
		"<6>[   41.120004] sysrq: Trigger a crash\n"
		"<0>[   41.120031] Kernel panic - not syncing: sysrq triggered crash " HOSTILE_COMM
		"\n"
		"<4>[   41.120077] CPU: 0 PID: 1 Comm: " HOSTILE_COMM " Not tainted 6.1.0-57-amd64 "
		"#1 Debian 6.1.192-3\n"
		"<0>[   41.120390] Kernel Offset: disabled\n";
	g_autofree gchar *pstore = g_build_filename(fx->dir, "pstore", NULL);
	g_autofree gchar *root = g_build_filename(fx->dir, "reports", NULL);
	g_autofree gchar *path = g_build_filename(pstore, "dmesg-ramoops-0", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *apport = NULL;
	g_autofree gchar *dmesg = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(CdReportSummary) summary = NULL;
	g_autoptr(GError) error = NULL;
	gsize meta_len = 0;
	gsize apport_len = 0;
	gsize dmesg_len = 0;

	g_assert_cmpint(g_mkdir(pstore, 0700), ==, 0);
	g_file_set_contents(path, record, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);

	summary = read_summary(root, g_ptr_array_index(ids, 0));
	g_assert_cmpstr(summary->comm, ==, HOSTILE_COMM_VISIBLE);
	g_assert_cmpstr(summary->panic_message, ==, "sysrq triggered crash " HOSTILE_COMM_VISIBLE);
	g_assert_cmpstr(summary->release, ==, "6.1.0-57-amd64");
	meta = read_report_file(root, g_ptr_array_index(ids, 0), "meta.json", &meta_len);
	assert_nothing_hidden("meta.json", meta, meta_len);
	apport = read_report_file(root, g_ptr_array_index(ids, 0), "report.crash", &apport_len);
	assert_nothing_hidden("report.crash", apport, apport_len);
	g_assert_nonnull(strstr(apport, "Comm: " HOSTILE_COMM_VISIBLE " Not tainted"));
	g_assert_nonnull(strstr(apport, "Uname: Linux 6.1.0-57-amd64 "));
	/* the log itself is evidence: byte for byte what the kernel wrote */
	dmesg = read_report_file(root, g_ptr_array_index(ids, 0), "dmesg.txt", &dmesg_len);
	g_assert_cmpstr(dmesg, ==, record + strlen("Panic#1 Part1\n"));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_pstore_cli_oops_panic(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pstore = g_build_filename(fx->dir, "pstore", NULL);
	g_autofree gchar *root = g_build_filename(fx->dir, "reports", NULL);
	g_autofree gchar *p0 = g_build_filename(pstore, "dmesg-ramoops-0", NULL);
	g_autofree gchar *p1 = g_build_filename(pstore, "dmesg-ramoops-1", NULL);
	g_autofree gchar *oops = g_strconcat("Oops#1 Part1\n", oops_text, NULL);
	g_autofree gchar *panic = g_strconcat("Panic#2 Part1\n", panic_text, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *apport = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(CdReportSummary) summary = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(g_mkdir(pstore, 0700), ==, 0);
	g_file_set_contents(p0, oops, -1, &error);
	g_assert_no_error(error);
	g_file_set_contents(p1, panic, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);
	summary = read_summary(root, g_ptr_array_index(ids, 0));
	g_assert_cmpstr(summary->kind, ==, "oops");
	g_assert_cmpstr(summary->message,
			==,
			"BUG: kernel NULL pointer dereference, address: 0000000000000000");
	g_assert_cmpstr(summary->panic_message, ==, "Fatal exception");
	g_assert_cmpstr(summary->release, ==, "6.1.0-57-amd64");
	g_assert_false(summary->dmesg_complete);
	g_assert_cmpuint(summary->dmesg_lines, ==, 5);
	meta = read_report_file(root, g_ptr_array_index(ids, 0), "meta.json", NULL);
	g_assert_nonnull(strstr(meta, "\"version\": \"#1  Debian 6.1.192-3\""));
	g_assert_nonnull(strstr(meta, "the start of the log is missing"));
	apport = read_report_file(root, g_ptr_array_index(ids, 0), "report.crash", NULL);
	g_assert_nonnull(strstr(apport, "\nUname: Linux 6.1.0-57-amd64 "));
	g_assert_nonnull(strstr(apport, "\nPackage: linux-image-6.1.0-57-amd64\n"));
	g_assert_false(g_file_test(p0, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
}

static void
test_pstore_cli_far_future(Fixture *fx, gconstpointer user_data)
{
	/* 300000000000 s: the year 11476, past what GDateTime and a report id can hold;
	 * tmpfs keeps such an mtime, ext4 clamps it to 2446 */
	g_autofree gchar *base = g_build_filename("/dev/shm", "crashdesk-pstore-test-XXXXXX", NULL);
	g_autofree gchar *pstore = NULL;
	g_autofree gchar *root = g_build_filename(fx->dir, "reports", NULL);
	g_autofree gchar *path = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *year = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	struct utimbuf times = { .actime = (time_t)300000000000LL,
				 .modtime = (time_t)300000000000LL };
	struct stat st;

	if (g_mkdtemp(base) == NULL) {
		g_test_skip("no /dev/shm to keep an mtime past 9999");
		return;
	}
	pstore = g_strdup(base);
	path = g_build_filename(pstore, "dmesg-ramoops-0", NULL);
	g_file_set_contents(path,
			    "Panic#1 Part1\n<0>[    3.490200] Kernel panic - not syncing: far "
			    "future\n",
			    -1,
			    &error);
	g_assert_no_error(error);
	g_assert_cmpint(g_utime(path, &times), ==, 0);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	if (st.st_mtime != (time_t)300000000000LL) {
		cd_test_rm_rf(pstore);
		g_test_skip("/dev/shm does not keep an mtime past 9999");
		return;
	}
	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);
	/* the capture's time names the report (a capture across New Year aside) */
	year = g_date_time_format(now, "%Y");
	g_assert_true(g_str_has_prefix(g_ptr_array_index(ids, 0), year));
	meta = read_report_file(root, g_ptr_array_index(ids, 0), "meta.json", NULL);
	g_assert_nonnull(strstr(meta, "\"warnings\": ["));
	g_assert_nonnull(strstr(meta, "300000000000 s since the epoch"));
	/* the date is unknown, as for a vmcore's CRASHTIME: not the capture's passed off as it */
	g_assert_nonnull(strstr(meta, "\"time\": null"));
	g_assert_nonnull(strstr(err, "300000000000 s since the epoch"));
	/* gone, so that the next boot does not fail on it again */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	cd_test_rm_rf(pstore);
}

/* Records Debian's 6.1.0-57 kernel wrote, recorded by tests/vm/check-pstore.py --record
 * (tests/pstore/README.md), copied into the fixture's directory, which saving empties */
static gchar *
copy_real_records(Fixture *fx, const gchar *name)
{
	g_autofree gchar *src = g_test_build_filename(G_TEST_DIST, "pstore", name, NULL);
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *entry;

	dir = g_dir_open(src, 0, &error);
	g_assert_no_error(error);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *from = g_build_filename(src, entry, NULL);
		g_autofree gchar *data = NULL;
		gsize len = 0;

		g_file_get_contents(from, &data, &len, &error);
		g_assert_no_error(error);
		/* git keeps no mtime: ramoops' time is the file's, efi's is in the name */
		g_free(write_record(fx, entry, data, len, TS));
	}
	return g_strdup(fx->dir);
}

static void
test_pstore_real_ramoops_oops(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pstore = copy_real_records(fx, "ramoops-oops");
	/* beside the records: cd_pstore_read() reads only dmesg-* */
	g_autofree gchar *root = g_build_filename(fx->dir, ".reports", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) crashes = cd_pstore_read(pstore, fx->warnings, &error);
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GPtrArray) left = NULL;
	g_autoptr(CdReportSummary) summary = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	CdPstoreCrash *crash;

	g_assert_no_error(error);
	dump_warnings(fx->warnings);
	/* Oops#1 and Panic#2 in two zones, each the whole log from the banner on */
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->backend, ==, "ramoops");
	g_assert_cmpstr(crash->reason, ==, "Panic");
	g_assert_cmpuint(crash->count, ==, 2);
	g_assert_cmpuint(crash->files->len, ==, 2);
	g_assert_cmpstr(crash->release, ==, "6.1.0-57-amd64");
	g_assert_true(
		g_str_has_prefix(crash->version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 ("));
	g_assert_cmpuint(crash->text_warnings->len, ==, 0);
	g_assert_true(
		g_str_has_prefix(crash->text, "<5>[    0.000000] Linux version 6.1.0-57-amd64"));
	g_assert_nonnull(strstr(crash->text, "BUG: kernel NULL pointer dereference"));
	g_assert_nonnull(strstr(crash->text, "Kernel panic - not syncing: Fatal exception"));
	/* ram.c's ECC notice is not the log */
	g_assert_null(strstr(crash->text, "ECC: "));
	g_assert_null(strstr(crash->text, "Oops#1"));
	g_assert_cmpuint(fx->warnings->len, ==, 0);

	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);
	summary = read_summary(root, g_ptr_array_index(ids, 0));
	g_assert_cmpstr(summary->kind, ==, "oops");
	g_assert_cmpstr(summary->comm, ==, "insmod");
	g_assert_cmpstr(summary->panic_message, ==, "Fatal exception");
	g_assert_cmpstr(summary->release, ==, "6.1.0-57-amd64");
	g_assert_true(g_str_has_prefix(summary->ip_symbol, "crashdesk_test_init+"));
	g_assert_true(summary->dmesg_complete);
	left = report_ids(pstore);
	g_assert_cmpuint(left->len, ==, 0);
}

static void
test_pstore_real_ramoops_sysrq_comm(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pstore = copy_real_records(fx, "ramoops-sysrq-comm");
	/* beside the records: cd_pstore_read() reads only dmesg-* */
	g_autofree gchar *root = g_build_filename(fx->dir, ".reports", NULL);
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(CdReportSummary) summary = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *apport = NULL;
	g_autofree gchar *dmesg = NULL;
	gsize meta_len = 0;
	gsize apport_len = 0;

	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);
	summary = read_summary(root, g_ptr_array_index(ids, 0));
	g_assert_cmpstr(summary->kind, ==, "sysrq");
	/* printf '\033[8m\033]0;pwned\007' > /proc/self/comm, then sysrq c */
	g_assert_cmpstr(summary->comm, ==, "\\x1b[8m\\x1b]0;pwned\\x07");
	g_assert_cmpstr(summary->release, ==, "6.1.0-57-amd64");
	meta = read_report_file(root, g_ptr_array_index(ids, 0), "meta.json", &meta_len);
	assert_nothing_hidden("meta.json", meta, meta_len);
	apport = read_report_file(root, g_ptr_array_index(ids, 0), "report.crash", &apport_len);
	assert_nothing_hidden("report.crash", apport, apport_len);
	dmesg = read_report_file(root, g_ptr_array_index(ids, 0), "dmesg.txt", NULL);
	g_assert_nonnull(strstr(dmesg, "Comm: \x1b[8m\x1b]0;pwned\x07 "));
}

static void
test_pstore_real_efi_oops(Fixture *fx, gconstpointer user_data)
{
	g_autofree gchar *pstore = copy_real_records(fx, "efi-oops");
	/* beside the records: cd_pstore_read() reads only dmesg-* */
	g_autofree gchar *root = g_build_filename(fx->dir, ".reports", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) crashes = cd_pstore_read(pstore, fx->warnings, &error);
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GPtrArray) left = NULL;
	g_autoptr(CdReportSummary) summary = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	CdPstoreCrash *crash;

	g_assert_no_error(error);
	dump_warnings(fx->warnings);
	/* Oops#1 and Panic#2 in 14 parts each, dated across three seconds */
	g_assert_cmpuint(crashes->len, ==, 1);
	crash = crash_at(crashes, 0);
	g_assert_cmpstr(crash->backend, ==, "efi");
	g_assert_cmpuint(crash->files->len, ==, 28);
	g_assert_cmpstr(crash->release, ==, "6.1.0-57-amd64");
	g_assert_cmpstr(crash->version, ==, "#1  Debian 6.1.192-3");
	g_assert_cmpuint(crash->text_warnings->len, ==, 1);
	g_assert_nonnull(
		strstr(g_ptr_array_index(crash->text_warnings, 0), "start of the log is missing"));
	g_assert_null(strstr(crash->text, "Linux version"));
	g_assert_cmpuint(fx->warnings->len, ==, 0);

	g_assert_cmpint(run_pstore(pstore, root, &out, &err), ==, 0);
	ids = report_ids(root);
	g_assert_cmpuint(ids->len, ==, 1);
	summary = read_summary(root, g_ptr_array_index(ids, 0));
	g_assert_cmpstr(summary->kind, ==, "oops");
	g_assert_cmpstr(summary->comm, ==, "insmod");
	g_assert_cmpstr(summary->release, ==, "6.1.0-57-amd64");
	g_assert_false(summary->dmesg_complete);
	left = report_ids(pstore);
	g_assert_cmpuint(left->len, ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func)                                                                            \
	g_test_add("/capture/pstore/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
	ADD("efi-multipart", test_pstore_efi_multipart);
	ADD("efi-oops-then-panic", test_pstore_efi_oops_then_panic);
	ADD("ramoops-single", test_pstore_ramoops_single);
	ADD("ramoops-two-dumps", test_pstore_ramoops_two_dumps);
	ADD("ramoops-zone-reused", test_pstore_ramoops_zone_reused);
	ADD("erst", test_pstore_erst);
	ADD("compressed", test_pstore_compressed);
	ADD("corrupt", test_pstore_corrupt);
	ADD("bomb", test_pstore_bomb);
	ADD("not-regular", test_pstore_not_regular);
	ADD("bad-names-and-sizes", test_pstore_bad_names_and_sizes);
	ADD("missing-part", test_pstore_missing_part);
	ADD("no-header-and-nul", test_pstore_no_header_and_nul);
	ADD("empty-and-missing", test_pstore_empty_and_missing);
	ADD("remove-files", test_pstore_remove_files);
	ADD("oops-panic-joined", test_pstore_oops_panic_joined);
	ADD("efi-oops-panic-joined", test_pstore_efi_oops_panic_joined);
	ADD("join-bounded", test_pstore_join_bounded);
	ADD("release-untrusted", test_pstore_release_untrusted);
	ADD("release-none", test_pstore_release_none);
	ADD("cli-escapes", test_pstore_cli_escapes);
	ADD("cli-oops-panic", test_pstore_cli_oops_panic);
	ADD("cli-far-future", test_pstore_cli_far_future);
	ADD("real-ramoops-oops", test_pstore_real_ramoops_oops);
	ADD("real-ramoops-sysrq-comm", test_pstore_real_ramoops_sysrq_comm);
	ADD("real-efi-oops", test_pstore_real_efi_oops);
#undef ADD
	return g_test_run();
}
