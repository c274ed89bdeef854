/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-font.h"

/* libFuzzer target: the bytes are a console font file (PSF1 or PSF2, maybe gzip) */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdFont) font = cd_font_new_from_data(data, size, "fuzz.psf", &error);
	g_autoptr(CdCanvas) canvas = NULL;
	gsize charsize;
	guint sum = 0;

	if (font == NULL) {
		/* every refusal says which font and why */
		g_assert_nonnull(error);
		g_assert_true(g_str_has_prefix(error->message, "fuzz.psf: "));
		return 0;
	}
	g_assert_cmpuint(cd_font_get_width(font), >=, 1);
	g_assert_cmpuint(cd_font_get_width(font), <=, CD_FONT_MAX_SIDE);
	g_assert_cmpuint(cd_font_get_height(font), >=, 1);
	g_assert_cmpuint(cd_font_get_height(font), <=, CD_FONT_MAX_SIDE);
	/* every glyph the table maps must be inside the font: the sanitizers check the reads */
	charsize = (gsize)cd_font_get_height(font) * ((cd_font_get_width(font) + 7) / 8);
	for (gunichar c = 0; c < 0x3000; c++) {
		const guint8 *glyph = cd_font_lookup(font, c);

		sum += glyph[0] + glyph[charsize - 1];
	}
	(void)sum;
	canvas = cd_canvas_new(64, 32);
	cd_canvas_draw_text(canvas,
			    font,
			    -3,
			    2,
			    2,
			    0xffffff,
			    "Oops \xc3\xa9\xe2\x82\xac\xff\xf0\x9f\x98\x80");
	return 0;
}
