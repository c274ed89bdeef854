/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-vmcore.h"

G_BEGIN_DECLS

/* the crashed kernel's `uname`, as struct new_utsname holds it */
typedef struct {
	gchar *sysname;
	gchar *release;
	gchar *version;
	gchar *machine;
} CdUtsname;

CdUtsname *
cd_utsname_new_from_vmcore(CdVmcore *vmcore, GError **error);
void
cd_utsname_free(CdUtsname *uts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdUtsname, cd_utsname_free)

G_END_DECLS
