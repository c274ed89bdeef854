/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdKdumpWriter"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "cd-bytes.h"
#include "cd-kdump-format.h"
#include "cd-kdump-writer.h"
#include "cd-utsname.h"

/* Writes a kdump-compressed dump (makedumpfile's format, header version 6) from an ELF
 * vmcore, in two passes over the crashed kernel's memory map and one over the pages:
 *
 *   plan   the filter runs over every window to count the pages kept, and a sample of
 *          them is compressed: the size estimate the caller checks the free space with
 *   write  headers and the 1st bitmap; then window by window the filter runs again,
 *          kept pages are read with pread() straight into batch buffers, zero pages are
 *          found, and batches are compressed by worker threads and written in order
 *
 * Page descriptors are positional (the n-th set bit of the 2nd bitmap has the n-th
 * descriptor), so their table is sized for the planned count and the page data starts
 * after it. Zero pages found while writing keep their bit: with the zero bit of the dump
 * level their descriptors share one stored zero page, as makedumpfile's do. Memory is
 * bounded by the window and batch sizes, not by the dump. */

/* pfns per window: the bitmaps of one window are 32 KiB each */
#define CD_KDUMP_WINDOW_PFNS (32 * 1024 * 8)
/* the plan keeps its 2nd bitmap for the write up to this size (128 GiB of 4 KiB pages),
 * so that the memory map is walked once; beyond, the write walks it again */
#define CD_KDUMP_PLANNED_KEEP_MAX (4 * 1024 * 1024)
/* pages compressed to estimate the dump's size */
#define CD_KDUMP_SAMPLE_PAGES 4096
/* measured per page on the pages level 31 keeps of a busy 3 GiB guest: zstd level 1
 * is 9 % smaller than zlib level 1, level 3 13 % for 10 % more time, tuned small-input
 * parameters gave no more; bench/capture.sh has the figures;
 * higher levels cost time for little */
#define CD_KDUMP_ZSTD_LEVEL 3

typedef struct {
	guint n;      /* pages in the batch */
	gboolean end; /* the last batch: nothing to compress */
	gboolean done;
	guint8 *in;				    /* n pages */
	guint8 *out;				    /* compressed pages, packed */
	gboolean zero[CD_KDUMP_WRITER_BATCH_PAGES]; /* a shared zero page, nothing stored */
	guint32 size[CD_KDUMP_WRITER_BATCH_PAGES];
	guint32 flags[CD_KDUMP_WRITER_BATCH_PAGES];
	gsize out_len;
} CdKdumpBatch;

struct _CdKdumpWriter {
	GObject parent_instance;
	CdVmcore *vmcore;
	CdPageFilter *filter;
	guint dump_level;
	guint64 page_size;
	guint64 max_pfn;
	guint threads;
	CdKdumpWriterProgressFunc progress_func;
	gpointer progress_data;

	/* the plan */
	gboolean planned;
	guint64 pages_planned;
	GByteArray *planned_keep; /* the plan's 2nd bitmap, if small enough to keep */
	guint64 estimate;

	/* the layout */
	guint64 sub_hdr_blocks;
	guint64 bitmap_bytes; /* one bitmap, rounded up to a block */
	guint64 bitmap1_off;
	guint64 bitmap2_off;
	guint64 desc_off;
	guint64 zero_page_off; /* the shared zero page (with the zero bit of the level) */
	guint64 data_off;

	/* the write */
	gint fd;
	guint64 max_bytes;
	guint64 desc_pos;
	guint64 data_pos;
	guint64 pages_filled; /* read into batches so far */
	guint8 *desc_buf;
	GError *write_error; /* the output failed: the dump is lost */
	CdKdumpWriterResult result;

	/* the workers: batches go round a ring; fill, compress and write in order */
	CdKdumpBatch *ring;
	guint ring_size;
	GMutex lock;
	GCond cond;
	guint64 next_fill;
	guint64 next_compress;
	guint64 next_write;
	gboolean quit;
	GPtrArray *workers;
};

G_DEFINE_TYPE(CdKdumpWriter, cd_kdump_writer, G_TYPE_OBJECT)

static void
cd_kdump_writer_finalize(GObject *object)
{
	CdKdumpWriter *self = CD_KDUMP_WRITER(object);

	g_clear_object(&self->filter);
	g_clear_pointer(&self->planned_keep, g_byte_array_unref);
	g_clear_object(&self->vmcore);
	g_free(self->result.incomplete_reason);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	G_OBJECT_CLASS(cd_kdump_writer_parent_class)->finalize(object);
}

static void
cd_kdump_writer_class_init(CdKdumpWriterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_kdump_writer_finalize;
}

static void
cd_kdump_writer_init(CdKdumpWriter *self)
{
	self->fd = -1;
	self->threads = 1;
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
}

/**
 * cd_kdump_writer_new:
 * @vmcore: an ELF vmcore, such as `/proc/vmcore`
 * @dump_level: makedumpfile's dump level (#CdDumpLevel bits), usually 31
 *
 * Returns: (transfer full): a writer, or %NULL if the vmcore cannot be dumped
 */
CdKdumpWriter *
cd_kdump_writer_new(CdVmcore *vmcore, guint dump_level, GError **error)
{
	g_autoptr(CdKdumpWriter) self = g_object_new(CD_TYPE_KDUMP_WRITER, NULL);

	if (dump_level > CD_DUMP_LEVEL_ALL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "dump level %u is out of range (0 to %d)",
			    dump_level,
			    CD_DUMP_LEVEL_ALL);
		return NULL;
	}
	if (cd_vmcore_get_arch(vmcore)->pointer_size != 8) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "only 64-bit kernels are dumped");
		return NULL;
	}
	self->vmcore = g_object_ref(vmcore);
	self->dump_level = dump_level;
	self->filter = cd_page_filter_new(vmcore, dump_level);
	self->page_size = cd_page_filter_get_page_size(self->filter);
	self->max_pfn = cd_page_filter_get_max_pfn(self->filter);
	if (self->page_size < 4096 || self->page_size > 65536 ||
	    (self->page_size & (self->page_size - 1)) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "page size %" G_GUINT64_FORMAT " is not one a dump can have",
			    self->page_size);
		return NULL;
	}
	/* segment sizes come from the file: a hostile one could claim exabytes, and the
	 * header's 32-bit bitmap block count would wrap */
	if (self->max_pfn == 0 || self->max_pfn > CD_KDUMP_MAX_MAPNR) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the vmcore describes memory up to pfn 0x%" G_GINT64_MODIFIER
			    "x: out of range (1 to 0x%" G_GINT64_MODIFIER "x)",
			    self->max_pfn,
			    CD_KDUMP_MAX_MAPNR);
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * cd_kdump_writer_set_threads:
 * @threads: compression threads, besides the one that reads and writes
 */
void
cd_kdump_writer_set_threads(CdKdumpWriter *self, guint threads)
{
	g_return_if_fail(CD_IS_KDUMP_WRITER(self));
	self->threads = CLAMP(threads, 1, CD_KDUMP_WRITER_MAX_THREADS);
}

static ZSTD_CCtx *
cd_kdump_cctx_new(void)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();

	g_assert(cctx != NULL);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, CD_KDUMP_ZSTD_LEVEL);
	/* a page is its own frame: no checksum or dictionary id to pay for */
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);
	return cctx;
}

/* compresses one page; 0 if it does not shrink (then it is stored raw) */
static gsize
cd_kdump_compress_page(ZSTD_CCtx *cctx, guint8 *dst, const guint8 *page, gsize page_size)
{
	gsize n = ZSTD_compress2(cctx, dst, page_size - 1, page, page_size);

	if (ZSTD_isError(n))
		return 0;
	return n;
}

static gboolean
cd_kdump_is_zero(const guint8 *page, gsize size)
{
	/* the buffers are page aligned; memcpy keeps it legal for the compiler to see */
	for (gsize i = 0; i < size; i += 32) {
		guint64 w[4];
		memcpy(w, page + i, sizeof(w));
		if ((w[0] | w[1] | w[2] | w[3]) != 0)
			return FALSE;
	}
	return TRUE;
}

/* the window containing @pfn: [start, start + n) with n a multiple of 8 */
static guint64
cd_kdump_window_len(CdKdumpWriter *self, guint64 start)
{
	guint64 n = MIN((guint64)CD_KDUMP_WINDOW_PFNS, self->max_pfn - start);
	return (n + 7) & ~7ULL;
}

/**
 * cd_kdump_writer_plan:
 *
 * Runs the filter over the whole memory map and compresses a sample of the pages it
 * keeps: afterwards cd_kdump_writer_get_estimate() tells how large the dump will be.
 */
void
cd_kdump_writer_set_progress(CdKdumpWriter *self,
			     CdKdumpWriterProgressFunc func,
			     gpointer user_data)
{
	g_return_if_fail(CD_IS_KDUMP_WRITER(self));
	self->progress_func = func;
	self->progress_data = user_data;
}

gboolean
cd_kdump_writer_plan(CdKdumpWriter *self, GError **error)
{
	g_autofree guint8 *memory = g_malloc(CD_KDUMP_WINDOW_PFNS / 8);
	g_autofree guint8 *keep = g_malloc(CD_KDUMP_WINDOW_PFNS / 8);
	g_autofree guint8 *page = g_malloc(self->page_size);
	g_autofree guint8 *packed = g_malloc(self->page_size);
	g_autofree guint64 *sample = g_new(guint64, CD_KDUMP_SAMPLE_PAGES);
	/* a fixed seed: the same vmcore gives the same estimate */
	g_autoptr(GRand) rand = g_rand_new_with_seed(0x63647270);
	ZSTD_CCtx *cctx = cd_kdump_cctx_new();
	guint64 seen = 0;
	guint64 sampled;
	guint64 sampled_bytes = 0;
	guint64 data;
	guint64 vmcoreinfo_len;
	gsize notes_len;

	g_return_val_if_fail(CD_IS_KDUMP_WRITER(self), FALSE);

	g_debug("plan: start");
	/* a uniform sample of the kept pages (reservoir sampling), read once the walk over
	 * the memory map is done */
	cd_page_filter_rewind(self->filter);
	g_clear_pointer(&self->planned_keep, g_byte_array_unref);
	if ((self->max_pfn + 7) / 8 <= CD_KDUMP_PLANNED_KEEP_MAX)
		self->planned_keep = g_byte_array_sized_new((guint)((self->max_pfn + 7) / 8));
	for (guint64 start = 0; start < self->max_pfn; start += CD_KDUMP_WINDOW_PFNS) {
		guint64 n = cd_kdump_window_len(self, start);

		cd_page_filter_run(self->filter, start, n, memory, keep);
		if (self->planned_keep != NULL)
			g_byte_array_append(self->planned_keep, keep, (guint)(n / 8));
		for (guint64 i = 0; i < n; i++) {
			if (!cd_bitmap_test(keep, i))
				continue;
			if (seen < CD_KDUMP_SAMPLE_PAGES) {
				sample[seen] = start + i;
			} else {
				guint64 j = ((guint64)g_rand_int(rand) << 32 | g_rand_int(rand)) %
					    (seen + 1);
				if (j < CD_KDUMP_SAMPLE_PAGES)
					sample[j] = start + i;
			}
			seen++;
		}
	}
	sampled = MIN(seen, CD_KDUMP_SAMPLE_PAGES);
	for (guint64 k = 0; k < sampled; k++) {
		gsize packed_len;

		/* a page that cannot be read now will not be read while writing either:
		 * count it as incompressible */
		if (!cd_vmcore_read_phys_direct(self->vmcore,
						sample[k] * self->page_size,
						page,
						self->page_size,
						NULL)) {
			sampled_bytes += self->page_size;
			continue;
		}
		/* zero pages share one stored page with the zero bit of the level */
		if ((self->dump_level & CD_DUMP_LEVEL_ZERO) &&
		    cd_kdump_is_zero(page, self->page_size))
			continue;
		packed_len = cd_kdump_compress_page(cctx, packed, page, self->page_size);
		sampled_bytes += packed_len != 0 ? packed_len : self->page_size;
	}
	ZSTD_freeCCtx(cctx);
	self->pages_planned = cd_page_filter_get_stats(self->filter)->kept;

	/* the layout: headers, both bitmaps, then a descriptor per planned page */
	vmcoreinfo_len =
		g_bytes_get_size(cd_vmcoreinfo_get_data(cd_vmcore_get_vmcoreinfo(self->vmcore)));
	cd_vmcore_get_notes(self->vmcore, &notes_len);
	self->sub_hdr_blocks =
		(CD_KDUMP_SUB_SIZE + notes_len + vmcoreinfo_len + self->page_size - 1) /
		self->page_size;
	self->bitmap_bytes =
		((self->max_pfn + 7) / 8 + self->page_size - 1) / self->page_size * self->page_size;
	self->bitmap1_off = self->page_size * (1 + self->sub_hdr_blocks);
	self->bitmap2_off = self->bitmap1_off + self->bitmap_bytes;
	self->desc_off = self->bitmap2_off + self->bitmap_bytes;
	self->zero_page_off = self->desc_off + self->pages_planned * CD_KDUMP_DESC_LEN;
	self->data_off = self->zero_page_off;
	if (self->dump_level & CD_DUMP_LEVEL_ZERO)
		self->data_off += self->page_size;

	/* the sample's average, with a margin for what it missed */
	data = sampled > 0 ? self->pages_planned * sampled_bytes / sampled : 0;
	self->estimate = self->data_off + data + data / 20 + 64 * 1024;
	self->planned = TRUE;
	g_debug("plan: %" G_GUINT64_FORMAT " pages kept, %" G_GUINT64_FORMAT
		" sampled, estimate %" G_GUINT64_FORMAT " bytes",
		self->pages_planned,
		sampled,
		self->estimate);
	return TRUE;
}

/**
 * cd_kdump_writer_get_estimate:
 *
 * Returns: the dump's expected size in bytes, with a margin; valid after a plan
 */
guint64
cd_kdump_writer_get_estimate(CdKdumpWriter *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_WRITER(self), 0);
	return self->estimate;
}

/**
 * cd_kdump_writer_get_warning:
 *
 * Returns: why the dump keeps more than its level asks (the memory map could not be
 * read), or %NULL
 */
const gchar *
cd_kdump_writer_get_warning(CdKdumpWriter *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_WRITER(self), NULL);
	return cd_page_filter_get_warning(self->filter);
}

const CdKdumpWriterResult *
cd_kdump_writer_get_result(CdKdumpWriter *self)
{
	g_return_val_if_fail(CD_IS_KDUMP_WRITER(self), NULL);
	return &self->result;
}

static gboolean
cd_kdump_pwrite(CdKdumpWriter *self, const void *buf, gsize len, guint64 offset, GError **error)
{
	const guint8 *p = buf;

	if (offset + len > self->max_bytes) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_NOSPC,
			    "the dump would grow past the %" G_GUINT64_FORMAT
			    " bytes the free space allows",
			    self->max_bytes);
		return FALSE;
	}
	while (len > 0) {
		gssize n = pwrite(self->fd, p, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cd_error_set_from_errno(
				error,
				errno,
				"cannot write the dump at offset %" G_GUINT64_FORMAT,
				offset);
			return FALSE;
		}
		p += n;
		len -= (gsize)n;
		offset += (guint64)n;
	}
	return TRUE;
}

static void
cd_kdump_put_string(guint8 *dst, gsize size, const gchar *s)
{
	if (s != NULL)
		memcpy(dst, s, MIN(strlen(s), size - 1));
}

/* block 0 and the sub header, VMCOREINFO and notes after it */
static gboolean
cd_kdump_write_headers(CdKdumpWriter *self, gboolean incomplete, GError **error)
{
	CdVmcoreinfo *info = cd_vmcore_get_vmcoreinfo(self->vmcore);
	GBytes *vmcoreinfo = cd_vmcoreinfo_get_data(info);
	g_autoptr(CdUtsname) uts = cd_utsname_new_from_vmcore(self->vmcore, NULL);
	g_autofree guint8 *block = g_malloc0(self->page_size * (1 + self->sub_hdr_blocks));
	guint8 *sub = block + self->page_size;
	const guint8 *notes;
	gsize notes_len;
	gint64 crash_time = 0;
	gint64 phys_base = 0;
	guint32 status = CD_KDUMP_COMPRESSED_ZSTD | (incomplete ? CD_KDUMP_INCOMPLETE : 0);

	notes = cd_vmcore_get_notes(self->vmcore, &notes_len);
	memcpy(block + CD_KDUMP_HDR_SIGNATURE, CD_KDUMP_SIGNATURE, CD_KDUMP_SIGNATURE_LEN);
	cd_write_le32(block + CD_KDUMP_HDR_VERSION, CD_KDUMP_HEADER_VERSION);
	/* crash checks the machine: what the kernel's utsname lacks, VMCOREINFO and the ELF
	 * machine tell */
	cd_kdump_put_string(block + CD_KDUMP_HDR_UTSNAME,
			    CD_KDUMP_HDR_UTSNAME_FIELD,
			    uts != NULL && uts->sysname[0] != '\0' ? uts->sysname : "Linux");
	cd_kdump_put_string(block + CD_KDUMP_HDR_UTSNAME + 2 * CD_KDUMP_HDR_UTSNAME_FIELD,
			    CD_KDUMP_HDR_UTSNAME_FIELD,
			    uts != NULL && uts->release[0] != '\0'
				    ? uts->release
				    : cd_vmcoreinfo_get_osrelease(info));
	if (uts != NULL)
		cd_kdump_put_string(block + CD_KDUMP_HDR_UTSNAME + 3 * CD_KDUMP_HDR_UTSNAME_FIELD,
				    CD_KDUMP_HDR_UTSNAME_FIELD,
				    uts->version);
	cd_kdump_put_string(block + CD_KDUMP_HDR_UTSNAME + 4 * CD_KDUMP_HDR_UTSNAME_FIELD,
			    CD_KDUMP_HDR_UTSNAME_FIELD,
			    uts != NULL && uts->machine[0] != '\0'
				    ? uts->machine
				    : cd_vmcore_get_arch(self->vmcore)->name);
	if (!cd_vmcoreinfo_get_crash_time(info, &crash_time))
		crash_time = g_get_real_time() / G_USEC_PER_SEC;
	cd_write_le64(block + CD_KDUMP_HDR_TIMESTAMP, (guint64)crash_time);
	cd_write_le32(block + CD_KDUMP_HDR_STATUS, status);
	cd_write_le32(block + CD_KDUMP_HDR_BLOCK_SIZE, (guint32)self->page_size);
	cd_write_le32(block + CD_KDUMP_HDR_SUB_HDR_SIZE, (guint32)self->sub_hdr_blocks);
	cd_write_le32(block + CD_KDUMP_HDR_BITMAP_BLOCKS,
		      (guint32)(2 * self->bitmap_bytes / self->page_size));
	cd_write_le32(block + CD_KDUMP_HDR_MAX_MAPNR, (guint32)MIN(self->max_pfn, G_MAXUINT32));
	cd_write_le32(block + CD_KDUMP_HDR_NR_CPUS, cd_vmcore_get_cpu_count(self->vmcore));

	cd_vmcoreinfo_get_number(info, "phys_base", &phys_base, NULL);
	cd_write_le64(sub + CD_KDUMP_SUB_PHYS_BASE, (guint64)phys_base);
	cd_write_le32(sub + CD_KDUMP_SUB_DUMP_LEVEL, self->dump_level);
	cd_write_le64(sub + CD_KDUMP_SUB_END_PFN, MIN(self->max_pfn, G_MAXUINT32));
	cd_write_le64(sub + CD_KDUMP_SUB_OFFSET_NOTE, self->page_size + CD_KDUMP_SUB_SIZE);
	cd_write_le64(sub + CD_KDUMP_SUB_SIZE_NOTE, notes_len);
	cd_write_le64(sub + CD_KDUMP_SUB_OFFSET_VMCOREINFO,
		      self->page_size + CD_KDUMP_SUB_SIZE + notes_len);
	cd_write_le64(sub + CD_KDUMP_SUB_SIZE_VMCOREINFO, g_bytes_get_size(vmcoreinfo));
	cd_write_le64(sub + CD_KDUMP_SUB_START_PFN_64, 0);
	cd_write_le64(sub + CD_KDUMP_SUB_END_PFN_64, self->max_pfn);
	cd_write_le64(sub + CD_KDUMP_SUB_MAX_MAPNR_64, self->max_pfn);
	memcpy(sub + CD_KDUMP_SUB_SIZE, notes, notes_len);
	memcpy(sub + CD_KDUMP_SUB_SIZE + notes_len,
	       g_bytes_get_data(vmcoreinfo, NULL),
	       g_bytes_get_size(vmcoreinfo));
	return cd_kdump_pwrite(self, block, self->page_size * (1 + self->sub_hdr_blocks), 0, error);
}

/* the 1st bitmap, window by window, from the segments alone */
static gboolean
cd_kdump_write_bitmap1(CdKdumpWriter *self, GError **error)
{
	g_autofree guint8 *memory = g_malloc0(CD_KDUMP_WINDOW_PFNS / 8);
	guint n_segments = cd_vmcore_get_segment_count(self->vmcore);

	for (guint64 start = 0; start < self->max_pfn; start += CD_KDUMP_WINDOW_PFNS) {
		guint64 n = cd_kdump_window_len(self, start);

		memset(memory, 0, n / 8);
		for (guint i = 0; i < n_segments; i++) {
			guint64 paddr, memsz, filesz;
			guint64 first, end;

			cd_vmcore_get_segment(self->vmcore, i, &paddr, &memsz, &filesz);
			first = MAX(paddr / self->page_size, start);
			end = MIN((paddr + memsz + self->page_size - 1) / self->page_size,
				  start + n);
			for (guint64 p = first; p < end; p++)
				cd_bitmap_set(memory, p - start);
		}
		if (!cd_kdump_pwrite(self, memory, n / 8, self->bitmap1_off + start / 8, error))
			return FALSE;
	}
	return TRUE;
}

static void
cd_kdump_compress_batch(CdKdumpWriter *self, CdKdumpBatch *batch, ZSTD_CCtx *cctx)
{
	gsize out = 0;

	for (guint i = 0; i < batch->n; i++) {
		const guint8 *page = batch->in + i * self->page_size;
		gsize n;

		if (batch->zero[i]) {
			batch->size[i] = (guint32)self->page_size;
			batch->flags[i] = 0;
			continue;
		}
		n = cd_kdump_compress_page(cctx, batch->out + out, page, self->page_size);
		if (n == 0) {
			memcpy(batch->out + out, page, self->page_size);
			n = self->page_size;
			batch->flags[i] = 0;
		} else {
			batch->flags[i] = CD_KDUMP_COMPRESSED_ZSTD;
		}
		batch->size[i] = (guint32)n;
		out += n;
	}
	batch->out_len = out;
}

static gpointer
cd_kdump_worker(gpointer user_data)
{
	CdKdumpWriter *self = user_data;
	ZSTD_CCtx *cctx = cd_kdump_cctx_new();

	g_mutex_lock(&self->lock);
	for (;;) {
		CdKdumpBatch *batch;

		while (!self->quit && self->next_compress == self->next_fill)
			g_cond_wait(&self->cond, &self->lock);
		if (self->next_compress == self->next_fill)
			break;
		batch = &self->ring[self->next_compress++ % self->ring_size];
		g_mutex_unlock(&self->lock);
		cd_kdump_compress_batch(self, batch, cctx);
		g_mutex_lock(&self->lock);
		batch->done = TRUE;
		g_cond_broadcast(&self->cond);
	}
	g_mutex_unlock(&self->lock);
	ZSTD_freeCCtx(cctx);
	return NULL;
}

/* descriptors and data of the oldest batch, in order; after an output error the rest
 * are only drained */
static void
cd_kdump_write_batch(CdKdumpWriter *self, CdKdumpBatch *batch)
{
	gsize pos = 0;

	if (self->write_error != NULL)
		return;
	for (guint i = 0; i < batch->n; i++) {
		guint8 *d = self->desc_buf + i * CD_KDUMP_DESC_LEN;
		guint64 offset = batch->zero[i] ? self->zero_page_off : self->data_pos + pos;

		cd_write_le64(d + CD_KDUMP_DESC_OFFSET, offset);
		cd_write_le32(d + CD_KDUMP_DESC_SIZE, batch->size[i]);
		cd_write_le32(d + CD_KDUMP_DESC_FLAGS, batch->flags[i]);
		cd_write_le64(d + CD_KDUMP_DESC_PAGE_FLAGS, 0);
		if (!batch->zero[i])
			pos += batch->size[i];
	}
	if (!cd_kdump_pwrite(self,
			     batch->out,
			     batch->out_len,
			     self->data_pos,
			     &self->write_error) ||
	    !cd_kdump_pwrite(self,
			     self->desc_buf,
			     (gsize)batch->n * CD_KDUMP_DESC_LEN,
			     self->desc_pos,
			     &self->write_error))
		return;
	self->data_pos += batch->out_len;
	self->desc_pos += (guint64)batch->n * CD_KDUMP_DESC_LEN;
	self->result.pages_written += batch->n;
	if (self->progress_func != NULL)
		self->progress_func(self->result.pages_written,
				    self->pages_planned,
				    self->progress_data);
}

/* hands a filled batch to the workers, writing finished batches in order while the ring
 * is full; with @flush, waits for every batch and writes it */
static void
cd_kdump_submit(CdKdumpWriter *self, gboolean flush)
{
	g_mutex_lock(&self->lock);
	if (!flush) {
		self->next_fill++;
		g_cond_broadcast(&self->cond);
	}
	for (;;) {
		CdKdumpBatch *oldest = &self->ring[self->next_write % self->ring_size];
		gboolean room = self->next_fill - self->next_write < self->ring_size;

		if (self->next_write == self->next_fill)
			break;
		if (!oldest->done) {
			if (room && !flush)
				break;
			g_cond_wait(&self->cond, &self->lock);
			continue;
		}
		g_mutex_unlock(&self->lock);
		cd_kdump_write_batch(self, oldest);
		g_mutex_lock(&self->lock);
		oldest->done = FALSE;
		oldest->n = 0;
		self->next_write++;
	}
	g_mutex_unlock(&self->lock);
}

static CdKdumpBatch *
cd_kdump_current_batch(CdKdumpWriter *self)
{
	return &self->ring[self->next_fill % self->ring_size];
}

/* reads the kept pages of one window into batches; FALSE with @error if the vmcore
 * cannot be read, which ends the dump early: @failed_at is then the window index of the
 * first page not stored */
static gboolean
cd_kdump_fill_window(CdKdumpWriter *self,
		     guint64 start,
		     guint64 n,
		     guint8 *keep,
		     guint64 *failed_at,
		     GError **error)
{
	guint64 i = 0;

	while (i < n && self->write_error == NULL) {
		CdKdumpBatch *batch;
		guint8 *base;
		guint64 run = 0;
		guint room;

		if (!cd_bitmap_test(keep, i)) {
			i++;
			continue;
		}
		batch = cd_kdump_current_batch(self);
		base = batch->in + batch->n * self->page_size;
		room = CD_KDUMP_WRITER_BATCH_PAGES - batch->n;
		while (run < room && i + run < n && cd_bitmap_test(keep, i + run))
			run++;
		/* the descriptor table holds the planned pages only: a file that changed
		 * since the plan must not write past it */
		if (self->pages_filled + run > self->pages_planned) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "the vmcore changed while it was dumped: more than the "
				    "%" G_GUINT64_FORMAT " pages planned",
				    self->pages_planned);
			*failed_at = i;
			return FALSE;
		}
		if (!cd_vmcore_read_phys_direct(self->vmcore,
						(start + i) * self->page_size,
						base,
						run * self->page_size,
						error)) {
			g_prefix_error(error,
				       "cannot read page 0x%" G_GINT64_MODIFIER "x of the vmcore: ",
				       start + i);
			*failed_at = i;
			return FALSE;
		}
		self->pages_filled += run;
		self->result.pages_partial +=
			cd_vmcore_count_partial_pages(self->vmcore, start + i, run);
		for (guint64 k = 0; k < run; k++) {
			const guint8 *src = base + k * self->page_size;
			gboolean zero = cd_kdump_is_zero(src, self->page_size);

			/* with the zero bit, zero pages share one stored page, as makedumpfile's
			 * do: readers see zeros, not an excluded page */
			if (zero)
				self->result.pages_zero++;
			batch->zero[batch->n] = zero && (self->dump_level & CD_DUMP_LEVEL_ZERO);
			batch->n++;
		}
		i += run;
		if (batch->n == CD_KDUMP_WRITER_BATCH_PAGES)
			cd_kdump_submit(self, FALSE);
	}
	return TRUE;
}

static void
cd_kdump_start_workers(CdKdumpWriter *self)
{
	self->ring_size = self->threads * 2 + 2;
	self->ring = g_new0(CdKdumpBatch, self->ring_size);
	for (guint i = 0; i < self->ring_size; i++) {
		self->ring[i].in = g_malloc(CD_KDUMP_WRITER_BATCH_PAGES * self->page_size);
		self->ring[i].out = g_malloc(CD_KDUMP_WRITER_BATCH_PAGES * self->page_size);
	}
	self->next_fill = self->next_compress = self->next_write = 0;
	self->quit = FALSE;
	/* even one compression thread runs apart from this one, which reads and writes
	 * meanwhile */
	self->workers = g_ptr_array_new();
	for (guint i = 0; i < self->threads; i++)
		g_ptr_array_add(self->workers,
				g_thread_new("crashdesk-zstd", cd_kdump_worker, self));
}

static void
cd_kdump_stop_workers(CdKdumpWriter *self)
{
	g_mutex_lock(&self->lock);
	self->quit = TRUE;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	for (guint i = 0; i < self->workers->len; i++)
		g_thread_join(g_ptr_array_index(self->workers, i));
	g_clear_pointer(&self->workers, g_ptr_array_unref);
	for (guint i = 0; i < self->ring_size; i++) {
		g_free(self->ring[i].in);
		g_free(self->ring[i].out);
	}
	g_clear_pointer(&self->ring, g_free);
}

/**
 * cd_kdump_writer_write:
 * @fd: a new, empty file open for writing
 * @max_bytes: the most the file may take; beyond it writing fails as if the disk were
 *   full (G_FILE_ERROR_NOSPC), so that the free-space reserve holds
 *
 * Writes the dump. A failure to write (a full disk, an I/O error) returns %FALSE: the
 * file is then useless and the caller removes it. A failure to read the vmcore part of
 * the way ends the dump early but keeps what was written: it returns %TRUE and the
 * result says `complete = FALSE` and why; the header carries makedumpfile's incomplete
 * flag, which crash and libkdumpfile understand.
 */
gboolean
cd_kdump_writer_write(CdKdumpWriter *self, gint fd, guint64 max_bytes, GError **error)
{
	g_autofree guint8 *memory = g_malloc(CD_KDUMP_WINDOW_PFNS / 8);
	g_autofree guint8 *keep = g_malloc(CD_KDUMP_WINDOW_PFNS / 8);
	g_autofree guint8 *desc_buf = g_malloc(CD_KDUMP_WRITER_BATCH_PAGES * CD_KDUMP_DESC_LEN);
	g_autoptr(GError) read_error = NULL;
	struct stat st;

	g_return_val_if_fail(CD_IS_KDUMP_WRITER(self), FALSE);

	if (!self->planned && !cd_kdump_writer_plan(self, error))
		return FALSE;
	self->fd = fd;
	self->max_bytes = max_bytes;
	self->desc_buf = desc_buf;
	self->desc_pos = self->desc_off;
	self->data_pos = self->data_off;
	self->pages_filled = 0;
	g_clear_error(&self->write_error);
	g_clear_pointer(&self->result.incomplete_reason, g_free);
	memset(&self->result, 0, sizeof(self->result));
	self->result.pages_planned = self->pages_planned;

	/* flagged incomplete until the end: a dump cut short by a crash says so */
	if (!cd_kdump_write_headers(self, TRUE, error) || !cd_kdump_write_bitmap1(self, error))
		return FALSE;
	if (self->dump_level & CD_DUMP_LEVEL_ZERO) {
		g_autofree guint8 *zero = g_malloc0(self->page_size);
		if (!cd_kdump_pwrite(self, zero, self->page_size, self->zero_page_off, error))
			return FALSE;
	}

	cd_kdump_start_workers(self);
	if (self->planned_keep == NULL)
		cd_page_filter_rewind(self->filter);
	for (guint64 start = 0; start < self->max_pfn && self->write_error == NULL;
	     start += CD_KDUMP_WINDOW_PFNS) {
		guint64 n = cd_kdump_window_len(self, start);
		guint64 failed_at = 0;
		gboolean ok;

		/* the plan's bitmap when it kept it, else the memory map walked again */
		if (self->planned_keep != NULL)
			memcpy(keep, self->planned_keep->data + start / 8, n / 8);
		else
			cd_page_filter_run(self->filter, start, n, memory, keep);
		ok = cd_kdump_fill_window(self, start, n, keep, &failed_at, &read_error);
		/* pages not read have no descriptor: their bits go, so that the n-th bit
		 * still has the n-th descriptor */
		for (guint64 i = failed_at; !ok && i < n; i++)
			cd_bitmap_clear(keep, i);
		if (self->write_error == NULL)
			cd_kdump_pwrite(self,
					keep,
					n / 8,
					self->bitmap2_off + start / 8,
					&self->write_error);
		if (!ok)
			break;
	}
	/* the last, partly filled batch, then everything in flight */
	if (cd_kdump_current_batch(self)->n > 0)
		cd_kdump_submit(self, FALSE);
	cd_kdump_submit(self, TRUE);
	cd_kdump_stop_workers(self);
	self->desc_buf = NULL;

	if (self->write_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&self->write_error));
		return FALSE;
	}
	self->result.complete = read_error == NULL;
	if (read_error != NULL)
		self->result.incomplete_reason = g_strdup(read_error->message);
	if (!cd_kdump_write_headers(self, !self->result.complete, error))
		return FALSE;
	g_debug("write: done");
	if (fstat(fd, &st) == 0)
		self->result.bytes = (guint64)st.st_size;
	self->result.pages_memory = cd_page_filter_get_stats(self->filter)->memory;
	return TRUE;
}
