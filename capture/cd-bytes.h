/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>
#include <string.h>

/* unaligned little-endian loads from untrusted buffers; callers check the bounds */

static inline guint16
cd_read_le16(const guint8 *p)
{
	guint16 v;
	memcpy(&v, p, sizeof(v));
	return GUINT16_FROM_LE(v);
}

static inline guint32
cd_read_le32(const guint8 *p)
{
	guint32 v;
	memcpy(&v, p, sizeof(v));
	return GUINT32_FROM_LE(v);
}

static inline guint64
cd_read_le64(const guint8 *p)
{
	guint64 v;
	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_LE(v);
}

static inline void
cd_write_le32(guint8 *p, guint32 v)
{
	v = GUINT32_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
cd_write_le64(guint8 *p, guint64 v)
{
	v = GUINT64_TO_LE(v);
	memcpy(p, &v, sizeof(v));
}
