/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-canvas.h"
#include "cd-font.h"
#include "cd-panic-page.h"

G_BEGIN_DECLS

/*
 * Where the panic is shown: a pixel display (DRM dumb buffers, one per output, or the
 * framebuffer device) or the text console of our VT. Each pixel output gets a whole page
 * drawn at its own size: nothing is split across monitors.
 */

typedef enum {
	CD_RENDERER_AUTO,
	CD_RENDERER_DRM,
	CD_RENDERER_FBDEV,
	CD_RENDERER_TEXT,
} CdRenderer;

const gchar *
cd_renderer_to_string(CdRenderer renderer);
gboolean
cd_renderer_from_string(const gchar *str, CdRenderer *renderer);

typedef struct _CdDisplayOutput CdDisplayOutput;
/* copies the rows @y to @y + @height - 1 of @canvas (the output's size) to the display */
typedef gboolean (*CdDisplayPresentFunc)(CdDisplayOutput *output,
					 const CdCanvas *canvas,
					 guint y,
					 guint height,
					 GError **error);

struct _CdDisplayOutput {
	gchar *name; /* "Virtual-1", "fb0" */
	guint width;
	guint height;
	CdDisplayPresentFunc present;
	gpointer priv;
	GDestroyNotify priv_free;
	/* the page as last drawn, and where its parts went: redraws change the progress row */
	CdCanvas *canvas;
	CdPanicLayout layout;
	/* what the device said of the first frame: "the driver confirmed the frame", or why
	 * it did not; set by the renderer's first present */
	gchar *frame_note;
};

typedef struct {
	CdRenderer renderer; /* DRM, FBDEV or TEXT, never AUTO */
	gchar *device;	     /* "card0", "fb0", "tty2" */
	GPtrArray *outputs;  /* of CdDisplayOutput; empty for the text console */
	gint text_fd;	     /* the text console: our VT's tty, not owned */
	guint columns;
	guint rows;
	gpointer priv; /* the renderer's: released after the outputs */
	GDestroyNotify priv_free;
} CdDisplay;

CdDisplay *
cd_display_new(CdRenderer renderer, const gchar *device);
CdDisplayOutput *
cd_display_add_output(CdDisplay *self, const gchar *name, guint width, guint height);
void
cd_display_free(CdDisplay *self);

/* draws @page on every output at its size, or writes it to the text console */
gboolean
cd_display_show(CdDisplay *self, CdPanicPage *page, CdFont *font, GError **error);
/*
 * after cd_panic_page_set_progress(): the progress line alone, redrawn and copied (the
 * rows of the text console that changed); the whole page where none was shown yet
 */
gboolean
cd_display_show_progress(CdDisplay *self, CdPanicPage *page, CdFont *font, GError **error);

/*
 * "card0 (1024x768, drm)", "card0 (1024x768 and 1920x1080, drm)", "tty2 (80x25, text)",
 * and once a frame was shown, what the device said of it: "card0 (1024x768, drm; the
 * driver confirmed the frame)"
 */
gchar *
cd_display_describe(CdDisplay *self);

/* the renderers */
CdDisplay *
cd_render_drm_open(const gchar *path, GError **error);
CdDisplay *
cd_render_fbdev_open(const gchar *path, GError **error);
/* @fd: our VT's tty; the palette and colours come from the page's options */
CdDisplay *
cd_render_text_open(gint fd,
		    const gchar *name,
		    guint32 background,
		    guint32 foreground,
		    GError **error);
/* puts the console's palette and attributes back (the display is left open) */
void
cd_render_text_reset(CdDisplay *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdDisplay, cd_display_free)

G_END_DECLS
