/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-arch.h"
#include "cd-error.h"
#include "cd-vmcoreinfo.h"

G_BEGIN_DECLS

/* named limits on what an untrusted core file may claim */
#define CD_VMCORE_MAX_SEGMENTS	 (1u << 20)
#define CD_VMCORE_MAX_NOTES_SIZE (16u * 1024 * 1024)

#define CD_TYPE_VMCORE (cd_vmcore_get_type())
G_DECLARE_FINAL_TYPE(CdVmcore, cd_vmcore, CD, VMCORE, GObject)

CdVmcore *
cd_vmcore_new_from_path(const gchar *path, GError **error);
CdVmcore *
cd_vmcore_new_from_fd(gint fd, const gchar *name, GError **error);

const gchar *
cd_vmcore_get_name(CdVmcore *self);
const CdArch *
cd_vmcore_get_arch(CdVmcore *self);
CdVmcoreinfo *
cd_vmcore_get_vmcoreinfo(CdVmcore *self);
guint
cd_vmcore_get_cpu_count(CdVmcore *self);
guint64
cd_vmcore_get_file_size(CdVmcore *self);
guint64
cd_vmcore_get_expected_size(CdVmcore *self);

const guint8 *
cd_vmcore_get_notes(CdVmcore *self, gsize *len);
guint
cd_vmcore_get_segment_count(CdVmcore *self);
void
cd_vmcore_get_segment(CdVmcore *self, guint index, guint64 *paddr, guint64 *memsz, guint64 *filesz);
gboolean
cd_vmcore_read_phys_direct(CdVmcore *self, guint64 paddr, gpointer buf, gsize len, GError **error);
gboolean
cd_vmcore_read_paddr(CdVmcore *self, guint64 paddr, gpointer buf, gsize len, GError **error);
gboolean
cd_vmcore_read_kvaddr(CdVmcore *self, guint64 kvaddr, gpointer buf, gsize len, GError **error);
gboolean
cd_vmcore_read_ulong(CdVmcore *self, guint64 kvaddr, guint64 *value, GError **error);
guint64
cd_vmcore_count_partial_pages(CdVmcore *self, guint64 first_pfn, guint64 n_pfns);
gboolean
cd_vmcore_read_u32(CdVmcore *self, guint64 kvaddr, guint32 *value, GError **error);
typedef enum {
	CD_VMCORE_RANGE_DESCRIBED = 0,	  /* a segment describes it; zero-fill counts */
	CD_VMCORE_RANGE_IN_FILE = 1 << 0, /* every byte is stored in the file */
} CdVmcoreRangeFlags;

gboolean
cd_vmcore_check_kvaddr_range(CdVmcore *self,
			     guint64 kvaddr,
			     guint64 len,
			     CdVmcoreRangeFlags flags,
			     const gchar *what,
			     GError **error);

G_END_DECLS
