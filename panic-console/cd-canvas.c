/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCanvas"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cd-canvas.h"
#include "cd-error.h"

/**
 * cd_canvas_new:
 *
 * A canvas of @width x @height black pixels; %NULL when a side is 0 or larger than
 * CD_CANVAS_MAX_SIDE (a display that claims such a mode is not drawn on).
 */
CdCanvas *
cd_canvas_new(guint width, guint height)
{
	CdCanvas *self;

	if (width == 0 || height == 0 || width > CD_CANVAS_MAX_SIDE || height > CD_CANVAS_MAX_SIDE)
		return NULL;
	self = g_new0(CdCanvas, 1);
	self->width = width;
	self->height = height;
	self->pixels = g_new0(guint32, (gsize)width * height);
	return self;
}

void
cd_canvas_free(CdCanvas *self)
{
	if (self == NULL)
		return;
	g_free(self->pixels);
	g_free(self);
}

void
cd_canvas_fill(CdCanvas *self, guint32 rgb)
{
	gsize n;

	g_return_if_fail(self != NULL);
	n = (gsize)self->width * self->height;
	for (gsize i = 0; i < n; i++)
		self->pixels[i] = rgb & 0xffffff;
}

/**
 * cd_canvas_fill_rect:
 *
 * Fills the part of the rectangle that lies on the canvas; any of it may be off the
 * canvas, including all of it, and a negative size draws nothing.
 */
void
cd_canvas_fill_rect(CdCanvas *self, gint x, gint y, gint width, gint height, guint32 rgb)
{
	gint64 x0, y0, x1, y1;

	g_return_if_fail(self != NULL);
	if (width <= 0 || height <= 0)
		return;
	/* 64 bits: x + width must not overflow however large both are */
	x0 = MAX((gint64)x, 0);
	y0 = MAX((gint64)y, 0);
	x1 = MIN((gint64)x + width, (gint64)self->width);
	y1 = MIN((gint64)y + height, (gint64)self->height);
	for (gint64 row = y0; row < y1; row++) {
		guint32 *p = self->pixels + (gsize)row * self->width;
		for (gint64 col = x0; col < x1; col++)
			p[col] = rgb & 0xffffff;
	}
}

static void
cd_canvas_png_put_be32(guint8 *p, guint32 v)
{
	p[0] = (guint8)(v >> 24);
	p[1] = (guint8)(v >> 16);
	p[2] = (guint8)(v >> 8);
	p[3] = (guint8)v;
}

static gboolean
cd_canvas_write_all(gint fd, const guint8 *buf, gsize len, const gchar *path, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			cd_error_set_from_errno(error, errno, "cannot write %s", path);
			return FALSE;
		}
		buf += n;
		len -= (gsize)n;
	}
	return TRUE;
}

/* one chunk: length, type, data, and the CRC of type and data */
static gboolean
cd_canvas_png_chunk(gint fd,
		    const gchar *type,
		    const guint8 *data,
		    gsize len,
		    const gchar *path,
		    GError **error)
{
	guint8 head[8];
	guint8 tail[4];
	uLong crc;

	if (len > G_MAXINT32) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "cannot write %s: a PNG chunk of %" G_GSIZE_FORMAT
			    " bytes is too large",
			    path,
			    len);
		return FALSE;
	}
	cd_canvas_png_put_be32(head, (guint32)len);
	memcpy(head + 4, type, 4);
	crc = crc32(0L, head + 4, 4);
	if (len > 0)
		crc = crc32(crc, data, (uInt)len);
	cd_canvas_png_put_be32(tail, (guint32)crc);
	return cd_canvas_write_all(fd, head, sizeof(head), path, error) &&
	       cd_canvas_write_all(fd, data, len, path, error) &&
	       cd_canvas_write_all(fd, tail, sizeof(tail), path, error);
}

static gboolean
cd_canvas_png_write_fd(CdCanvas *self, gint fd, const gchar *path, GError **error)
{
	static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	guint8 ihdr[13];
	gsize stride = 1 + (gsize)self->width * 3;
	gsize raw_len = stride * self->height;
	g_autofree guint8 *raw = g_malloc(raw_len);
	uLongf z_len = compressBound((uLong)raw_len);
	g_autofree guint8 *z = g_malloc(z_len);
	gint rc;

	/* each row: filter type 0 (none), then R, G, B */
	for (guint y = 0; y < self->height; y++) {
		guint8 *row = raw + stride * y;
		const guint32 *src = self->pixels + (gsize)y * self->width;

		row[0] = 0;
		for (guint x = 0; x < self->width; x++) {
			row[1 + 3 * x] = (guint8)(src[x] >> 16);
			row[2 + 3 * x] = (guint8)(src[x] >> 8);
			row[3 + 3 * x] = (guint8)src[x];
		}
	}
	rc = compress2(z, &z_len, raw, (uLong)raw_len, Z_DEFAULT_COMPRESSION);
	if (rc != Z_OK) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_NOMEM,
			    "cannot write %s: compress2() failed (%d)",
			    path,
			    rc);
		return FALSE;
	}
	cd_canvas_png_put_be32(ihdr, self->width);
	cd_canvas_png_put_be32(ihdr + 4, self->height);
	ihdr[8] = 8;  /* bits per sample */
	ihdr[9] = 2;  /* colour type: RGB */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering, here always "none" */
	ihdr[12] = 0; /* not interlaced */
	return cd_canvas_write_all(fd, signature, sizeof(signature), path, error) &&
	       cd_canvas_png_chunk(fd, "IHDR", ihdr, sizeof(ihdr), path, error) &&
	       cd_canvas_png_chunk(fd, "IDAT", z, z_len, path, error) &&
	       cd_canvas_png_chunk(fd, "IEND", NULL, 0, path, error);
}

/**
 * cd_canvas_write_png:
 *
 * Writes the canvas to @path as an 8-bit RGB PNG: to a temporary file beside it first,
 * renamed over @path once complete, so a reader never sees half an image.
 */
gboolean
cd_canvas_write_png(CdCanvas *self, const gchar *path, GError **error)
{
	g_autofree gchar *tmp = NULL;
	gint fd;

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(path != NULL, FALSE);

	tmp = g_strdup_printf("%s.XXXXXX", path);
	fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0) {
		cd_error_set_from_errno(error,
					errno,
					"cannot create a temporary file for %s",
					path);
		return FALSE;
	}
	if (!cd_canvas_png_write_fd(self, fd, path, error)) {
		g_close(fd, NULL);
		g_unlink(tmp);
		return FALSE;
	}
	if (!g_close(fd, NULL)) {
		cd_error_set_from_errno(error, errno, "cannot write %s", path);
		g_unlink(tmp);
		return FALSE;
	}
	if (g_rename(tmp, path) != 0) {
		cd_error_set_from_errno(error, errno, "cannot rename %s to %s", tmp, path);
		g_unlink(tmp);
		return FALSE;
	}
	return TRUE;
}
