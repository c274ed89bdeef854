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
} CdDmesgFlags;

void
cd_dmesg_append_record(GString *out, const CdPrintkRecord *record, CdDmesgFlags flags);
gboolean
cd_dmesg_write(CdVmcore *vmcore, gint fd, CdDmesgFlags flags, GPtrArray *warnings, GError **error);

G_END_DECLS
