/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <elf.h>

#include "cd-vmcoreinfo.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

G_BEGIN_DECLS

/* reads a little-endian 64-bit word of the crashed machine's physical memory */
typedef gboolean (*CdArchReadPhys)(gpointer user_data, guint64 paddr, guint64 *value);

/* the VMCOREINFO numbers translation needs, read once (cd_arch_translation_init) */
typedef struct {
	gboolean has_phys_base; /* x86_64: the kernel image's physical base */
	guint64 phys_base;
	gboolean has_page_offset; /* the direct map, when VMCOREINFO gives it */
	guint64 page_offset;
	guint64 phys_offset;
	gboolean has_top_pgt; /* x86_64: init_top_pgt, its levels and the SME bit */
	guint64 top_pgt;
	gboolean pgtable_l5;
	guint64 sme_mask;
} CdArchTranslation;

void
cd_arch_translation_init(CdArchTranslation *t, CdVmcoreinfo *info);

/* what differs between architectures, kept in one place */
typedef struct {
	guint16 elf_machine;
	const gchar *name;  /* the utsname machine */
	const gchar *alias; /* another name for it, or NULL */
	guint pointer_size;
	guint32 prstatus_size;
	/* translates a kernel virtual address no PT_LOAD maps by p_vaddr */
	gboolean (*kvaddr_to_paddr)(const CdArchTranslation *t, guint64 kvaddr, guint64 *paddr);
	/* walks the crashed kernel's page tables (NULL: not known for this architecture);
	 * @page_size is the size of the page that maps @kvaddr */
	gboolean (*pgtable_walk)(const CdArchTranslation *t,
				 CdArchReadPhys read_phys,
				 gpointer user_data,
				 guint64 kvaddr,
				 guint64 *paddr,
				 guint64 *page_size);
} CdArch;

const CdArch *
cd_arch_find(guint16 elf_machine);
const CdArch *
cd_arch_find_by_name(const gchar *machine);
const CdArch *
cd_arch_find_by_prstatus_size(guint32 size);

G_END_DECLS
