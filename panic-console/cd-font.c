/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdFont"

#include "config.h"

#include <string.h>

#include "cd-builtin-font.h"
#include "cd-error.h"
#include "cd-file.h"
#include "cd-font.h"
#include "cd-zlib.h"

/*
 * PSF1 (kbd's original format, 8 pixels wide, 256 or 512 glyphs, a UCS-2 table) and PSF2
 * (any size, a UTF-8 table), as Linux's console and kbd's setfont read them. A file is
 * gzip-compressed when it starts with gzip's magic, as Debian ships them (*.psf.gz).
 */

#define PSF1_MAGIC0	       0x36
#define PSF1_MAGIC1	       0x04
#define PSF1_HEADER_SIZE       4
#define PSF1_MODE512	       0x01
#define PSF1_MODEHASTAB	       0x02
#define PSF1_MODEHASSEQ	       0x04
#define PSF1_SEPARATOR	       0xffff
#define PSF1_STARTSEQ	       0xfffe
#define PSF2_MAGIC	       0x864ab572u
#define PSF2_HEADER_SIZE       32
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR	       0xff
#define PSF2_STARTSEQ	       0xfe

/* the replacement character when the font has it, else '?' */
#define CD_FONT_REPLACEMENT 0xfffd

/*
 * Debian's console fonts (console-setup-linux), in the order tried. Eight pixels wide, so
 * a 640x480 screen has 80 columns, with a Unicode table; Debian ships its 8x16 fonts as
 * PSF1 with a table (its PSF2 fonts are the wider Terminus sizes, last here). VGA first:
 * the PC console's own shapes, which people and OCR read best (Terminus Bold's N reads
 * as H to tesseract); then Terminus; then the Latin-only set.
 */
static const gchar *const cd_font_default_paths[] = {
	"/usr/share/consolefonts/Uni2-VGA16.psf.gz",
	"/usr/share/consolefonts/Uni2-Terminus16.psf.gz",
	"/usr/share/consolefonts/Uni2-TerminusBold16.psf.gz",
	"/usr/share/consolefonts/Lat15-VGA16.psf.gz",
	"/usr/share/consolefonts/Uni2-Terminus20x10.psf.gz",
};

struct _CdFont {
	gchar *name;
	guint width;
	guint height;
	gsize charsize; /* height * ((width + 7) / 8) */
	guint n_glyphs;
	guint8 *glyphs;	     /* n_glyphs * charsize */
	GHashTable *unicode; /* code point -> glyph index + 1; NULL: index by code point */
	guint replacement;   /* glyph index */
};

void
cd_font_free(CdFont *self)
{
	if (self == NULL)
		return;
	g_free(self->name);
	g_free(self->glyphs);
	if (self->unicode != NULL)
		g_hash_table_unref(self->unicode);
	g_free(self);
}

const gchar *
cd_font_get_name(CdFont *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->name;
}

guint
cd_font_get_width(CdFont *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->width;
}

guint
cd_font_get_height(CdFont *self)
{
	g_return_val_if_fail(self != NULL, 0);
	return self->height;
}

/* the glyph index for @c, or -1 */
static gint
cd_font_index(CdFont *self, gunichar c)
{
	gpointer value;

	if (self->unicode == NULL)
		return c < self->n_glyphs ? (gint)c : -1;
	value = g_hash_table_lookup(self->unicode, GUINT_TO_POINTER(c));
	if (value == NULL)
		return -1;
	return (gint)(GPOINTER_TO_UINT(value) - 1);
}

/**
 * cd_font_has_glyph:
 *
 * Whether the font draws @c itself rather than its replacement.
 */
gboolean
cd_font_has_glyph(CdFont *self, gunichar c)
{
	g_return_val_if_fail(self != NULL, FALSE);
	return cd_font_index(self, c) >= 0;
}

const guint8 *
cd_font_lookup(CdFont *self, gunichar c)
{
	gint i;

	g_return_val_if_fail(self != NULL, NULL);
	i = cd_font_index(self, c);
	if (i < 0)
		i = (gint)self->replacement;
	return self->glyphs + self->charsize * (gsize)i;
}

/* the first mapping wins: a table may list a code point twice */
static void
cd_font_map(CdFont *self, gunichar c, guint glyph)
{
	if (c > 0x10ffff)
		return;
	if (!g_hash_table_contains(self->unicode, GUINT_TO_POINTER(c)))
		g_hash_table_insert(self->unicode,
				    GUINT_TO_POINTER(c),
				    GUINT_TO_POINTER(glyph + 1));
}

static void
cd_font_pick_replacement(CdFont *self)
{
	gint i = cd_font_index(self, CD_FONT_REPLACEMENT);

	if (i < 0)
		i = cd_font_index(self, '?');
	self->replacement = i < 0 ? 0 : (guint)i;
}

/*
 * PSF1's table: for each glyph, UCS-2 little-endian code points up to 0xffff; 0xfffe
 * starts combining sequences for the same glyph, which are skipped: a glyph drawn for a
 * sequence is never the one for its first code point alone.
 */
static gboolean
cd_font_parse_psf1_table(CdFont *self, const guint8 *p, gsize len, GError **error)
{
	gsize off = 0;

	for (guint glyph = 0; glyph < self->n_glyphs; glyph++) {
		gboolean in_seq = FALSE;

		for (;;) {
			guint16 v;

			if (off + 2 > len) {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_TRUNCATED,
					    "%s: the Unicode table ends at glyph %u of %u",
					    self->name,
					    glyph,
					    self->n_glyphs);
				return FALSE;
			}
			v = (guint16)(p[off] | (p[off + 1] << 8));
			off += 2;
			if (v == PSF1_SEPARATOR)
				break;
			if (v == PSF1_STARTSEQ) {
				in_seq = TRUE;
				continue;
			}
			if (!in_seq && !(v >= 0xd800 && v <= 0xdfff))
				cd_font_map(self, v, glyph);
		}
	}
	return TRUE;
}

/* PSF2's table: UTF-8 code points up to 0xff, 0xfe starting the sequences */
static gboolean
cd_font_parse_psf2_table(CdFont *self, const guint8 *p, gsize len, GError **error)
{
	gsize off = 0;

	for (guint glyph = 0; glyph < self->n_glyphs; glyph++) {
		gboolean in_seq = FALSE;

		for (;;) {
			gunichar c;
			gsize n;

			if (off >= len) {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_TRUNCATED,
					    "%s: the Unicode table ends at glyph %u of %u",
					    self->name,
					    glyph,
					    self->n_glyphs);
				return FALSE;
			}
			if (p[off] == PSF2_SEPARATOR) {
				off++;
				break;
			}
			if (p[off] == PSF2_STARTSEQ) {
				in_seq = TRUE;
				off++;
				continue;
			}
			/* one code point: its UTF-8 length from the lead byte, within the table */
			n = p[off] < 0x80 ? 1 : p[off] < 0xe0 ? 2 : p[off] < 0xf0 ? 3 : 4;
			if (n > len - off) {
				g_set_error(
					error,
					CD_ERROR,
					CD_ERROR_TRUNCATED,
					"%s: the Unicode table ends inside a character at glyph %u",
					self->name,
					glyph);
				return FALSE;
			}
			c = g_utf8_get_char_validated((const gchar *)p + off, (gssize)n);
			if (c == (gunichar)-1 || c == (gunichar)-2) {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "%s: invalid UTF-8 in the Unicode table at glyph %u",
					    self->name,
					    glyph);
				return FALSE;
			}
			if (!in_seq)
				cd_font_map(self, c, glyph);
			off += n;
		}
	}
	return TRUE;
}

static gboolean
cd_font_check_side(const gchar *name, const gchar *what, guint32 v, GError **error)
{
	if (v == 0 || v > CD_FONT_MAX_SIDE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: a glyph %s of %u pixels is not within 1-%u",
			    name,
			    what,
			    v,
			    (guint)CD_FONT_MAX_SIDE);
		return FALSE;
	}
	return TRUE;
}

static guint32
cd_font_read_le32(const guint8 *p)
{
	return (guint32)p[0] | ((guint32)p[1] << 8) | ((guint32)p[2] << 16) | ((guint32)p[3] << 24);
}

/* the glyphs at @offset, and where they end; every size checked against the data */
static gboolean
cd_font_take_glyphs(CdFont *self,
		    const guint8 *data,
		    gsize len,
		    gsize offset,
		    gsize *end,
		    GError **error)
{
	gsize bytes;

	if (self->n_glyphs == 0 || self->n_glyphs > CD_FONT_MAX_GLYPHS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: %u glyphs is not within 1-%u",
			    self->name,
			    self->n_glyphs,
			    (guint)CD_FONT_MAX_GLYPHS);
		return FALSE;
	}
	/* at most 65536 * 64 * 8 bytes: no overflow */
	bytes = (gsize)self->n_glyphs * self->charsize;
	if (offset > len || bytes > len - offset) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "%s: %u glyphs of %" G_GSIZE_FORMAT " bytes need %" G_GSIZE_FORMAT
			    " bytes, the file has %" G_GSIZE_FORMAT,
			    self->name,
			    self->n_glyphs,
			    self->charsize,
			    offset + bytes,
			    len);
		return FALSE;
	}
	self->glyphs = g_memdup2(data + offset, bytes);
	*end = offset + bytes;
	return TRUE;
}

static gboolean
cd_font_parse_psf1(CdFont *self, const guint8 *data, gsize len, GError **error)
{
	guint8 mode = data[2];
	gsize end = 0;

	self->width = 8;
	self->height = data[3];
	if (!cd_font_check_side(self->name, "height", self->height, error))
		return FALSE;
	self->charsize = self->height;
	self->n_glyphs = (mode & PSF1_MODE512) ? 512 : 256;
	if (!cd_font_take_glyphs(self, data, len, PSF1_HEADER_SIZE, &end, error))
		return FALSE;
	if (mode & (PSF1_MODEHASTAB | PSF1_MODEHASSEQ)) {
		self->unicode = g_hash_table_new(NULL, NULL);
		return cd_font_parse_psf1_table(self, data + end, len - end, error);
	}
	return TRUE;
}

static gboolean
cd_font_parse_psf2(CdFont *self, const guint8 *data, gsize len, GError **error)
{
	guint32 version, header_size, flags, length, charsize, height, width;
	gsize end = 0;

	if (len < PSF2_HEADER_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "%s: %" G_GSIZE_FORMAT " bytes are too few for a PSF2 header",
			    self->name,
			    len);
		return FALSE;
	}
	version = cd_font_read_le32(data + 4);
	header_size = cd_font_read_le32(data + 8);
	flags = cd_font_read_le32(data + 12);
	length = cd_font_read_le32(data + 16);
	charsize = cd_font_read_le32(data + 20);
	height = cd_font_read_le32(data + 24);
	width = cd_font_read_le32(data + 28);
	if (version != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "%s: PSF2 version %u is not supported",
			    self->name,
			    version);
		return FALSE;
	}
	if (header_size < PSF2_HEADER_SIZE || header_size > len) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: a header size of %u is not within %u-%" G_GSIZE_FORMAT,
			    self->name,
			    header_size,
			    (guint)PSF2_HEADER_SIZE,
			    len);
		return FALSE;
	}
	if (!cd_font_check_side(self->name, "height", height, error) ||
	    !cd_font_check_side(self->name, "width", width, error))
		return FALSE;
	self->width = width;
	self->height = height;
	self->charsize = (gsize)height * ((width + 7) / 8);
	if (charsize != self->charsize) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: a glyph of %ux%u pixels takes %" G_GSIZE_FORMAT
			    " bytes, the header says %u",
			    self->name,
			    width,
			    height,
			    self->charsize,
			    charsize);
		return FALSE;
	}
	if (length == 0 || length > CD_FONT_MAX_GLYPHS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: %u glyphs is not within 1-%u",
			    self->name,
			    length,
			    (guint)CD_FONT_MAX_GLYPHS);
		return FALSE;
	}
	self->n_glyphs = length;
	if (!cd_font_take_glyphs(self, data, len, header_size, &end, error))
		return FALSE;
	if (flags & PSF2_HAS_UNICODE_TABLE) {
		self->unicode = g_hash_table_new(NULL, NULL);
		return cd_font_parse_psf2_table(self, data + end, len - end, error);
	}
	return TRUE;
}

/**
 * cd_font_new_from_data:
 * @name: what errors call the font, normally its file name
 *
 * Parses a PSF1 or PSF2 font, gzip-compressed or not, from untrusted bytes: every size
 * is checked against CD_FONT_MAX_* and the data before it is used.
 */
CdFont *
cd_font_new_from_data(const guint8 *data, gsize len, const gchar *name, GError **error)
{
	g_autoptr(CdFont) self = g_new0(CdFont, 1);
	g_autofree guint8 *inflated = NULL;
	gboolean ok;

	g_return_val_if_fail(data != NULL || len == 0, NULL);
	self->name = g_strdup(name != NULL ? name : "font");
	if (len > CD_FONT_MAX_FILE_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: %" G_GSIZE_FORMAT " bytes is larger than a font may be (%u)",
			    self->name,
			    len,
			    (guint)CD_FONT_MAX_FILE_SIZE);
		return NULL;
	}
	if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		gsize out_len = 0;
		g_autoptr(GError) error_local = NULL;

		/* the one gunzip of untrusted bytes: zlib checks the header and trailer */
		if (!cd_zlib_gunzip(data,
				    len,
				    CD_FONT_MAX_FILE_SIZE,
				    &inflated,
				    &out_len,
				    &error_local)) {
			g_set_error(error,
				    error_local->domain,
				    error_local->code,
				    "%s: gzip: %s",
				    self->name,
				    error_local->message);
			return NULL;
		}
		data = inflated;
		len = out_len;
	}
	if (len >= 4 && cd_font_read_le32(data) == PSF2_MAGIC) {
		ok = cd_font_parse_psf2(self, data, len, error);
	} else if (len >= PSF1_HEADER_SIZE && data[0] == PSF1_MAGIC0 && data[1] == PSF1_MAGIC1) {
		ok = cd_font_parse_psf1(self, data, len, error);
	} else if (len < PSF1_HEADER_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "%s: %" G_GSIZE_FORMAT " bytes are too few for a font header",
			    self->name,
			    len);
		ok = FALSE;
	} else {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: not a PSF1 or PSF2 font (no magic number)",
			    self->name);
		ok = FALSE;
	}
	if (!ok)
		return NULL;
	cd_font_pick_replacement(self);
	return g_steal_pointer(&self);
}

CdFont *
cd_font_new_from_file(const gchar *path, GError **error)
{
	g_autofree gchar *data = NULL;
	gsize len = 0;

	g_return_val_if_fail(path != NULL, NULL);
	data = cd_file_read_text(path, CD_FONT_MAX_FILE_SIZE, &len, error);
	if (data == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return cd_font_new_from_data((const guint8 *)data, len, path, error);
}

/**
 * cd_font_new_builtin:
 *
 * The font drawn in builtin-font.txt: printable ASCII, 8x16; anything else is drawn
 * as '?'.
 */
CdFont *
cd_font_new_builtin(void)
{
	CdFont *self = g_new0(CdFont, 1);

	self->name = g_strdup("built-in");
	self->width = CD_BUILTIN_FONT_WIDTH;
	self->height = CD_BUILTIN_FONT_HEIGHT;
	self->charsize = CD_BUILTIN_FONT_HEIGHT;
	self->n_glyphs = CD_BUILTIN_FONT_COUNT;
	self->glyphs = g_memdup2(cd_builtin_font_glyphs, sizeof(cd_builtin_font_glyphs));
	self->unicode = g_hash_table_new(NULL, NULL);
	for (guint i = 0; i < CD_BUILTIN_FONT_COUNT; i++)
		cd_font_map(self, CD_BUILTIN_FONT_FIRST + i, i);
	cd_font_pick_replacement(self);
	return self;
}

/**
 * cd_font_get_default_paths:
 *
 * The console fonts cd_font_new_default() tries, in order.
 */
const gchar *const *
cd_font_get_default_paths(guint *n_paths)
{
	*n_paths = G_N_ELEMENTS(cd_font_default_paths);
	return cd_font_default_paths;
}

CdFont *
cd_font_new_default(const gchar *path)
{
	if (path != NULL) {
		g_autoptr(GError) error = NULL;
		CdFont *font = cd_font_new_from_file(path, &error);

		if (font != NULL)
			return font;
		g_warning("%s; using the built-in font", error->message);
		return cd_font_new_builtin();
	}
	for (guint i = 0; i < G_N_ELEMENTS(cd_font_default_paths); i++) {
		g_autoptr(GError) error = NULL;
		CdFont *font = cd_font_new_from_file(cd_font_default_paths[i], &error);

		if (font != NULL)
			return font;
		/* a font that is simply not installed is not worth a warning */
		if (!g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			g_warning("%s", error->message);
	}
	return cd_font_new_builtin();
}

/* the next code point of @text, U+FFFD for a byte that does not start one */
static gunichar
cd_font_next_char(const gchar **text, const gchar *end)
{
	const gchar *p = *text;
	gunichar c = g_utf8_get_char_validated(p, end - p);

	if (c == (gunichar)-1 || c == (gunichar)-2) {
		*text = p + 1;
		return CD_FONT_REPLACEMENT;
	}
	*text = g_utf8_next_char(p);
	return c;
}

gint
cd_canvas_draw_text(CdCanvas *canvas,
		    CdFont *font,
		    gint x,
		    gint y,
		    guint scale,
		    guint32 fg,
		    const gchar *text)
{
	const gchar *end;
	gint64 cx = x;
	gint64 advance;
	guint row_bytes;

	g_return_val_if_fail(canvas != NULL, x);
	g_return_val_if_fail(font != NULL, x);
	if (text == NULL || scale == 0)
		return x;
	scale = MIN(scale, (guint)CD_CANVAS_MAX_SIDE);
	advance = (gint64)font->width * scale;
	row_bytes = (font->width + 7) / 8;
	end = text + strlen(text);
	while (text < end) {
		gunichar c = cd_font_next_char(&text, end);
		const guint8 *glyph;

		/* nothing further is on the canvas: count the rest without drawing it */
		if (cx >= canvas->width || (gint64)y >= canvas->height ||
		    (gint64)y + (gint64)font->height * scale <= 0 || cx + advance <= 0) {
			cx += advance;
			continue;
		}
		glyph = cd_font_lookup(font, c);
		for (guint gy = 0; gy < font->height; gy++) {
			const guint8 *row = glyph + (gsize)gy * row_bytes;

			for (guint gx = 0; gx < font->width; gx++) {
				if (row[gx / 8] & (0x80 >> (gx % 8)))
					cd_canvas_fill_rect(canvas,
							    (gint)(cx + (gint64)gx * scale),
							    (gint)((gint64)y + (gint64)gy * scale),
							    (gint)scale,
							    (gint)scale,
							    fg);
			}
		}
		cx += advance;
	}
	return (gint)CLAMP(cx, G_MININT, G_MAXINT);
}
