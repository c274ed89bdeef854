/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-config.h"
#include "cd-crashkernel.h"

G_BEGIN_DECLS

/* what crashdesk load would load, from the options, the configuration and the running kernel */
typedef struct {
	gchar *kernel;
	gchar *initrd; /* NULL: none */
	gchar *cmdline;
} CdLoadPlan;

void
cd_load_plan_clear(CdLoadPlan *plan);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdLoadPlan, cd_load_plan_clear)

gboolean
cd_load_plan_make(const CdConfig *config,
		  const gchar *kernel,
		  const gchar *initrd,
		  gboolean no_initrd,
		  const gchar *cmdline,
		  gchar **append,
		  CdLoadPlan *plan,
		  GError **error);
/*
 * The reservation as the kernel made it from crashkernel=, read below @sysroot (NULL:
 * "/"), its lines for people appended to @lines, the suggestion sized for the images
 * @plan would load; NULL when it cannot be read, said in @lines
 */
CdCrashkernelState *
cd_load_plan_read_reservation(const gchar *sysroot, const CdLoadPlan *plan, GPtrArray *lines);
/* for load's refusal: what is reserved, why not, and how to reserve it, on stderr */
void
cd_load_plan_explain_reservation(const CdLoadPlan *plan);

G_END_DECLS
