/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-canvas.h"
#include "cd-crash-analysis.h"
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

/* the most of the log's end a page reads: the crash is at the end */
#define CD_PANIC_PAGE_MAX_LOG (1024 * 1024)

/* from the crashed kernel's log, as crashdesk dmesg prints it */
CdPanicPage *
cd_panic_page_new(const gchar *dmesg, gsize len);
/* from the log in a vmcore (an ELF core, as /proc/vmcore), read as crashdesk dmesg does */
CdPanicPage *
cd_panic_page_new_from_vmcore(const gchar *path, GError **error);
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

/* a rectangle on the canvas; width 0 when there is nothing */
typedef struct {
	gint x;
	gint y;
	gint width;
	gint height;
} CdPanicRect;

/* where cd_panic_page_draw() put things, for the renderers and the tests */
typedef struct {
	guint scale;	      /* each font pixel is scale x scale: the developer lines */
	guint big_scale;      /* the title, the headline and the progress line */
	guint columns;	      /* characters on a text line at scale */
	gboolean qr_beside;   /* the QR code is right of the text, else below it */
	CdPanicRect text;     /* the area the text may use */
	CdPanicRect inked;    /* what the text really covered (glyph cells) */
	CdPanicRect qr;	      /* the square given to the QR code, quiet zone included */
	guint qr_version;     /* 0: no code drawn (no room) */
	guint qr_module;      /* pixels per module */
	gsize qr_bytes;	      /* how much of the QR text the code carries */
	CdPanicRect progress; /* the progress line's cell row */
} CdPanicLayout;

/* the title at the top of the page */
const gchar *
cd_panic_page_get_title(CdPanicPage *self);
const gchar *
cd_panic_page_get_progress(CdPanicPage *self);
/* the analysis the page is built on */
CdCrashAnalysis *
cd_panic_page_get_analysis(CdPanicPage *self);

/* the whole page, at the canvas's size */
void
cd_panic_page_draw(CdPanicPage *self, CdCanvas *canvas, CdFont *font);
/* the same, saying where things went (@layout may be NULL) */
void
cd_panic_page_draw_full(CdPanicPage *self, CdCanvas *canvas, CdFont *font, CdPanicLayout *layout);
/* the progress line again, after cd_panic_page_set_progress(): returns the row changed */
CdPanicRect
cd_panic_page_draw_progress(CdPanicPage *self,
			    CdCanvas *canvas,
			    CdFont *font,
			    const CdPanicLayout *layout);
/* the text of the QR code drawn in a square of @side pixels (at most the QR text) */
gchar *
cd_panic_page_qr_text_for_side(CdPanicPage *self, guint side, guint *version);

/* "#FFFFFF #AA5500": the foreground then the background, as PanicScreenColors= */
gboolean
cd_panic_parse_colors(const gchar *str, guint32 *foreground, guint32 *background, GError **error);

/* the page for a text console of @columns x @rows: at most @rows lines, none wider */
GStrv
cd_panic_page_text_lines(CdPanicPage *self, guint columns, guint rows);

/* "1920x1080": each side 1 to CD_CANVAS_MAX_SIDE */
gboolean
cd_panic_parse_size(const gchar *str, guint *width, guint *height, GError **error);

/* the page as a @width x @height screen shows it, written to @path as a PNG */
gboolean
cd_panic_page_render_png(CdPanicPage *self,
			 CdFont *font,
			 guint width,
			 guint height,
			 const gchar *path,
			 GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPanicPage, cd_panic_page_free)

G_END_DECLS
