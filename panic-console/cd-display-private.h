/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <linux/fb.h>

#include "cd-display.h"

G_BEGIN_DECLS

/* the checks and conversions of the renderers, apart from the devices, for the tests */

/* the largest buffer a display may ask us to map: 8K at 32 bpp, with room for padding */
#define CD_DISPLAY_MAX_MAP_SIZE ((guint64)CD_CANVAS_MAX_SIDE * CD_CANVAS_MAX_SIDE * 4 * 2)

/* a truecolor pixel: @bytes of native-endian value, each channel's place in it */
typedef struct {
	guint bytes;
	guint red_offset;
	guint red_length;
	guint green_offset;
	guint green_length;
	guint blue_offset;
	guint blue_length;
} CdPixelFormat;

/*
 * Whether the framebuffer's geometry and pixel format can be drawn on as mapped: the
 * format, and the byte offset of the visible area's top left pixel in the mapping.
 */
gboolean
cd_fbdev_check(const struct fb_var_screeninfo *var,
	       const struct fb_fix_screeninfo *fix,
	       CdPixelFormat *format,
	       gsize *start,
	       GError **error);

/* one row of 0x00RRGGBB canvas pixels into @width pixels of @format at @dst */
void
cd_pixel_format_convert_row(const CdPixelFormat *format,
			    const guint32 *src,
			    guint8 *dst,
			    guint width);

/* what MODE_CREATE_DUMB returned for a @width x @height, 32 bpp buffer, checked */
gboolean
cd_drm_check_dumb(guint width, guint height, guint32 pitch, guint64 size, GError **error);
/*
 * Whether the events read from a DRM device (@len bytes) hold the completion of the page
 * flip asked with @user_data; each event's length is checked against what was read.
 */
gboolean
cd_drm_events_have_flip(const guint8 *buf, gsize len, guint64 user_data);

/*
 * What the text renderer writes: the palette set (entry 3 the background, 7 and 15 the
 * foreground), the screen cleared in those colours, @lines placed row by row.
 */
gchar *
cd_render_text_escapes(GStrv lines, guint32 background, guint32 foreground);
/* the rows of @lines that differ from @shown (as many lines), each rewritten and erased */
gchar *
cd_render_text_changes(GStrv shown, GStrv lines);
/* the whole page on the text console, or with @changes only the rows that differ */
gboolean
cd_render_text_show(CdDisplay *self, CdPanicPage *page, gboolean changes, GError **error);

G_END_DECLS
