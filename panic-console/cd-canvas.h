/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What the panic console draws, in memory: 0x00RRGGBB pixels, rows of exactly @width pixels.
 * The renderers copy it to the display in the display's own format; --render writes it as
 * a PNG. Every drawing call clips to the canvas.
 */

/* the largest side of a canvas: 8K displays and a little more */
#define CD_CANVAS_MAX_SIDE 8192

typedef struct {
	guint width;
	guint height;
	guint32 *pixels;
} CdCanvas;

/* NULL (and a warning-free refusal) when a side is 0 or above CD_CANVAS_MAX_SIDE */
CdCanvas *
cd_canvas_new(guint width, guint height);
void
cd_canvas_free(CdCanvas *self);

void
cd_canvas_fill(CdCanvas *self, guint32 rgb);
void
cd_canvas_fill_rect(CdCanvas *self, gint x, gint y, gint width, gint height, guint32 rgb);

/* the canvas as an 8-bit RGB PNG (zlib from the project's dependencies) */
gboolean
cd_canvas_write_png(CdCanvas *self, const gchar *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCanvas, cd_canvas_free)

G_END_DECLS
