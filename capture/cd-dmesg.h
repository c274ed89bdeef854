/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-printk.h"

G_BEGIN_DECLS

typedef enum {
	CD_DMESG_FLAG_NONE = 0,
	CD_DMESG_FLAG_CALLER_ID = 1 << 0, /* "[    T42]" after the time, as CONFIG_PRINTK_CALLER */
	/* for a person: every byte but printable ASCII, '\n' and '\t' as \xNN, in every
	 * ring format; without it the text is vmcore-dmesg's, byte for byte */
	CD_DMESG_FLAG_VISIBLE = 1 << 1,
} CdDmesgFlags;

/* what a caller may want back from writing the log */
typedef struct {
	guint64 lines;	/* out: newline characters written */
	guint64 bytes;	/* out: bytes written */
	gsize tail_max; /* in: keep at most this many of the last bytes in @tail */
	GString *tail;	/* in, nullable: receives the end of the text, from a line start */
} CdDmesgResult;

void
cd_dmesg_append_record(GString *out, const CdPrintkRecord *record, CdDmesgFlags flags);
gboolean
cd_dmesg_write(CdVmcore *vmcore,
	       gint fd,
	       CdDmesgFlags flags,
	       CdDmesgResult *result,
	       GPtrArray *warnings,
	       GError **error);

G_END_DECLS
