/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <string.h>

#include "cd-panic-page.h"

/* libFuzzer target: the bytes are a crashed kernel's log; lay the brown screen out */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdPanicPage) page = cd_panic_page_new((const gchar *)data, size);
	g_autoptr(CdFont) font = cd_font_new_builtin();
	g_autoptr(CdCanvas) canvas = cd_canvas_new(640, 480);
	g_auto(GStrv) lines = NULL;
	GPtrArray *details = cd_panic_page_get_detail_lines(page);

	g_assert_true(g_utf8_validate(cd_panic_page_get_headline(page), -1, NULL));
	for (guint i = 0; i < details->len; i++)
		g_assert_true(g_utf8_validate(g_ptr_array_index(details, i), -1, NULL));
	/* the QR text is printable ASCII and lines */
	for (const gchar *p = cd_panic_page_get_qr_text(page); *p != '\0'; p++)
		g_assert_true(*p == '\n' || (*p >= 0x20 && *p < 0x7f));
	cd_panic_page_draw(page, canvas, font);
	lines = cd_panic_page_text_lines(page, 40, 12);
	g_assert_cmpuint(g_strv_length(lines), ==, 12);
	for (guint i = 0; lines[i] != NULL; i++)
		g_assert_cmpuint(g_utf8_strlen(lines[i], -1), <=, 40);
	return 0;
}
