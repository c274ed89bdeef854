/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-canvas.h"

G_BEGIN_DECLS

/*
 * A bitmap console font: PSF1 or PSF2, plain or gzip-compressed, with its Unicode table
 * when it has one (Debian's /usr/share/consolefonts), or the font built into the source.
 * Glyph bitmaps are rows of (width + 7) / 8 bytes, most significant bit leftmost.
 */

typedef struct _CdFont CdFont;

/* limits on what a font file may claim, checked before anything is allocated */
#define CD_FONT_MAX_FILE_SIZE (4 * 1024 * 1024)
#define CD_FONT_MAX_GLYPHS    65536
#define CD_FONT_MAX_SIDE      64

CdFont *
cd_font_new_from_file(const gchar *path, GError **error);
CdFont *
cd_font_new_from_data(const guint8 *data, gsize len, const gchar *name, GError **error);
/* the font compiled into the program: ASCII, 8x16 */
CdFont *
cd_font_new_builtin(void);
/*
 * @path if not NULL, else the first of Debian's console fonts that loads, else the built-in
 * one; never NULL. A font that fails to load is a warning naming the file and the reason.
 */
CdFont *
cd_font_new_default(const gchar *path);
void
cd_font_free(CdFont *self);
/* the console fonts cd_font_new_default(NULL) tries, in order */
const gchar *const *
cd_font_get_default_paths(guint *n_paths);

const gchar *
cd_font_get_name(CdFont *self);
guint
cd_font_get_width(CdFont *self);
guint
cd_font_get_height(CdFont *self);
/* whether the font has a glyph of its own for @c */
gboolean
cd_font_has_glyph(CdFont *self, gunichar c);
/* the glyph for @c, or the font's replacement (U+FFFD if it has one, else '?') */
const guint8 *
cd_font_lookup(CdFont *self, gunichar c);

/*
 * Draws the UTF-8 @text from (@x, @y), each font pixel a @scale x @scale square of @fg;
 * background pixels are left as they are. Returns the x after the last glyph.
 */
gint
cd_canvas_draw_text(CdCanvas *canvas,
		    CdFont *font,
		    gint x,
		    gint y,
		    guint scale,
		    guint32 fg,
		    const gchar *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdFont, cd_font_free)

G_END_DECLS
