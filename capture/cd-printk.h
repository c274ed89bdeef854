/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-vmcore.h"

G_BEGIN_DECLS

/* named limits on the ring geometry a dump may claim */
#define CD_PRINTK_MAX_COUNT_BITS  30
#define CD_PRINTK_MAX_SIZE_BITS	  31
#define CD_PRINTK_MAX_STRUCT_SIZE 4096
#define CD_PRINTK_MAX_LOG_BUF_LEN (1u << 31)

typedef enum {
	CD_PRINTK_FORMAT_LOCKLESS,   /* Linux 5.10 and later */
	CD_PRINTK_FORMAT_STRUCTURED, /* Linux 3.5 to 5.9 */
	CD_PRINTK_FORMAT_PLAIN,	     /* before 3.5: a ring of characters */
} CdPrintkFormat;

typedef struct {
	guint64 ts_nsec;
	guint32 caller_id;
	gboolean has_caller_id;
	gboolean has_timestamp; /* FALSE for the plain ring, whose text carries its own */
	const guint8 *text;
	gsize text_len;
} CdPrintkRecord;

typedef gboolean (*CdPrintkFunc)(const CdPrintkRecord *record, gpointer user_data, GError **error);

gboolean
cd_printk_detect_format(CdVmcore *vmcore, CdPrintkFormat *format, GError **error);
gboolean
cd_printk_foreach(CdVmcore *vmcore,
		  CdPrintkFunc func,
		  gpointer user_data,
		  GPtrArray *warnings,
		  GError **error);

G_END_DECLS
