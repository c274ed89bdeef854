/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdKdumpFile"

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <lzo/lzo1x.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "cd-arch.h"
#include "cd-bytes.h"
#include "cd-file.h"
#include "cd-kdump-file.h"
#include "cd-kdump-format.h"
#include "cd-vmcore.h"

/* makedumpfile's kdump-compressed format (see cd-kdump-format.h), read back. The file
 * can be hundreds of GiB and hostile, so nothing that grows with it is loaded: the
 * header fields are checked against the file and named limits, the 2nd bitmap is
 * streamed once into one count per block (the pages stored before it), and a page's
 * descriptor is found as that count plus the bits set before the page in its block,
 * read through a few windows. Decompressed pages go through a cache of a few pages. */

/* decompressed pages: 32 of 4 KiB, 4 of 64 KiB; a record's descriptor, info, text and
 * the page tables that map them stay in it */
#define CD_KDUMP_PAGE_CACHE_BYTES (256 * 1024)
#define CD_KDUMP_PAGE_CACHE_MAX	  32
#define CD_KDUMP_PAGE_CACHE_MIN	  4
#define CD_KDUMP_COMPRESSION_MASK                                                                  \
	(CD_KDUMP_COMPRESSED_ZLIB | CD_KDUMP_COMPRESSED_LZO | CD_KDUMP_COMPRESSED_SNAPPY |         \
	 CD_KDUMP_COMPRESSED_ZSTD)
/* makedumpfile's flattened format starts with this instead of a header */
#define CD_KDUMP_FLATTENED_SIGNATURE "makedumpfile"

typedef struct {
	guint64 pfn; /* G_MAXUINT64 while it holds nothing */
	guint64 used;
	guint8 *data; /* one block */
} CdKdumpCachedPage;

typedef struct {
	guint64 offset;
	guint32 size;
	guint32 flags;
} CdKdumpDesc;

struct _CdKdumpFile {
	GObject parent_instance;
	gchar *name;
	gint fd;
	guint64 file_size;
	guint64 expected_size;

	/* the headers */
	guint version;
	gchar *utsname[CD_KDUMP_UTSNAME_LAST];
	guint64 timestamp;
	guint32 status;
	guint32 block_size;
	guint32 nr_cpus;
	guint64 phys_base;
	guint32 dump_level;
	guint64 max_mapnr;
	CdVmcoreinfo *vmcoreinfo;
	GBytes *notes;

	/* the layout */
	guint64 bitmap1_offset;
	guint64 bitmap2_offset;
	guint64 desc_offset;
	guint64 n_stored;
	guint64 n_index; /* bitmap blocks that cover max_mapnr */
	guint64 *rank;	 /* n_index + 1 counts: bits set in the 2nd bitmap before block i */
	guint32 compression_seen;

	/* the rank of the pfn after the last one looked up: ranges are walked in order */
	guint64 cursor_pfn;
	guint64 cursor_rank;

	CdFileWindows windows;
	CdKdumpCachedPage pages[CD_KDUMP_PAGE_CACHE_MAX];
	guint n_pages;	 /* entries of pages[] used, for the block size */
	guint last_page; /* the most recent hit */
	guint64 clock;
	guint8 *packed; /* one block of stored page data */
	ZSTD_DCtx *zstd;
};

G_DEFINE_TYPE(CdKdumpFile, cd_kdump_file, G_TYPE_OBJECT)

static void
cd_kdump_file_finalize(GObject *object)
{
	CdKdumpFile *self = CD_KDUMP_FILE(object);

	cd_file_windows_clear(&self->windows);
	for (guint i = 0; i < CD_KDUMP_PAGE_CACHE_MAX; i++)
		g_free(self->pages[i].data);
	for (guint i = 0; i < CD_KDUMP_UTSNAME_LAST; i++)
		g_free(self->utsname[i]);
	if (self->zstd != NULL)
		ZSTD_freeDCtx(self->zstd);
	if (self->fd >= 0)
		g_close(self->fd, NULL);
	g_clear_object(&self->vmcoreinfo);
	g_clear_pointer(&self->notes, g_bytes_unref);
	g_free(self->rank);
	g_free(self->packed);
	g_free(self->name);
	G_OBJECT_CLASS(cd_kdump_file_parent_class)->finalize(object);
}

static void
cd_kdump_file_class_init(CdKdumpFileClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_kdump_file_finalize;
}

static void
cd_kdump_file_init(CdKdumpFile *self)
{
	self->fd = -1;
	self->cursor_pfn = G_MAXUINT64;
	for (guint i = 0; i < CD_KDUMP_PAGE_CACHE_MAX; i++)
		self->pages[i].pfn = G_MAXUINT64;
}

/* reads up to @len bytes at @offset, fewer only at the end of the file */
static void
cd_kdump_file_set_truncated_error(CdKdumpFile *self,
				  const gchar *what,
				  guint64 offset,
				  guint64 len,
				  GError **error)
{
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_TRUNCATED,
		    "truncated: %s (%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
		    ") lies past the end of the file (%" G_GUINT64_FORMAT " bytes)",
		    what,
		    len,
		    offset,
		    self->file_size);
}

/* @len bytes at @offset, inside one window: callers keep to aligned blocks */
static const guint8 *
cd_kdump_file_peek(CdKdumpFile *self, guint64 offset, gsize len, GError **error)
{
	const guint8 *data;
	gsize avail;

	g_assert(len <= CD_FILE_WINDOW_SIZE - offset % CD_FILE_WINDOW_SIZE);
	data = cd_file_windows_get(&self->windows, offset, &avail, error);
	if (data == NULL)
		return NULL;
	if (avail < len) {
		cd_kdump_file_set_truncated_error(self, "a bitmap", offset, len, error);
		return NULL;
	}
	return data;
}

/* reads file bytes through the windows; a short file is an error, not zeros */
static gboolean
cd_kdump_file_read_file(CdKdumpFile *self,
			guint64 offset,
			guint8 *buf,
			gsize len,
			const gchar *what,
			GError **error)
{
	gboolean short_file = FALSE;

	if (offset > self->file_size || len > self->file_size - offset) {
		cd_kdump_file_set_truncated_error(self, what, offset, len, error);
		return FALSE;
	}
	if (cd_file_windows_read(&self->windows, offset, buf, len, &short_file, error))
		return TRUE;
	/* the file shrank since fstat() */
	if (short_file)
		cd_kdump_file_set_truncated_error(self, what, offset, len, error);
	return FALSE;
}

static guint64
cd_kdump_file_popcount(const guint8 *p, gsize bits)
{
	guint64 count = 0;
	gsize i = 0;

	for (; i + 64 <= bits; i += 64) {
		guint64 word;
		memcpy(&word, p + i / 8, sizeof(word));
		count += (guint64)__builtin_popcountll(word);
	}
	for (; i + 8 <= bits; i += 8)
		count += (guint64)__builtin_popcount(p[i / 8]);
	if (i < bits)
		count += (guint64)__builtin_popcount(p[i / 8] & ((1u << (bits - i)) - 1));
	return count;
}

static gboolean
cd_kdump_file_test_bit(CdKdumpFile *self,
		       guint64 bitmap_offset,
		       guint64 pfn,
		       gboolean *set,
		       GError **error)
{
	const guint8 *p = cd_kdump_file_peek(self, bitmap_offset + pfn / 8, 1, error);

	if (p == NULL)
		return FALSE;
	*set = (*p >> (pfn % 8)) & 1;
	return TRUE;
}

/* the number of pages stored before @pfn: the index of its descriptor */
static gboolean
cd_kdump_file_rank(CdKdumpFile *self, guint64 pfn, guint64 *rank, GError **error)
{
	guint64 bits_per_block = (guint64)self->block_size * 8;
	guint64 block = pfn / bits_per_block;
	const guint8 *p;

	if (pfn == self->cursor_pfn) {
		*rank = self->cursor_rank;
		return TRUE;
	}
	p = cd_kdump_file_peek(self,
			       self->bitmap2_offset + block * self->block_size,
			       self->block_size,
			       error);
	if (p == NULL)
		return FALSE;
	*rank = self->rank[block] + cd_kdump_file_popcount(p, (gsize)(pfn % bits_per_block));
	return TRUE;
}

static void
cd_kdump_file_set_excluded_error(CdKdumpFile *self,
				 guint64 pfn,
				 CdKdumpPageState state,
				 GError **error)
{
	if (state == CD_KDUMP_PAGE_NOT_MEMORY) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "physical address 0x%" G_GINT64_MODIFIER "x is not in the dump",
			    pfn * self->block_size);
	} else if (state == CD_KDUMP_PAGE_EXCLUDED) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "page 0x%" G_GINT64_MODIFIER "x excluded from the dump (dump level %u)",
			    pfn,
			    self->dump_level);
	} else {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_FOUND,
			    "page 0x%" G_GINT64_MODIFIER
			    "x was never written: the dump is flagged incomplete",
			    pfn);
	}
}

/* the state of @pfn and, if stored, its checked descriptor */
static gboolean
cd_kdump_file_locate(CdKdumpFile *self,
		     guint64 pfn,
		     CdKdumpPageState *state,
		     CdKdumpDesc *desc,
		     GError **error)
{
	gboolean incomplete = (self->status & CD_KDUMP_INCOMPLETE) != 0;
	guint8 raw[CD_KDUMP_DESC_LEN];
	guint64 rank;
	guint64 desc_pos;
	gboolean set;
	guint32 compression;

	if (pfn >= self->max_mapnr) {
		*state = CD_KDUMP_PAGE_NOT_MEMORY;
		return TRUE;
	}
	if (!cd_kdump_file_test_bit(self, self->bitmap2_offset, pfn, &set, error))
		return FALSE;
	if (!set) {
		if (pfn == self->cursor_pfn)
			self->cursor_pfn++;
		if (!cd_kdump_file_test_bit(self, self->bitmap1_offset, pfn, &set, error))
			return FALSE;
		*state = set ? CD_KDUMP_PAGE_EXCLUDED : CD_KDUMP_PAGE_NOT_MEMORY;
		return TRUE;
	}

	if (!cd_kdump_file_rank(self, pfn, &rank, error))
		return FALSE;
	self->cursor_pfn = pfn + 1;
	self->cursor_rank = rank + 1;
	desc_pos = self->desc_offset + rank * CD_KDUMP_DESC_LEN;

	/* an incomplete dump may end anywhere, even in the descriptors */
	if (incomplete && desc_pos + CD_KDUMP_DESC_LEN > self->file_size) {
		*state = CD_KDUMP_PAGE_MISSING;
		return TRUE;
	}
	if (!cd_kdump_file_read_file(self, desc_pos, raw, sizeof(raw), "a page descriptor", error))
		return FALSE;
	desc->offset = cd_read_le64(raw + CD_KDUMP_DESC_OFFSET);
	desc->size = cd_read_le32(raw + CD_KDUMP_DESC_SIZE);
	desc->flags = cd_read_le32(raw + CD_KDUMP_DESC_FLAGS);

	/* makedumpfile leaves the descriptors of pages it never wrote zeroed */
	if (incomplete && desc->offset == 0) {
		*state = CD_KDUMP_PAGE_MISSING;
		return TRUE;
	}
	if (desc->size == 0 || desc->size > self->block_size) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "page 0x%" G_GINT64_MODIFIER
			    "x: its descriptor claims %u bytes (1 to the block size, %u)",
			    pfn,
			    desc->size,
			    self->block_size);
		return FALSE;
	}
	if (desc->offset < self->desc_offset) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "page 0x%" G_GINT64_MODIFIER "x: its data offset %" G_GUINT64_FORMAT
			    " lies in the headers or bitmaps",
			    pfn,
			    desc->offset);
		return FALSE;
	}
	compression = desc->flags & CD_KDUMP_COMPRESSION_MASK;
	if ((desc->flags & ~CD_KDUMP_COMPRESSION_MASK) != 0 ||
	    (compression & (compression - 1)) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "page 0x%" G_GINT64_MODIFIER "x: invalid descriptor flags 0x%x",
			    pfn,
			    desc->flags);
		return FALSE;
	}
	if (desc->offset > self->file_size || desc->size > self->file_size - desc->offset) {
		if (incomplete) {
			*state = CD_KDUMP_PAGE_MISSING;
			return TRUE;
		}
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "truncated: page 0x%" G_GINT64_MODIFIER
			    "x is stored at file offset %" G_GUINT64_FORMAT
			    " (%u bytes) but the file has only %" G_GUINT64_FORMAT " bytes",
			    pfn,
			    desc->offset,
			    desc->size,
			    self->file_size);
		return FALSE;
	}
	*state = CD_KDUMP_PAGE_STORED;
	return TRUE;
}

static gboolean
cd_kdump_file_lzo_init(GError **error)
{
	static gsize ready = 0;

	if (g_once_init_enter(&ready))
		g_once_init_leave(&ready, lzo_init() == LZO_E_OK ? 1 : 2);
	if (ready != 1) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED, "lzo_init() failed");
		return FALSE;
	}
	return TRUE;
}

static void
cd_kdump_file_set_size_error(CdKdumpFile *self,
			     guint64 pfn,
			     const gchar *method,
			     guint64 size,
			     GError **error)
{
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_DATA,
		    "page 0x%" G_GINT64_MODIFIER "x: its %s data decompresses to %" G_GUINT64_FORMAT
		    " bytes, not a page (%u)",
		    pfn,
		    method,
		    size,
		    self->block_size);
}

/* turns the stored bytes of @pfn into exactly one page at @page */
static gboolean
cd_kdump_file_unpack(CdKdumpFile *self,
		     guint64 pfn,
		     const CdKdumpDesc *desc,
		     guint8 *page,
		     GError **error)
{
	gsize got = 0;

	if (desc->flags & CD_KDUMP_COMPRESSED_SNAPPY) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "page 0x%" G_GINT64_MODIFIER
			    "x of %s is compressed with snappy, which crashdesk does not read",
			    pfn,
			    self->name);
		return FALSE;
	}
	if (desc->flags == 0 && desc->size != self->block_size) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "page 0x%" G_GINT64_MODIFIER
			    "x is stored uncompressed in %u bytes, not a page (%u)",
			    pfn,
			    desc->size,
			    self->block_size);
		return FALSE;
	}
	if (self->packed == NULL)
		self->packed = g_malloc(self->block_size);
	if (!cd_file_pread_full(self->fd,
				desc->offset,
				desc->flags == 0 ? page : self->packed,
				desc->size,
				&got,
				error))
		return FALSE;
	if (got != desc->size) {
		/* the file shrank since it was opened */
		cd_kdump_file_set_truncated_error(self, "a page", desc->offset, desc->size, error);
		return FALSE;
	}
	self->compression_seen |= desc->flags;

	if (desc->flags & CD_KDUMP_COMPRESSED_ZSTD) {
		gsize n;
		if (self->zstd == NULL)
			self->zstd = ZSTD_createDCtx();
		if (self->zstd == NULL) {
			g_set_error_literal(error,
					    G_FILE_ERROR,
					    G_FILE_ERROR_NOMEM,
					    "ZSTD_createDCtx() failed");
			return FALSE;
		}
		n = ZSTD_decompressDCtx(self->zstd,
					page,
					self->block_size,
					self->packed,
					desc->size);
		if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER
				    "x: its zstd data decompresses to more than a page (%u)",
				    pfn,
				    self->block_size);
			return FALSE;
		}
		if (ZSTD_isError(n)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER "x: invalid zstd data: %s",
				    pfn,
				    ZSTD_getErrorName(n));
			return FALSE;
		}
		if (n != self->block_size) {
			cd_kdump_file_set_size_error(self, pfn, "zstd", n, error);
			return FALSE;
		}
	} else if (desc->flags & CD_KDUMP_COMPRESSED_ZLIB) {
		/* uncompress() never writes past the page: a bomb ends as Z_BUF_ERROR */
		uLongf n = self->block_size;
		gint rc = uncompress(page, &n, self->packed, desc->size);
		if (rc == Z_BUF_ERROR) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER
				    "x: its zlib data decompresses to more than a page (%u)",
				    pfn,
				    self->block_size);
			return FALSE;
		}
		if (rc != Z_OK) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER "x: invalid zlib data: %s",
				    pfn,
				    zError(rc));
			return FALSE;
		}
		if (n != self->block_size) {
			cd_kdump_file_set_size_error(self, pfn, "zlib", n, error);
			return FALSE;
		}
	} else if (desc->flags & CD_KDUMP_COMPRESSED_LZO) {
		lzo_uint n = self->block_size;
		gint rc;
		if (!cd_kdump_file_lzo_init(error))
			return FALSE;
		rc = lzo1x_decompress_safe(self->packed, desc->size, page, &n, NULL);
		if (rc == LZO_E_OUTPUT_OVERRUN) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER
				    "x: its lzo data decompresses to more than a page (%u)",
				    pfn,
				    self->block_size);
			return FALSE;
		}
		if (rc != LZO_E_OK) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "page 0x%" G_GINT64_MODIFIER "x: invalid lzo data (error %d)",
				    pfn,
				    rc);
			return FALSE;
		}
		if (n != self->block_size) {
			cd_kdump_file_set_size_error(self, pfn, "lzo", n, error);
			return FALSE;
		}
	}
	return TRUE;
}

/* the page of @pfn, from the cache or the file; valid until the next call */
static const guint8 *
cd_kdump_file_get_page(CdKdumpFile *self, guint64 pfn, GError **error)
{
	CdKdumpCachedPage *victim = &self->pages[0];
	CdKdumpPageState state;
	CdKdumpDesc desc = { 0 };

	self->clock++;
	if (self->pages[self->last_page].pfn == pfn) {
		self->pages[self->last_page].used = self->clock;
		return self->pages[self->last_page].data;
	}
	for (guint i = 0; i < self->n_pages; i++) {
		CdKdumpCachedPage *entry = &self->pages[i];
		if (entry->pfn == pfn) {
			entry->used = self->clock;
			self->last_page = i;
			return entry->data;
		}
		if (entry->used < victim->used)
			victim = entry;
	}

	if (!cd_kdump_file_locate(self, pfn, &state, &desc, error))
		return NULL;
	if (state != CD_KDUMP_PAGE_STORED) {
		cd_kdump_file_set_excluded_error(self, pfn, state, error);
		return NULL;
	}
	if (victim->data == NULL)
		victim->data = g_malloc(self->block_size);
	victim->pfn = G_MAXUINT64;
	if (!cd_kdump_file_unpack(self, pfn, &desc, victim->data, error))
		return NULL;
	victim->pfn = pfn;
	victim->used = self->clock;
	self->last_page = (guint)(victim - self->pages);
	return victim->data;
}

static gboolean
cd_kdump_file_read_blob(CdKdumpFile *self,
			guint64 offset,
			guint64 size,
			guint64 limit,
			const gchar *what,
			guint8 **out,
			GError **error)
{
	g_autofree guint8 *buf = NULL;
	gsize got = 0;

	if (size > limit) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s of %" G_GUINT64_FORMAT " bytes is over the %" G_GUINT64_FORMAT
			    " limit",
			    what,
			    size,
			    limit);
		return FALSE;
	}
	if (offset > self->file_size || size > self->file_size - offset) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s (%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
			    ") lies outside the file (%" G_GUINT64_FORMAT " bytes)",
			    what,
			    size,
			    offset,
			    self->file_size);
		return FALSE;
	}
	buf = g_malloc(size + 1);
	if (!cd_file_pread_full(self->fd, offset, buf, (gsize)size, &got, error))
		return FALSE;
	if (got != size) {
		cd_kdump_file_set_truncated_error(self, what, offset, size, error);
		return FALSE;
	}
	*out = g_steal_pointer(&buf);
	return TRUE;
}

/* the sub header's fields as the header version has them */
static gboolean
cd_kdump_file_load_sub_header(CdKdumpFile *self, guint32 sub_hdr_blocks, GError **error)
{
	/* the bytes of struct kdump_sub_header each version has */
	static const guint sizes[] = { 0,
				       CD_KDUMP_SUB_SPLIT,
				       CD_KDUMP_SUB_OFFSET_VMCOREINFO,
				       CD_KDUMP_SUB_OFFSET_NOTE,
				       CD_KDUMP_SUB_OFFSET_ERASEINFO,
				       CD_KDUMP_SUB_START_PFN_64,
				       CD_KDUMP_SUB_SIZE };
	guint8 sub[CD_KDUMP_SUB_SIZE] = { 0 };
	guint need = sizes[self->version];
	gsize got = 0;

	if ((guint64)sub_hdr_blocks * self->block_size < need) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the sub header (%u blocks) is smaller than header version %u needs",
			    sub_hdr_blocks,
			    self->version);
		return FALSE;
	}
	if (!cd_file_pread_full(self->fd, self->block_size, sub, need, &got, error))
		return FALSE;
	if (got != need) {
		cd_kdump_file_set_truncated_error(self,
						  "the sub header",
						  self->block_size,
						  need,
						  error);
		return FALSE;
	}
	self->phys_base = cd_read_le64(sub + CD_KDUMP_SUB_PHYS_BASE);
	self->dump_level = cd_read_le32(sub + CD_KDUMP_SUB_DUMP_LEVEL);

	if (self->version >= 3) {
		guint64 offset = cd_read_le64(sub + CD_KDUMP_SUB_OFFSET_VMCOREINFO);
		guint64 size = cd_read_le64(sub + CD_KDUMP_SUB_SIZE_VMCOREINFO);
		g_autofree guint8 *text = NULL;

		if (size > 0) {
			if (!cd_kdump_file_read_blob(self,
						     offset,
						     size,
						     CD_VMCOREINFO_MAX_SIZE,
						     "the VMCOREINFO",
						     &text,
						     error))
				return FALSE;
			self->vmcoreinfo =
				cd_vmcoreinfo_new_from_data((const gchar *)text, size, error);
			if (self->vmcoreinfo == NULL)
				return FALSE;
		}
	}
	if (self->version >= 4) {
		guint64 offset = cd_read_le64(sub + CD_KDUMP_SUB_OFFSET_NOTE);
		guint64 size = cd_read_le64(sub + CD_KDUMP_SUB_SIZE_NOTE);
		guint8 *notes = NULL;

		if (size > 0) {
			if (!cd_kdump_file_read_blob(self,
						     offset,
						     size,
						     CD_VMCORE_MAX_NOTES_SIZE,
						     "the ELF notes",
						     &notes,
						     error))
				return FALSE;
			self->notes = g_bytes_new_take(notes, size);
		}
	}
	/* the erase information is not read, and may lie past a cut */
	if (self->version >= 6)
		self->max_mapnr = cd_read_le64(sub + CD_KDUMP_SUB_MAX_MAPNR_64);
	return TRUE;
}

/* streams the 2nd bitmap once: how many pages are stored before each block */
static gboolean
cd_kdump_file_index_bitmap(CdKdumpFile *self, GError **error)
{
	g_autofree guint8 *chunk = g_malloc(CD_FILE_WINDOW_SIZE);
	guint64 bits_per_block = (guint64)self->block_size * 8;
	guint64 blocks_per_chunk = CD_FILE_WINDOW_SIZE / self->block_size;
	guint64 count = 0;

	self->rank = g_new(guint64, self->n_index + 1);
	for (guint64 block = 0; block < self->n_index; block += blocks_per_chunk) {
		guint64 n = MIN(blocks_per_chunk, self->n_index - block);
		guint64 offset = self->bitmap2_offset + block * self->block_size;
		gsize len = (gsize)(n * self->block_size);
		gsize got = 0;

		if (!cd_file_pread_full(self->fd, offset, chunk, len, &got, error))
			return FALSE;
		if (got != len) {
			cd_kdump_file_set_truncated_error(self,
							  "the 2nd bitmap",
							  offset,
							  len,
							  error);
			return FALSE;
		}
		for (guint64 i = 0; i < n; i++) {
			/* bits past max_mapnr are not pages */
			guint64 first = (block + i) * bits_per_block;
			guint64 bits = MIN(bits_per_block, self->max_mapnr - first);
			self->rank[block + i] = count;
			count += cd_kdump_file_popcount(chunk + i * self->block_size, (gsize)bits);
		}
	}
	self->rank[self->n_index] = count;
	self->n_stored = count;
	return TRUE;
}

static gboolean
cd_kdump_file_check_signature(CdKdumpFile *self, GError **error)
{
	guint8 head[16] = { 0 };
	gsize got = 0;

	if (!cd_file_pread_full(self->fd, 0, head, sizeof(head), &got, error))
		return FALSE;
	if (got >= strlen(CD_KDUMP_FLATTENED_SIGNATURE) &&
	    memcmp(head, CD_KDUMP_FLATTENED_SIGNATURE, strlen(CD_KDUMP_FLATTENED_SIGNATURE)) == 0) {
		g_set_error_literal(
			error,
			CD_ERROR,
			CD_ERROR_NOT_SUPPORTED,
			"a makedumpfile flattened file: turn it into a kdump-compressed "
			"one with makedumpfile -R first");
		return FALSE;
	}
	if (got < CD_KDUMP_SIGNATURE_LEN ||
	    memcmp(head, CD_KDUMP_SIGNATURE, CD_KDUMP_SIGNATURE_LEN) != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "not a kdump-compressed file (no \"KDUMP   \" signature)");
		return FALSE;
	}
	if (self->file_size < CD_KDUMP_HDR_SIZE) {
		cd_kdump_file_set_truncated_error(self, "the header", 0, CD_KDUMP_HDR_SIZE, error);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_kdump_file_load(CdKdumpFile *self, GError **error)
{
	guint8 hdr[CD_KDUMP_HDR_SIZE];
	gsize got = 0;
	gint32 version;
	guint32 sub_hdr_blocks;
	guint32 bitmap_blocks;
	guint64 bits_per_block;
	guint64 metadata_end;
	guint64 table_end;

	if (!cd_kdump_file_check_signature(self, error))
		return FALSE;
	if (!cd_file_pread_full(self->fd, 0, hdr, sizeof(hdr), &got, error))
		return FALSE;
	if (got != sizeof(hdr)) {
		cd_kdump_file_set_truncated_error(self, "the header", 0, sizeof(hdr), error);
		return FALSE;
	}

	version = (gint32)cd_read_le32(hdr + CD_KDUMP_HDR_VERSION);
	if (version < 1 || version > CD_KDUMP_HEADER_VERSION) {
		guint32 swapped = GUINT32_SWAP_LE_BE((guint32)version);
		if (swapped >= 1 && swapped <= CD_KDUMP_HEADER_VERSION) {
			g_set_error_literal(
				error,
				CD_ERROR,
				CD_ERROR_NOT_SUPPORTED,
				"a big-endian kdump-compressed file: only little-endian "
				"dumps are read");
			return FALSE;
		}
		g_set_error(error,
			    CD_ERROR,
			    version > CD_KDUMP_HEADER_VERSION ? CD_ERROR_NOT_SUPPORTED
							      : CD_ERROR_INVALID_DATA,
			    "unsupported kdump header version %d (1 to %d are read)",
			    version,
			    CD_KDUMP_HEADER_VERSION);
		return FALSE;
	}
	self->version = (guint)version;
	for (guint i = 0; i < CD_KDUMP_UTSNAME_LAST; i++) {
		const gchar *field =
			(const gchar *)hdr + CD_KDUMP_HDR_UTSNAME + i * CD_KDUMP_HDR_UTSNAME_FIELD;
		self->utsname[i] =
			g_utf8_make_valid(field,
					  (gssize)strnlen(field, CD_KDUMP_HDR_UTSNAME_FIELD));
	}
	self->timestamp = cd_read_le64(hdr + CD_KDUMP_HDR_TIMESTAMP);
	self->status = cd_read_le32(hdr + CD_KDUMP_HDR_STATUS);
	self->block_size = cd_read_le32(hdr + CD_KDUMP_HDR_BLOCK_SIZE);
	sub_hdr_blocks = cd_read_le32(hdr + CD_KDUMP_HDR_SUB_HDR_SIZE);
	bitmap_blocks = cd_read_le32(hdr + CD_KDUMP_HDR_BITMAP_BLOCKS);
	self->max_mapnr = cd_read_le32(hdr + CD_KDUMP_HDR_MAX_MAPNR);
	self->nr_cpus = cd_read_le32(hdr + CD_KDUMP_HDR_NR_CPUS);
	self->compression_seen = self->status & CD_KDUMP_COMPRESSION_MASK;

	if (self->block_size < CD_KDUMP_MIN_BLOCK_SIZE ||
	    self->block_size > CD_KDUMP_MAX_BLOCK_SIZE ||
	    (self->block_size & (self->block_size - 1)) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "block size %u is not a power of two from %u to %u",
			    self->block_size,
			    CD_KDUMP_MIN_BLOCK_SIZE,
			    CD_KDUMP_MAX_BLOCK_SIZE);
		return FALSE;
	}
	if (sub_hdr_blocks == 0 || sub_hdr_blocks > G_MAXINT32) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid sub header size of %u blocks",
			    sub_hdr_blocks);
		return FALSE;
	}
	if (bitmap_blocks == 0 || bitmap_blocks % 2 != 0) {
		g_set_error(
			error,
			CD_ERROR,
			CD_ERROR_INVALID_DATA,
			"invalid bitmap size of %u blocks: two bitmaps of equal size are needed",
			bitmap_blocks);
		return FALSE;
	}
	metadata_end = ((guint64)1 + sub_hdr_blocks + bitmap_blocks) * self->block_size;
	if (metadata_end > self->file_size) {
		cd_kdump_file_set_truncated_error(self,
						  "the sub header and bitmaps",
						  self->block_size,
						  metadata_end - self->block_size,
						  error);
		return FALSE;
	}
	if (!cd_kdump_file_load_sub_header(self, sub_hdr_blocks, error))
		return FALSE;

	if (self->max_mapnr == 0 || self->max_mapnr > CD_KDUMP_MAX_MAPNR) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "max_mapnr %" G_GUINT64_FORMAT
			    " is out of range (1 to %" G_GUINT64_FORMAT ")",
			    self->max_mapnr,
			    CD_KDUMP_MAX_MAPNR);
		return FALSE;
	}
	if (self->vmcoreinfo != NULL && cd_vmcoreinfo_get_page_size(self->vmcoreinfo) != 0 &&
	    cd_vmcoreinfo_get_page_size(self->vmcoreinfo) != self->block_size) {
		g_set_error(
			error,
			CD_ERROR,
			CD_ERROR_INVALID_DATA,
			"block size %u is not the page size VMCOREINFO gives (%" G_GUINT64_FORMAT
			")",
			self->block_size,
			cd_vmcoreinfo_get_page_size(self->vmcoreinfo));
		return FALSE;
	}
	self->n_pages = CLAMP(CD_KDUMP_PAGE_CACHE_BYTES / self->block_size,
			      CD_KDUMP_PAGE_CACHE_MIN,
			      CD_KDUMP_PAGE_CACHE_MAX);
	bits_per_block = (guint64)self->block_size * 8;
	self->n_index = (self->max_mapnr + bits_per_block - 1) / bits_per_block;
	if (self->n_index > bitmap_blocks / 2) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%u bitmap blocks are too few for %" G_GUINT64_FORMAT
			    " pages (max_mapnr): 2 x %" G_GUINT64_FORMAT " are needed",
			    bitmap_blocks,
			    self->max_mapnr,
			    self->n_index);
		return FALSE;
	}
	self->bitmap1_offset = ((guint64)1 + sub_hdr_blocks) * self->block_size;
	self->bitmap2_offset = self->bitmap1_offset + (guint64)bitmap_blocks / 2 * self->block_size;
	self->desc_offset = metadata_end;
	if (!cd_kdump_file_index_bitmap(self, error))
		return FALSE;

	/* the descriptors come before any page data: a complete dump holds them all */
	table_end = self->desc_offset + self->n_stored * CD_KDUMP_DESC_LEN;
	self->expected_size = table_end;
	if (table_end > self->file_size) {
		if ((self->status & CD_KDUMP_INCOMPLETE) == 0) {
			cd_kdump_file_set_truncated_error(self,
							  "the page descriptor table",
							  self->desc_offset,
							  table_end - self->desc_offset,
							  error);
			return FALSE;
		}
	} else if (self->n_stored > 0) {
		/* the last page's data ends the file as makedumpfile writes it */
		guint8 raw[CD_KDUMP_DESC_LEN];
		guint64 offset;
		guint32 size;

		if (!cd_kdump_file_read_file(self,
					     table_end - CD_KDUMP_DESC_LEN,
					     raw,
					     sizeof(raw),
					     "a page descriptor",
					     error))
			return FALSE;
		offset = cd_read_le64(raw + CD_KDUMP_DESC_OFFSET);
		size = cd_read_le32(raw + CD_KDUMP_DESC_SIZE);
		if (size <= self->block_size && offset <= G_MAXUINT64 - size)
			self->expected_size = MAX(self->expected_size, offset + size);
	}
	return TRUE;
}

/**
 * cd_kdump_file_new_from_fd:
 * @fd: a file descriptor open for reading; the object takes ownership, also on error
 * @name: the name used in messages, usually the path
 *
 * Reads and checks the headers of a kdump-compressed file (makedumpfile's format,
 * header versions 1 to 6, little-endian) and indexes its 2nd bitmap.
 *
 * Returns: (transfer full): the file, or %NULL
 */
CdKdumpFile *
cd_kdump_file_new_from_fd(gint fd, const gchar *name, GError **error)
{
	g_autoptr(CdKdumpFile) self = g_object_new(CD_TYPE_KDUMP_FILE, NULL);

	self->fd = fd;
	self->name = g_strdup(name);
	if (!cd_file_windows_open(&self->windows, fd, &self->file_size, error))
		return NULL;
	if (!cd_kdump_file_load(self, error))
		return NULL;
	return g_steal_pointer(&self);
}

guint
cd_kdump_file_get_header_version(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->version;
}

/**
 * cd_kdump_file_get_utsname:
 *
 * Returns: a field of the crashed kernel's uname, as the header has it (may be empty)
 */
const gchar *
cd_kdump_file_get_utsname(CdKdumpFile *self, CdKdumpUtsnameField field)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), NULL);
	g_return_val_if_fail(field < CD_KDUMP_UTSNAME_LAST, NULL);
	return self->utsname[field];
}

/* without a machine in the header: the size of struct elf_prstatus tells the 64-bit
 * little-endian architectures apart, by their register sets */
static guint16
cd_kdump_file_guess_elf_machine(CdKdumpFile *self)
{
	gsize len = 0;
	const guint8 *notes;

	if (self->notes == NULL)
		return EM_NONE;
	notes = g_bytes_get_data(self->notes, &len);
	for (gsize pos = 0; len - pos >= 12;) {
		guint32 namesz = cd_read_le32(notes + pos);
		guint32 descsz = cd_read_le32(notes + pos + 4);
		guint32 type = cd_read_le32(notes + pos + 8);
		guint64 next = pos + 12 + (((guint64)namesz + 3) & ~3ULL) +
			       (((guint64)descsz + 3) & ~3ULL);

		if (namesz == 5 && type == NT_PRSTATUS && len - pos - 12 >= 5 &&
		    memcmp(notes + pos + 12, "CORE", 5) == 0) {
			const CdArch *arch = cd_arch_find_by_prstatus_size(descsz);
			return arch != NULL ? arch->elf_machine : EM_NONE;
		}
		if (next > len || next == pos)
			break;
		pos = (gsize)next;
	}
	return EM_NONE;
}

/**
 * cd_kdump_file_get_elf_machine:
 *
 * Returns: the `e_machine` of the header's utsname machine or, if that is empty or
 * unknown, of the size of the NT_PRSTATUS notes; %EM_NONE if neither tells
 */
guint16
cd_kdump_file_get_elf_machine(CdKdumpFile *self)
{
	const CdArch *arch;

	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), EM_NONE);
	arch = cd_arch_find_by_name(self->utsname[CD_KDUMP_UTSNAME_MACHINE]);
	if (arch != NULL)
		return arch->elf_machine;
	return cd_kdump_file_guess_elf_machine(self);
}

/**
 * cd_kdump_file_get_timestamp:
 *
 * Returns: the header's time stamp, in seconds since the epoch
 */
guint64
cd_kdump_file_get_timestamp(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->timestamp;
}

guint64
cd_kdump_file_get_phys_base(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->phys_base;
}

/**
 * cd_kdump_file_get_dump_level:
 *
 * Returns: makedumpfile's -d: the #CdDumpLevel bits of what was left out
 */
guint32
cd_kdump_file_get_dump_level(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->dump_level;
}

guint32
cd_kdump_file_get_nr_cpus(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->nr_cpus;
}

/**
 * cd_kdump_file_get_block_size:
 *
 * Returns: the size of a block, which is the crashed kernel's page size
 */
guint32
cd_kdump_file_get_block_size(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->block_size;
}

/**
 * cd_kdump_file_get_max_pfn:
 *
 * Returns: max_mapnr: the bitmaps describe the pfns below it
 */
guint64
cd_kdump_file_get_max_pfn(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->max_mapnr;
}

/**
 * cd_kdump_file_get_stored_pages:
 *
 * Returns: the number of pages the 2nd bitmap says are stored
 */
guint64
cd_kdump_file_get_stored_pages(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->n_stored;
}

/**
 * cd_kdump_file_is_incomplete:
 *
 * Returns: %TRUE if the writer flagged the dump incomplete (it stopped early): pages it
 * never wrote read as %CD_KDUMP_PAGE_MISSING
 */
gboolean
cd_kdump_file_is_incomplete(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), FALSE);
	return (self->status & CD_KDUMP_INCOMPLETE) != 0;
}

/**
 * cd_kdump_file_get_compression:
 *
 * Returns: the compression bits (%CD_KDUMP_COMPRESSED_ZLIB...) of the header's status
 * and of every page read so far
 */
guint32
cd_kdump_file_get_compression(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->compression_seen;
}

guint64
cd_kdump_file_get_file_size(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->file_size;
}

/**
 * cd_kdump_file_get_expected_size:
 *
 * Returns: where the descriptor table and the last page's data end; larger than the
 * file if it was cut
 */
guint64
cd_kdump_file_get_expected_size(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), 0);
	return self->expected_size;
}

/**
 * cd_kdump_file_get_vmcoreinfo:
 *
 * Returns: (transfer none) (nullable): the VMCOREINFO text the sub header points to;
 * %NULL before header version 3
 */
CdVmcoreinfo *
cd_kdump_file_get_vmcoreinfo(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), NULL);
	return self->vmcoreinfo;
}

/**
 * cd_kdump_file_get_notes:
 *
 * Returns: (transfer none) (nullable): the crashed kernel's ELF notes (NT_PRSTATUS per
 * CPU, VMCOREINFO), as /proc/vmcore had them; %NULL before header version 4
 */
GBytes *
cd_kdump_file_get_notes(CdKdumpFile *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), NULL);
	return self->notes;
}

/**
 * cd_kdump_file_get_page_state:
 * @pfn: a page frame number of the crashed machine
 * @state: (out): whether it is stored, excluded, missing or no memory at all
 *
 * Reads the bitmaps and, for a stored page, checks its descriptor.
 */
gboolean
cd_kdump_file_get_page_state(CdKdumpFile *self,
			     guint64 pfn,
			     CdKdumpPageState *state,
			     GError **error)
{
	CdKdumpDesc desc;

	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), FALSE);
	g_return_val_if_fail(state != NULL, FALSE);
	return cd_kdump_file_locate(self, pfn, state, &desc, error);
}

/**
 * cd_kdump_file_read_paddr:
 * @paddr: a physical address of the crashed machine
 *
 * Reads @len bytes of physical memory, which may span pages. A page that is not stored
 * is a %CD_ERROR_NOT_FOUND error saying why: excluded by the dump level, never written
 * (incomplete dump) or no memory.
 */
gboolean
cd_kdump_file_read_paddr(CdKdumpFile *self, guint64 paddr, gpointer buf, gsize len, GError **error)
{
	guint8 *out = buf;

	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), FALSE);

	while (len > 0) {
		guint64 pos = paddr % self->block_size;
		gsize chunk = (gsize)MIN((guint64)len, self->block_size - pos);
		const guint8 *page = cd_kdump_file_get_page(self, paddr / self->block_size, error);

		if (page == NULL)
			return FALSE;
		memcpy(out, page + pos, chunk);
		out += chunk;
		len -= chunk;
		if (len > 0 && paddr > G_MAXUINT64 - chunk) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_NOT_FOUND,
					    "physical read past the end of the address space");
			return FALSE;
		}
		paddr += chunk;
	}
	return TRUE;
}

/**
 * cd_kdump_file_check_paddr_range:
 * @flags: %CD_KDUMP_RANGE_STORED to require every page stored, not only memory
 *
 * Checks the pages of a range without reading their data: each must be memory (in the
 * 1st bitmap) or, with %CD_KDUMP_RANGE_STORED, stored; the descriptors of stored pages
 * must be valid and their data inside the file. The walk stops at the first page that
 * fails, so its cost is bounded by what the file describes.
 *
 * Returns: %TRUE if the whole range passes; else a %CD_ERROR_NOT_FOUND error naming
 * the first page that does not, or another error for a damaged or cut file
 */
gboolean
cd_kdump_file_check_paddr_range(CdKdumpFile *self,
				guint64 paddr,
				guint64 len,
				CdKdumpRangeFlags flags,
				GError **error)
{
	guint64 first;
	guint64 last;

	g_return_val_if_fail(CD_IS_KDUMP_FILE(self), FALSE);

	if (len == 0)
		return TRUE;
	if (paddr > G_MAXUINT64 - (len - 1)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "physical range past the end of the address space");
		return FALSE;
	}
	first = paddr / self->block_size;
	last = (paddr + (len - 1)) / self->block_size;
	for (guint64 pfn = first; pfn <= last; pfn++) {
		CdKdumpPageState state;
		CdKdumpDesc desc;

		if (!cd_kdump_file_locate(self, pfn, &state, &desc, error))
			return FALSE;
		if (state == CD_KDUMP_PAGE_STORED)
			continue;
		if (state == CD_KDUMP_PAGE_NOT_MEMORY || (flags & CD_KDUMP_RANGE_STORED)) {
			cd_kdump_file_set_excluded_error(self, pfn, state, error);
			return FALSE;
		}
	}
	return TRUE;
}
