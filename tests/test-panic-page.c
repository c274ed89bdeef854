/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "cd-canvas.h"
#include "cd-error.h"
#include "cd-font.h"
#include "cd-panic-page.h"
#include "cd-pstore.h"
#include "cd-qr.h"
#include "cd-report-meta.h"
#include "cd-text.h"

/* the brown screen's parts: canvas, PNG, fonts (hostile ones too), QR sizing, layout */

/* ---- canvas ---- */

static gsize
count_pixels(CdCanvas *canvas, guint32 rgb)
{
	gsize n = 0;

	for (gsize i = 0; i < (gsize)canvas->width * canvas->height; i++)
		n += canvas->pixels[i] == rgb;
	return n;
}

static void
test_canvas_limits(void)
{
	g_autoptr(CdCanvas) big = cd_canvas_new(CD_CANVAS_MAX_SIDE, 1);

	g_assert_null(cd_canvas_new(0, 10));
	g_assert_null(cd_canvas_new(10, 0));
	g_assert_null(cd_canvas_new(CD_CANVAS_MAX_SIDE + 1, 10));
	g_assert_null(cd_canvas_new(10, CD_CANVAS_MAX_SIDE + 1));
	g_assert_nonnull(big);
	g_assert_cmpuint(big->width, ==, CD_CANVAS_MAX_SIDE);
}

static void
test_canvas_clip(void)
{
	g_autoptr(CdCanvas) c = cd_canvas_new(10, 8);

	cd_canvas_fill(c, 0x123456);
	g_assert_cmpuint(count_pixels(c, 0x123456), ==, 80);
	/* partly off every edge */
	cd_canvas_fill_rect(c, -3, -2, 5, 4, 0xff0000);
	g_assert_cmpuint(count_pixels(c, 0xff0000), ==, 2 * 2);
	cd_canvas_fill_rect(c, 8, 6, 100, 100, 0x00ff00);
	g_assert_cmpuint(count_pixels(c, 0x00ff00), ==, 2 * 2);
	g_assert_cmpuint(c->pixels[7 * 10 + 9], ==, 0x00ff00);
	/* entirely off, empty, negative, and sizes that overflow a 32-bit x + width */
	cd_canvas_fill_rect(c, 10, 0, 5, 5, 0x0000ff);
	cd_canvas_fill_rect(c, 0, 8, 5, 5, 0x0000ff);
	cd_canvas_fill_rect(c, -20, 0, 5, 5, 0x0000ff);
	cd_canvas_fill_rect(c, 0, 0, 0, 5, 0x0000ff);
	cd_canvas_fill_rect(c, 0, 0, -5, 5, 0x0000ff);
	cd_canvas_fill_rect(c, G_MAXINT, G_MAXINT, G_MAXINT, G_MAXINT, 0x0000ff);
	g_assert_cmpuint(count_pixels(c, 0x0000ff), ==, 0);
	cd_canvas_fill_rect(c, G_MININT, G_MININT, G_MAXINT, G_MAXINT, 0x0000ff);
	g_assert_cmpuint(count_pixels(c, 0x0000ff), ==, 0);
	cd_canvas_fill_rect(c, -5, -5, G_MAXINT, G_MAXINT, 0x0000ff);
	g_assert_cmpuint(count_pixels(c, 0x0000ff), ==, 80);
}

static guint32
be32(const guint8 *p)
{
	return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* a reader for what cd_canvas_write_png writes: every CRC checked, IDAT inflated */
static CdCanvas *
read_png(const gchar *path)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;
	gsize off = 8;
	guint32 w = 0, h = 0;
	g_autoptr(GByteArray) idat = g_byte_array_new();
	gboolean iend = FALSE;
	g_autofree guint8 *raw = NULL;
	uLongf raw_len;
	CdCanvas *canvas;

	g_assert_true(g_file_get_contents(path, &data, &len, NULL));
	g_assert_cmpuint(len, >, 8);
	g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
	while (off + 12 <= len) {
		const guint8 *p = (const guint8 *)data + off;
		guint32 n = be32(p);

		g_assert_cmpuint(off + 12 + n, <=, len);
		g_assert_cmpuint(crc32(0, p + 4, n + 4), ==, be32(p + 8 + n));
		if (memcmp(p + 4, "IHDR", 4) == 0) {
			g_assert_cmpuint(n, ==, 13);
			w = be32(p + 8);
			h = be32(p + 12);
			g_assert_cmpuint(p[16], ==, 8); /* bit depth */
			g_assert_cmpuint(p[17], ==, 2); /* RGB */
			g_assert_cmpuint(p[20], ==, 0); /* not interlaced */
		} else if (memcmp(p + 4, "IDAT", 4) == 0) {
			g_byte_array_append(idat, p + 8, n);
		} else if (memcmp(p + 4, "IEND", 4) == 0) {
			iend = TRUE;
		}
		off += 12 + n;
	}
	g_assert_true(iend);
	g_assert_cmpuint(off, ==, len);
	canvas = cd_canvas_new(w, h);
	g_assert_nonnull(canvas);
	raw_len = (uLongf)(1 + 3 * w) * h;
	raw = g_malloc(raw_len);
	g_assert_cmpint(uncompress(raw, &raw_len, idat->data, idat->len), ==, Z_OK);
	g_assert_cmpuint(raw_len, ==, (gsize)(1 + 3 * w) * h);
	for (guint y = 0; y < h; y++) {
		const guint8 *row = raw + (gsize)(1 + 3 * w) * y;

		g_assert_cmpuint(row[0], ==, 0);
		for (guint x = 0; x < w; x++)
			canvas->pixels[(gsize)y * w + x] = ((guint32)row[1 + 3 * x] << 16) |
							   ((guint32)row[2 + 3 * x] << 8) |
							   row[3 + 3 * x];
	}
	return canvas;
}

static void
test_canvas_png(void)
{
	g_autoptr(CdCanvas) c = cd_canvas_new(37, 23);
	g_autoptr(CdCanvas) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("cd-png-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(dir, "page.png", NULL);
	g_autofree gchar *bad = g_build_filename(dir, "no-such-dir", "page.png", NULL);
	g_autoptr(GDir) d = NULL;
	guint files = 0;

	for (guint i = 0; i < 37 * 23; i++)
		c->pixels[i] = (i * 2654435761u) & 0xffffff;
	g_assert_true(cd_canvas_write_png(c, path, &error));
	g_assert_no_error(error);
	back = read_png(path);
	g_assert_cmpuint(back->width, ==, 37);
	g_assert_cmpuint(back->height, ==, 23);
	g_assert_cmpmem(back->pixels, 37 * 23 * 4, c->pixels, 37 * 23 * 4);
	/* no temporary file left beside it */
	d = g_dir_open(dir, 0, NULL);
	while (g_dir_read_name(d) != NULL)
		files++;
	g_assert_cmpuint(files, ==, 1);

	/* a failure names the file */
	g_assert_false(cd_canvas_write_png(c, bad, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(error->message, bad));
	g_unlink(path);
	g_rmdir(dir);
}

/* ---- fonts ---- */

/* a glyph whose rows are its index, so a lookup can be told apart */
static void
fill_glyphs(GByteArray *font, guint n, guint charsize)
{
	for (guint g = 0; g < n; g++) {
		for (guint i = 0; i < charsize; i++) {
			guint8 b = (guint8)(g + i * 7 + 1);
			g_byte_array_append(font, &b, 1);
		}
	}
}

static void
append_le16(GByteArray *a, guint16 v)
{
	guint8 b[2] = { (guint8)v, (guint8)(v >> 8) };
	g_byte_array_append(a, b, 2);
}

static void
append_le32(GByteArray *a, guint32 v)
{
	guint8 b[4] = { (guint8)v, (guint8)(v >> 8), (guint8)(v >> 16), (guint8)(v >> 24) };
	g_byte_array_append(a, b, 4);
}

/* PSF1, 256 glyphs of 8x10; glyph 'A' also U+0391, glyph 1 only in a sequence */
static GByteArray *
make_psf1(gboolean with_table)
{
	GByteArray *a = g_byte_array_new();
	guint8 head[4] = { 0x36, 0x04, with_table ? 0x02 : 0x00, 10 };

	g_byte_array_append(a, head, 4);
	fill_glyphs(a, 256, 10);
	if (!with_table)
		return a;
	for (guint g = 0; g < 256; g++) {
		if (g == 1) {
			/* a sequence only: U+0041 U+0301 must not map 'A' to glyph 1 */
			append_le16(a, 0xfffe);
			append_le16(a, 0x0041);
			append_le16(a, 0x0301);
		} else if (g >= 0x20 && g < 0x7f) {
			append_le16(a, (guint16)g);
			if (g == 'A')
				append_le16(a, 0x0391);
		}
		append_le16(a, 0xffff);
	}
	return a;
}

static GByteArray *
make_psf2(guint width, guint height, guint n, gboolean with_table)
{
	GByteArray *a = g_byte_array_new();
	guint charsize = height * ((width + 7) / 8);

	append_le32(a, 0x864ab572);
	append_le32(a, 0);  /* version */
	append_le32(a, 32); /* header size */
	append_le32(a, with_table ? 1 : 0);
	append_le32(a, n);
	append_le32(a, charsize);
	append_le32(a, height);
	append_le32(a, width);
	fill_glyphs(a, n, charsize);
	if (!with_table)
		return a;
	for (guint g = 0; g < n; g++) {
		if (g == 2) {
			/* U+00E9 as a glyph, and as e + U+0301 in a sequence */
			g_byte_array_append(a,
					    (const guint8 *)"\xc3\xa9\xfe"
							    "e\xcc\x81",
					    6);
		} else if (g == 3) {
			/* the euro sign and a character outside the BMP */
			g_byte_array_append(a, (const guint8 *)"\xe2\x82\xac\xf0\x9f\x98\x80", 7);
		} else if (g >= 0x20 && g < 0x7f) {
			guint8 c = (guint8)g;
			g_byte_array_append(a, &c, 1);
		}
		g_byte_array_append(a, (const guint8 *)"\xff", 1);
	}
	return a;
}

static const guint8 *
glyph_of(GByteArray *font, gsize header, guint charsize, guint g)
{
	return font->data + header + (gsize)charsize * g;
}

static void
test_font_psf1(void)
{
	g_autoptr(GByteArray) a = make_psf1(TRUE);
	g_autoptr(GByteArray) plain = make_psf1(FALSE);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_data(a->data, a->len, "t.psf", &error);
	g_autoptr(CdFont) font2 = NULL;

	g_assert_no_error(error);
	g_assert_cmpuint(cd_font_get_width(font), ==, 8);
	g_assert_cmpuint(cd_font_get_height(font), ==, 10);
	g_assert_cmpstr(cd_font_get_name(font), ==, "t.psf");
	g_assert_cmpmem(cd_font_lookup(font, 'A'), 10, glyph_of(a, 4, 10, 'A'), 10);
	g_assert_cmpmem(cd_font_lookup(font, 0x0391), 10, glyph_of(a, 4, 10, 'A'), 10);
	g_assert_cmpmem(cd_font_lookup(font, '~'), 10, glyph_of(a, 4, 10, '~'), 10);
	g_assert_true(cd_font_has_glyph(font, 'A'));
	/* only in a sequence, or nowhere: the replacement, '?' */
	g_assert_false(cd_font_has_glyph(font, 0x0301));
	g_assert_false(cd_font_has_glyph(font, 0x4e00));
	g_assert_cmpmem(cd_font_lookup(font, 0x4e00), 10, glyph_of(a, 4, 10, '?'), 10);

	/* without a table, code points index the glyphs */
	font2 = cd_font_new_from_data(plain->data, plain->len, "plain.psf", &error);
	g_assert_no_error(error);
	g_assert_cmpmem(cd_font_lookup(font2, 200), 10, glyph_of(plain, 4, 10, 200), 10);
	g_assert_cmpmem(cd_font_lookup(font2, 300), 10, glyph_of(plain, 4, 10, '?'), 10);
}

static void
test_font_psf2(void)
{
	g_autoptr(GByteArray) a = make_psf2(10, 12, 128, TRUE);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_data(a->data, a->len, "t.psf2", &error);
	guint cs = 12 * 2;

	g_assert_no_error(error);
	g_assert_cmpuint(cd_font_get_width(font), ==, 10);
	g_assert_cmpuint(cd_font_get_height(font), ==, 12);
	g_assert_cmpmem(cd_font_lookup(font, 'z'), cs, glyph_of(a, 32, cs, 'z'), cs);
	g_assert_cmpmem(cd_font_lookup(font, 0xe9), cs, glyph_of(a, 32, cs, 2), cs);
	g_assert_cmpmem(cd_font_lookup(font, 0x20ac), cs, glyph_of(a, 32, cs, 3), cs);
	g_assert_cmpmem(cd_font_lookup(font, 0x1f600), cs, glyph_of(a, 32, cs, 3), cs);
	/* 'e' of the sequence stays 'e' */
	g_assert_cmpmem(cd_font_lookup(font, 'e'), cs, glyph_of(a, 32, cs, 'e'), cs);
	g_assert_false(cd_font_has_glyph(font, 0x301));
}

static GByteArray *
gzip_bytes(const guint8 *data, gsize len)
{
	z_stream zs = { 0 };
	GByteArray *out = g_byte_array_new();
	guint8 buf[65536];
	gint rc;

	g_assert_cmpint(deflateInit2(&zs, 9, Z_DEFLATED, 16 + 15, 9, Z_DEFAULT_STRATEGY), ==, Z_OK);
	zs.next_in = (Bytef *)data;
	zs.avail_in = (uInt)len;
	do {
		zs.next_out = buf;
		zs.avail_out = sizeof(buf);
		rc = deflate(&zs, Z_FINISH);
		g_byte_array_append(out, buf, sizeof(buf) - zs.avail_out);
	} while (rc == Z_OK);
	g_assert_cmpint(rc, ==, Z_STREAM_END);
	deflateEnd(&zs);
	return out;
}

static void
test_font_gzip(void)
{
	g_autoptr(GByteArray) a = make_psf2(16, 32, 256, TRUE);
	g_autoptr(GByteArray) gz = gzip_bytes(a->data, a->len);
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_data(gz->data, gz->len, "t.psf.gz", &error);

	g_assert_no_error(error);
	g_assert_cmpuint(cd_font_get_width(font), ==, 16);
	g_assert_cmpmem(cd_font_lookup(font, 'Q'), 64, glyph_of(a, 32, 64, 'Q'), 64);
}

static void
expect_font_error(GByteArray *a, const gchar *name, const gchar *what)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_data(a->data, a->len, name, &error);

	g_assert_null(font);
	g_assert_nonnull(error);
	if (g_test_verbose())
		g_printerr("%s\n", error->message);
	g_assert_true(g_str_has_prefix(error->message, name));
	if (strstr(error->message, what) == NULL)
		g_error("“%s” does not say “%s”", error->message, what);
}

static void
set_le32(GByteArray *a, gsize off, guint32 v)
{
	a->data[off] = (guint8)v;
	a->data[off + 1] = (guint8)(v >> 8);
	a->data[off + 2] = (guint8)(v >> 16);
	a->data[off + 3] = (guint8)(v >> 24);
}

static void
test_font_hostile(void)
{
	g_autoptr(GByteArray) a = NULL;
	g_autoptr(GByteArray) bomb = NULL;
	g_autofree guint8 *zeros = NULL;

	/* headers cut short */
	a = make_psf2(8, 16, 16, FALSE);
	g_byte_array_set_size(a, 20);
	expect_font_error(a, "short.psf", "too few for a PSF2 header");
	g_clear_pointer(&a, g_byte_array_unref);
	a = g_byte_array_new();
	g_byte_array_append(a, (const guint8 *)"\x36\x04", 2);
	expect_font_error(a, "tiny.psf", "too few for a font header");
	g_clear_pointer(&a, g_byte_array_unref);

	/* a glyph count of 2^31, and of 65537 */
	a = make_psf2(8, 16, 16, FALSE);
	set_le32(a, 16, 0x80000000u);
	expect_font_error(a, "many.psf", "2147483648 glyphs is not within 1-65536");
	set_le32(a, 16, 65537);
	expect_font_error(a, "many.psf", "65537 glyphs");
	set_le32(a, 16, 0);
	expect_font_error(a, "none.psf", "0 glyphs");
	/* more glyphs than the file holds */
	set_le32(a, 16, 17);
	expect_font_error(a, "short-glyphs.psf", "17 glyphs of 16 bytes need");
	g_clear_pointer(&a, g_byte_array_unref);

	/* charsize that is not height * ((width + 7) / 8) */
	a = make_psf2(9, 16, 16, FALSE);
	set_le32(a, 20, 16);
	expect_font_error(a, "charsize.psf", "takes 32 bytes, the header says 16");
	/* sides out of range */
	set_le32(a, 20, 32);
	set_le32(a, 28, 65);
	expect_font_error(a, "wide.psf", "width of 65 pixels");
	set_le32(a, 28, 9);
	set_le32(a, 24, 0);
	expect_font_error(a, "flat.psf", "height of 0 pixels");
	set_le32(a, 24, 16);
	/* a header size past the end, or inside the header */
	set_le32(a, 8, 0x7fffffff);
	expect_font_error(a, "header.psf", "header size of 2147483647");
	set_le32(a, 8, 8);
	expect_font_error(a, "header.psf", "header size of 8");
	set_le32(a, 8, 32);
	set_le32(a, 4, 1);
	expect_font_error(a, "version.psf", "version 1");
	g_clear_pointer(&a, g_byte_array_unref);

	/* Unicode tables that run off the end */
	a = make_psf2(8, 16, 64, TRUE);
	g_byte_array_set_size(a, a->len - 3);
	expect_font_error(a, "table.psf", "Unicode table ends");
	g_clear_pointer(&a, g_byte_array_unref);
	a = make_psf2(8, 16, 8, TRUE);
	/* glyph 3's euro sign cut inside its three bytes */
	g_byte_array_set_size(a, 32 + 8 * 16 + 1 + 1 + 7 + 2);
	expect_font_error(a, "table-utf8.psf", "inside a character");
	g_clear_pointer(&a, g_byte_array_unref);
	a = make_psf1(TRUE);
	g_byte_array_set_size(a, a->len - 1);
	expect_font_error(a, "table1.psf", "Unicode table ends at glyph 255 of 256");
	g_clear_pointer(&a, g_byte_array_unref);
	a = make_psf1(FALSE);
	g_byte_array_set_size(a, 4 + 255 * 10);
	expect_font_error(a, "glyphs1.psf", "256 glyphs of 10 bytes need 2564 bytes");
	g_clear_pointer(&a, g_byte_array_unref);

	/* invalid UTF-8 in a PSF2 table */
	a = make_psf2(8, 16, 4, FALSE);
	set_le32(a, 12, 1);
	g_byte_array_append(a, (const guint8 *)"\xc3\x28\xff\xff\xff\xff", 6);
	expect_font_error(a, "utf8.psf", "invalid UTF-8");
	g_clear_pointer(&a, g_byte_array_unref);

	/* no magic */
	a = g_byte_array_new();
	g_byte_array_append(a, (const guint8 *)"GIF89a and more", 15);
	expect_font_error(a, "gif.psf", "not a PSF1 or PSF2 font");
	g_clear_pointer(&a, g_byte_array_unref);

	/* a gzip bomb: 64 MiB of zeros in a few KiB */
	zeros = g_malloc0(64 * 1024 * 1024);
	bomb = gzip_bytes(zeros, 64 * 1024 * 1024);
	g_assert_cmpuint(bomb->len, <, CD_FONT_MAX_FILE_SIZE);
	expect_font_error(bomb, "bomb.psf.gz", "decompresses to more than 4194304 bytes");
	/* a gzip stream cut short */
	g_byte_array_set_size(bomb, 100);
	expect_font_error(bomb, "cut.psf.gz", "gzip");
}

static void
test_font_builtin(void)
{
	g_autoptr(CdFont) font = cd_font_new_builtin();

	g_assert_cmpuint(cd_font_get_width(font), ==, 8);
	g_assert_cmpuint(cd_font_get_height(font), ==, 16);
	for (gunichar c = 0x20; c <= 0x7e; c++) {
		const guint8 *g = cd_font_lookup(font, c);
		guint bits = 0;

		g_assert_true(cd_font_has_glyph(font, c));
		for (guint i = 0; i < 16; i++)
			bits += g[i] != 0;
		/* every glyph but the space draws something, and no two are the same */
		if (c == ' ')
			g_assert_cmpuint(bits, ==, 0);
		else
			g_assert_cmpuint(bits, >, 0);
		for (gunichar d = 0x20; d < c; d++)
			g_assert_true(memcmp(g, cd_font_lookup(font, d), 16) != 0);
	}
	g_assert_false(cd_font_has_glyph(font, 0x1f));
	g_assert_false(cd_font_has_glyph(font, 0x7f));
	g_assert_false(cd_font_has_glyph(font, 0xe9));
	g_assert_true(cd_font_lookup(font, 0xe9) == cd_font_lookup(font, '?'));
}

static void
test_font_default(void)
{
	guint n = 0;
	const gchar *const *paths = cd_font_get_default_paths(&n);
	g_autoptr(CdFont) font = NULL;
	g_autoptr(CdFont) first = NULL;

	g_assert_cmpuint(n, >, 0);
	g_assert_true(g_str_has_prefix(paths[0], "/usr/share/consolefonts/"));
	font = cd_font_new_default(NULL);
	g_assert_nonnull(font);
	/* tools/install-deps installs console-setup-linux: the first is there and loads */
	first = cd_font_new_from_file(paths[0], NULL);
	if (first == NULL) {
		g_test_fail_printf("%s does not load: install console-setup-linux", paths[0]);
		return;
	}
	g_assert_cmpstr(cd_font_get_name(font), ==, paths[0]);
	g_assert_true(cd_font_has_glyph(font, 0xe9));
	g_assert_true(cd_font_has_glyph(font, 0x2502));
}

static void
test_font_missing_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_file("/nonexistent/font.psf", &error);

	g_assert_null(font);
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(error->message, "/nonexistent/font.psf"));
}

static void
test_font_draw_text(void)
{
	g_autoptr(CdFont) font = cd_font_new_builtin();
	g_autoptr(CdCanvas) c = cd_canvas_new(200, 40);
	g_autoptr(CdCanvas) q = cd_canvas_new(200, 40);
	gint x;

	cd_canvas_fill(c, 0);
	/* invalid UTF-8, a lone continuation byte, a truncated sequence: one glyph a byte */
	x = cd_canvas_draw_text(c,
				font,
				0,
				0,
				1,
				0xffffff,
				"a\xff"
				"b\x80"
				"c\xe2\x82");
	g_assert_cmpint(x, ==, 7 * 8);
	/* each bad byte drew the replacement: '?' */
	cd_canvas_fill(q, 0);
	cd_canvas_draw_text(q, font, 0, 0, 1, 0xffffff, "a?b?c??");
	g_assert_cmpmem(c->pixels, 200 * 40 * 4, q->pixels, 200 * 40 * 4);
	/* scaled: 3x the pixels of each lit font pixel */
	cd_canvas_fill(c, 0);
	cd_canvas_fill(q, 0);
	cd_canvas_draw_text(c, font, 0, 0, 1, 0xffffff, "H");
	cd_canvas_draw_text(q, font, 0, 0, 2, 0xffffff, "H");
	g_assert_cmpuint(count_pixels(q, 0xffffff), ==, 4 * count_pixels(c, 0xffffff));
	/* off the canvas on every side: nothing drawn, nothing out of bounds */
	cd_canvas_fill(c, 0);
	cd_canvas_draw_text(c, font, -1000, 5, 3, 0xffffff, "left");
	cd_canvas_draw_text(c, font, 190, -40, 3, 0xffffff, "up");
	cd_canvas_draw_text(c, font, G_MAXINT - 5, G_MAXINT - 5, 1000, 0xffffff, "far");
	cd_canvas_draw_text(c, font, 195, 20, 2, 0xffffff, "corner");
	g_assert_cmpuint(count_pixels(c, 0xffffff), >, 0);
	g_assert_cmpuint(count_pixels(c, 0xffffff) + count_pixels(c, 0), ==, 200 * 40);
}

/* ---- QR ---- */

static void
test_qr_sizing(void)
{
	const gchar *text = "line one\nline two\nline three is longer than the others\n";
	g_autofree gchar *big = NULL;
	gsize fit;

	/* version 1: 21 modules and 4 on each side, 4 pixels each */
	g_assert_cmpuint(cd_qr_modules_with_quiet_zone(1), ==, 29);
	g_assert_cmpuint(cd_qr_max_version_for_side(115), ==, 0);
	g_assert_cmpuint(cd_qr_max_version_for_side(116), ==, 1);
	g_assert_cmpuint(cd_qr_max_version_for_side(131), ==, 1);
	g_assert_cmpuint(cd_qr_max_version_for_side(132), ==, 2);
	g_assert_cmpuint(cd_qr_max_version_for_side(100000), ==, 40);

	g_assert_cmpuint(cd_qr_fit_prefix(text, strlen(text), 40), ==, strlen(text));
	/* version 1 at level L holds 17 bytes: "line one\n" is the longest whole line */
	fit = cd_qr_fit_prefix(text, strlen(text), 1);
	g_assert_cmpuint(fit, ==, 9);
	g_assert_true(cd_qr_fits((const guint8 *)text, 17, 1));
	g_assert_false(cd_qr_fits((const guint8 *)text, 18, 1));
	/* no line end: a character boundary */
	fit = cd_qr_fit_prefix(
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
		18,
		1);
	g_assert_cmpuint(fit, ==, 16);
	/* more than any code holds */
	big = g_strnfill(10000, 'x');
	g_assert_cmpuint(cd_qr_fit_prefix(big, 10000, 40), ==, 2953);
	g_assert_null(cd_qr_encode((const guint8 *)big, 10000, 40, NULL));
}

/* ---- the page ---- */

static gchar *
read_crash_text(const gchar *name, gsize *len)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "crash-texts", name, NULL);
	gchar *text = NULL;

	g_assert_true(g_file_get_contents(path, &text, len, NULL));
	return text;
}

static gboolean
rects_overlap(const CdPanicRect *a, const CdPanicRect *b)
{
	if (a->width <= 0 || b->width <= 0 || a->height <= 0 || b->height <= 0)
		return FALSE;
	return a->x < b->x + b->width && b->x < a->x + a->width && a->y < b->y + b->height &&
	       b->y < a->y + a->height;
}

static gboolean
rect_inside(const CdPanicRect *r, guint w, guint h)
{
	return r->x >= 0 && r->y >= 0 && r->x + r->width <= (gint)w && r->y + r->height <= (gint)h;
}

static gboolean
point_in(const CdPanicRect *r, gint x, gint y)
{
	return x >= r->x && y >= r->y && x < r->x + r->width && y < r->y + r->height;
}

static const struct {
	guint w;
	guint h;
} page_sizes[] = {
	{ 640, 480 }, { 800, 600 }, { 1024, 768 }, { 1920, 1080 }, { 3840, 2160 },
};

static void
check_layout(CdPanicPage *page, CdFont *font, guint w, guint h, guint32 fg, guint32 bg)
{
	g_autoptr(CdCanvas) c = cd_canvas_new(w, h);
	CdPanicLayout l = { 0 };
	gsize n_bg = 0, n_fg = 0;

	cd_panic_page_draw_full(page, c, font, &l);
	/* two colours, mostly the background */
	for (guint y = 0; y < h; y++) {
		for (guint x = 0; x < w; x++) {
			guint32 p = c->pixels[(gsize)y * w + x];

			if (p == bg) {
				n_bg++;
				continue;
			}
			g_assert_cmphex(p, ==, fg);
			n_fg++;
			/* the foreground is text, the progress line or the QR code, nothing else */
			if (!point_in(&l.inked, (gint)x, (gint)y) &&
			    !point_in(&l.progress, (gint)x, (gint)y) &&
			    !point_in(&l.qr, (gint)x, (gint)y))
				g_error("%ux%u: a stray pixel at %u,%u", w, h, x, y);
		}
	}
	g_assert_cmpuint(n_bg, >, (gsize)w * h / 2);
	g_assert_cmpuint(n_fg, >, 0);
	/* the parts inside the screen, apart */
	g_assert_true(rect_inside(&l.progress, w, h));
	g_assert_true(rect_inside(&l.text, w, h));
	g_assert_true(rect_inside(&l.inked, w, h));
	g_assert_true(point_in(&l.text, l.inked.x, l.inked.y));
	g_assert_cmpint(l.inked.y + l.inked.height, <=, l.text.y + l.text.height);
	g_assert_cmpint(l.inked.y + l.inked.height, <=, l.progress.y);
	g_assert_false(rects_overlap(&l.inked, &l.progress));
	/* the QR code, with its quiet zone, scannable and clear of the text */
	g_assert_cmpuint(l.qr_version, >, 0);
	g_assert_cmpuint(l.qr_version, <=, 20);
	g_assert_cmpuint(l.qr_module, >=, CD_QR_MIN_MODULE_PX);
	g_assert_true(rect_inside(&l.qr, w, h));
	g_assert_false(rects_overlap(&l.qr, &l.text));
	g_assert_false(rects_overlap(&l.qr, &l.inked));
	g_assert_false(rects_overlap(&l.qr, &l.progress));
	g_assert_cmpuint(l.qr_module * cd_qr_modules_with_quiet_zone(l.qr_version),
			 <=,
			 (guint)l.qr.width);
	/* legible: 80 columns of an 8-pixel font at 640x480, larger text on larger screens */
	g_assert_cmpuint(l.scale, >=, MAX(1u, h / 540));
	if (w == 640 && cd_font_get_width(font) == 8)
		g_assert_cmpuint(l.columns, >=, 76);
	g_assert_cmpuint(l.columns, >=, 60);
}

static void
test_page_layout(void)
{
	const gchar *names[] = { "real-6.1-oops.txt",	"real-6.1-panic.txt",
				 "gpf-softirq-6.1.txt", "empty.txt",
				 "garbage.txt",		"arm64-null-deref-6.1.txt" };
	g_autoptr(CdFont) builtin = cd_font_new_builtin();
	g_autoptr(CdFont) debian = cd_font_new_default(NULL);

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		gsize len = 0;
		g_autofree gchar *text = read_crash_text(names[i], &len);
		g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);

		cd_panic_page_set_progress(page, "Saving the crash: 42 %");
		for (guint s = 0; s < G_N_ELEMENTS(page_sizes); s++) {
			check_layout(page,
				     builtin,
				     page_sizes[s].w,
				     page_sizes[s].h,
				     0xffffff,
				     0xaa5500);
			check_layout(page,
				     debian,
				     page_sizes[s].w,
				     page_sizes[s].h,
				     0xffffff,
				     0xaa5500);
		}
		/* other colours, dark on light */
		cd_panic_page_set_colors(page, 0xeeeeee, 0x000080);
		check_layout(page, builtin, 1024, 768, 0x000080, 0xeeeeee);
	}
}

static void
test_page_scale(void)
{
	gsize len = 0;
	g_autofree gchar *text = read_crash_text("real-6.1-oops.txt", &len);
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	g_autoptr(CdFont) font = cd_font_new_builtin();
	guint scales[G_N_ELEMENTS(page_sizes)];

	for (guint s = 0; s < G_N_ELEMENTS(page_sizes); s++) {
		g_autoptr(CdCanvas) c = cd_canvas_new(page_sizes[s].w, page_sizes[s].h);
		CdPanicLayout l = { 0 };

		cd_panic_page_draw_full(page, c, font, &l);
		scales[s] = l.scale;
		/* the QR code beside the text on wide screens, below on small ones */
		g_assert_true(l.qr_beside == (page_sizes[s].w >= 1024));
	}
	g_assert_cmpuint(scales[0], ==, 1);
	g_assert_cmpuint(scales[3], ==, 2);
	g_assert_cmpuint(scales[4], ==, 4);
}

/* a new percentage drawn alone gives the same screen as the whole page drawn again */
static void
test_page_progress(void)
{
	gsize len = 0;
	g_autofree gchar *text = read_crash_text("gpf-softirq-6.1.txt", &len);
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	g_autoptr(CdFont) font = cd_font_new_builtin();

	for (guint s = 0; s < G_N_ELEMENTS(page_sizes); s++) {
		guint w = page_sizes[s].w, h = page_sizes[s].h;
		g_autoptr(CdCanvas) a = cd_canvas_new(w, h);
		g_autoptr(CdCanvas) b = cd_canvas_new(w, h);
		CdPanicLayout la = { 0 };
		CdPanicLayout lb = { 0 };
		CdPanicRect r;

		cd_panic_page_set_progress(page, "Saving the crash: 100000000000000000000 %");
		cd_panic_page_draw_full(page, a, font, &la);
		cd_panic_page_set_progress(page, "Saved as 2026-11-22-x, rebooting in 10 s");
		r = cd_panic_page_draw_progress(page, a, font, &la);
		cd_panic_page_draw_full(page, b, font, &lb);
		g_assert_cmpmem(a->pixels, (gsize)w * h * 4, b->pixels, (gsize)w * h * 4);
		g_assert_cmpint(r.y, ==, lb.progress.y);
		/* the same QR code both times */
		g_assert_cmpuint(la.qr_version, ==, lb.qr_version);
		g_assert_cmpuint(la.qr_bytes, ==, lb.qr_bytes);
	}
}

/* screens no one has, down to one pixel: drawn without a crash, in two colours */
static void
test_page_odd_sizes(void)
{
	const guint sizes[][2] = { { 1, 1 },	  { 7, 300 },	 { 300, 7 },   { 50, 30 },
				   { 3000, 100 }, { 100, 3000 }, { 640, 200 }, { 200, 480 } };
	gsize len = 0;
	g_autofree gchar *text = read_crash_text("real-6.1-oops.txt", &len);
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	g_autoptr(CdFont) font = cd_font_new_builtin();

	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		g_autoptr(CdCanvas) c = cd_canvas_new(sizes[s][0], sizes[s][1]);
		CdPanicLayout l = { 0 };
		gsize n = (gsize)sizes[s][0] * sizes[s][1];

		cd_panic_page_draw_full(page, c, font, &l);
		g_assert_cmpuint(count_pixels(c, 0xaa5500) + count_pixels(c, 0xffffff), ==, n);
		g_assert_false(rects_overlap(&l.qr, &l.inked));
		if (l.qr.width > 0)
			g_assert_true(rect_inside(&l.qr, sizes[s][0], sizes[s][1]));
	}
}

/* no crash report the page knows: the end of the log instead */
static void
test_page_log_end(void)
{
	const gchar *log = "[    1.000000] early line\n[    2.000000] eth0: link up\n\n"
			   "[    3.000000] something odd happened\n";
	g_autoptr(CdPanicPage) page = cd_panic_page_new(log, strlen(log));
	GPtrArray *details = cd_panic_page_get_detail_lines(page);

	g_assert_cmpstr(cd_panic_page_get_headline(page),
			==,
			"Kernel crash: the log does not say what happened");
	g_assert_cmpuint(details->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(details, 0), ==, "The log ends with:");
	g_assert_cmpstr(g_ptr_array_index(details, 1), ==, "  early line");
	g_assert_cmpstr(g_ptr_array_index(details, 3), ==, "  something odd happened");
	g_assert_true(g_str_has_suffix(cd_panic_page_get_qr_text(page),
				       "--\nearly line\neth0: link up\nsomething odd happened\n"));
}

static void
test_page_content(void)
{
	gsize len = 0;
	g_autofree gchar *text = read_crash_text("real-6.1-oops.txt", &len);
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	GPtrArray *details = cd_panic_page_get_detail_lines(page);
	const gchar *qr = cd_panic_page_get_qr_text(page);
	g_autofree gchar *joined = NULL;
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) strv = NULL;

	g_assert_cmpstr(cd_panic_page_get_headline(page),
			==,
			"Oops: BUG: kernel NULL pointer dereference, address: 0000000000000000");
	for (guint i = 0; i < details->len; i++)
		g_strv_builder_add(b, g_ptr_array_index(details, i));
	strv = g_strv_builder_end(b);
	joined = g_strjoinv("\n", strv);
	g_assert_nonnull(strstr(joined, "Oops: 0002 [#1] PREEMPT SMP NOPTI"));
	g_assert_nonnull(
		strstr(joined, "RIP: 0010:crashdesk_test_init+0x83/0x1000 [crashdesk_test]"));
	g_assert_nonnull(strstr(joined, "CPU: 0 PID: 86 Comm: insmod"));
	g_assert_nonnull(strstr(joined, "Call Trace:\n  do_one_initcall+0x59/0x220\n"));
	/* the time stamps are gone, the user-space RIP after the trace is not a kernel one */
	g_assert_null(strstr(joined, "[    4."));
	g_assert_null(strstr(joined, "RIP: 0033"));

	g_assert_true(g_str_has_prefix(qr, "Oops: BUG: kernel NULL pointer dereference"));
	g_assert_nonnull(strstr(qr, "kernel: 6.1.0-56-amd64\n"));
	g_assert_nonnull(strstr(qr, "task: insmod pid 86\n"));
	g_assert_nonnull(strstr(qr, "signature: "));
	g_assert_true(g_str_has_suffix(qr, "\nCR2: 0000000000000000\n"));
	/* at most what a version 20 code holds at level L, and most of that */
	g_assert_cmpuint(strlen(qr), <=, 858);
	g_assert_cmpuint(strlen(qr), >, 600);
}

static void
test_page_text_lines(void)
{
	const struct {
		guint columns;
		guint rows;
	} sizes[] = { { 80, 25 }, { 40, 12 }, { 240, 67 }, { 1, 1 }, { 3, 2 }, { 10, 1 } };
	gsize len = 0;
	g_autofree gchar *text = read_crash_text("real-6.1-oops.txt", &len);
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	g_auto(GStrv) none = cd_panic_page_text_lines(page, 0, 25);

	g_assert_cmpuint(g_strv_length(none), ==, 0);
	cd_panic_page_set_progress(page, "Saved as 2026-11-22-15:14:42-6.1.0, rebooting in 10 s");
	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_auto(GStrv) lines =
			cd_panic_page_text_lines(page, sizes[i].columns, sizes[i].rows);
		guint n = g_strv_length(lines);

		g_assert_cmpuint(n, ==, sizes[i].rows);
		for (guint j = 0; j < n; j++) {
			g_assert_true(g_utf8_validate(lines[j], -1, NULL));
			g_assert_cmpuint(g_utf8_strlen(lines[j], -1), <=, sizes[i].columns);
		}
		/* the progress on the last row, cut to the width with "..." */
		if (g_str_has_suffix(lines[n - 1], "..."))
			lines[n - 1][strlen(lines[n - 1]) - 3] = '\0';
		g_assert_true(
			g_str_has_prefix("Saved as 2026-11-22-15:14:42-6.1.0, rebooting in 10 s",
					 lines[n - 1]));
		if (sizes[i].columns >= 60)
			g_assert_cmpstr(lines[n - 1],
					==,
					"Saved as 2026-11-22-15:14:42-6.1.0, rebooting in 10 s");
		if (sizes[i].rows >= 12) {
			g_autofree gchar *all = g_strjoinv("\n", lines);
			g_assert_true(g_str_has_prefix(lines[0], "The Linux"));
			g_assert_nonnull(strstr(all, "Oops"));
		}
		if (sizes[i].columns >= 80 && sizes[i].rows >= 25) {
			g_autofree gchar *all = g_strjoinv("\n", lines);
			g_assert_nonnull(strstr(all, "RIP: 0010:crashdesk_test_init"));
		}
	}
}

/* a page from bytes no log has: it must still draw, quickly */
static void
check_hostile(const gchar *data, gsize len)
{
	g_autoptr(CdPanicPage) page = cd_panic_page_new(data, len);
	g_autoptr(CdFont) font = cd_font_new_builtin();
	g_autoptr(CdCanvas) c = cd_canvas_new(640, 480);
	g_auto(GStrv) lines = NULL;

	g_assert_nonnull(cd_panic_page_get_headline(page));
	g_assert_true(g_utf8_validate(cd_panic_page_get_headline(page), -1, NULL));
	g_assert_cmpuint(strlen(cd_panic_page_get_qr_text(page)), <=, 2953);
	cd_panic_page_draw(page, c, font);
	lines = cd_panic_page_text_lines(page, 80, 25);
	g_assert_cmpuint(g_strv_length(lines), ==, 25);
	for (guint j = 0; lines[j] != NULL; j++)
		g_assert_cmpuint(g_utf8_strlen(lines[j], -1), <=, 80);
}

static void
test_page_hostile(void)
{
	gsize big = 10 * 1024 * 1024;
	g_autofree gchar *line = g_malloc(big);
	g_autofree gchar *bytes = g_malloc(1024 * 1024);
	g_autoptr(GString) many = g_string_new(NULL);
	gint64 start = g_get_monotonic_time();

	check_hostile(NULL, 0);
	check_hostile("", 0);
	check_hostile("\n\n\n", 3);
	/* a 10 MB line, with the words the page looks for in it */
	memset(line, 'A', big);
	memcpy(line, "BUG: kernel NULL pointer dereference ", 37);
	memcpy(line + big / 2, " RIP: 0010:x Call Trace: ", 25);
	check_hostile(line, big);
	/* the same with NUL bytes and invalid UTF-8 in it */
	for (gsize i = 0; i < big; i += 4093)
		line[i] = (gchar)(i % 3 == 0 ? 0 : 0xff);
	check_hostile(line, big);
	/* random bytes */
	for (gsize i = 0; i < 1024 * 1024; i++)
		bytes[i] = (gchar)g_test_rand_int_range(0, 256);
	check_hostile(bytes, 1024 * 1024);
	/* 200 000 lines of crash starts and call traces */
	for (guint i = 0; i < 200000; i++)
		g_string_append_printf(many,
				       "[ %u.0] %s\n",
				       i,
				       i % 3 == 0   ? "Call Trace:"
				       : i % 3 == 1 ? "BUG: soft lockup - CPU#0 stuck"
						    : " ? frame+0x1/0x2");
	check_hostile(many->str, many->len);
	/* the whole set, not quadratic: seconds, not minutes, even under ASan */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 60 * G_USEC_PER_SEC);
}

static void
test_page_colors(void)
{
	guint32 fg = 0, bg = 0;
	guint w = 0, h = 0;
	g_autoptr(GError) error = NULL;
	const gchar *bad[] = { "",
			       "#FFFFFF",
			       "#FFFFFF #AA5500 #000000",
			       "#FFFFF #AA5500",
			       "#GGGGGG #AA5500",
			       "#FFFFFF #+A5500",
			       "white brown",
			       "FFFFFF AA5500",
			       "#FFFFFF,#AA5500" };
	const gchar *bad_sizes[] = { "",
				     "640",
				     "640x",
				     "x480",
				     "0x480",
				     "640x0",
				     "8193x100",
				     "640x480x3",
				     "-640x480",
				     "640 x480",
				     "99999999999999999999x1" };

	g_assert_true(cd_panic_parse_colors("#FFFFFF #AA5500", &fg, &bg, &error));
	g_assert_no_error(error);
	g_assert_cmphex(fg, ==, 0xffffff);
	g_assert_cmphex(bg, ==, 0xaa5500);
	g_assert_true(cd_panic_parse_colors(" #000080\t #eeeeee ", &fg, &bg, &error));
	g_assert_cmphex(fg, ==, 0x000080);
	g_assert_cmphex(bg, ==, 0xeeeeee);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_assert_false(cd_panic_parse_colors(bad[i], &fg, &bg, &error));
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	g_assert_true(cd_panic_parse_size("3840x2160", &w, &h, &error));
	g_assert_cmpuint(w, ==, 3840);
	g_assert_cmpuint(h, ==, 2160);
	for (guint i = 0; i < G_N_ELEMENTS(bad_sizes); i++) {
		g_assert_false(cd_panic_parse_size(bad_sizes[i], &w, &h, &error));
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
}

/* everything the page shows is visible text: no control character, C1 control, bidi
 * control or invalid UTF-8, on the screen, the text console or in the QR code */
static void
check_page_visible(CdPanicPage *page)
{
	GPtrArray *details = cd_panic_page_get_detail_lines(page);
	const gchar *qr = cd_panic_page_get_qr_text(page);
	g_auto(GStrv) lines = cd_panic_page_text_lines(page, 240, 67);

	g_assert_true(cd_text_is_visible(cd_panic_page_get_headline(page), CD_TEXT_FLAG_NONE));
	for (guint i = 0; i < details->len; i++)
		g_assert_true(cd_text_is_visible(g_ptr_array_index(details, i), CD_TEXT_FLAG_NONE));
	for (guint i = 0; lines[i] != NULL; i++)
		g_assert_true(cd_text_is_visible(lines[i], CD_TEXT_FLAG_NONE));
	/* the QR code: printable ASCII lines */
	for (const gchar *p = qr; *p != '\0'; p++)
		g_assert_true(*p == '\n' || (*p >= 0x20 && *p <= 0x7e));
}

/* a task name with escape sequences, from every printk ring and from pstore: shown
 * made visible ("\x1b[8m"), the same on every path, never interpreted */
static void
test_page_hostile_text(void)
{
	static const gchar comm[] = "\\x1b[8mx\\x1b]0;t\\x07\\x1b]52;c;ZXZpbA==\\x07";
	const gchar *vmcores[] = { "hostile-comm-lockless.vmcore",
				   "hostile-comm-legacy.vmcore",
				   "hostile-comm-plain.vmcore" };
	const gchar *dir = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *cpu_line =
		g_strdup_printf("CPU: 0 PID: 1 Comm: %s Not tainted 6.1.0-fixture #1", comm);
	g_autofree gchar *task_line = g_strdup_printf("task: %s pid 1\n", comm);
	g_autofree gchar *text = NULL;
	g_autoptr(CdPanicPage) pstore = NULL;
	GPtrArray *details;
	gsize len = 0;

	if (dir == NULL) {
		g_test_fail_printf("CRASHDESK_FIXTURES is not set: run through meson test");
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(vmcores); i++) {
		g_autofree gchar *path = g_build_filename(dir, vmcores[i], NULL);
		g_autoptr(GError) error = NULL;
		g_autoptr(CdPanicPage) page = cd_panic_page_new_from_vmcore(path, &error);
		g_auto(GStrv) lines = NULL;
		g_autofree gchar *all = NULL;
		gboolean found = FALSE;

		g_test_message("%s", vmcores[i]);
		g_assert_no_error(error);
		check_page_visible(page);
		details = cd_panic_page_get_detail_lines(page);
		for (guint j = 0; j < details->len; j++)
			found = found || g_strcmp0(g_ptr_array_index(details, j), cpu_line) == 0;
		g_assert_true(found);
		g_assert_nonnull(strstr(cd_panic_page_get_qr_text(page), task_line));
		/* the text console shows the same line */
		lines = cd_panic_page_text_lines(page, 240, 67);
		all = g_strjoinv("\n", lines);
		g_assert_nonnull(strstr(all, cpu_line));
		/* the carriage return of another line is shown, not obeyed */
		g_assert_nonnull(strstr(cd_panic_page_get_qr_text(page),
					"Started evil.service\\x0dStarted good.service"));
	}

	/* pstore keeps the bytes raw: a C1 CSI, a bidi override, a byte that is not UTF-8 */
	text = read_crash_text("hostile-hung-task-pstore.txt", &len);
	pstore = cd_panic_page_new(text, len);
	check_page_visible(pstore);
	g_assert_cmpstr(
		cd_panic_page_get_headline(pstore),
		==,
		"Hung task: INFO: task \\x1b]0;pwned\\x07\\u009b\\u202e\\xff:4242 blocked for "
		"more than 120 seconds.");
	g_assert_nonnull(strstr(cd_panic_page_get_qr_text(pstore),
				"task: \\x1b]0;pwned\\x07\\u009b\\u202e\\xff pid 4242\n"));
}

/* ---- the page and meta.json read a crash the same way ---- */

/* the headline's first words for each kind meta.json can say */
static const gchar *
agree_label(const gchar *kind)
{
	static const gchar *labels[][2] = {
		{ "oops", "Oops" },
		{ "bug", "Kernel BUG" },
		{ "panic", "Kernel panic" },
		{ "sysrq", "Crash requested with SysRq" },
		{ "warn", "Warning, and panic_on_warn" },
		{ "softlockup", "Soft lockup" },
		{ "hardlockup", "Hard lockup" },
		{ "hung_task", "Hung task" },
		{ "oom", "Out of memory" },
		{ "mce", "Machine check" },
		{ "nmi", "Non-maskable interrupt" },
		{ "gpf", "General protection fault" },
		{ "divide_error", "Divide error" },
		{ "unknown", "Kernel crash" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (g_strcmp0(kind, labels[i][0]) == 0)
			return labels[i][1];
	}
	g_test_fail_printf("meta.json says kind %s, which the page has no words for", kind);
	return "";
}

static const gchar *
agree_string(json_object *obj, const gchar *key)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value) || value == NULL)
		return NULL;
	return json_object_get_string(value);
}

/*
 * @text through the brown screen, and through the analysis into a meta.json as
 * crashdesk save and pstore build it: the page names the same kind, message, task and
 * instruction as meta.json, and the frames it shows are reliable frames of meta.json's
 * backtrace, in its order.
 */
static void
check_page_agrees(const gchar *what, const gchar *text, gsize len)
{
	g_autoptr(CdPanicPage) page = cd_panic_page_new(text, len);
	g_autoptr(CdCrashAnalysis) analysis = cd_crash_analysis_new_from_text(text, len);
	CdReportMetaInput in = {
		.id = "2026-12-07-22:00:00-test",
		.source = "kdump",
		.crash_time = -1,
		.analysis = analysis,
	};
	gsize meta_len = 0;
	g_autofree gchar *meta = cd_report_meta_build(&in, &meta_len);
	g_autoptr(json_object) root = json_tokener_parse(meta);
	json_object *crash = NULL;
	json_object *backtrace = NULL;
	json_object *pid_value = NULL;
	const gchar *kind, *message, *comm, *ip_symbol, *label;
	const gchar *headline = cd_panic_page_get_headline(page);
	const gchar *qr = cd_panic_page_get_qr_text(page);
	GPtrArray *details = cd_panic_page_get_detail_lines(page);
	gint pid = -1;
	gboolean shows_ip = FALSE;
	gboolean in_trace = FALSE;
	gsize next_frame = 0;

	g_test_message("%s", what);
	g_assert_nonnull(root);
	g_assert_true(json_object_object_get_ex(root, "crash", &crash));
	g_assert_true(json_object_object_get_ex(crash, "backtrace", &backtrace));
	kind = agree_string(crash, "kind");
	message = agree_string(crash, "message");
	comm = agree_string(crash, "comm");
	ip_symbol = agree_string(crash, "ip_symbol");
	if (json_object_object_get_ex(crash, "pid", &pid_value) && pid_value != NULL)
		pid = json_object_get_int(pid_value);

	/* the kind: the headline's first words */
	label = agree_label(kind);
	if (g_ascii_strncasecmp(headline, label, strlen(label)) != 0)
		g_test_fail_printf("%s: meta.json says %s, the page \"%s\"", what, kind, headline);
	/* the message: the rest of it */
	if (message != NULL && strstr(headline, message) == NULL)
		g_test_fail_printf("%s: meta.json says \"%s\", the page \"%s\"",
				   what,
				   message,
				   headline);
	if (message == NULL)
		g_assert_true(g_str_has_suffix(headline, "the log does not say what happened"));

	/* the task: in the QR code's summary, and any task line the page shows */
	if (comm != NULL) {
		g_autofree gchar *task = g_strdup_printf("\ntask: %s pid %d\n", comm, pid);
		if (strstr(qr, task) == NULL)
			g_test_fail_printf("%s: meta.json's task%s is not in the QR code",
					   what,
					   task);
	} else {
		g_assert_null(strstr(qr, "\ntask: "));
	}
	for (guint i = 0; i < details->len; i++) {
		const gchar *line = g_ptr_array_index(details, i);
		g_autofree gchar *pid_words = g_strdup_printf(" PID: %d ", pid);
		g_autofree gchar *comm_words = g_strdup_printf(" Comm: %s ", comm);

		if (!g_str_has_prefix(line, "CPU: ") || strstr(line, " PID: ") == NULL)
			continue;
		if (strstr(line, pid_words) == NULL || strstr(line, comm_words) == NULL)
			g_test_fail_printf("%s: the page shows \"%s\", meta.json pid %d comm %s",
					   what,
					   line,
					   pid,
					   comm);
	}

	/* the instruction: the page shows the one meta.json has, and no other */
	for (guint i = 0; i < details->len; i++) {
		const gchar *line = g_ptr_array_index(details, i);
		if (g_str_has_prefix(line, "RIP: ") || g_str_has_prefix(line, "IP: ") ||
		    g_str_has_prefix(line, "pc : ") ||
		    strstr(line, "[Hardware Error]: RIP") != NULL) {
			if (ip_symbol == NULL || strstr(line, ip_symbol) == NULL)
				g_test_fail_printf("%s: the page shows \"%s\", meta.json ip %s",
						   what,
						   line,
						   ip_symbol);
			shows_ip = TRUE;
		}
	}
	if (ip_symbol != NULL && !shows_ip)
		g_test_fail_printf("%s: meta.json's ip %s is not on the page", what, ip_symbol);

	/* the frames: reliable ones of meta.json's backtrace, in order */
	for (guint i = 0; i < details->len; i++) {
		const gchar *line = g_ptr_array_index(details, i);
		gboolean found = FALSE;

		if (g_strcmp0(line, "Call Trace:") == 0) {
			in_trace = TRUE;
			continue;
		}
		if (!in_trace)
			continue;
		g_assert_true(g_str_has_prefix(line, "  "));
		for (; next_frame < json_object_array_length(backtrace) && !found; next_frame++) {
			json_object *frame = json_object_array_get_idx(backtrace, next_frame);
			const gchar *symbol = agree_string(frame, "symbol");
			json_object *reliable = NULL;
			g_autofree gchar *prefix = g_strdup_printf("  %s+", symbol);

			json_object_object_get_ex(frame, "reliable", &reliable);
			found = g_str_has_prefix(line, prefix) && json_object_get_boolean(reliable);
		}
		if (!found)
			g_test_fail_printf("%s: the page's frame \"%s\" is no reliable frame of "
					   "meta.json's backtrace after the one before it",
					   what,
					   line);
	}
}

static void
test_page_agrees_with_meta(void)
{
	g_autofree gchar *texts = g_test_build_filename(G_TEST_DIST, "crash-texts", NULL);
	g_autofree gchar *pstore = g_test_build_filename(G_TEST_DIST, "pstore", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(texts, 0, &error);
	const gchar *name;
	guint n = 0;

	g_assert_no_error(error);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *text = NULL;
		gsize len = 0;

		if (!g_str_has_suffix(name, ".txt"))
			continue;
		text = read_crash_text(name, &len);
		check_page_agrees(name, text, len);
		n++;
	}
	g_assert_cmpuint(n, >=, 30);

	/* the records a real kernel left in pstore, as crashdesk pstore reads them */
	g_clear_pointer(&dir, g_dir_close);
	dir = g_dir_open(pstore, 0, &error);
	g_assert_no_error(error);
	n = 0;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(pstore, name, NULL);
		g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GPtrArray) crashes = NULL;

		if (!g_file_test(path, G_FILE_TEST_IS_DIR))
			continue;
		crashes = cd_pstore_read(path, warnings, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(crashes->len, >, 0);
		for (guint i = 0; i < crashes->len; i++) {
			const CdPstoreCrash *crash = g_ptr_array_index(crashes, i);
			g_autofree gchar *visible = cd_text_make_visible(
				crash->text,
				-1,
				CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS);
			check_page_agrees(name, visible, strlen(visible));
			n++;
		}
	}
	g_assert_cmpuint(n, >=, 3);
}

static void
test_page_vmcore(void)
{
	const gchar *dir = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *path = NULL;
	g_autofree gchar *bad = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdPanicPage) page = NULL;
	g_autoptr(CdPanicPage) none = NULL;

	if (dir == NULL) {
		g_test_fail_printf("CRASHDESK_FIXTURES is not set: run through meson test");
		return;
	}
	path = g_build_filename(dir, "lockless-basic.vmcore", NULL);
	page = cd_panic_page_new_from_vmcore(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(cd_panic_page_get_headline(page),
			==,
			"Crash requested with SysRq: sysrq triggered crash");
	g_assert_nonnull(strstr(cd_panic_page_get_qr_text(page), "kernel: 6.1.0-fixture\n"));
	g_assert_true(
		g_str_has_suffix(cd_panic_page_get_qr_text(page),
				 "Kernel Offset: 0x1e000000 from 0xffffffff81000000 (relocation "
				 "range: 0xffffffff80000000-0xffffffffbfffffff)\n"));

	bad = g_build_filename(dir, "error-not-elf.vmcore", NULL);
	none = cd_panic_page_new_from_vmcore(bad, &error);
	g_assert_null(none);
	g_assert_nonnull(error);
	g_assert_true(g_str_has_prefix(error->message, bad));
}

gint
main(gint argc, gchar **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/panic-console/canvas/limits", test_canvas_limits);
	g_test_add_func("/panic-console/canvas/clip", test_canvas_clip);
	g_test_add_func("/panic-console/canvas/png", test_canvas_png);
	g_test_add_func("/panic-console/font/psf1", test_font_psf1);
	g_test_add_func("/panic-console/font/psf2", test_font_psf2);
	g_test_add_func("/panic-console/font/gzip", test_font_gzip);
	g_test_add_func("/panic-console/font/hostile", test_font_hostile);
	g_test_add_func("/panic-console/font/builtin", test_font_builtin);
	g_test_add_func("/panic-console/font/default", test_font_default);
	g_test_add_func("/panic-console/font/missing-file", test_font_missing_file);
	g_test_add_func("/panic-console/font/draw-text", test_font_draw_text);
	g_test_add_func("/panic-console/qr/sizing", test_qr_sizing);
	g_test_add_func("/panic-console/page/layout", test_page_layout);
	g_test_add_func("/panic-console/page/scale", test_page_scale);
	g_test_add_func("/panic-console/page/progress", test_page_progress);
	g_test_add_func("/panic-console/page/odd-sizes", test_page_odd_sizes);
	g_test_add_func("/panic-console/page/content", test_page_content);
	g_test_add_func("/panic-console/page/log-end", test_page_log_end);
	g_test_add_func("/panic-console/page/text-lines", test_page_text_lines);
	g_test_add_func("/panic-console/page/hostile", test_page_hostile);
	g_test_add_func("/panic-console/page/colors", test_page_colors);
	g_test_add_func("/panic-console/page/vmcore", test_page_vmcore);
	g_test_add_func("/panic-console/page/hostile-text", test_page_hostile_text);
	g_test_add_func("/panic-console/page/agrees-with-meta", test_page_agrees_with_meta);
	return g_test_run();
}
