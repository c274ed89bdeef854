/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "cd-error.h"
#include "cd-vmcoreinfo.h"

G_BEGIN_DECLS

/* named limits on what an untrusted kdump-compressed file may claim */
#define CD_KDUMP_MIN_BLOCK_SIZE 4096u
#define CD_KDUMP_MAX_BLOCK_SIZE (64u * 1024)

typedef enum {
	CD_KDUMP_PAGE_NOT_MEMORY, /* in neither bitmap: no RAM of the crashed machine */
	CD_KDUMP_PAGE_EXCLUDED,	  /* RAM the dump level left out (1st bitmap only) */
	CD_KDUMP_PAGE_MISSING,	  /* meant to be stored, but an incomplete dump never got it */
	CD_KDUMP_PAGE_STORED,	  /* its data is in the file */
} CdKdumpPageState;

typedef enum {
	CD_KDUMP_RANGE_MEMORY = 0,	/* every page is RAM; excluded ones count */
	CD_KDUMP_RANGE_STORED = 1 << 0, /* every page is stored in the file */
} CdKdumpRangeFlags;

typedef enum {
	CD_KDUMP_UTSNAME_SYSNAME,
	CD_KDUMP_UTSNAME_NODENAME,
	CD_KDUMP_UTSNAME_RELEASE,
	CD_KDUMP_UTSNAME_VERSION,
	CD_KDUMP_UTSNAME_MACHINE,
	CD_KDUMP_UTSNAME_DOMAINNAME,
	CD_KDUMP_UTSNAME_LAST,
} CdKdumpUtsnameField;

#define CD_TYPE_KDUMP_FILE (cd_kdump_file_get_type())
G_DECLARE_FINAL_TYPE(CdKdumpFile, cd_kdump_file, CD, KDUMP_FILE, GObject)

CdKdumpFile *
cd_kdump_file_new_from_fd(gint fd, const gchar *name, GError **error);

guint
cd_kdump_file_get_header_version(CdKdumpFile *self);
const gchar *
cd_kdump_file_get_utsname(CdKdumpFile *self, CdKdumpUtsnameField field);
guint16
cd_kdump_file_get_elf_machine(CdKdumpFile *self);
guint64
cd_kdump_file_get_timestamp(CdKdumpFile *self);
guint64
cd_kdump_file_get_phys_base(CdKdumpFile *self);
guint32
cd_kdump_file_get_dump_level(CdKdumpFile *self);
guint32
cd_kdump_file_get_nr_cpus(CdKdumpFile *self);
guint32
cd_kdump_file_get_block_size(CdKdumpFile *self);
guint64
cd_kdump_file_get_max_pfn(CdKdumpFile *self);
guint64
cd_kdump_file_get_stored_pages(CdKdumpFile *self);
gboolean
cd_kdump_file_is_incomplete(CdKdumpFile *self);
guint32
cd_kdump_file_get_compression(CdKdumpFile *self);
guint64
cd_kdump_file_get_file_size(CdKdumpFile *self);
guint64
cd_kdump_file_get_expected_size(CdKdumpFile *self);
CdVmcoreinfo *
cd_kdump_file_get_vmcoreinfo(CdKdumpFile *self);
GBytes *
cd_kdump_file_get_notes(CdKdumpFile *self);

gboolean
cd_kdump_file_get_page_state(CdKdumpFile *self,
			     guint64 pfn,
			     CdKdumpPageState *state,
			     GError **error);
gboolean
cd_kdump_file_read_paddr(CdKdumpFile *self, guint64 paddr, gpointer buf, gsize len, GError **error);
gboolean
cd_kdump_file_check_paddr_range(CdKdumpFile *self,
				guint64 paddr,
				guint64 len,
				CdKdumpRangeFlags flags,
				GError **error);

G_END_DECLS
