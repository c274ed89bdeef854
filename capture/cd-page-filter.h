/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-kdump-format.h"
#include "cd-vmcore.h"

G_BEGIN_DECLS

/* what the filter excluded, by makedumpfile's categories */
typedef struct {
	guint64 memory;	       /* pfns that are memory (in a PT_LOAD) */
	guint64 not_stored;    /* memory the vmcore does not store (p_filesz < p_memsz) */
	guint64 cache;	       /* page cache without private data */
	guint64 cache_private; /* page cache with private data */
	guint64 user;	       /* anonymous and hugetlbfs pages of processes */
	guint64 free;	       /* free pages in the buddy allocator */
	guint64 unsafe;	       /* hardware-poisoned and logically offline pages */
	guint64 kept;	       /* left for the writer (which still drops zero pages) */
} CdPageFilterStats;

#define CD_TYPE_PAGE_FILTER (cd_page_filter_get_type())
G_DECLARE_FINAL_TYPE(CdPageFilter, cd_page_filter, CD, PAGE_FILTER, GObject)

CdPageFilter *
cd_page_filter_new(CdVmcore *vmcore, guint dump_level);

guint64
cd_page_filter_get_max_pfn(CdPageFilter *self);
guint64
cd_page_filter_get_page_size(CdPageFilter *self);
const gchar *
cd_page_filter_get_warning(CdPageFilter *self);
const CdPageFilterStats *
cd_page_filter_get_stats(CdPageFilter *self);

void
cd_page_filter_rewind(CdPageFilter *self);
void
cd_page_filter_run(CdPageFilter *self,
		   guint64 start_pfn,
		   guint64 n_pfns,
		   guint8 *memory_bitmap,
		   guint8 *keep_bitmap);

static inline gboolean
cd_bitmap_test(const guint8 *bitmap, guint64 bit)
{
	return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

static inline void
cd_bitmap_set(guint8 *bitmap, guint64 bit)
{
	bitmap[bit / 8] |= (guint8)(1u << (bit % 8));
}

static inline void
cd_bitmap_clear(guint8 *bitmap, guint64 bit)
{
	bitmap[bit / 8] &= (guint8) ~(1u << (bit % 8));
}

G_END_DECLS
