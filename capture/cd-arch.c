/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdArch"

#include "config.h"

#include <elf.h>
#include <string.h>

#include "cd-arch.h"

/* x86_64's kernel image mapping, __START_KERNEL_map; __pa_symbol() subtracts it and adds
 * phys_base, which VMCOREINFO exports */
#define CD_X86_64_START_KERNEL_MAP 0xffffffff80000000ULL

/**
 * cd_arch_translation_init:
 *
 * Reads, once, the VMCOREINFO numbers address translation needs: every kernel virtual
 * address the readers resolve goes through them, so they are not looked up by name on
 * each translation.
 */
void
cd_arch_translation_init(CdArchTranslation *t, CdVmcoreinfo *info)
{
	gint64 value;

	memset(t, 0, sizeof(*t));
	if (cd_vmcoreinfo_get_number(info, "phys_base", &value, NULL)) {
		t->has_phys_base = TRUE;
		t->phys_base = (guint64)value;
	}
	if (cd_vmcoreinfo_get_number(info, "PAGE_OFFSET", &value, NULL)) {
		t->has_page_offset = TRUE;
		t->page_offset = (guint64)value;
		if (cd_vmcoreinfo_get_number(info, "PHYS_OFFSET", &value, NULL) ||
		    cd_vmcoreinfo_get_number(info, "phys_ram_base", &value, NULL))
			t->phys_offset = (guint64)value;
	}
	t->has_top_pgt = cd_vmcoreinfo_get_symbol(info, "init_top_pgt", &t->top_pgt, NULL);
	if (cd_vmcoreinfo_get_number(info, "pgtable_l5_enabled", &value, NULL))
		t->pgtable_l5 = value != 0;
	if (cd_vmcoreinfo_get_number(info, "sme_mask", &value, NULL))
		t->sme_mask = (guint64)value;
}

/* the direct map through NUMBER(PAGE_OFFSET) and the physical start of RAM, which
 * arm64 calls PHYS_OFFSET and RISC-V phys_ram_base: the fallback kexec-tools added
 * when RISC-V 6.16 stopped describing the direct map in its PT_LOADs */
static gboolean
cd_arch_direct_map_to_paddr(const CdArchTranslation *t, guint64 kvaddr, guint64 *paddr)
{
	if (!t->has_page_offset || kvaddr < t->page_offset)
		return FALSE;
	*paddr = kvaddr - t->page_offset + t->phys_offset;
	return TRUE;
}

static gboolean
cd_arch_x86_64_kvaddr_to_paddr(const CdArchTranslation *t, guint64 kvaddr, guint64 *paddr)
{
	if (kvaddr >= CD_X86_64_START_KERNEL_MAP && t->has_phys_base) {
		*paddr = kvaddr - CD_X86_64_START_KERNEL_MAP + t->phys_base;
		return TRUE;
	}
	return cd_arch_direct_map_to_paddr(t, kvaddr, paddr);
}

/* x86_64 page-table entries: present, page size (a 1 GiB or 2 MiB leaf above the last
 * level), and the physical address in bits 12 to 51, less the memory-encryption bit */
#define CD_X86_64_PTE_PRESENT	 (1ULL << 0)
#define CD_X86_64_PTE_PSE	 (1ULL << 7)
#define CD_X86_64_PTE_ADDR_MASK	 0x000ffffffffff000ULL
#define CD_X86_64_PTRS_PER_TABLE 512

/* the walk from init_top_pgt, with four or five levels as NUMBER(pgtable_l5_enabled)
 * says; every table is read from the dump, so a damaged one ends the walk, nothing else */
static gboolean
cd_arch_x86_64_pgtable_walk(const CdArchTranslation *t,
			    CdArchReadPhys read_phys,
			    gpointer user_data,
			    guint64 kvaddr,
			    guint64 *paddr,
			    guint64 *page_size)
{
	guint64 addr_mask = CD_X86_64_PTE_ADDR_MASK & ~t->sme_mask;
	guint64 table;

	if (!t->has_top_pgt || !cd_arch_x86_64_kvaddr_to_paddr(t, t->top_pgt, &table))
		return FALSE;
	for (guint shift = t->pgtable_l5 ? 48 : 39; shift >= 12; shift -= 9) {
		guint64 index = (kvaddr >> shift) & (CD_X86_64_PTRS_PER_TABLE - 1);
		guint64 entry;
		guint64 size = 1ULL << shift;

		if (!read_phys(user_data, (table & addr_mask) + index * 8, &entry))
			return FALSE;
		if ((entry & CD_X86_64_PTE_PRESENT) == 0)
			return FALSE;
		/* a leaf: a 4 KiB page at the last level, or a large page at 1 GiB or 2 MiB */
		if (shift == 12 || ((shift == 30 || shift == 21) && (entry & CD_X86_64_PTE_PSE))) {
			*paddr = (entry & addr_mask & ~(size - 1)) | (kvaddr & (size - 1));
			*page_size = size;
			return TRUE;
		}
		table = entry;
	}
	return FALSE;
}

/* prstatus_size: struct elf_prstatus, which tells the architectures apart by their
 * register sets when nothing names the machine */
static const CdArch cd_arches[] = {
	{ EM_X86_64,
	  "x86_64",
	  NULL,
	  8,
	  336,
	  cd_arch_x86_64_kvaddr_to_paddr,
	  cd_arch_x86_64_pgtable_walk },
	{ EM_AARCH64, "aarch64", "arm64", 8, 392, cd_arch_direct_map_to_paddr, NULL },
	{ EM_RISCV, "riscv64", NULL, 8, 376, cd_arch_direct_map_to_paddr, NULL },
	{ EM_LOONGARCH, "loongarch64", NULL, 8, 480, cd_arch_direct_map_to_paddr, NULL },
};

static const CdArch cd_arch_generic = { EM_NONE, "unknown", NULL, 8, 0, cd_arch_direct_map_to_paddr,
					NULL };

/**
 * cd_arch_find_by_name:
 * @machine: a utsname machine, such as `x86_64`
 *
 * Returns: that architecture, or %NULL if it is not one crashdesk knows
 */
const CdArch *
cd_arch_find_by_name(const gchar *machine)
{
	for (gsize i = 0; machine != NULL && i < G_N_ELEMENTS(cd_arches); i++) {
		if (g_strcmp0(cd_arches[i].name, machine) == 0 ||
		    g_strcmp0(cd_arches[i].alias, machine) == 0)
			return &cd_arches[i];
	}
	return NULL;
}

/**
 * cd_arch_find_by_prstatus_size:
 * @size: the descriptor size of an NT_PRSTATUS note
 *
 * Returns: the architecture with that register set, or %NULL
 */
const CdArch *
cd_arch_find_by_prstatus_size(guint32 size)
{
	for (gsize i = 0; i < G_N_ELEMENTS(cd_arches); i++) {
		if (cd_arches[i].prstatus_size == size)
			return &cd_arches[i];
	}
	return NULL;
}

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
