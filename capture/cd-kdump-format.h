/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* makedumpfile's "kdump-compressed" format (diskdump, header version 6), the one crash,
 * libkdumpfile and drgn open; 64-bit little-endian only. Offsets are in bytes.
 *
 *   block 0                     disk_dump_header
 *   block 1 .. sub_hdr_size     kdump_sub_header, then the VMCOREINFO text and the ELF
 *                               notes it points to
 *   bitmap_blocks / 2 blocks    1st bitmap: pfns that are memory (in a PT_LOAD)
 *   bitmap_blocks / 2 blocks    2nd bitmap: pfns stored in the file
 *   page descriptors            one per bit set in the 2nd bitmap, in pfn order
 *   page data
 *
 * Bit (pfn % 8) of byte (pfn / 8), least significant first. A reader finds a page's
 * descriptor by counting the bits set before it in the 2nd bitmap. */

/* the most pfns a dump may describe, read or written: 2^36, 256 TiB of 4 KiB pages; the
 * reader's bitmap index is then at most 16 MiB and the bitmap block count fits the
 * header's 32 bits */
#define CD_KDUMP_MAX_MAPNR (G_GUINT64_CONSTANT(1) << 36)

#define CD_KDUMP_SIGNATURE	"KDUMP   "
#define CD_KDUMP_SIGNATURE_LEN	8
#define CD_KDUMP_HEADER_VERSION 6

/* struct disk_dump_header */
#define CD_KDUMP_HDR_SIGNATURE	      0
#define CD_KDUMP_HDR_VERSION	      8
#define CD_KDUMP_HDR_UTSNAME	      12 /* six fields of 65 bytes */
#define CD_KDUMP_HDR_UTSNAME_FIELD    65
#define CD_KDUMP_HDR_TIMESTAMP	      408 /* struct timeval: tv_sec, tv_usec */
#define CD_KDUMP_HDR_STATUS	      424
#define CD_KDUMP_HDR_BLOCK_SIZE	      428
#define CD_KDUMP_HDR_SUB_HDR_SIZE     432 /* in blocks */
#define CD_KDUMP_HDR_BITMAP_BLOCKS    436 /* both bitmaps together */
#define CD_KDUMP_HDR_MAX_MAPNR	      440 /* 32 bits; the sub header has all 64 */
#define CD_KDUMP_HDR_TOTAL_RAM_BLOCKS 444
#define CD_KDUMP_HDR_DEVICE_BLOCKS    448
#define CD_KDUMP_HDR_WRITTEN_BLOCKS   452
#define CD_KDUMP_HDR_CURRENT_CPU      456
#define CD_KDUMP_HDR_NR_CPUS	      460
#define CD_KDUMP_HDR_SIZE	      464

/* struct kdump_sub_header, at the start of block 1 */
#define CD_KDUMP_SUB_PHYS_BASE	       0
#define CD_KDUMP_SUB_DUMP_LEVEL	       8
#define CD_KDUMP_SUB_SPLIT	       12
#define CD_KDUMP_SUB_START_PFN	       16
#define CD_KDUMP_SUB_END_PFN	       24
#define CD_KDUMP_SUB_OFFSET_VMCOREINFO 32
#define CD_KDUMP_SUB_SIZE_VMCOREINFO   40
#define CD_KDUMP_SUB_OFFSET_NOTE       48
#define CD_KDUMP_SUB_SIZE_NOTE	       56
#define CD_KDUMP_SUB_OFFSET_ERASEINFO  64
#define CD_KDUMP_SUB_SIZE_ERASEINFO    72
#define CD_KDUMP_SUB_START_PFN_64      80
#define CD_KDUMP_SUB_END_PFN_64	       88
#define CD_KDUMP_SUB_MAX_MAPNR_64      96
#define CD_KDUMP_SUB_SIZE	       104

/* disk_dump_header.status, and page_desc.flags for the compression bits */
#define CD_KDUMP_COMPRESSED_ZLIB   0x01
#define CD_KDUMP_COMPRESSED_LZO	   0x02
#define CD_KDUMP_COMPRESSED_SNAPPY 0x04
#define CD_KDUMP_INCOMPLETE	   0x08
#define CD_KDUMP_EXCLUDED_VMEMMAP  0x10
#define CD_KDUMP_COMPRESSED_ZSTD   0x20

/* struct page_desc */
#define CD_KDUMP_DESC_OFFSET	 0 /* off_t: file offset of the page's data */
#define CD_KDUMP_DESC_SIZE	 8 /* bytes stored */
#define CD_KDUMP_DESC_FLAGS	 12
#define CD_KDUMP_DESC_PAGE_FLAGS 16
#define CD_KDUMP_DESC_LEN	 24

/* makedumpfile's dump level bits (-d) */
typedef enum {
	CD_DUMP_LEVEL_ZERO = 1 << 0,	      /* pages filled with zeros */
	CD_DUMP_LEVEL_CACHE = 1 << 1,	      /* page cache without private data */
	CD_DUMP_LEVEL_CACHE_PRIVATE = 1 << 2, /* page cache with private data */
	CD_DUMP_LEVEL_USER = 1 << 3,	      /* user process pages */
	CD_DUMP_LEVEL_FREE = 1 << 4,	      /* free pages */
} CdDumpLevel;

#define CD_DUMP_LEVEL_ALL 31

G_END_DECLS
