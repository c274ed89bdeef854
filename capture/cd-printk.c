/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPrintk"

#include "config.h"

#include "cd-error.h"

#include "cd-bytes.h"
#include "cd-printk.h"

/* The crashed kernel's log, walked the way the kernel itself reads it. Every size and
 * offset comes from VMCOREINFO or the dump, so each is bounded by a named limit and the
 * memory it describes is checked to be in the file before the walk starts; a record
 * that does not make sense is skipped or ends the walk with a warning, never a crash,
 * and no walk takes more steps than the ring has slots. */

/* the largest text a record can carry: its length is a u16 */
#define CD_PRINTK_MAX_TEXT G_MAXUINT16

/* lockless ring: special text block positions of data-less records */
#define CD_PRINTK_LPOS_EMPTY_LINE 0x3

typedef struct {
	CdVmcore *vmcore;
	CdVmcoreinfo *info;
	CdPrintkFunc func;
	gpointer user_data;
	GPtrArray *warnings;
	guint8 text[CD_PRINTK_MAX_TEXT];
} CdPrintkWalk;

static void G_GNUC_PRINTF(2, 3) cd_printk_warn(CdPrintkWalk *walk, const gchar *format, ...)
{
	va_list args;

	if (walk->warnings == NULL)
		return;
	va_start(args, format);
	g_ptr_array_add(walk->warnings, g_strdup_vprintf(format, args));
	va_end(args);
}

/* a SIZE() that must be at least @min and at most CD_PRINTK_MAX_STRUCT_SIZE */
static gboolean
cd_printk_get_struct_size(CdVmcoreinfo *info,
			  const gchar *type,
			  guint64 min,
			  guint64 *value,
			  GError **error)
{
	if (!cd_vmcoreinfo_get_size(info, type, value, error))
		return FALSE;
	if (*value < min || *value > CD_PRINTK_MAX_STRUCT_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO SIZE(%s)=%" G_GUINT64_FORMAT
			    " is out of range (%" G_GUINT64_FORMAT " to %u)",
			    type,
			    *value,
			    min,
			    (guint)CD_PRINTK_MAX_STRUCT_SIZE);
		return FALSE;
	}
	return TRUE;
}

/* an OFFSET() such that @width bytes at the sum of the offsets fit in @struct_size */
static gboolean
cd_printk_get_field(CdVmcoreinfo *info,
		    const gchar *member,
		    guint64 base,
		    guint64 width,
		    guint64 struct_size,
		    const gchar *struct_name,
		    guint64 *value,
		    GError **error)
{
	guint64 offset;

	if (!cd_vmcoreinfo_get_offset(info, member, &offset, error))
		return FALSE;
	if (offset > struct_size || base > struct_size - offset ||
	    width > struct_size - offset - base) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO OFFSET(%s)=%" G_GUINT64_FORMAT
			    " is out of range: %s is %" G_GUINT64_FORMAT " bytes",
			    member,
			    offset,
			    struct_name,
			    struct_size);
		return FALSE;
	}
	*value = base + offset;
	return TRUE;
}

static gboolean
cd_printk_emit(CdPrintkWalk *walk, const CdPrintkRecord *record, GError **error)
{
	return walk->func(record, walk->user_data, error);
}

/* ---- lockless ring, Linux 5.10 and later ---- */

typedef struct {
	guint64 desc_size;
	guint64 desc_state; /* offset of state_var.counter in prb_desc */
	guint64 desc_begin; /* offset of text_blk_lpos.begin in prb_desc */
	guint64 desc_next;  /* offset of text_blk_lpos.next in prb_desc */
	guint64 info_size;
	guint64 info_ts_nsec;
	guint64 info_text_len;
	guint64 info_caller_id;
	gboolean has_caller_id;
	guint64 descs; /* kernel address of the descriptor array */
	guint64 infos; /* kernel address of the info array */
	guint64 count; /* descriptors */
	guint64 data;  /* kernel address of the text data ring */
	guint32 size_bits;
	guint64 size; /* bytes of the text data ring */
	guint64 head_id;
	guint64 tail_id;
	guint state_shift; /* the two state bits are the top of an unsigned long */
	guint64 id_mask;
} CdPrintkLockless;

/* one OFFSET() to look up: @width bytes at @base plus the offset must fit in the struct */
typedef struct {
	const gchar *member;
	guint64 base;
	guint64 width;
	guint64 struct_size;
	const gchar *struct_name;
	guint64 *out;
} CdPrintkField;

static gboolean
cd_printk_get_fields(CdVmcoreinfo *info, const CdPrintkField *fields, gsize n, GError **error)
{
	for (gsize i = 0; i < n; i++) {
		const CdPrintkField *f = &fields[i];
		if (!cd_printk_get_field(info,
					 f->member,
					 f->base,
					 f->width,
					 f->struct_size,
					 f->struct_name,
					 f->out,
					 error))
			return FALSE;
	}
	return TRUE;
}

static gboolean
cd_printk_lockless_layout(CdPrintkWalk *walk, CdPrintkLockless *rb, GError **error)
{
	CdVmcoreinfo *info = walk->info;
	guint ptr = cd_vmcore_get_arch(walk->vmcore)->pointer_size;
	guint64 prb_sym, prb_addr, prb_size, counter;
	guint64 desc_ring, data_ring, lpos;
	guint64 off_count_bits, off_descs, off_infos, off_head, off_tail, off_size_bits, off_data;
	guint8 prb[CD_PRINTK_MAX_STRUCT_SIZE];
	guint32 count_bits;

	if (!cd_vmcoreinfo_get_symbol(info, "prb", &prb_sym, error))
		return FALSE;
	if (!cd_printk_get_struct_size(info, "printk_ringbuffer", 1, &prb_size, error) ||
	    !cd_printk_get_struct_size(info, "prb_desc", 1, &rb->desc_size, error) ||
	    !cd_printk_get_struct_size(info, "printk_info", 1, &rb->info_size, error))
		return FALSE;
	if (!cd_vmcoreinfo_get_offset(info, "atomic_long_t.counter", &counter, error))
		return FALSE;

	/* the nested structs first: the members below are relative to them */
	{
		const CdPrintkField outer[] = {
			{ "printk_ringbuffer.desc_ring",
			  0,
			  0,
			  prb_size,
			  "printk_ringbuffer",
			  &desc_ring },
			{ "printk_ringbuffer.text_data_ring",
			  0,
			  0,
			  prb_size,
			  "printk_ringbuffer",
			  &data_ring },
			{ "prb_desc.text_blk_lpos", 0, 0, rb->desc_size, "prb_desc", &lpos },
		};
		if (!cd_printk_get_fields(info, outer, G_N_ELEMENTS(outer), error))
			return FALSE;
	}
	{
		const gchar *rb_name = "printk_ringbuffer";
		const CdPrintkField fields[] = {
			{ "prb_desc_ring.count_bits",
			  desc_ring,
			  4,
			  prb_size,
			  rb_name,
			  &off_count_bits },
			{ "prb_desc_ring.descs", desc_ring, ptr, prb_size, rb_name, &off_descs },
			{ "prb_desc_ring.infos", desc_ring, ptr, prb_size, rb_name, &off_infos },
			{ "prb_desc_ring.head_id",
			  desc_ring + counter,
			  ptr,
			  prb_size,
			  rb_name,
			  &off_head },
			{ "prb_desc_ring.tail_id",
			  desc_ring + counter,
			  ptr,
			  prb_size,
			  rb_name,
			  &off_tail },
			{ "prb_data_ring.size_bits",
			  data_ring,
			  4,
			  prb_size,
			  rb_name,
			  &off_size_bits },
			{ "prb_data_ring.data", data_ring, ptr, prb_size, rb_name, &off_data },
			{ "prb_desc.state_var",
			  counter,
			  ptr,
			  rb->desc_size,
			  "prb_desc",
			  &rb->desc_state },
			{ "prb_data_blk_lpos.begin",
			  lpos,
			  ptr,
			  rb->desc_size,
			  "prb_desc",
			  &rb->desc_begin },
			{ "prb_data_blk_lpos.next",
			  lpos,
			  ptr,
			  rb->desc_size,
			  "prb_desc",
			  &rb->desc_next },
			{ "printk_info.ts_nsec",
			  0,
			  8,
			  rb->info_size,
			  "printk_info",
			  &rb->info_ts_nsec },
			{ "printk_info.text_len",
			  0,
			  2,
			  rb->info_size,
			  "printk_info",
			  &rb->info_text_len },
		};
		if (!cd_printk_get_fields(info, fields, G_N_ELEMENTS(fields), error))
			return FALSE;
	}
	/* the caller id is optional: only printed on request */
	rb->has_caller_id = cd_printk_get_field(info,
						"printk_info.caller_id",
						0,
						4,
						rb->info_size,
						"printk_info",
						&rb->info_caller_id,
						NULL);

	/* the ring itself: SYMBOL(prb) is a pointer to it */
	if (!cd_vmcore_read_ulong(walk->vmcore, prb_sym, &prb_addr, error)) {
		g_prefix_error(error, "cannot read the printk ring pointer: ");
		return FALSE;
	}
	if (!cd_vmcore_read_kvaddr(walk->vmcore, prb_addr, prb, prb_size, error)) {
		g_prefix_error(error, "cannot read the printk ring: ");
		return FALSE;
	}
	count_bits = cd_read_le32(prb + off_count_bits);
	rb->size_bits = cd_read_le32(prb + off_size_bits);
	if (count_bits > CD_PRINTK_MAX_COUNT_BITS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "printk descriptor ring count_bits %u is out of range (at most %u)",
			    count_bits,
			    (guint)CD_PRINTK_MAX_COUNT_BITS);
		return FALSE;
	}
	if (rb->size_bits < 3 || rb->size_bits > CD_PRINTK_MAX_SIZE_BITS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "printk text ring size_bits %u is out of range (3 to %u)",
			    rb->size_bits,
			    (guint)CD_PRINTK_MAX_SIZE_BITS);
		return FALSE;
	}
	rb->count = G_GUINT64_CONSTANT(1) << count_bits;
	rb->size = G_GUINT64_CONSTANT(1) << rb->size_bits;
	rb->descs = cd_read_le64(prb + off_descs);
	rb->infos = cd_read_le64(prb + off_infos);
	rb->data = cd_read_le64(prb + off_data);
	rb->head_id = cd_read_le64(prb + off_head);
	rb->tail_id = cd_read_le64(prb + off_tail);
	/* ids use the bits of an unsigned long that the two state bits leave */
	rb->state_shift = ptr * 8 - 2;
	rb->id_mask = (G_GUINT64_CONSTANT(1) << rb->state_shift) - 1;

	/* the walk steps through the descriptors, so they must be stored in the file; the
	 * other two are read only for valid descriptors and may be zero-filled */
	if (!cd_vmcore_check_kvaddr_range(walk->vmcore,
					  rb->descs,
					  rb->count * rb->desc_size,
					  CD_VMCORE_RANGE_IN_FILE,
					  "the printk descriptor ring",
					  error) ||
	    !cd_vmcore_check_kvaddr_range(walk->vmcore,
					  rb->infos,
					  rb->count * rb->info_size,
					  CD_VMCORE_RANGE_DESCRIBED,
					  "the printk info ring",
					  error) ||
	    !cd_vmcore_check_kvaddr_range(walk->vmcore,
					  rb->data,
					  rb->size,
					  CD_VMCORE_RANGE_DESCRIBED,
					  "the printk text ring",
					  error))
		return FALSE;
	return TRUE;
}

/* the text of a block as the kernel's get_data() finds it; FALSE if the block is invalid */
static gboolean
cd_printk_lockless_block(const CdPrintkLockless *rb,
			 guint64 begin,
			 guint64 next,
			 guint64 *index,
			 guint64 *size)
{
	guint bits = rb->size_bits;

	if ((begin >> bits) == (next >> bits) && begin < next) {
		/* regular block: in one wrap of the ring */
		*index = begin & (rb->size - 1);
		*size = next - begin;
	} else if (((begin + rb->size) >> bits) == (next >> bits)) {
		/* wrapping block: the writer put it at the start of the ring */
		*index = 0;
		*size = next & (rb->size - 1);
	} else {
		return FALSE;
	}
	if ((begin % 8) != 0 || (next % 8) != 0 || *size < 8)
		return FALSE;
	return TRUE;
}

static gboolean
cd_printk_lockless_record(CdPrintkWalk *walk,
			  const CdPrintkLockless *rb,
			  guint64 id,
			  GError **error)
{
	guint8 desc[CD_PRINTK_MAX_STRUCT_SIZE];
	guint8 info[CD_PRINTK_MAX_STRUCT_SIZE];
	guint64 slot = id & (rb->count - 1);
	guint64 state_var, begin, next, index = 0, block = 0;
	guint state;
	CdPrintkRecord record = { .has_timestamp = TRUE, .text = walk->text };

	if (!cd_vmcore_read_kvaddr(walk->vmcore,
				   rb->descs + slot * rb->desc_size,
				   desc,
				   rb->desc_size,
				   error))
		return FALSE;
	state_var = cd_read_le64(desc + rb->desc_state);
	state = (guint)(state_var >> rb->state_shift) & 3;
	/* only committed (1) and finalized (2) records of this very id are readable */
	if ((state_var & rb->id_mask) != id || (state != 1 && state != 2))
		return TRUE;

	begin = cd_read_le64(desc + rb->desc_begin);
	next = cd_read_le64(desc + rb->desc_next);
	if ((begin & 1) && (next & 1)) {
		/* data-less: an empty line, or a reservation that failed (a lost record) */
		if (begin != CD_PRINTK_LPOS_EMPTY_LINE || next != CD_PRINTK_LPOS_EMPTY_LINE)
			return TRUE;
	} else if (!cd_printk_lockless_block(rb, begin, next, &index, &block)) {
		cd_printk_warn(walk,
			       "printk record %" G_GUINT64_FORMAT
			       " has an invalid text block [%" G_GUINT64_FORMAT
			       ", %" G_GUINT64_FORMAT "), skipped",
			       id,
			       begin,
			       next);
		return TRUE;
	}

	if (!cd_vmcore_read_kvaddr(walk->vmcore,
				   rb->infos + slot * rb->info_size,
				   info,
				   rb->info_size,
				   error))
		return FALSE;
	record.ts_nsec = cd_read_le64(info + rb->info_ts_nsec);
	if (rb->has_caller_id) {
		record.has_caller_id = TRUE;
		record.caller_id = cd_read_le32(info + rb->info_caller_id);
	}
	if (block > 0) {
		/* the block starts with the id; the text may be shorter than text_len says */
		record.text_len = MIN((gsize)cd_read_le16(info + rb->info_text_len), block - 8);
		if (!cd_vmcore_read_kvaddr(walk->vmcore,
					   rb->data + index + 8,
					   walk->text,
					   record.text_len,
					   error))
			return FALSE;
	}
	return cd_printk_emit(walk, &record, error);
}

static gboolean
cd_printk_lockless_walk(CdPrintkWalk *walk, GError **error)
{
	CdPrintkLockless rb = { 0 };
	guint64 span;
	guint64 id;

	if (!cd_printk_lockless_layout(walk, &rb, error))
		return FALSE;

	rb.head_id &= rb.id_mask;
	rb.tail_id &= rb.id_mask;
	span = (rb.head_id - rb.tail_id) & rb.id_mask;
	if (span >= rb.count) {
		cd_printk_warn(walk,
			       "printk descriptor ring is inconsistent: head id %" G_GUINT64_FORMAT
			       " is %" G_GUINT64_FORMAT " ids past tail id %" G_GUINT64_FORMAT
			       ", more than its %" G_GUINT64_FORMAT
			       " descriptors; reading the newest %" G_GUINT64_FORMAT,
			       rb.head_id,
			       span,
			       rb.tail_id,
			       rb.count,
			       rb.count);
		span = rb.count - 1;
	}
	id = (rb.head_id - span) & rb.id_mask;
	for (guint64 i = 0; i <= span; i++) {
		if (!cd_printk_lockless_record(walk, &rb, id, error))
			return FALSE;
		id = (id + 1) & rb.id_mask;
	}
	return TRUE;
}

/* ---- structured log_buf, Linux 3.5 to 5.9 ---- */

/* the struct was called "log" before Linux 3.11 */
static const gchar *
cd_printk_structured_name(CdVmcoreinfo *info)
{
	return cd_vmcoreinfo_has(info, "SIZE(printk_log)") ? "printk_log" : "log";
}

static gboolean
cd_printk_read_log_buf(CdPrintkWalk *walk,
		       CdVmcoreRangeFlags flags,
		       guint64 *buf,
		       guint32 *len,
		       GError **error)
{
	guint64 sym;

	if (!cd_vmcoreinfo_get_symbol(walk->info, "log_buf", &sym, error) ||
	    !cd_vmcore_read_ulong(walk->vmcore, sym, buf, error))
		return FALSE;
	if (!cd_vmcoreinfo_get_symbol(walk->info, "log_buf_len", &sym, error) ||
	    !cd_vmcore_read_u32(walk->vmcore, sym, len, error))
		return FALSE;
	if (*len == 0 || *len > CD_PRINTK_MAX_LOG_BUF_LEN) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "log_buf_len %u is out of range (1 to %u)",
			    *len,
			    CD_PRINTK_MAX_LOG_BUF_LEN);
		return FALSE;
	}
	return cd_vmcore_check_kvaddr_range(walk->vmcore,
					    *buf,
					    *len,
					    flags,
					    "the log_buf ring",
					    error);
}

static gboolean
cd_printk_read_index(CdPrintkWalk *walk,
		     const gchar *name,
		     guint32 len,
		     guint32 *idx,
		     GError **error)
{
	guint64 sym;

	if (!cd_vmcoreinfo_get_symbol(walk->info, name, &sym, error) ||
	    !cd_vmcore_read_u32(walk->vmcore, sym, idx, error))
		return FALSE;
	if (*idx >= len) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s %u lies outside log_buf (%u bytes)",
			    name,
			    *idx,
			    len);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_printk_structured_walk(CdPrintkWalk *walk, GError **error)
{
	const gchar *type = cd_printk_structured_name(walk->info);
	g_autofree gchar *m_ts = g_strdup_printf("%s.ts_nsec", type);
	g_autofree gchar *m_len = g_strdup_printf("%s.len", type);
	g_autofree gchar *m_text_len = g_strdup_printf("%s.text_len", type);
	g_autofree gchar *m_caller = g_strdup_printf("%s.caller_id", type);
	guint8 hdr[CD_PRINTK_MAX_STRUCT_SIZE];
	guint64 hdr_size, off_ts, off_len, off_text_len, off_caller = 0;
	guint64 log_buf;
	guint32 len, first, next, idx;
	gboolean has_caller;
	gboolean wrapped = FALSE;

	if (!cd_printk_get_struct_size(walk->info, type, 8, &hdr_size, error))
		return FALSE;
	{
		const CdPrintkField fields[] = {
			{ m_ts, 0, 8, hdr_size, type, &off_ts },
			{ m_len, 0, 2, hdr_size, type, &off_len },
			{ m_text_len, 0, 2, hdr_size, type, &off_text_len },
		};
		if (!cd_printk_get_fields(walk->info, fields, G_N_ELEMENTS(fields), error))
			return FALSE;
	}
	/* only kernels with CONFIG_PRINTK_CALLER have it */
	has_caller =
		cd_printk_get_field(walk->info, m_caller, 0, 4, hdr_size, type, &off_caller, NULL);
	/* the walk is bounded by the wrap rules (a zero header ends it), not by the
	 * buffer's size: zero-fill is fine */
	if (!cd_printk_read_log_buf(walk, CD_VMCORE_RANGE_DESCRIBED, &log_buf, &len, error) ||
	    !cd_printk_read_index(walk, "log_first_idx", len, &first, error) ||
	    !cd_printk_read_index(walk, "log_next_idx", len, &next, error))
		return FALSE;

	/* each step advances at least one header or wraps once: at most len/hdr_size + 2 */
	for (idx = first; idx != next;) {
		CdPrintkRecord record = { .has_timestamp = TRUE, .text = walk->text };
		guint16 rec_len, text_len;

		if (idx > len || hdr_size > len - idx) {
			cd_printk_warn(walk,
				       "log_buf record at %u runs past the end of log_buf "
				       "(%u bytes); the rest of the log is lost",
				       idx,
				       len);
			return TRUE;
		}
		if (!cd_vmcore_read_kvaddr(walk->vmcore, log_buf + idx, hdr, hdr_size, error))
			return FALSE;
		rec_len = cd_read_le16(hdr + off_len);
		if (rec_len == 0) {
			/* the writer's marker: the next record is at the start of the buffer */
			if (wrapped) {
				cd_printk_warn(walk,
					       "log_buf wraps a second time at %u: the ring "
					       "is corrupt; the rest of the log is lost",
					       idx);
				return TRUE;
			}
			wrapped = TRUE;
			idx = 0;
			continue;
		}
		text_len = cd_read_le16(hdr + off_text_len);
		if (rec_len < hdr_size || rec_len > len - idx || text_len > rec_len - hdr_size) {
			cd_printk_warn(walk,
				       "log_buf record at %u has an invalid length (%u, text "
				       "%u); the rest of the log is lost",
				       idx,
				       rec_len,
				       text_len);
			return TRUE;
		}
		record.ts_nsec = cd_read_le64(hdr + off_ts);
		record.has_caller_id = has_caller;
		if (has_caller)
			record.caller_id = cd_read_le32(hdr + off_caller);
		record.text_len = text_len;
		if (!cd_vmcore_read_kvaddr(walk->vmcore,
					   log_buf + idx + hdr_size,
					   walk->text,
					   text_len,
					   error))
			return FALSE;
		if (!cd_printk_emit(walk, &record, error))
			return FALSE;
		idx += rec_len;
	}
	return TRUE;
}

/* ---- plain character ring, before Linux 3.5 ---- */

static gboolean
cd_printk_plain_walk(CdPrintkWalk *walk, GError **error)
{
	guint64 log_buf, sym;
	guint32 len, log_end, start, count;

	/* the whole buffer is printed: it must be stored, so that a hostile length cannot
	 * turn a few bytes of file into gigabytes of zeros */
	if (!cd_printk_read_log_buf(walk, CD_VMCORE_RANGE_IN_FILE, &log_buf, &len, error))
		return FALSE;
	if (!cd_vmcoreinfo_get_symbol(walk->info, "log_end", &sym, error) ||
	    !cd_vmcore_read_u32(walk->vmcore, sym, &log_end, error))
		return FALSE;

	/* log_end counts every character ever written: the ring holds the last len */
	count = MIN(log_end, len);
	start = (guint32)(((guint64)log_end - count) % len);
	while (count > 0) {
		CdPrintkRecord record = { .text = walk->text };
		guint32 chunk = MIN(count, MIN((guint32)sizeof(walk->text), len - start));

		if (!cd_vmcore_read_kvaddr(walk->vmcore, log_buf + start, walk->text, chunk, error))
			return FALSE;
		record.text_len = chunk;
		if (!cd_printk_emit(walk, &record, error))
			return FALSE;
		start = (start + chunk) % len;
		count -= chunk;
	}
	return TRUE;
}

/**
 * cd_printk_detect_format:
 * @format: (out): which log the crashed kernel kept
 *
 * Returns: %FALSE if VMCOREINFO names no kernel log
 */
gboolean
cd_printk_detect_format(CdVmcore *vmcore, CdPrintkFormat *format, GError **error)
{
	CdVmcoreinfo *info = cd_vmcore_get_vmcoreinfo(vmcore);

	if (cd_vmcoreinfo_has(info, "SYMBOL(prb)")) {
		*format = CD_PRINTK_FORMAT_LOCKLESS;
	} else if (cd_vmcoreinfo_has(info, "SYMBOL(log_first_idx)")) {
		*format = CD_PRINTK_FORMAT_STRUCTURED;
	} else if (cd_vmcoreinfo_has(info, "SYMBOL(log_buf)") &&
		   cd_vmcoreinfo_has(info, "SYMBOL(log_end)")) {
		*format = CD_PRINTK_FORMAT_PLAIN;
	} else {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "VMCOREINFO names no kernel log (neither SYMBOL(prb) nor "
				    "SYMBOL(log_buf))");
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_printk_foreach:
 * @func: called for each record, oldest first; returning %FALSE stops the walk
 * @warnings: (nullable): receives a message for each part of the log that was lost
 *
 * Walks the crashed kernel's log. Records the kernel itself would not print (reserved,
 * reused, failed) are passed over silently; damage is reported in @warnings and the
 * records that can be trusted are still given.
 *
 * Returns: %FALSE if the log cannot be found or read, or if @func failed
 */
gboolean
cd_printk_foreach(CdVmcore *vmcore,
		  CdPrintkFunc func,
		  gpointer user_data,
		  GPtrArray *warnings,
		  GError **error)
{
	g_autofree CdPrintkWalk *walk = g_new0(CdPrintkWalk, 1);
	CdPrintkFormat format;

	g_return_val_if_fail(CD_IS_VMCORE(vmcore), FALSE);
	g_return_val_if_fail(func != NULL, FALSE);

	walk->vmcore = vmcore;
	walk->info = cd_vmcore_get_vmcoreinfo(vmcore);
	walk->func = func;
	walk->user_data = user_data;
	walk->warnings = warnings;

	if (!cd_printk_detect_format(vmcore, &format, error))
		return FALSE;
	switch (format) {
	case CD_PRINTK_FORMAT_LOCKLESS:
		return cd_printk_lockless_walk(walk, error);
	case CD_PRINTK_FORMAT_STRUCTURED:
		return cd_printk_structured_walk(walk, error);
	case CD_PRINTK_FORMAT_PLAIN:
		return cd_printk_plain_walk(walk, error);
	default:
		g_assert_not_reached();
	}
}
