/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPageFilter"

#include "config.h"

#include "cd-bytes.h"
#include "cd-page-filter.h"

/* Decides, page by page, what a dump keeps: makedumpfile's dump levels, read from the
 * crashed kernel's struct pages (SPARSEMEM, with or without the vmemmap) as VMCOREINFO
 * describes them. A layout it does not recognise turns the struct-page rules off with a
 * warning: the dump is then larger, never wrong. Exclusions err on the side of keeping:
 * an unreadable struct page, an order out of range or a misaligned block keeps the
 * page. Windows are filtered in pfn order; a free block or compound page that runs past
 * a window's end carries over to the next.
 *
 * The layouts, by the kernel that introduced them:
 *   up to 6.9: slab pages have PG_slab in page.flags (NUMBER(PG_slab)); since 6.2 a
 *     slab page's _mapcount is slab data, so a slab page is never free or offline;
 *   6.6: compound_dtor is gone, the first tail page's flags hold the order in their
 *     low byte and hugetlbfs folios PG_hugetlb (NUMBER(PG_hugetlb));
 *   6.9: hugetlbfs folios are a page type (NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE));
 *   6.10: PG_slab is gone, slab is a page type (NUMBER(PAGE_SLAB_MAPCOUNT_VALUE));
 *   6.12: a page type is a value in the top byte of page_type (PGTY_* << 24), not a
 *     cleared bit; page_type is still the word of _mapcount;
 *   6.16: unaccepted memory of confidential VMs is a page type
 *     (NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)), in blocks of the largest order.
 * Like makedumpfile, a page type that drops a page matches when the word equals the
 * value VMCOREINFO gives, whatever the era's encoding: a page has one type at a time,
 * and none of those uses the low bits. Slab, which keeps a page, is told as the kernel
 * tells it, so that a slab page whose low bits ever held data is still kept: the top
 * byte since 6.12 (a value whose low 24 bits are clear), else the top bit set and the
 * type's bit clear. */

/* struct pages are read this many at a time: a power of two, so that a compound page's
 * head (aligned to its order) is never the last of a chunk and its first tail page,
 * which holds the order, is in the same chunk */
#define CD_PAGE_FILTER_CHUNK 512

/* mem_section.section_mem_map: flags in the low bits, the encoded mem_map above them;
 * at most six flags in kernels up to 6.12, and the map is aligned far beyond that */
#define CD_SECTION_MARKED_PRESENT (1ULL << 0)
#define CD_SECTION_HAS_MEM_MAP	  (1ULL << 1)
#define CD_SECTION_MAP_MASK	  (~0x3fULL)

/* the page allocator's largest block, if VMCOREINFO lacks LENGTH(zone.free_area) */
#define CD_PAGE_FILTER_MAX_ORDER_DEFAULT 11
/* compound pages: 1 GiB huge pages are order 18 with 4 KiB pages */
#define CD_PAGE_FILTER_MAX_COMPOUND_ORDER 20

struct _CdPageFilter {
	GObject parent_instance;
	CdVmcore *vmcore;
	guint dump_level;
	guint64 page_size;
	guint page_shift;
	guint64 max_pfn;
	gchar *warning; /* why the struct-page rules are off, or a note; NULL: all is well */
	gboolean use_mem_map;

	/* the layout, from VMCOREINFO */
	guint64 mem_section; /* the roots (SPARSEMEM_EXTREME) or the sections */
	gboolean extreme;
	guint64 sections_per_root;
	guint64 nr_roots;
	guint64 section_struct_size;
	guint64 off_section_mem_map;
	guint section_pfn_shift;
	guint64 page_struct_size;
	guint64 off_flags;
	guint64 off_mapping;
	guint64 off_mapcount;
	guint64 off_private;
	guint64 off_compound_head;
	guint64 off_compound_order;   /* G_MAXUINT64: unknown */
	guint64 off_compound_dtor;    /* G_MAXUINT64: unknown */
	gint64 hugetlb_dtor;	      /* -1: unknown */
	guint64 pg_hugetlb;	      /* 6.6 to 6.8, in the first tail page's flags; 0: none */
	gboolean order_in_tail_flags; /* 6.6 and later */
	guint64 pg_lru;
	guint64 pg_private;
	guint64 pg_swapcache;
	guint64 pg_swapbacked; /* 0: the kernel predates PG_swapbacked */
	guint64 pg_slab;       /* 0: slab is a page type (6.10 and later) */
	gboolean have_slab_type;
	guint32 slab_mapcount;
	guint32 slab_mask; /* the bits of _mapcount that say slab */
	guint32 slab_match;
	gboolean have_hugetlb_type;
	guint32 hugetlb_mapcount;
	gboolean have_unaccepted;
	guint32 unaccepted_mapcount;
	guint64 pg_hwpoison; /* 0: unknown */
	guint64 pg_head;
	gboolean have_buddy;
	guint32 buddy_mapcount;
	gboolean have_offline;
	guint32 offline_mapcount;
	guint max_order;

	/* the walk */
	guint64 carry_end; /* an exclusion that runs on into the next window */
	guint64 *carry_counter;
	guint64 section_nr; /* of section_map, G_MAXUINT64: none */
	guint64 section_map;
	gboolean section_valid;
	guint8 *structs; /* CD_PAGE_FILTER_CHUNK struct pages */
	guint64 structs_pfn;
	gboolean structs_valid;
	guint64 unreadable_chunks;
	CdPageFilterStats stats;
};

G_DEFINE_TYPE(CdPageFilter, cd_page_filter, G_TYPE_OBJECT)

static void
cd_page_filter_finalize(GObject *object)
{
	CdPageFilter *self = CD_PAGE_FILTER(object);

	g_free(self->structs);
	g_free(self->warning);
	g_clear_object(&self->vmcore);
	G_OBJECT_CLASS(cd_page_filter_parent_class)->finalize(object);
}

static void
cd_page_filter_class_init(CdPageFilterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_page_filter_finalize;
}

static void
cd_page_filter_init(CdPageFilter *self)
{
	self->off_compound_order = G_MAXUINT64;
	self->off_compound_dtor = G_MAXUINT64;
	self->hugetlb_dtor = -1;
	self->max_order = CD_PAGE_FILTER_MAX_ORDER_DEFAULT;
}

static gboolean
cd_page_filter_get_bit(CdVmcoreinfo *info, const gchar *name, guint64 *mask, GError **error)
{
	gint64 bit;

	if (!cd_vmcoreinfo_get_number(info, name, &bit, error))
		return FALSE;
	if (bit < 0 || bit > 63) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "NUMBER(%s)=%" G_GINT64_FORMAT " is not a bit of a word",
			    name,
			    bit);
		return FALSE;
	}
	*mask = 1ULL << bit;
	return TRUE;
}

/* a page type's value: the word a page of that type has in _mapcount (page_type);
 * FALSE if VMCOREINFO lacks it, an error if it is no page type of any era (the top
 * bit is set in all of them: ~bit up to 6.11, PGTY_* << 24 since 6.12) */
static gboolean
cd_page_filter_read_type(CdVmcoreinfo *info,
			 const gchar *name,
			 gboolean *have,
			 guint32 *word,
			 GError **error)
{
	g_autofree gchar *key = g_strdup_printf("NUMBER(%s)", name);
	gint64 value;

	*have = FALSE;
	if (!cd_vmcoreinfo_has(info, key))
		return TRUE;
	if (!cd_vmcoreinfo_get_number(info, name, &value, error))
		return FALSE;
	/* the kernel prints an int, or an unsigned int, as a long */
	if (value < G_MININT32 || value > (gint64)G_MAXUINT32 ||
	    ((guint32)value & 0x80000000u) == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "NUMBER(%s)=%" G_GINT64_FORMAT " is not a page type",
			    name,
			    value);
		return FALSE;
	}
	*have = TRUE;
	*word = (guint32)value;
	return TRUE;
}

/* how slab, free, offline, hugetlbfs and unaccepted pages are told; without a way to
 * tell slab pages the rules cannot run: a slab page's words are slab data and could
 * read as anything else */
static gboolean
cd_page_filter_load_types(CdPageFilter *self, CdVmcoreinfo *info, GError **error)
{
	if (!cd_page_filter_read_type(info,
				      "PAGE_SLAB_MAPCOUNT_VALUE",
				      &self->have_slab_type,
				      &self->slab_mapcount,
				      error) ||
	    !cd_page_filter_read_type(info,
				      "PAGE_BUDDY_MAPCOUNT_VALUE",
				      &self->have_buddy,
				      &self->buddy_mapcount,
				      error) ||
	    !cd_page_filter_read_type(info,
				      "PAGE_OFFLINE_MAPCOUNT_VALUE",
				      &self->have_offline,
				      &self->offline_mapcount,
				      error) ||
	    !cd_page_filter_read_type(info,
				      "PAGE_HUGETLB_MAPCOUNT_VALUE",
				      &self->have_hugetlb_type,
				      &self->hugetlb_mapcount,
				      error) ||
	    !cd_page_filter_read_type(info,
				      "PAGE_UNACCEPTED_MAPCOUNT_VALUE",
				      &self->have_unaccepted,
				      &self->unaccepted_mapcount,
				      error))
		return FALSE;
	if (self->have_slab_type && (self->slab_mapcount & 0x00ffffffu) == 0) {
		self->slab_mask = 0xff000000u;
		self->slab_match = self->slab_mapcount;
	} else if (self->have_slab_type) {
		self->slab_mask = 0x80000000u | ~self->slab_mapcount;
		self->slab_match = 0x80000000u;
	}
	if (cd_vmcoreinfo_has(info, "NUMBER(PG_slab)")) {
		if (!cd_page_filter_get_bit(info, "PG_slab", &self->pg_slab, error))
			return FALSE;
	} else if (!self->have_slab_type) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "VMCOREINFO lacks both NUMBER(PG_slab) and "
				    "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)");
		return FALSE;
	}
	if (cd_vmcoreinfo_has(info, "NUMBER(PG_hugetlb)") &&
	    !cd_page_filter_get_bit(info, "PG_hugetlb", &self->pg_hugetlb, error))
		return FALSE;
	/* two types with one value: a layout not understood */
	if ((self->have_slab_type &&
	     ((self->have_buddy && self->slab_mapcount == self->buddy_mapcount) ||
	      (self->have_offline && self->slab_mapcount == self->offline_mapcount) ||
	      (self->have_hugetlb_type && self->slab_mapcount == self->hugetlb_mapcount) ||
	      (self->have_unaccepted && self->slab_mapcount == self->unaccepted_mapcount))) ||
	    (self->have_buddy &&
	     ((self->have_offline && self->buddy_mapcount == self->offline_mapcount) ||
	      (self->have_hugetlb_type && self->buddy_mapcount == self->hugetlb_mapcount) ||
	      (self->have_unaccepted && self->buddy_mapcount == self->unaccepted_mapcount)))) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "two page types of VMCOREINFO have one value");
		return FALSE;
	}
	return TRUE;
}

/* a field of a folio's first tail page, as an offset in that struct page */
static void
cd_page_filter_folio_offset(CdPageFilter *self,
			    CdVmcoreinfo *info,
			    const gchar *name,
			    guint64 *offset)
{
	guint64 value;

	if (*offset != G_MAXUINT64 || !cd_vmcoreinfo_get_offset(info, name, &value, NULL))
		return;
	if (value >= self->page_struct_size && value < 2 * self->page_struct_size)
		*offset = value - self->page_struct_size;
}

/* reads what the struct-page rules need; an error names what is missing or odd */
static gboolean
cd_page_filter_load_layout(CdPageFilter *self, CdVmcoreinfo *info, GError **error)
{
	gint64 section_bits;
	gint64 physmem_bits;
	gint64 head_mask;
	gint64 value;
	guint64 length;
	guint64 nr_sections;

	if (cd_vmcoreinfo_has(info, "SYMBOL(mem_map)") &&
	    !cd_vmcoreinfo_has(info, "SYMBOL(mem_section)")) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "the kernel uses FLATMEM, not SPARSEMEM");
		return FALSE;
	}
	if (!cd_vmcoreinfo_get_symbol(info, "mem_section", &self->mem_section, error) ||
	    !cd_vmcoreinfo_get_length(info, "mem_section", &length, error) ||
	    !cd_vmcoreinfo_get_size(info, "mem_section", &self->section_struct_size, error) ||
	    !cd_vmcoreinfo_get_offset(info,
				      "mem_section.section_mem_map",
				      &self->off_section_mem_map,
				      error) ||
	    !cd_vmcoreinfo_get_number(info, "SECTION_SIZE_BITS", &section_bits, error) ||
	    !cd_vmcoreinfo_get_number(info, "MAX_PHYSMEM_BITS", &physmem_bits, error) ||
	    !cd_vmcoreinfo_get_size(info, "page", &self->page_struct_size, error) ||
	    !cd_vmcoreinfo_get_offset(info, "page.flags", &self->off_flags, error) ||
	    !cd_vmcoreinfo_get_offset(info, "page.mapping", &self->off_mapping, error) ||
	    !cd_vmcoreinfo_get_offset(info, "page._mapcount", &self->off_mapcount, error) ||
	    !cd_vmcoreinfo_get_offset(info, "page.private", &self->off_private, error) ||
	    !cd_vmcoreinfo_get_offset(info,
				      "page.compound_head",
				      &self->off_compound_head,
				      error) ||
	    !cd_page_filter_get_bit(info, "PG_lru", &self->pg_lru, error) ||
	    !cd_page_filter_get_bit(info, "PG_private", &self->pg_private, error) ||
	    !cd_page_filter_get_bit(info, "PG_swapcache", &self->pg_swapcache, error) ||
	    !cd_vmcoreinfo_get_number(info, "PG_head_mask", &head_mask, error))
		return FALSE;

	if (!cd_page_filter_load_types(self, info, error))
		return FALSE;

	if (section_bits <= self->page_shift || section_bits >= physmem_bits || physmem_bits > 64 ||
	    section_bits - self->page_shift > 30 ||
	    (1LL << (section_bits - self->page_shift)) < CD_PAGE_FILTER_CHUNK) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "SECTION_SIZE_BITS=%" G_GINT64_FORMAT
			    " and MAX_PHYSMEM_BITS=%" G_GINT64_FORMAT
			    " do not fit %" G_GUINT64_FORMAT "-byte pages",
			    section_bits,
			    physmem_bits,
			    self->page_size);
		return FALSE;
	}
	if (self->section_struct_size == 0 || self->section_struct_size > self->page_size ||
	    self->off_section_mem_map + 8 > self->section_struct_size) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "SIZE(mem_section)=%" G_GUINT64_FORMAT " is out of range",
			    self->section_struct_size);
		return FALSE;
	}
	if (self->page_struct_size < 32 || self->page_struct_size > 256 ||
	    self->off_flags + 8 > self->page_struct_size ||
	    self->off_mapping + 8 > self->page_struct_size ||
	    self->off_mapcount + 4 > self->page_struct_size ||
	    self->off_private + 8 > self->page_struct_size ||
	    self->off_compound_head + 8 > self->page_struct_size) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "SIZE(page)=%" G_GUINT64_FORMAT
			    " and its member offsets are out of range",
			    self->page_struct_size);
		return FALSE;
	}
	if (head_mask <= 0 || (head_mask & (head_mask - 1)) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "NUMBER(PG_head_mask)=%" G_GINT64_FORMAT " is not one bit",
			    head_mask);
		return FALSE;
	}
	self->pg_head = (guint64)head_mask;
	self->section_pfn_shift = (guint)(section_bits - self->page_shift);

	/* SPARSEMEM_EXTREME has roots of a page of sections each, NR_SECTION_ROOTS of
	 * them rounded up (170 sections a root with a 24-byte mem_section); plain
	 * SPARSEMEM one static array of all of them, which is one root of them all */
	nr_sections = 1ULL << (physmem_bits - section_bits);
	self->sections_per_root = self->page_size / self->section_struct_size;
	if (length == (nr_sections + self->sections_per_root - 1) / self->sections_per_root) {
		self->extreme = TRUE;
		self->nr_roots = length;
	} else if (length == nr_sections) {
		self->extreme = FALSE;
		self->sections_per_root = nr_sections;
		self->nr_roots = 1;
	} else {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "LENGTH(mem_section)=%" G_GUINT64_FORMAT
			    " matches neither SPARSEMEM nor SPARSEMEM_EXTREME",
			    length);
		return FALSE;
	}

	/* optional: older kernels lack them, and the rules that need them keep pages */
	if (cd_vmcoreinfo_get_offset(info,
				     "page.compound_order",
				     &self->off_compound_order,
				     NULL) &&
	    self->off_compound_order >= self->page_struct_size)
		self->off_compound_order = G_MAXUINT64;
	if (cd_vmcoreinfo_get_offset(info, "page.compound_dtor", &self->off_compound_dtor, NULL) &&
	    self->off_compound_dtor >= self->page_struct_size)
		self->off_compound_dtor = G_MAXUINT64;
	/* 6.3 to 6.5: the same fields, as offsets in struct folio (in its second page) */
	cd_page_filter_folio_offset(self, info, "folio._folio_order", &self->off_compound_order);
	cd_page_filter_folio_offset(self, info, "folio._folio_dtor", &self->off_compound_dtor);
	if (cd_vmcoreinfo_get_number(info, "HUGETLB_PAGE_DTOR", &value, NULL))
		self->hugetlb_dtor = value;
	cd_page_filter_get_bit(info, "PG_swapbacked", &self->pg_swapbacked, NULL);
	cd_page_filter_get_bit(info, "PG_hwpoison", &self->pg_hwpoison, NULL);
	/* 6.6 and later: no compound_order, the order is in the first tail's flags */
	if (self->pg_hugetlb != 0 || self->have_hugetlb_type)
		self->order_in_tail_flags = TRUE;
	if (cd_vmcoreinfo_get_length(info, "zone.free_area", &length, NULL) && length > 0 &&
	    length <= CD_PAGE_FILTER_MAX_COMPOUND_ORDER)
		self->max_order = (guint)length;
	return TRUE;
}

static void
cd_page_filter_find_max_pfn(CdPageFilter *self)
{
	guint n = cd_vmcore_get_segment_count(self->vmcore);

	for (guint i = 0; i < n; i++) {
		guint64 paddr, memsz, filesz;
		guint64 end;

		cd_vmcore_get_segment(self->vmcore, i, &paddr, &memsz, &filesz);
		end = paddr + memsz;
		end = end / self->page_size + (end % self->page_size != 0 ? 1 : 0);
		self->max_pfn = MAX(self->max_pfn, end);
	}
}

/**
 * cd_page_filter_new:
 * @vmcore: an ELF vmcore
 * @dump_level: makedumpfile's dump level bits (#CdDumpLevel)
 *
 * Never fails: when the crashed kernel's memory map cannot be read the filter keeps
 * every page of memory, and cd_page_filter_get_warning() says why.
 *
 * Returns: (transfer full): a filter
 */
CdPageFilter *
cd_page_filter_new(CdVmcore *vmcore, guint dump_level)
{
	g_autoptr(CdPageFilter) self = g_object_new(CD_TYPE_PAGE_FILTER, NULL);
	CdVmcoreinfo *info = cd_vmcore_get_vmcoreinfo(vmcore);
	g_autoptr(GError) error = NULL;

	self->vmcore = g_object_ref(vmcore);
	self->dump_level = dump_level & CD_DUMP_LEVEL_ALL;
	self->page_size = cd_vmcoreinfo_get_page_size(info);
	self->page_shift = (guint)g_bit_nth_lsf(self->page_size, -1);
	cd_page_filter_find_max_pfn(self);

	/* the zero-page rule needs no struct page; the others do */
	if ((self->dump_level & ~CD_DUMP_LEVEL_ZERO) == 0 &&
	    !cd_vmcoreinfo_has(info, "NUMBER(PG_hwpoison)"))
		return g_steal_pointer(&self);
	if (!cd_page_filter_load_layout(self, info, &error)) {
		self->warning = g_strdup_printf("the crashed kernel's memory map cannot be read "
						"(%s): every page of memory is kept",
						error->message);
		return g_steal_pointer(&self);
	}
	self->use_mem_map = TRUE;
	self->structs = g_malloc((gsize)(self->page_struct_size * CD_PAGE_FILTER_CHUNK));
	if ((self->dump_level & CD_DUMP_LEVEL_FREE) && !self->have_buddy)
		self->warning = g_strdup("no NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE) in VMCOREINFO: "
					 "free pages are kept");
	cd_page_filter_rewind(self);
	return g_steal_pointer(&self);
}

guint64
cd_page_filter_get_max_pfn(CdPageFilter *self)
{
	g_return_val_if_fail(CD_IS_PAGE_FILTER(self), 0);
	return self->max_pfn;
}

guint64
cd_page_filter_get_page_size(CdPageFilter *self)
{
	g_return_val_if_fail(CD_IS_PAGE_FILTER(self), 0);
	return self->page_size;
}

/**
 * cd_page_filter_get_warning:
 *
 * Returns: why the dump keeps more than the dump level asks, or %NULL
 */
const gchar *
cd_page_filter_get_warning(CdPageFilter *self)
{
	g_return_val_if_fail(CD_IS_PAGE_FILTER(self), NULL);
	if (self->unreadable_chunks > 0 && self->warning == NULL)
		self->warning = g_strdup_printf("%" G_GUINT64_FORMAT
						" blocks of struct pages were unreadable: "
						"their pages are kept",
						self->unreadable_chunks);
	return self->warning;
}

const CdPageFilterStats *
cd_page_filter_get_stats(CdPageFilter *self)
{
	g_return_val_if_fail(CD_IS_PAGE_FILTER(self), NULL);
	return &self->stats;
}

/**
 * cd_page_filter_rewind:
 *
 * Starts a new walk from pfn 0, with the statistics cleared.
 */
void
cd_page_filter_rewind(CdPageFilter *self)
{
	g_return_if_fail(CD_IS_PAGE_FILTER(self));
	self->carry_end = 0;
	self->carry_counter = NULL;
	self->section_nr = G_MAXUINT64;
	self->structs_valid = FALSE;
	self->structs_pfn = G_MAXUINT64;
	self->unreadable_chunks = 0;
	memset(&self->stats, 0, sizeof(self->stats));
}

/* the encoded mem_map of a section (struct page of pfn P at map + P * SIZE(page)) */
static gboolean
cd_page_filter_section_map(CdPageFilter *self, guint64 nr, guint64 *map)
{
	guint64 root = nr / self->sections_per_root;
	guint64 base;
	guint64 value;

	if (nr == self->section_nr) {
		*map = self->section_map;
		return self->section_valid;
	}
	self->section_nr = nr;
	self->section_valid = FALSE;
	if (root >= self->nr_roots)
		return FALSE;
	if (self->extreme) {
		if (!cd_vmcore_read_ulong(self->vmcore,
					  self->mem_section + root * 8,
					  &base,
					  NULL) ||
		    base == 0)
			return FALSE;
	} else {
		base = self->mem_section;
	}
	if (!cd_vmcore_read_ulong(
		    self->vmcore,
		    base + (nr % self->sections_per_root) * self->section_struct_size +
			    self->off_section_mem_map,
		    &value,
		    NULL))
		return FALSE;
	if ((value & CD_SECTION_MARKED_PRESENT) == 0 || (value & CD_SECTION_HAS_MEM_MAP) == 0)
		return FALSE;
	self->section_map = value & CD_SECTION_MAP_MASK;
	self->section_valid = TRUE;
	*map = self->section_map;
	return TRUE;
}

/* the struct page of @pfn, or NULL if it cannot be read */
static const guint8 *
cd_page_filter_struct_page(CdPageFilter *self, guint64 pfn)
{
	guint64 chunk_pfn = pfn & ~(guint64)(CD_PAGE_FILTER_CHUNK - 1);
	guint64 map;

	if (chunk_pfn != self->structs_pfn) {
		self->structs_pfn = chunk_pfn;
		self->structs_valid = FALSE;
		if (!cd_page_filter_section_map(self, pfn >> self->section_pfn_shift, &map))
			return NULL;
		if (!cd_vmcore_read_kvaddr(self->vmcore,
					   map + chunk_pfn * self->page_struct_size,
					   self->structs,
					   (gsize)(self->page_struct_size * CD_PAGE_FILTER_CHUNK),
					   NULL)) {
			self->unreadable_chunks++;
			return NULL;
		}
		self->structs_valid = TRUE;
	}
	if (!self->structs_valid)
		return NULL;
	return self->structs + (pfn - chunk_pfn) * self->page_struct_size;
}

/* clears [pfn, pfn + n) in this window and carries the rest to the next one */
static void
cd_page_filter_exclude(CdPageFilter *self,
		       guint64 pfn,
		       guint64 n,
		       guint64 start_pfn,
		       guint64 end_pfn,
		       guint8 *keep_bitmap,
		       guint64 *counter)
{
	guint64 stop = MIN(pfn + n, end_pfn);

	for (guint64 p = pfn; p < stop; p++) {
		if (cd_bitmap_test(keep_bitmap, p - start_pfn)) {
			cd_bitmap_clear(keep_bitmap, p - start_pfn);
			(*counter)++;
		}
	}
	if (pfn + n > end_pfn) {
		self->carry_end = pfn + n;
		self->carry_counter = counter;
	}
}

static inline gboolean
cd_page_filter_is_cache(CdPageFilter *self, guint64 flags)
{
	if (flags & self->pg_lru)
		return TRUE;
	/* PG_swapcache means swap cache only with PG_swapbacked (kernels since 4.10) */
	return (self->pg_swapbacked == 0 || (flags & self->pg_swapbacked)) &&
	       (flags & self->pg_swapcache);
}

/* makedumpfile's rules for one struct page; returns how many pages it decides for
 * (more than one for a free block or a compound page) and the counter, or NULL to keep */
static guint64
cd_page_filter_classify(CdPageFilter *self, guint64 pfn, const guint8 *page, guint64 **counter)
{
	guint64 flags = cd_read_le64(page + self->off_flags);
	guint64 mapping = cd_read_le64(page + self->off_mapping);
	guint32 mapcount = cd_read_le32(page + self->off_mapcount);
	guint64 private = cd_read_le64(page + self->off_private);
	guint64 head = cd_read_le64(page + self->off_compound_head);
	gboolean slab = (flags & self->pg_slab) != 0 ||
			(self->have_slab_type && (mapcount & self->slab_mask) == self->slab_match);
	/* a slab page's mapping is slab data: its low bit means nothing */
	gboolean anon = (mapping & 1) != 0 && !slab;
	gboolean hugetlb = FALSE;
	guint order = 0;
	gint dtor = -1;
	guint level = self->dump_level;

	*counter = NULL;

	/* a tail page goes with its head: kept unless the head's range took it */
	if (head & 1)
		return 1;

	if ((flags & self->pg_head) && (pfn % CD_PAGE_FILTER_CHUNK) != CD_PAGE_FILTER_CHUNK - 1) {
		const guint8 *tail = page + self->page_struct_size;
		if (self->order_in_tail_flags) {
			guint64 tail_flags = cd_read_le64(tail + self->off_flags);
			order = (guint)(tail_flags & 0xff);
			hugetlb = (self->pg_hugetlb != 0 && (tail_flags & self->pg_hugetlb)) ||
				  (self->have_hugetlb_type && mapcount == self->hugetlb_mapcount);
		} else {
			if (self->off_compound_order != G_MAXUINT64)
				order = tail[self->off_compound_order];
			if (self->off_compound_dtor != G_MAXUINT64)
				dtor = tail[self->off_compound_dtor];
			hugetlb = self->hugetlb_dtor >= 0 && dtor == self->hugetlb_dtor;
		}
		if (order >= CD_PAGE_FILTER_MAX_COMPOUND_ORDER ||
		    (pfn & ((1ULL << order) - 1)) != 0)
			order = 0;
	}

	if ((level & CD_DUMP_LEVEL_FREE) && self->have_buddy && !slab &&
	    mapcount == self->buddy_mapcount) {
		/* a free block of 2^private pages; one that makes no sense is kept */
		if (private >= self->max_order || (pfn & ((1ULL << private) - 1)) != 0)
			return 1;
		*counter = &self->stats.free;
		return 1ULL << private;
	}
	if ((level & CD_DUMP_LEVEL_FREE) && self->have_unaccepted &&
	    mapcount == self->unaccepted_mapcount) {
		/* unaccepted memory is free memory the guest never touched, on its own
		 * list in blocks of the largest order; a misaligned one is kept */
		guint64 n = 1ULL << (self->max_order - 1);
		if ((pfn & (n - 1)) != 0)
			return 1;
		*counter = &self->stats.free;
		return n;
	}
	if ((level & CD_DUMP_LEVEL_CACHE) && cd_page_filter_is_cache(self, flags) &&
	    (flags & self->pg_private) == 0 && !anon) {
		*counter = &self->stats.cache;
	} else if ((level & CD_DUMP_LEVEL_CACHE_PRIVATE) && cd_page_filter_is_cache(self, flags) &&
		   !anon) {
		*counter = (flags & self->pg_private) ? &self->stats.cache_private
						      : &self->stats.cache;
	} else if ((level & CD_DUMP_LEVEL_USER) && (anon || hugetlb)) {
		*counter = &self->stats.user;
	} else if (self->pg_hwpoison != 0 && (flags & self->pg_hwpoison)) {
		/* reading a poisoned page can bring the capture kernel down */
		*counter = &self->stats.unsafe;
	} else if (self->have_offline && !slab && mapcount == self->offline_mapcount) {
		/* ballooned out: the hypervisor may not back it; a slab page's _mapcount
		 * is slab data */
		*counter = &self->stats.unsafe;
	} else {
		return 1;
	}
	return 1ULL << order;
}

/* the pfns [first, end) of a segment's range that fall in the window */
static void
cd_page_filter_set_range(guint8 *bitmap,
			 guint64 start_pfn,
			 guint64 n_pfns,
			 guint64 paddr,
			 guint64 size,
			 guint64 page_size)
{
	guint64 first = paddr / page_size;
	guint64 end = (paddr + size) / page_size + ((paddr + size) % page_size != 0 ? 1 : 0);

	if (size == 0)
		return;
	first = MAX(first, start_pfn);
	end = MIN(end, start_pfn + n_pfns);
	for (guint64 p = first; p < end; p++)
		cd_bitmap_set(bitmap, p - start_pfn);
}

/**
 * cd_page_filter_run:
 * @start_pfn: the first pfn of the window; windows must come in order after a rewind
 * @n_pfns: the window's size, a multiple of 8
 * @memory_bitmap: (out caller-allocates): n_pfns / 8 bytes: the pfns that are memory
 * @keep_bitmap: (out caller-allocates): n_pfns / 8 bytes: the pfns the dump keeps
 *
 * Fills both bitmaps for the window; zero pages are still in @keep_bitmap, since only
 * reading the page tells.
 */
void
cd_page_filter_run(CdPageFilter *self,
		   guint64 start_pfn,
		   guint64 n_pfns,
		   guint8 *memory_bitmap,
		   guint8 *keep_bitmap)
{
	guint64 end_pfn = start_pfn + n_pfns;
	guint n = cd_vmcore_get_segment_count(self->vmcore);
	guint64 pfn = start_pfn;

	g_return_if_fail(CD_IS_PAGE_FILTER(self));
	g_return_if_fail(n_pfns % 8 == 0);

	memset(memory_bitmap, 0, n_pfns / 8);
	memset(keep_bitmap, 0, n_pfns / 8);
	for (guint i = 0; i < n; i++) {
		guint64 paddr, memsz, filesz;
		cd_vmcore_get_segment(self->vmcore, i, &paddr, &memsz, &filesz);
		cd_page_filter_set_range(memory_bitmap,
					 start_pfn,
					 n_pfns,
					 paddr,
					 memsz,
					 self->page_size);
		cd_page_filter_set_range(keep_bitmap,
					 start_pfn,
					 n_pfns,
					 paddr,
					 filesz,
					 self->page_size);
	}
	for (guint64 i = 0; i < n_pfns / 8; i++) {
		self->stats.memory += (guint64)__builtin_popcount(memory_bitmap[i]);
		self->stats.not_stored +=
			(guint64)__builtin_popcount(memory_bitmap[i] & (guint8)~keep_bitmap[i]);
	}

	if (self->use_mem_map) {
		/* an exclusion that began in the previous window */
		if (self->carry_end > pfn) {
			guint64 *counter = self->carry_counter;
			guint64 carry_end = self->carry_end;
			self->carry_end = 0;
			cd_page_filter_exclude(self,
					       pfn,
					       carry_end - pfn,
					       start_pfn,
					       end_pfn,
					       keep_bitmap,
					       counter);
			pfn = MIN(carry_end, end_pfn);
		}
		while (pfn < end_pfn) {
			const guint8 *page;
			guint64 *counter;
			guint64 count;

			if (!cd_bitmap_test(memory_bitmap, pfn - start_pfn)) {
				pfn++;
				continue;
			}
			page = cd_page_filter_struct_page(self, pfn);
			if (page == NULL) {
				/* keep the rest of the chunk */
				pfn = (pfn & ~(guint64)(CD_PAGE_FILTER_CHUNK - 1)) +
				      CD_PAGE_FILTER_CHUNK;
				continue;
			}
			count = cd_page_filter_classify(self, pfn, page, &counter);
			if (counter != NULL)
				cd_page_filter_exclude(self,
						       pfn,
						       count,
						       start_pfn,
						       end_pfn,
						       keep_bitmap,
						       counter);
			pfn += count;
		}
	}
	for (guint64 i = 0; i < n_pfns / 8; i++)
		self->stats.kept += (guint64)__builtin_popcount(keep_bitmap[i]);
}
