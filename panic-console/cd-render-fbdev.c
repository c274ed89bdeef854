/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdRenderFbdev"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cd-display-private.h"
#include "cd-error.h"

/*
 * The framebuffer device: what a DRM driver's fbdev emulation offers, or a firmware
 * framebuffer (efifb, vesafb). Its geometry is taken as the kernel reports it only when it
 * agrees with the mapping: a framebuffer inherited through kexec may describe a mode that
 * is no longer set.
 */

typedef struct {
	gint fd;
	guint8 *map;
	gsize map_size;
	gsize start;
	guint32 line_length;
	CdPixelFormat format;
} CdRenderFbdev;

static gboolean
cd_fbdev_check_field(const gchar *name,
		     const struct fb_bitfield *field,
		     guint bits,
		     guint *offset,
		     guint *length,
		     GError **error)
{
	if (field->length == 0 || field->length > 8 || field->msb_right != 0 ||
	    field->offset >= bits || field->length > bits - field->offset) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "the %s field (offset %u, length %u%s) does not fit a %u bpp pixel",
			    name,
			    field->offset,
			    field->length,
			    field->msb_right != 0 ? ", most significant bit right" : "",
			    bits);
		return FALSE;
	}
	*offset = field->offset;
	*length = field->length;
	return TRUE;
}

gboolean
cd_fbdev_check(const struct fb_var_screeninfo *var,
	       const struct fb_fix_screeninfo *fix,
	       CdPixelFormat *format,
	       gsize *start,
	       GError **error)
{
	guint bits = var->bits_per_pixel;
	guint64 visible_end;
	guint32 red_mask, green_mask, blue_mask;

	if (fix->type != FB_TYPE_PACKED_PIXELS ||
	    (fix->visual != FB_VISUAL_TRUECOLOR && fix->visual != FB_VISUAL_DIRECTCOLOR) ||
	    var->grayscale != 0 || var->nonstd != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "not a packed truecolor framebuffer (type %u, visual %u)",
			    fix->type,
			    fix->visual);
		return FALSE;
	}
	if (bits != 16 && bits != 24 && bits != 32) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "%u bits per pixel: only 16, 24 and 32 are drawn",
			    bits);
		return FALSE;
	}
	if (!cd_fbdev_check_field("red",
				  &var->red,
				  bits,
				  &format->red_offset,
				  &format->red_length,
				  error) ||
	    !cd_fbdev_check_field("green",
				  &var->green,
				  bits,
				  &format->green_offset,
				  &format->green_length,
				  error) ||
	    !cd_fbdev_check_field("blue",
				  &var->blue,
				  bits,
				  &format->blue_offset,
				  &format->blue_length,
				  error))
		return FALSE;
	red_mask = ((1u << format->red_length) - 1) << format->red_offset;
	green_mask = ((1u << format->green_length) - 1) << format->green_offset;
	blue_mask = ((1u << format->blue_length) - 1) << format->blue_offset;
	if ((red_mask & green_mask) != 0 || (red_mask & blue_mask) != 0 ||
	    (green_mask & blue_mask) != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "the red, green and blue fields overlap");
		return FALSE;
	}
	format->bytes = bits / 8;

	if (var->xres == 0 || var->yres == 0 || var->xres > CD_CANVAS_MAX_SIDE ||
	    var->yres > CD_CANVAS_MAX_SIDE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "a visible area of %ux%u",
			    var->xres,
			    var->yres);
		return FALSE;
	}
	if ((guint64)var->xoffset + var->xres > var->xres_virtual ||
	    (guint64)var->yoffset + var->yres > var->yres_virtual) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the visible %ux%u at +%u+%u is outside the virtual %ux%u",
			    var->xres,
			    var->yres,
			    var->xoffset,
			    var->yoffset,
			    var->xres_virtual,
			    var->yres_virtual);
		return FALSE;
	}
	if (((guint64)var->xoffset + var->xres) * format->bytes > fix->line_length) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "a line of %u bytes is too short for %u pixels at %u bpp",
			    fix->line_length,
			    var->xoffset + var->xres,
			    bits);
		return FALSE;
	}
	if ((guint64)fix->line_length * var->yres_virtual > fix->smem_len ||
	    fix->smem_len > CD_DISPLAY_MAX_MAP_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%u lines of %u bytes do not fit the %u bytes of framebuffer memory",
			    var->yres_virtual,
			    fix->line_length,
			    fix->smem_len);
		return FALSE;
	}
	*start = (gsize)var->yoffset * fix->line_length + (gsize)var->xoffset * format->bytes;
	visible_end = *start + (guint64)(var->yres - 1) * fix->line_length +
		      (guint64)var->xres * format->bytes;
	g_return_val_if_fail(visible_end <= fix->smem_len, FALSE);
	return TRUE;
}

static inline guint32
cd_pixel_format_channel(guint32 value8, guint offset, guint length)
{
	return (value8 >> (8 - length)) << offset;
}

void
cd_pixel_format_convert_row(const CdPixelFormat *format,
			    const guint32 *src,
			    guint8 *dst,
			    guint width)
{
	for (guint x = 0; x < width; x++) {
		guint32 rgb = src[x];
		guint32 value = cd_pixel_format_channel((rgb >> 16) & 0xff,
							format->red_offset,
							format->red_length) |
				cd_pixel_format_channel((rgb >> 8) & 0xff,
							format->green_offset,
							format->green_length) |
				cd_pixel_format_channel(rgb & 0xff,
							format->blue_offset,
							format->blue_length);

		/* the framebuffer holds pixels in the CPU's byte order */
		if (format->bytes == 4) {
			memcpy(dst, &value, 4);
		} else if (format->bytes == 2) {
			guint16 v16 = value;
			memcpy(dst, &v16, 2);
		} else {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
			dst[0] = value;
			dst[1] = value >> 8;
			dst[2] = value >> 16;
#else
			dst[0] = value >> 16;
			dst[1] = value >> 8;
			dst[2] = value;
#endif
		}
		dst += format->bytes;
	}
}

static void
cd_render_fbdev_free(CdRenderFbdev *fb)
{
	if (fb->map != NULL)
		munmap(fb->map, fb->map_size);
	if (fb->fd >= 0)
		close(fb->fd);
	g_free(fb);
}

static gboolean
cd_render_fbdev_present(CdDisplayOutput *output,
			const CdCanvas *canvas,
			guint top,
			guint rows,
			GError **error)
{
	CdRenderFbdev *fb = output->priv;
	guint width = MIN(canvas->width, output->width);
	guint height = MIN(MIN(canvas->height, output->height), top + rows);

	for (guint y = top; y < height; y++)
		cd_pixel_format_convert_row(&fb->format,
					    canvas->pixels + (gsize)y * canvas->width,
					    fb->map + fb->start + (gsize)y * fb->line_length,
					    width);
	/* the memory is the screen (or copied to it by the driver's deferred I/O) */
	if (output->frame_note == NULL)
		output->frame_note = g_strdup("a framebuffer device cannot confirm a frame");
	return TRUE;
}

CdDisplay *
cd_render_fbdev_open(const gchar *path, GError **error)
{
	g_autoptr(CdDisplay) self = NULL;
	g_autofree gchar *name = g_path_get_basename(path);
	CdRenderFbdev *fb = g_new0(CdRenderFbdev, 1);
	struct fb_var_screeninfo var = { 0 };
	struct fb_fix_screeninfo fix = { 0 };
	CdDisplayOutput *output;

	fb->fd = open(path, O_RDWR | O_CLOEXEC);
	if (fb->fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", path);
		cd_render_fbdev_free(fb);
		return NULL;
	}
	if (ioctl(fb->fd, FBIOGET_VSCREENINFO, &var) < 0 ||
	    ioctl(fb->fd, FBIOGET_FSCREENINFO, &fix) < 0) {
		cd_error_set_from_errno(error, errno, "%s: FBIOGET_*SCREENINFO", path);
		cd_render_fbdev_free(fb);
		return NULL;
	}
	if (!cd_fbdev_check(&var, &fix, &fb->format, &fb->start, error)) {
		g_prefix_error(error, "%s: ", path);
		cd_render_fbdev_free(fb);
		return NULL;
	}
	fb->line_length = fix.line_length;
	fb->map_size = fix.smem_len;
	fb->map = mmap(NULL, fb->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fb->fd, 0);
	if (fb->map == MAP_FAILED) {
		fb->map = NULL;
		cd_error_set_from_errno(error,
					errno,
					"%s: cannot map %zu bytes",
					path,
					fb->map_size);
		cd_render_fbdev_free(fb);
		return NULL;
	}

	self = cd_display_new(CD_RENDERER_FBDEV, name);
	output = cd_display_add_output(self, name, var.xres, var.yres);
	output->present = cd_render_fbdev_present;
	output->priv = fb;
	output->priv_free = (GDestroyNotify)cd_render_fbdev_free;
	return g_steal_pointer(&self);
}
