/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-error.h"

G_BEGIN_DECLS

gboolean
cd_zlib_inflate(const guint8 *in,
		gsize in_len,
		gint window_bits,
		gsize limit,
		gsize *in_used,
		guint8 **out,
		gsize *out_len,
		gboolean *over_limit,
		GError **error);

gboolean
cd_zlib_gunzip(const guint8 *in,
	       gsize in_len,
	       gsize limit,
	       guint8 **out,
	       gsize *out_len,
	       GError **error);

G_END_DECLS
