/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-crashkernel.h"

G_BEGIN_DECLS

/* the option's insides, for the files that read the machine's state and write its text */

typedef struct {
	guint64 start;
	guint64 end; /* G_MAXUINT64: no end */
	guint64 size;
	gchar *text; /* "1G-4G" as written */
} CdCrashkernelRange;

struct _CdCrashkernel {
	gchar *text; /* the value, without "crashkernel=" */
	CdCrashkernelKind kind;
	guint64 size; /* the size of a plain, ,high, ,low or ,cma value without ranges */
	GArray *ranges;
	gboolean has_offset;
	guint64 offset;
};

/* the kind a value's suffix gives (",high", ",low", ",cma" or none) */
CdCrashkernelKind
cd_crashkernel_kind_of(const gchar *value, gsize len);
/* the crashkernel= words of a command line, in order */
GPtrArray *
cd_crashkernel_cmdline_words(const gchar *cmdline);
/* of @n options of these kinds, the index of the one the kernel acts on and of its ,low */
void
cd_crashkernel_select_kinds(const CdCrashkernelKind *kinds, guint n, gint *main, gint *low);
/* the range of @ck that @system_ram falls in, -1 if none; @refused when a range is refused */
gint
cd_crashkernel_match(const CdCrashkernel *ck, guint64 system_ram, gboolean *refused);

G_END_DECLS
