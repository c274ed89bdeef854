/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdArch"

#include "config.h"

#include <elf.h>

#include "cd-arch.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

/* x86_64's kernel image mapping, __START_KERNEL_map; __pa_symbol() subtracts it and adds
 * phys_base, which VMCOREINFO exports */
#define CD_X86_64_START_KERNEL_MAP 0xffffffff80000000ULL

/* the direct map through NUMBER(PAGE_OFFSET) and the physical start of RAM, which
 * arm64 calls PHYS_OFFSET and RISC-V phys_ram_base: the fallback kexec-tools added
 * when RISC-V 6.16 stopped describing the direct map in its PT_LOADs */
static gboolean
cd_arch_direct_map_to_paddr(CdVmcoreinfo *info, guint64 kvaddr, guint64 *paddr)
{
	gint64 page_offset;
	gint64 phys_offset = 0;

	if (!cd_vmcoreinfo_get_number(info, "PAGE_OFFSET", &page_offset, NULL))
		return FALSE;
	if (kvaddr < (guint64)page_offset)
		return FALSE;
	if (!cd_vmcoreinfo_get_number(info, "PHYS_OFFSET", &phys_offset, NULL))
		cd_vmcoreinfo_get_number(info, "phys_ram_base", &phys_offset, NULL);
	*paddr = kvaddr - (guint64)page_offset + (guint64)phys_offset;
	return TRUE;
}

static gboolean
cd_arch_x86_64_kvaddr_to_paddr(CdVmcoreinfo *info, guint64 kvaddr, guint64 *paddr)
{
	gint64 phys_base;

	if (kvaddr >= CD_X86_64_START_KERNEL_MAP &&
	    cd_vmcoreinfo_get_number(info, "phys_base", &phys_base, NULL)) {
		*paddr = kvaddr - CD_X86_64_START_KERNEL_MAP + (guint64)phys_base;
		return TRUE;
	}
	return cd_arch_direct_map_to_paddr(info, kvaddr, paddr);
}

static const CdArch cd_arches[] = {
	{ EM_X86_64, "x86_64", 8, cd_arch_x86_64_kvaddr_to_paddr },
	{ EM_AARCH64, "aarch64", 8, cd_arch_direct_map_to_paddr },
	{ EM_RISCV, "riscv64", 8, cd_arch_direct_map_to_paddr },
	{ EM_LOONGARCH, "loongarch64", 8, cd_arch_direct_map_to_paddr },
};

static const CdArch cd_arch_generic = { EM_NONE, "unknown", 8, cd_arch_direct_map_to_paddr };

/**
 * cd_arch_find:
 * @elf_machine: the core file's `e_machine`
 *
 * Returns: the description of that architecture; a generic 64-bit one if unknown
 */
const CdArch *
cd_arch_find(guint16 elf_machine)
{
	for (gsize i = 0; i < G_N_ELEMENTS(cd_arches); i++) {
		if (cd_arches[i].elf_machine == elf_machine)
			return &cd_arches[i];
	}
	return &cd_arch_generic;
}
