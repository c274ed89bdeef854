/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-vmcoreinfo.h"

G_BEGIN_DECLS

/* what differs between architectures, kept in one place */
typedef struct {
	guint16 elf_machine;
	const gchar *name;
	guint pointer_size;
	/* translates a kernel virtual address no PT_LOAD maps by p_vaddr */
	gboolean (*kvaddr_to_paddr)(CdVmcoreinfo *info, guint64 kvaddr, guint64 *paddr);
} CdArch;

const CdArch *
cd_arch_find(guint16 elf_machine);

G_END_DECLS
