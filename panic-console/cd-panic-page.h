/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-canvas.h"
#include "cd-font.h"

G_BEGIN_DECLS

/*
 * What the brown screen says, and how it is laid out on a display of any size from
 * 640x480 to 3840x2160 (and on a text console of any number of columns and rows):
 *
 *   a title;
 *   the crash kind and message;
 *   the first lines a kernel developer needs: the Oops/BUG line, the instruction (RIP),
 *   the top of the call trace;
 *   a QR code that carries the crash summary and the last lines of the log;
 *   the progress line (what saving the crash is doing, then "Saved ... rebooting in N s"
 *   or why saving failed).
 *
 * Text is wrapped and the font integer-scaled so that it is legible across a room.
 */

#define CD_PANIC_PAGE_BACKGROUND 0xaa5500 /* brown: the VGA palette's colour 3 */
#define CD_PANIC_PAGE_FOREGROUND 0xffffff /* white */

typedef struct _CdPanicPage CdPanicPage;

/* from the crashed kernel's log, as crashdesk dmesg prints it */
CdPanicPage *
cd_panic_page_new(const gchar *dmesg, gsize len);
void
cd_panic_page_free(CdPanicPage *self);

void
cd_panic_page_set_colors(CdPanicPage *self, guint32 background, guint32 foreground);
void
cd_panic_page_set_progress(CdPanicPage *self, const gchar *line);

/* "Kernel panic: <message>"-style headline, the developer lines, the text in the QR code */
const gchar *
cd_panic_page_get_headline(CdPanicPage *self);
GPtrArray *
cd_panic_page_get_detail_lines(CdPanicPage *self);
const gchar *
cd_panic_page_get_qr_text(CdPanicPage *self);

/* the whole page, at the canvas's size */
void
cd_panic_page_draw(CdPanicPage *self, CdCanvas *canvas, CdFont *font);

/* the page for a text console of @columns x @rows: at most @rows lines, none wider */
GStrv
cd_panic_page_text_lines(CdPanicPage *self, guint columns, guint rows);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPanicPage, cd_panic_page_free)

G_END_DECLS
