/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdZlib"

#include "config.h"

/* next_in is const: the input is never written */
#define ZLIB_CONST
#include <zlib.h>

#include "cd-zlib.h"

/**
 * cd_zlib_inflate:
 * @window_bits: as for inflateInit2(): positive for a zlib header, negative for raw
 * @limit: the most output accepted
 * @in_used: (out): the bytes of @in the stream took; what follows is the caller's
 * @out: (out) (transfer full): the output, NUL-terminated past its size
 * @over_limit: (out) (optional): set when the output would pass @limit
 *
 * Inflates one deflate stream from untrusted bytes, stopping as soon as the output
 * passes @limit: a few KiB of deflate make GiBs. The buffer grows by doubling, never
 * to a size the input claims.
 */
gboolean
cd_zlib_inflate(const guint8 *in,
		gsize in_len,
		gint window_bits,
		gsize limit,
		gsize *in_used,
		guint8 **out,
		gsize *out_len,
		gboolean *over_limit,
		GError **error)
{
	z_stream zs = { 0 };
	g_autofree guint8 *buf = NULL;
	gsize cap = 0;
	gsize used = 0;
	gint rc;

	if (over_limit != NULL)
		*over_limit = FALSE;
	if (in_len > G_MAXUINT) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes of compressed data are too many",
			    in_len);
		return FALSE;
	}
	if (inflateInit2(&zs, window_bits) != Z_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "inflateInit2() failed");
		return FALSE;
	}
	zs.next_in = in;
	zs.avail_in = (uInt)in_len;
	for (;;) {
		gsize room;

		if (used == cap) {
			cap = MIN(MAX(cap * 2, 64 * 1024), limit + 1);
			buf = g_realloc(buf, cap + 1);
		}
		room = MIN(cap - used, G_MAXUINT);
		zs.next_out = buf + used;
		zs.avail_out = (uInt)room;
		rc = inflate(&zs, Z_NO_FLUSH);
		used += room - zs.avail_out;
		if (used > limit) {
			if (over_limit != NULL)
				*over_limit = TRUE;
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "decompresses to more than %" G_GSIZE_FORMAT " bytes",
				    limit);
			inflateEnd(&zs);
			return FALSE;
		}
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_OK || rc == Z_BUF_ERROR) {
			/* all input taken, room left, and no end: the stream is cut short */
			if (zs.avail_in == 0 && zs.avail_out > 0) {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_TRUNCATED,
					    "the compressed data is cut short");
				inflateEnd(&zs);
				return FALSE;
			}
			continue;
		}
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid compressed data: %s",
			    zs.msg != NULL ? zs.msg : "inflate() failed");
		inflateEnd(&zs);
		return FALSE;
	}
	*in_used = in_len - zs.avail_in;
	inflateEnd(&zs);
	if (cap - used > 64 * 1024)
		buf = g_realloc(buf, used + 1);
	buf[used] = '\0';
	*out = g_steal_pointer(&buf);
	*out_len = used;
	return TRUE;
}

/**
 * cd_zlib_gunzip:
 * @limit: the most bytes the member may inflate to
 * @out: (out) (transfer full): the output, NUL-terminated past its size
 *
 * One gzip member (RFC 1952) from untrusted bytes, read by zlib's own gzip mode: the
 * header with whatever optional fields a gzip writer put there (FEXTRA, FNAME,
 * FCOMMENT, and FHCRC, which zlib checks), the deflate stream, and the trailer's CRC32
 * and size, which zlib checks too. Nothing may follow the member. Errors say what
 * zlib found ("incorrect data check", "unknown header flags set", "cut short").
 */
gboolean
cd_zlib_gunzip(const guint8 *in,
	       gsize in_len,
	       gsize limit,
	       guint8 **out,
	       gsize *out_len,
	       GError **error)
{
	g_autofree guint8 *buf = NULL;
	gsize used = 0;
	gsize len = 0;

	/* 16 + MAX_WBITS: zlib reads the gzip header and trailer itself */
	if (!cd_zlib_inflate(in, in_len, 16 + MAX_WBITS, limit, &used, &buf, &len, NULL, error))
		return FALSE;
	if (used != in_len) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes after the gzip member",
			    in_len - used);
		return FALSE;
	}
	*out = g_steal_pointer(&buf);
	*out_len = len;
	return TRUE;
}
