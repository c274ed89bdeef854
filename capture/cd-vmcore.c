/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdVmcore"

#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include "cd-error.h"
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-bytes.h"
#include "cd-file.h"
#include "cd-kdump-file.h"
#include "cd-kdump-format.h"
#include "cd-vmcore.h"

/* An ELF64 core as /proc/vmcore presents it: one PT_NOTE (a NT_PRSTATUS per CPU and the
 * VMCOREINFO note) and PT_LOADs mapping the crashed kernel's memory. The file can be
 * hundreds of GiB and hostile: everything is read through a few small windows, every
 * header field is checked against the file before use, and the memory used does not
 * depend on the file's size beyond the segment table. */

typedef struct {
	guint64 vaddr;
	guint64 paddr;
	guint64 offset;
	guint64 filesz;
	guint64 memsz;
} CdVmcoreSegment;

/* a run of physical memory that some segment covers, bounds inclusive: a segment may
 * end at the top of the address space */
typedef struct {
	guint64 first;
	guint64 last;
} CdVmcoreRange;

struct _CdVmcore {
	GObject parent_instance;
	gchar *name;
	gint fd;
	guint64 file_size;
	guint64 expected_size; /* the end of the furthest segment, as the headers say */
	const CdArch *arch;
	GArray *segments; /* of CdVmcoreSegment */
	guint last_segment;
	/* the union of the segments, sorted and merged, and the pages it covers only in
	 * part: kexec-tools describes "System RAM" as /proc/iomem has it, and a range
	 * such as 0x1000-0x9fbff ends in the middle of a page */
	GArray *ranges;	      /* of CdVmcoreRange */
	GArray *partial_pfns; /* of guint64, sorted, unique */
	guint64 page_size;    /* of the crashed kernel, 4 KiB if VMCOREINFO lacks it */
	CdVmcoreinfo *vmcoreinfo;
	guint cpu_count;
	CdKdumpFile *kdump; /* a kdump-compressed file: its physical reads go there */
	GByteArray *notes;  /* every PT_NOTE segment, as stored */
	CdFileWindows windows;
	CdArchTranslation translation;
	/* the last page-table translation */
	guint64 tlb_vaddr;
	guint64 tlb_paddr;
	guint64 tlb_size;
};

G_DEFINE_TYPE(CdVmcore, cd_vmcore, G_TYPE_OBJECT)

static void
cd_vmcore_finalize(GObject *object)
{
	CdVmcore *self = CD_VMCORE(object);

	cd_file_windows_clear(&self->windows);
	if (self->fd >= 0)
		g_close(self->fd, NULL);
	g_clear_object(&self->vmcoreinfo);
	g_clear_object(&self->kdump);
	g_byte_array_unref(self->notes);
	g_array_unref(self->segments);
	g_array_unref(self->ranges);
	g_array_unref(self->partial_pfns);
	g_free(self->name);
	G_OBJECT_CLASS(cd_vmcore_parent_class)->finalize(object);
}

static void
cd_vmcore_class_init(CdVmcoreClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_vmcore_finalize;
}

static void
cd_vmcore_init(CdVmcore *self)
{
	self->fd = -1;
	self->segments = g_array_new(FALSE, FALSE, sizeof(CdVmcoreSegment));
	self->ranges = g_array_new(FALSE, FALSE, sizeof(CdVmcoreRange));
	self->partial_pfns = g_array_new(FALSE, FALSE, sizeof(guint64));
	self->notes = g_byte_array_new();
}

static void
cd_vmcore_set_truncated_error(CdVmcore *self, guint64 offset, GError **error)
{
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_TRUNCATED,
		    "truncated: data at file offset %" G_GUINT64_FORMAT
		    " is needed but the file has only %" G_GUINT64_FORMAT " bytes",
		    offset,
		    self->file_size);
}

/* reads file bytes through the windows; a short file is an error, not zeros */
static gboolean
cd_vmcore_read_file(CdVmcore *self, guint64 offset, guint8 *buf, gsize len, GError **error)
{
	gboolean short_file = FALSE;

	if (cd_file_windows_read(&self->windows, offset, buf, len, &short_file, error))
		return TRUE;
	if (short_file)
		cd_vmcore_set_truncated_error(self, MAX(offset, self->file_size), error);
	return FALSE;
}

static gboolean
cd_vmcore_parse_notes(CdVmcore *self, const guint8 *buf, gsize size, GError **error)
{
	gsize pos = 0;

	while (size - pos >= 12) {
		guint32 namesz = cd_read_le32(buf + pos);
		guint32 descsz = cd_read_le32(buf + pos + 4);
		guint32 type = cd_read_le32(buf + pos + 8);
		guint64 name_pos = pos + 12;
		guint64 desc_pos = name_pos + (((guint64)namesz + 3) & ~3ULL);
		guint64 next = desc_pos + (((guint64)descsz + 3) & ~3ULL);
		const gchar *name = (const gchar *)buf + name_pos;

		/* kexec pads the merged note segment with zeros */
		if (namesz == 0 && descsz == 0 && type == 0)
			break;
		if (desc_pos + descsz > size || name_pos + namesz > size) {
			if (self->vmcoreinfo != NULL)
				break;
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "no VMCOREINFO: the note at offset %" G_GSIZE_FORMAT
				    " claims %u + %u bytes, past the end of its PT_NOTE segment",
				    pos,
				    namesz,
				    descsz);
			return FALSE;
		}
		if ((namesz == 11 || namesz == 10) && memcmp(name, "VMCOREINFO", 10) == 0 &&
		    type == 0 && self->vmcoreinfo == NULL) {
			self->vmcoreinfo =
				cd_vmcoreinfo_new_from_data((const gchar *)buf + desc_pos,
							    descsz,
							    error);
			if (self->vmcoreinfo == NULL)
				return FALSE;
		} else if (namesz == 5 && memcmp(name, "CORE", 5) == 0 && type == NT_PRSTATUS) {
			self->cpu_count++;
		}
		if (next > size)
			break;
		pos = (gsize)next;
	}
	return TRUE;
}

static gboolean
cd_vmcore_read_notes(CdVmcore *self, guint64 offset, guint64 size, GError **error)
{
	g_autofree guint8 *buf = NULL;

	if (size > CD_VMCORE_MAX_NOTES_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "PT_NOTE segment of %" G_GUINT64_FORMAT " bytes is over the %u limit",
			    size,
			    CD_VMCORE_MAX_NOTES_SIZE);
		return FALSE;
	}
	if (offset > self->file_size || size > self->file_size - offset) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "truncated: the PT_NOTE segment (%" G_GUINT64_FORMAT
			    " bytes at offset %" G_GUINT64_FORMAT
			    ") lies past the end of the file (%" G_GUINT64_FORMAT " bytes)",
			    size,
			    offset,
			    self->file_size);
		return FALSE;
	}
	buf = g_malloc(size + 1);
	if (!cd_vmcore_read_file(self, offset, buf, size, error))
		return FALSE;
	if ((guint64)self->notes->len + size > CD_VMCORE_MAX_NOTES_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "PT_NOTE segments of more than %u bytes in all",
			    CD_VMCORE_MAX_NOTES_SIZE);
		return FALSE;
	}
	g_byte_array_append(self->notes, buf, (guint)size);
	return cd_vmcore_parse_notes(self, buf, size, error);
}

static gboolean
cd_vmcore_read_phnum(CdVmcore *self, const guint8 *ehdr, guint64 *phnum, GError **error)
{
	guint64 shoff = cd_read_le64(ehdr + 40);
	guint16 shentsize = cd_read_le16(ehdr + 58);
	guint8 shdr[sizeof(Elf64_Shdr)];

	*phnum = cd_read_le16(ehdr + 56);
	if (*phnum != PN_XNUM)
		return TRUE;

	/* more than 65534 segments: the real count is section header 0's sh_info */
	if (shentsize != sizeof(Elf64_Shdr) || shoff > self->file_size ||
	    self->file_size - shoff < sizeof(shdr)) {
		g_set_error_literal(
			error,
			CD_ERROR,
			CD_ERROR_INVALID_DATA,
			"program header count is PN_XNUM but section header 0 is unreadable");
		return FALSE;
	}
	if (!cd_vmcore_read_file(self, shoff, shdr, sizeof(shdr), error))
		return FALSE;
	*phnum = cd_read_le32(shdr + G_STRUCT_OFFSET(Elf64_Shdr, sh_info));
	return TRUE;
}

static gboolean
cd_vmcore_check_ident(CdVmcore *self, const guint8 *ehdr, GError **error)
{
	if (memcmp(ehdr, ELFMAG, SELFMAG) != 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "not an ELF file (no \\x7fELF signature): not a vmcore");
		return FALSE;
	}
	if (ehdr[EI_CLASS] != ELFCLASS64) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "unsupported ELF class %u: only 64-bit cores are read",
			    ehdr[EI_CLASS]);
		return FALSE;
	}
	if (ehdr[EI_DATA] != ELFDATA2LSB) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "unsupported ELF data encoding %u: only little-endian cores are read",
			    ehdr[EI_DATA]);
		return FALSE;
	}
	if (ehdr[EI_VERSION] != EV_CURRENT) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid ELF version %u",
			    ehdr[EI_VERSION]);
		return FALSE;
	}
	if (cd_read_le16(ehdr + 16) != ET_CORE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "not a core dump: ELF type %u, a vmcore is ET_CORE (4)",
			    cd_read_le16(ehdr + 16));
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_vmcore_add_load(CdVmcore *self, const guint8 *ph, guint index, GError **error)
{
	CdVmcoreSegment seg = {
		.offset = cd_read_le64(ph + 8),
		.vaddr = cd_read_le64(ph + 16),
		.paddr = cd_read_le64(ph + 24),
		.filesz = cd_read_le64(ph + 32),
		.memsz = cd_read_le64(ph + 40),
	};

	if (seg.memsz == 0)
		return TRUE;
	if (seg.filesz > seg.memsz || seg.offset > G_MAXUINT64 - seg.filesz ||
	    seg.paddr > G_MAXUINT64 - (seg.memsz - 1)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "PT_LOAD #%u is invalid (offset %" G_GUINT64_FORMAT
			    ", file size %" G_GUINT64_FORMAT ", memory size %" G_GUINT64_FORMAT ")",
			    index,
			    seg.offset,
			    seg.filesz,
			    seg.memsz);
		return FALSE;
	}
	/* a segment whose virtual range would wrap can still serve physical lookups */
	if (seg.vaddr > G_MAXUINT64 - (seg.memsz - 1))
		seg.vaddr = 0;
	self->expected_size = MAX(self->expected_size, seg.offset + seg.filesz);
	g_array_append_val(self->segments, seg);
	return TRUE;
}

/* a kdump-compressed file (makedumpfile's, or ours): no segments, the notes and
 * VMCOREINFO from its sub header, every physical read through the CdKdumpFile */
static gboolean
cd_vmcore_load_kdump(CdVmcore *self, GError **error)
{
	gint fd = self->fd;
	GBytes *notes;

	/* the reader owns the descriptor from here on, also if it fails, and reads through
	 * windows of its own */
	self->fd = -1;
	cd_file_windows_clear(&self->windows);
	self->kdump = cd_kdump_file_new_from_fd(fd, self->name, error);
	if (self->kdump == NULL)
		return FALSE;
	self->arch = cd_arch_find(cd_kdump_file_get_elf_machine(self->kdump));
	self->expected_size = cd_kdump_file_get_expected_size(self->kdump);
	if (cd_kdump_file_get_vmcoreinfo(self->kdump) != NULL)
		self->vmcoreinfo = g_object_ref(cd_kdump_file_get_vmcoreinfo(self->kdump));
	notes = cd_kdump_file_get_notes(self->kdump);
	if (notes != NULL) {
		gsize size = 0;
		const guint8 *data = g_bytes_get_data(notes, &size);

		g_byte_array_append(self->notes, data, (guint)size);
		if (!cd_vmcore_parse_notes(self, data, size, error))
			return FALSE;
	}
	if (self->vmcoreinfo == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "no VMCOREINFO in the kdump-compressed file: header version 3 "
				    "or later is needed");
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_vmcore_load(CdVmcore *self, GError **error)
{
	guint8 ehdr[sizeof(Elf64_Ehdr)];
	guint64 phoff;
	guint64 phnum;
	g_autofree guint8 *phdrs = NULL;
	gsize phdrs_size;

	/* makedumpfile's formats: kdump-compressed, and flattened to refuse clearly */
	if (self->file_size >= CD_KDUMP_SIGNATURE_LEN) {
		guint8 sig[CD_KDUMP_SIGNATURE_LEN];
		if (!cd_vmcore_read_file(self, 0, sig, sizeof(sig), error))
			return FALSE;
		if (memcmp(sig, CD_KDUMP_SIGNATURE, sizeof(sig)) == 0 ||
		    memcmp(sig, "makedump", sizeof(sig)) == 0)
			return cd_vmcore_load_kdump(self, error);
	}
	if (self->file_size < sizeof(ehdr)) {
		guint8 head[SELFMAG] = { 0 };
		gsize n = (gsize)MIN(self->file_size, (guint64)SELFMAG);
		if (n > 0 && !cd_vmcore_read_file(self, 0, head, n, error))
			return FALSE;
		if (memcmp(head, ELFMAG, n) != 0) {
			g_set_error_literal(
				error,
				CD_ERROR,
				CD_ERROR_INVALID_DATA,
				"not an ELF file (no \\x7fELF signature): not a vmcore");
			return FALSE;
		}
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "truncated: %" G_GUINT64_FORMAT
			    " bytes, shorter than an ELF header (%" G_GSIZE_FORMAT ")",
			    self->file_size,
			    sizeof(ehdr));
		return FALSE;
	}
	if (!cd_vmcore_read_file(self, 0, ehdr, sizeof(ehdr), error))
		return FALSE;
	if (!cd_vmcore_check_ident(self, ehdr, error))
		return FALSE;
	self->arch = cd_arch_find(cd_read_le16(ehdr + 18));

	if (cd_read_le16(ehdr + 54) != sizeof(Elf64_Phdr)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "program header entry size is %u, expected %" G_GSIZE_FORMAT,
			    cd_read_le16(ehdr + 54),
			    sizeof(Elf64_Phdr));
		return FALSE;
	}
	phoff = cd_read_le64(ehdr + 32);
	if (!cd_vmcore_read_phnum(self, ehdr, &phnum, error))
		return FALSE;
	if (phnum == 0 || phnum > CD_VMCORE_MAX_SEGMENTS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "program header count %" G_GUINT64_FORMAT " is out of range (1 to %u)",
			    phnum,
			    CD_VMCORE_MAX_SEGMENTS);
		return FALSE;
	}
	phdrs_size = (gsize)phnum * sizeof(Elf64_Phdr);
	if (phoff > self->file_size || phdrs_size > self->file_size - phoff) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "the program header table (%" G_GUINT64_FORMAT
			    " entries at offset %" G_GUINT64_FORMAT
			    ") lies past the end of the file (%" G_GUINT64_FORMAT " bytes)",
			    phnum,
			    phoff,
			    self->file_size);
		return FALSE;
	}
	phdrs = g_malloc(phdrs_size);
	if (!cd_vmcore_read_file(self, phoff, phdrs, phdrs_size, error))
		return FALSE;

	for (guint i = 0; i < phnum; i++) {
		const guint8 *ph = phdrs + (gsize)i * sizeof(Elf64_Phdr);
		guint32 type = cd_read_le32(ph);

		if (type == PT_LOAD) {
			if (!cd_vmcore_add_load(self, ph, i, error))
				return FALSE;
		} else if (type == PT_NOTE) {
			if (!cd_vmcore_read_notes(self,
						  cd_read_le64(ph + 8),
						  cd_read_le64(ph + 32),
						  error))
				return FALSE;
		}
	}
	if (self->vmcoreinfo == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "no VMCOREINFO note: not a kernel crash dump, or one from a "
				    "kernel without CONFIG_CRASH_CORE");
		return FALSE;
	}
	if (self->segments->len == 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "no PT_LOAD segment: the dump holds no memory");
		return FALSE;
	}
	return TRUE;
}

static gint
cd_vmcore_range_cmp(gconstpointer a, gconstpointer b)
{
	const CdVmcoreRange *ra = a;
	const CdVmcoreRange *rb = b;

	if (ra->first != rb->first)
		return ra->first < rb->first ? -1 : 1;
	return 0;
}

static void
cd_vmcore_add_partial_pfn(CdVmcore *self, guint64 pfn)
{
	guint n = self->partial_pfns->len;

	if (n > 0 && g_array_index(self->partial_pfns, guint64, n - 1) == pfn)
		return;
	g_array_append_val(self->partial_pfns, pfn);
}

/* the covered ranges and the pages they cover only in part: a page is partial exactly
 * when a bound of a merged range lies inside it */
static void
cd_vmcore_find_ranges(CdVmcore *self)
{
	GArray *all = self->ranges;
	guint n = 0;

	self->page_size = cd_vmcoreinfo_get_page_size(self->vmcoreinfo);
	if (self->page_size == 0)
		self->page_size = 4096;
	for (guint i = 0; i < self->segments->len; i++) {
		const CdVmcoreSegment *seg = &g_array_index(self->segments, CdVmcoreSegment, i);
		CdVmcoreRange r = { seg->paddr, seg->paddr + (seg->memsz - 1) };
		g_array_append_val(all, r);
	}
	g_array_sort(all, cd_vmcore_range_cmp);
	for (guint i = 0; i < all->len; i++) {
		CdVmcoreRange r = g_array_index(all, CdVmcoreRange, i);
		CdVmcoreRange *last = n > 0 ? &g_array_index(all, CdVmcoreRange, n - 1) : NULL;

		/* overlapping or adjacent: one range */
		if (last != NULL && (last->last == G_MAXUINT64 || r.first <= last->last + 1)) {
			last->last = MAX(last->last, r.last);
			continue;
		}
		g_array_index(all, CdVmcoreRange, n++) = r;
	}
	g_array_set_size(all, n);
	for (guint i = 0; i < n; i++) {
		const CdVmcoreRange *r = &g_array_index(all, CdVmcoreRange, i);

		if (r->first % self->page_size != 0)
			cd_vmcore_add_partial_pfn(self, r->first / self->page_size);
		if (r->last % self->page_size != self->page_size - 1)
			cd_vmcore_add_partial_pfn(self, r->last / self->page_size);
	}
}

/**
 * cd_vmcore_new_from_fd:
 * @fd: a file descriptor open for reading; the object takes ownership
 * @name: the name used in messages, usually the path
 *
 * Reads the ELF headers and notes of a vmcore. A file shorter than its headers say is
 * accepted (the kernel log may lie before the cut): cd_vmcore_get_expected_size() tells.
 *
 * Returns: (transfer full): the vmcore, or %NULL
 */
CdVmcore *
cd_vmcore_new_from_fd(gint fd, const gchar *name, GError **error)
{
	g_autoptr(CdVmcore) self = g_object_new(CD_TYPE_VMCORE, NULL);

	self->fd = fd;
	self->name = g_strdup(name);
	if (!cd_file_windows_open(&self->windows, fd, &self->file_size, error))
		return NULL;
	if (!cd_vmcore_load(self, error))
		return NULL;
	cd_vmcore_find_ranges(self);
	cd_arch_translation_init(&self->translation, self->vmcoreinfo);
	return g_steal_pointer(&self);
}

/**
 * cd_vmcore_new_from_path:
 * @path: a vmcore, such as `/proc/vmcore`
 *
 * Returns: (transfer full): the vmcore, or %NULL
 */
CdVmcore *
cd_vmcore_new_from_path(const gchar *path, GError **error)
{
	gint fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, NULL, error);

	if (fd < 0)
		return NULL;
	return cd_vmcore_new_from_fd(fd, path, error);
}

const gchar *
cd_vmcore_get_name(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), NULL);
	return self->name;
}

const CdArch *
cd_vmcore_get_arch(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), NULL);
	return self->arch;
}

/**
 * cd_vmcore_get_vmcoreinfo:
 *
 * Returns: (transfer none): the crashed kernel's VMCOREINFO
 */
CdVmcoreinfo *
cd_vmcore_get_vmcoreinfo(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), NULL);
	return self->vmcoreinfo;
}

/**
 * cd_vmcore_get_cpu_count:
 *
 * Returns: the number of NT_PRSTATUS notes, one per CPU that was online
 */
guint
cd_vmcore_get_cpu_count(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), 0);
	return self->cpu_count;
}

guint64
cd_vmcore_get_file_size(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), 0);
	return self->file_size;
}

/**
 * cd_vmcore_get_expected_size:
 *
 * Returns: the size the program headers describe; larger than the file if it was cut
 */
guint64
cd_vmcore_get_expected_size(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), 0);
	return self->expected_size;
}

static const CdVmcoreSegment *
cd_vmcore_find_segment(CdVmcore *self, guint64 addr, gboolean physical)
{
	guint n = self->segments->len;

	for (guint k = 0; k < n; k++) {
		guint i = (self->last_segment + k) % n;
		const CdVmcoreSegment *seg = &g_array_index(self->segments, CdVmcoreSegment, i);
		guint64 start = physical ? seg->paddr : seg->vaddr;

		if (!physical && seg->vaddr == 0)
			continue;
		if (addr >= start && addr - start < seg->memsz) {
			self->last_segment = i;
			return seg;
		}
	}
	return NULL;
}

/* a segment that maps part of the page of @kvaddr maps the whole page, since virtual
 * mappings are made of pages: the rest of a partly covered page is reached by the same
 * translation, as the kernel's page tables would give it */
static const CdVmcoreSegment *
cd_vmcore_find_segment_in_page(CdVmcore *self, guint64 kvaddr)
{
	guint64 mask = self->page_size - 1;
	guint64 page = kvaddr & ~mask;

	for (guint i = 0; i < self->segments->len; i++) {
		const CdVmcoreSegment *seg = &g_array_index(self->segments, CdVmcoreSegment, i);

		if (seg->vaddr == 0 || ((seg->vaddr ^ seg->paddr) & mask) != 0)
			continue;
		if (seg->vaddr <= page + mask && seg->vaddr + (seg->memsz - 1) >= page)
			return seg;
	}
	return NULL;
}

/* the page-table walk reads physical memory through the same segments */
static gboolean
cd_vmcore_read_phys_u64(gpointer user_data, guint64 paddr, guint64 *value)
{
	CdVmcore *self = user_data;
	guint8 raw[8];

	if (!cd_vmcore_read_paddr(self, paddr, raw, sizeof(raw), NULL))
		return FALSE;
	*value = cd_read_le64(raw);
	return TRUE;
}

/* translates @kvaddr; @extent is how many bytes from it stay physically contiguous */
static gboolean
cd_vmcore_kvaddr_to_paddr(CdVmcore *self, guint64 kvaddr, guint64 *paddr, guint64 *extent)
{
	const CdVmcoreSegment *seg = cd_vmcore_find_segment(self, kvaddr, FALSE);
	guint64 page_size;

	if (seg != NULL) {
		*paddr = seg->paddr + (kvaddr - seg->vaddr);
		*extent = seg->memsz - (kvaddr - seg->vaddr);
		return TRUE;
	}
	seg = cd_vmcore_find_segment_in_page(self, kvaddr);
	if (seg != NULL) {
		/* unsigned arithmetic: the same page, before or after the segment */
		*paddr = seg->paddr + (kvaddr - seg->vaddr);
		*extent = self->page_size - (kvaddr & (self->page_size - 1));
		return TRUE;
	}
	if (self->arch->kvaddr_to_paddr(&self->translation, kvaddr, paddr)) {
		*extent = G_MAXUINT64;
		return TRUE;
	}
	if (self->arch->pgtable_walk == NULL)
		return FALSE;

	/* one cached translation: struct page arrays are read page after page */
	if (self->tlb_size != 0 && kvaddr - self->tlb_vaddr < self->tlb_size) {
		*paddr = self->tlb_paddr + (kvaddr - self->tlb_vaddr);
		*extent = self->tlb_size - (kvaddr - self->tlb_vaddr);
		return TRUE;
	}
	if (!self->arch->pgtable_walk(&self->translation,
				      cd_vmcore_read_phys_u64,
				      self,
				      kvaddr,
				      paddr,
				      &page_size))
		return FALSE;
	self->tlb_vaddr = kvaddr & ~(page_size - 1);
	self->tlb_paddr = *paddr & ~(page_size - 1);
	self->tlb_size = page_size;
	*extent = page_size - (kvaddr & (page_size - 1));
	return TRUE;
}

static void
cd_vmcore_set_unmapped_error(guint64 kvaddr, const gchar *what, GError **error)
{
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_NOT_FOUND,
		    "%s%s0x%016" G_GINT64_MODIFIER "x is not in the dump",
		    what != NULL ? what : "",
		    what != NULL ? " at " : "address ",
		    kvaddr);
}

/* @paddr is in no segment: if its page is covered only in part, the uncovered bytes
 * from @paddr on read as zeros, as the kernel's /proc/vmcore and makedumpfile read them;
 * @gap is then how many, up to the next covered byte or the page's end */
static gboolean
cd_vmcore_find_gap(CdVmcore *self, guint64 paddr, guint64 *gap)
{
	guint64 page = paddr & ~(self->page_size - 1);
	guint64 to_page_end = self->page_size - (paddr - page);
	guint lo = 0;
	guint hi = self->ranges->len;
	gboolean partial = FALSE;

	/* the first range that starts after @paddr; the one before it ends before */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(self->ranges, CdVmcoreRange, mid).first <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*gap = to_page_end;
	if (lo < self->ranges->len) {
		guint64 next = g_array_index(self->ranges, CdVmcoreRange, lo).first;
		if (next - paddr < to_page_end) {
			*gap = next - paddr;
			partial = TRUE;
		}
	}
	if (lo > 0 && g_array_index(self->ranges, CdVmcoreRange, lo - 1).last >= page)
		partial = TRUE;
	return partial;
}

static void
cd_vmcore_set_no_memory_error(guint64 paddr, GError **error)
{
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_NOT_FOUND,
		    "physical address 0x%" G_GINT64_MODIFIER "x is not in the dump",
		    paddr);
}

/* reads physical memory through the segments: @direct reads the file with pread()
 * straight into @buf, else through the small windows */
static gboolean
cd_vmcore_read_segments(CdVmcore *self,
			guint64 paddr,
			guint8 *out,
			gsize len,
			gboolean direct,
			GError **error)
{
	if (self->kdump != NULL)
		return cd_kdump_file_read_paddr(self->kdump, paddr, out, len, error);
	while (len > 0) {
		const CdVmcoreSegment *seg = cd_vmcore_find_segment(self, paddr, TRUE);
		guint64 pos = 0;
		gsize chunk;
		gsize from_file = 0;

		if (seg == NULL) {
			guint64 gap;

			if (!cd_vmcore_find_gap(self, paddr, &gap)) {
				cd_vmcore_set_no_memory_error(paddr, error);
				return FALSE;
			}
			chunk = (gsize)MIN((guint64)len, gap);
		} else {
			pos = paddr - seg->paddr;
			chunk = (gsize)MIN((guint64)len, seg->memsz - pos);
			if (pos < seg->filesz)
				from_file = (gsize)MIN((guint64)chunk, seg->filesz - pos);
		}
		if (from_file > 0 && !direct &&
		    !cd_vmcore_read_file(self, seg->offset + pos, out, from_file, error))
			return FALSE;
		if (from_file > 0 && direct) {
			gsize got;
			if (!cd_file_pread_full(self->fd,
						seg->offset + pos,
						out,
						from_file,
						&got,
						error))
				return FALSE;
			if (got < from_file) {
				cd_vmcore_set_truncated_error(self, seg->offset + pos + got, error);
				return FALSE;
			}
		}
		/* bytes a segment has in memory but not in the file, and the rest of a page
		 * a segment covers in part, read as zeros */
		memset(out + from_file, 0, chunk - from_file);
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
 * cd_vmcore_read_paddr:
 * @paddr: a physical address of the crashed machine
 *
 * Reads @len bytes of physical memory, which may span segments. Bytes a segment has in
 * memory but not in the file (`p_filesz < p_memsz`) read as zeros, as ELF defines, and
 * so do the bytes of a page that the segments cover only in part (a "System RAM" range
 * that ends or starts inside a page), as the kernel's /proc/vmcore and makedumpfile
 * read them. A page no segment touches is not in the dump.
 */
gboolean
cd_vmcore_read_paddr(CdVmcore *self, guint64 paddr, gpointer buf, gsize len, GError **error)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), FALSE);
	return cd_vmcore_read_segments(self, paddr, buf, len, FALSE, error);
}

/**
 * cd_vmcore_read_kvaddr:
 * @kvaddr: a kernel virtual address of the crashed kernel
 *
 * Reads @len bytes, which may span segments and pages. Addresses no segment maps
 * by its virtual address are translated by the architecture's rules, last by walking
 * the crashed kernel's page tables.
 */
gboolean
cd_vmcore_read_kvaddr(CdVmcore *self, guint64 kvaddr, gpointer buf, gsize len, GError **error)
{
	guint8 *out = buf;

	g_return_val_if_fail(CD_IS_VMCORE(self), FALSE);

	while (len > 0) {
		g_autoptr(GError) error_local = NULL;
		guint64 paddr;
		guint64 extent;
		gsize chunk;

		if (!cd_vmcore_kvaddr_to_paddr(self, kvaddr, &paddr, &extent)) {
			cd_vmcore_set_unmapped_error(kvaddr, NULL, error);
			return FALSE;
		}
		chunk = (gsize)MIN((guint64)len, extent);
		if (!cd_vmcore_read_paddr(self, paddr, out, chunk, &error_local)) {
			/* a kdump file says why: excluded, never written, or no memory */
			if (g_error_matches(error_local, CD_ERROR, CD_ERROR_NOT_FOUND) &&
			    self->kdump != NULL)
				g_propagate_prefixed_error(error,
							   g_steal_pointer(&error_local),
							   "address 0x%016" G_GINT64_MODIFIER "x: ",
							   kvaddr);
			else if (g_error_matches(error_local, CD_ERROR, CD_ERROR_NOT_FOUND))
				cd_vmcore_set_unmapped_error(kvaddr, NULL, error);
			else
				g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		out += chunk;
		len -= chunk;
		if (len > 0 && kvaddr > G_MAXUINT64 - chunk) {
			cd_vmcore_set_unmapped_error(G_MAXUINT64, NULL, error);
			return FALSE;
		}
		kvaddr += chunk;
	}
	return TRUE;
}

/**
 * cd_vmcore_read_ulong:
 *
 * Reads a C `unsigned long` (or pointer) of the crashed kernel.
 */
gboolean
cd_vmcore_read_ulong(CdVmcore *self, guint64 kvaddr, guint64 *value, GError **error)
{
	guint8 raw[8];

	if (!cd_vmcore_read_kvaddr(self, kvaddr, raw, self->arch->pointer_size, error))
		return FALSE;
	*value = self->arch->pointer_size == 8 ? cd_read_le64(raw) : cd_read_le32(raw);
	return TRUE;
}

gboolean
cd_vmcore_read_u32(CdVmcore *self, guint64 kvaddr, guint32 *value, GError **error)
{
	guint8 raw[4];

	if (!cd_vmcore_read_kvaddr(self, kvaddr, raw, sizeof(raw), error))
		return FALSE;
	*value = cd_read_le32(raw);
	return TRUE;
}

/* the physical half of cd_vmcore_check_kvaddr_range(); @kvaddr is for messages; FALSE
 * without an error when part of the range is in no segment */
static gboolean
cd_vmcore_check_paddr_range(CdVmcore *self,
			    guint64 paddr,
			    guint64 len,
			    CdVmcoreRangeFlags flags,
			    const gchar *what,
			    guint64 kvaddr,
			    GError **error)
{
	/* in a kdump file "in the file" means stored: neither excluded nor unwritten */
	if (self->kdump != NULL) {
		if (cd_kdump_file_check_paddr_range(self->kdump,
						    paddr,
						    len,
						    (flags & CD_VMCORE_RANGE_IN_FILE) != 0
							    ? CD_KDUMP_RANGE_STORED
							    : CD_KDUMP_RANGE_MEMORY,
						    error))
			return TRUE;
		g_prefix_error(error, "%s at 0x%016" G_GINT64_MODIFIER "x: ", what, kvaddr);
		return FALSE;
	}
	while (len > 0) {
		const CdVmcoreSegment *seg = cd_vmcore_find_segment(self, paddr, TRUE);
		guint64 pos;
		guint64 chunk;
		guint64 gap;

		if (seg == NULL && !cd_vmcore_find_gap(self, paddr, &gap))
			return FALSE;
		/* the rest of a partly covered page reads as zeros: described, not stored */
		if (seg == NULL && (flags & CD_VMCORE_RANGE_IN_FILE)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "%s at 0x%016" G_GINT64_MODIFIER
				    "x is not in the dump (a part of a page no segment covers)",
				    what,
				    kvaddr);
			return FALSE;
		}
		if (seg == NULL) {
			chunk = MIN(len, gap);
			len -= chunk;
			paddr += chunk;
			kvaddr += chunk;
			continue;
		}
		pos = paddr - seg->paddr;
		chunk = MIN(len, seg->memsz - pos);
		if ((flags & CD_VMCORE_RANGE_IN_FILE) && pos + chunk > seg->filesz) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "%s at 0x%016" G_GINT64_MODIFIER
				    "x is not in the dump (excluded from the file)",
				    what,
				    kvaddr);
			return FALSE;
		}
		if (pos < seg->filesz &&
		    seg->offset + MIN(pos + chunk, seg->filesz) > self->file_size) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_TRUNCATED,
				    "truncated: %s needs file bytes up to %" G_GUINT64_FORMAT
				    " but the file has only %" G_GUINT64_FORMAT,
				    what,
				    seg->offset + MIN(pos + chunk, seg->filesz),
				    self->file_size);
			return FALSE;
		}
		len -= chunk;
		paddr += chunk;
		kvaddr += chunk;
	}
	return TRUE;
}

/**
 * cd_vmcore_check_kvaddr_range:
 * @flags: %CD_VMCORE_RANGE_IN_FILE to require every byte stored in the file
 * @what: what lives there, for the message
 *
 * Checks that the range is in the dump and that the file is not cut before it. With
 * %CD_VMCORE_RANGE_IN_FILE the bytes must also be stored, not zero-filled
 * (`p_filesz < p_memsz`, as filtered dumps have): callers ask for that before walking
 * an array whose length comes from the dump, so that the walk is bounded by the size
 * of the file and a hostile header cannot make it step through terabytes of zeros.
 */
gboolean
cd_vmcore_check_kvaddr_range(CdVmcore *self,
			     guint64 kvaddr,
			     guint64 len,
			     CdVmcoreRangeFlags flags,
			     const gchar *what,
			     GError **error)
{
	guint64 addr = kvaddr;

	g_return_val_if_fail(CD_IS_VMCORE(self), FALSE);

	if (len > 0 && kvaddr > G_MAXUINT64 - (len - 1)) {
		cd_vmcore_set_unmapped_error(kvaddr, what, error);
		return FALSE;
	}
	while (len > 0) {
		guint64 paddr;
		guint64 extent;
		guint64 chunk;

		if (!cd_vmcore_kvaddr_to_paddr(self, addr, &paddr, &extent) ||
		    !cd_vmcore_check_paddr_range(self,
						 paddr,
						 MIN(len, extent),
						 flags,
						 what,
						 addr,
						 error)) {
			if (error != NULL && *error == NULL)
				cd_vmcore_set_unmapped_error(addr, what, error);
			return FALSE;
		}
		chunk = MIN(len, extent);
		len -= chunk;
		addr += chunk;
	}
	return TRUE;
}

/**
 * cd_vmcore_get_notes:
 *
 * Returns: the ELF notes (NT_PRSTATUS per CPU, VMCOREINFO), as stored, for copying into
 * a dump; @len is set to their size
 */
const guint8 *
cd_vmcore_get_notes(CdVmcore *self, gsize *len)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), NULL);
	*len = self->notes->len;
	return self->notes->data;
}

/**
 * cd_vmcore_get_segment_count:
 *
 * Returns: the number of PT_LOAD segments, each a range of physical memory
 */
guint
cd_vmcore_get_segment_count(CdVmcore *self)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), 0);
	return self->segments->len;
}

/**
 * cd_vmcore_get_segment:
 * @paddr: (out): the physical start
 * @memsz: (out): the size in memory
 * @filesz: (out): how much of it the file stores; the rest reads as zeros
 *
 * Segments can overlap: kexec describes the kernel image both in its own segment and
 * in the RAM range that holds it.
 */
void
cd_vmcore_get_segment(CdVmcore *self, guint index, guint64 *paddr, guint64 *memsz, guint64 *filesz)
{
	const CdVmcoreSegment *seg;

	g_return_if_fail(CD_IS_VMCORE(self));
	g_return_if_fail(index < self->segments->len);
	seg = &g_array_index(self->segments, CdVmcoreSegment, index);
	*paddr = seg->paddr;
	*memsz = seg->memsz;
	*filesz = seg->filesz;
}

/**
 * cd_vmcore_read_phys_direct:
 * @paddr: a physical address
 *
 * Reads @len bytes of physical memory straight into @buf with as few pread() calls as
 * the segments allow, bypassing the small windows that serve header and structure
 * reads: this is how a dump writer streams pages. Bytes a segment does not store, and
 * the uncovered bytes of a page the segments cover in part, read as zeros; a page in
 * no segment, or a file cut short, is an error.
 */
gboolean
cd_vmcore_read_phys_direct(CdVmcore *self, guint64 paddr, gpointer buf, gsize len, GError **error)
{
	g_return_val_if_fail(CD_IS_VMCORE(self), FALSE);
	return cd_vmcore_read_segments(self, paddr, buf, len, TRUE, error);
}

static guint
cd_vmcore_partial_index(CdVmcore *self, guint64 pfn)
{
	guint lo = 0;
	guint hi = self->partial_pfns->len;

	/* the first partial pfn at or after @pfn */
	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (g_array_index(self->partial_pfns, guint64, mid) < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/**
 * cd_vmcore_count_partial_pages:
 * @first_pfn: the first page, in the crashed kernel's page size
 * @n_pfns: how many pages
 *
 * Counts the pages of the range that the segments cover only in part, whose other
 * bytes read as zeros (cd_vmcore_read_paddr()); always 0 for a kdump-compressed file,
 * whose pages are whole.
 *
 * Returns: the number of such pages
 */
guint64
cd_vmcore_count_partial_pages(CdVmcore *self, guint64 first_pfn, guint64 n_pfns)
{
	guint64 end;

	g_return_val_if_fail(CD_IS_VMCORE(self), 0);
	end = first_pfn > G_MAXUINT64 - n_pfns ? G_MAXUINT64 : first_pfn + n_pfns;
	return cd_vmcore_partial_index(self, end) - cd_vmcore_partial_index(self, first_pfn);
}
