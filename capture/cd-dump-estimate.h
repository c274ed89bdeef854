/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Before any crash: how large the dump of this machine would be, and whether the report
 * root has room for it. The pages a dump level leaves out are taken from /proc/meminfo,
 * as makedumpfile's __exclude_unnecessary_pages() and cd-page-filter.c decide them:
 *
 *   16 free      MemFree: pages in the buddy allocator
 *   2 / 4 cache  Cached (page cache on the LRU, not anonymous; it includes Shmem: tmpfs
 *                and shared memory pages are swap-backed page cache on the LRU with a
 *                file mapping, so -d 31 leaves them out as cache), plus Buffers with bit 4
 *                only (block device pages mostly carry buffer heads, private data, which
 *                bit 2 keeps)
 *   8 user       AnonPages (anonymous THP included) and Hugetlb (every hugetlbfs page,
 *                free pool pages too, by their compound destructor)
 *   1 zero       not known before the crash: not counted, so the estimate errs high
 *
 * SwapCached is left in: its mapped pages are already in AnonPages. What the kernel keeps
 * outside MemTotal (its image, struct pages, firmware tables in System RAM) is kept: the
 * estimate starts from the RAM less the capture kernel's reservation, not from MemTotal.
 * Pages on per-CPU lists, isolated from the LRU or otherwise in flux are kept too. */

/* the dump's size over the kept memory. Measured by this project: level 31 kept 323 MiB
 * of a busy 3 GiB guest, compressed per page with zstd to 48 MiB, 0.15. Kernel memory of
 * other machines compresses less well (slab of packet buffers, crypto state, compressed
 * or encrypted data in kernel buffers): 0.35 leaves room for that, and the estimate is
 * meant to be a size the disk must hold, not an expectation. */
#define CD_DUMP_ESTIMATE_RATIO 0.35

/* /proc/meminfo's figures, in bytes; G_MAXUINT64 when absent */
typedef struct {
	guint64 mem_total;
	guint64 mem_free;
	guint64 buffers;
	guint64 cached;
	guint64 swap_cached;
	guint64 shmem;
	guint64 anon_pages;
	guint64 hugetlb; /* Hugetlb, or HugePages_Total x Hugepagesize before Linux 5.16 */
} CdMeminfo;

gboolean
cd_meminfo_parse(const gchar *text, CdMeminfo *mi, GError **error);

/**
 * CdDumpEstimate:
 * @dump_level: makedumpfile's -d
 * @memory_bytes: the memory the vmcore holds: RAM less the reservation
 * @free_bytes: left out as free pages (bit 16)
 * @cache_bytes: left out as page cache (bits 2 and 4)
 * @user_bytes: left out as process pages (bit 8)
 * @kept_bytes: the memory the dump keeps
 * @dump_bytes: the expected file size: @kept_bytes x CD_DUMP_ESTIMATE_RATIO, plus the
 *	headers and bitmaps
 */
typedef struct {
	guint dump_level;
	guint64 memory_bytes;
	guint64 free_bytes;
	guint64 cache_bytes;
	guint64 user_bytes;
	guint64 kept_bytes;
	guint64 dump_bytes;
} CdDumpEstimate;

void
cd_dump_estimate(const CdMeminfo *mi, guint64 memory_bytes, guint dump_level, CdDumpEstimate *est);

/**
 * CdDumpSpace:
 * @checked_dir: the directory whose file system was measured: the report root, or its
 *	nearest existing parent
 * @available_bytes: what a write may use, f_bavail x f_frsize (save runs as root, but
 *	the reserve for root is not the dump's to take)
 * @filesystem_bytes: the file system's size
 */
typedef struct {
	gchar *checked_dir;
	guint64 available_bytes;
	guint64 filesystem_bytes;
} CdDumpSpace;

gboolean
cd_dump_space_read(const gchar *dir, CdDumpSpace *space, GError **error);
void
cd_dump_space_clear(CdDumpSpace *space);

G_END_DECLS
