/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-canvas.h"

G_BEGIN_DECLS

/*
 * QR codes for the brown screen, through libqrencode: bytes in 8-bit mode, error
 * correction level L. A screen is not a crumpled label: the code is only ever damaged by
 * glare or moiré, which L's 7% recovery and the quiet zone handle, and L carries the most
 * log lines (2953 bytes at version 40 against 2331 at M).
 *
 * Scannable means at least CD_QR_MIN_MODULE_PX pixels per module and the quiet zone of
 * CD_QR_QUIET_ZONE modules on every side, which the drawing fills with the background.
 */

#define CD_QR_MIN_MODULE_PX 4
#define CD_QR_QUIET_ZONE    4
#define CD_QR_MAX_VERSION   40

typedef struct {
	guint version;
	guint size;   /* modules on a side, without the quiet zone: 17 + 4 * version */
	guint8 *dark; /* size * size, 1 for a dark module */
} CdQr;

/* NULL when @len bytes do not fit a code of at most @max_version */
CdQr *
cd_qr_encode(const guint8 *data, gsize len, guint max_version, GError **error);
void
cd_qr_free(CdQr *self);

/* the modules on a side of a code of @version, quiet zone included */
guint
cd_qr_modules_with_quiet_zone(guint version);
/* the largest version drawn scannably in a square of @side pixels; 0 if none */
guint
cd_qr_max_version_for_side(guint side);
/* whether @len bytes fit a code of at most @max_version */
gboolean
cd_qr_fits(const guint8 *data, gsize len, guint max_version);
/*
 * The length of the longest prefix of @text that fits a code of at most @max_version,
 * ending at a line end when one does (else at a UTF-8 character boundary); 0 if none.
 */
gsize
cd_qr_fit_prefix(const gchar *text, gsize len, guint max_version);

/*
 * Draws @self in the square at (@x, @y) of @side pixels: dark modules in @dark, the
 * quiet zone and light modules in @light, centred, the largest whole module size.
 * Returns the module size in pixels, 0 (nothing drawn) when it would be under
 * CD_QR_MIN_MODULE_PX.
 */
guint
cd_qr_draw(CdQr *self, CdCanvas *canvas, gint x, gint y, guint side, guint32 dark, guint32 light);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdQr, cd_qr_free)

G_END_DECLS
