/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdQr"

#include "config.h"

#include <errno.h>
#include <qrencode.h>
#include <string.h>

#include "cd-error.h"
#include "cd-qr.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QRcode, QRcode_free)

void
cd_qr_free(CdQr *self)
{
	if (self == NULL)
		return;
	g_free(self->dark);
	g_free(self);
}

guint
cd_qr_modules_with_quiet_zone(guint version)
{
	return 17 + 4 * version + 2 * CD_QR_QUIET_ZONE;
}

guint
cd_qr_max_version_for_side(guint side)
{
	guint modules = side / CD_QR_MIN_MODULE_PX;

	if (modules < cd_qr_modules_with_quiet_zone(1))
		return 0;
	return MIN((modules - cd_qr_modules_with_quiet_zone(0)) / 4, (guint)CD_QR_MAX_VERSION);
}

/* libqrencode picks the smallest version that holds the data, at least the one asked */
static QRcode *
cd_qr_encode_raw(const guint8 *data, gsize len)
{
	if (len == 0 || len > G_MAXINT)
		return NULL;
	return QRcode_encodeData((gint)len, data, 0, QR_ECLEVEL_L);
}

gboolean
cd_qr_fits(const guint8 *data, gsize len, guint max_version)
{
	g_autoptr(QRcode) code = NULL;

	if (max_version == 0)
		return FALSE;
	code = cd_qr_encode_raw(data, len);
	return code != NULL && (guint)code->version <= max_version;
}

CdQr *
cd_qr_encode(const guint8 *data, gsize len, guint max_version, GError **error)
{
	g_autoptr(QRcode) code = NULL;
	CdQr *self;

	if (len == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "nothing to encode");
		return NULL;
	}
	code = cd_qr_encode_raw(data, len);
	if (code == NULL) {
		/* libqrencode says ERANGE when the data is too large for any version */
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes do not fit a QR code: %s",
			    len,
			    g_strerror(errno));
		return NULL;
	}
	if ((guint)code->version > max_version) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes need a QR code of version %d, above %u",
			    len,
			    code->version,
			    max_version);
		return NULL;
	}
	self = g_new0(CdQr, 1);
	self->version = (guint)code->version;
	self->size = (guint)code->width;
	self->dark = g_new(guint8, (gsize)self->size * self->size);
	/* bit 0 of each of libqrencode's bytes is the module's colour */
	for (gsize i = 0; i < (gsize)self->size * self->size; i++)
		self->dark[i] = code->data[i] & 1;
	return self;
}

/* the end of the UTF-8 character boundary at or before @len */
static gsize
cd_qr_char_boundary(const gchar *text, gsize len)
{
	while (len > 0 && ((guint8)text[len] & 0xc0) == 0x80)
		len--;
	return len;
}

gsize
cd_qr_fit_prefix(const gchar *text, gsize len, guint max_version)
{
	gsize lo = 0;
	gsize hi = MIN(len, (gsize)8192);
	gsize best;

	/* the largest fitting length, by bisection: a handful of encodings, not one per byte */
	if (cd_qr_fits((const guint8 *)text, hi, max_version))
		lo = hi;
	else {
		while (hi - lo > 1) {
			gsize mid = lo + (hi - lo) / 2;

			if (cd_qr_fits((const guint8 *)text, mid, max_version))
				lo = mid;
			else
				hi = mid;
		}
	}
	if (lo == len)
		return len;
	/* cut at the last line end within it, else at a character boundary */
	for (best = lo; best > 0; best--) {
		if (text[best - 1] == '\n')
			return best;
	}
	return cd_qr_char_boundary(text, lo);
}

guint
cd_qr_draw(CdQr *self, CdCanvas *canvas, gint x, gint y, guint side, guint32 dark, guint32 light)
{
	guint total = self->size + 2 * CD_QR_QUIET_ZONE;
	guint px = side / total;
	gint x0, y0;

	if (px < CD_QR_MIN_MODULE_PX)
		return 0;
	x0 = x + (gint)((side - px * total) / 2);
	y0 = y + (gint)((side - px * total) / 2);
	cd_canvas_fill_rect(canvas, x0, y0, (gint)(px * total), (gint)(px * total), light);
	for (guint my = 0; my < self->size; my++) {
		for (guint mx = 0; mx < self->size; mx++) {
			if (!self->dark[(gsize)my * self->size + mx])
				continue;
			cd_canvas_fill_rect(canvas,
					    x0 + (gint)((mx + CD_QR_QUIET_ZONE) * px),
					    y0 + (gint)((my + CD_QR_QUIET_ZONE) * px),
					    (gint)px,
					    (gint)px,
					    dark);
		}
	}
	return px;
}
