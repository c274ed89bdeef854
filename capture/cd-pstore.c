/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPstore"

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZLIB_CONST
#include <zlib.h>

#include "cd-error.h"
#include "cd-file.h"
#include "cd-pstore.h"
#include "cd-zlib.h"

/* The kernel log a crashed kernel dumped into persistent storage, as the pstore
 * filesystem shows it after the next boot.
 *
 * Names. pstore_mkfile() (fs/pstore/inode.c) names each record
 * "%s-%s-%llu%s": the type ("dmesg", "console", "pmsg", "ftrace", "mce"...), the
 * backend's name, the record id the backend gave, and ".enc.z" when the record is
 * still compressed. Only "dmesg" records are read here: the others are not dumps.
 * The file's mtime is the record's time when the backend kept one.
 *
 * Dumps. pstore_dump() (fs/pstore/platform.c) is the kmsg dumper: it bumps a per-boot
 * "oopscount", then writes records of one backend buffer each, every one starting
 * with the line "%s#%d Part%u\n" (kmsg_dump_reason_str(), oopscount, part) followed by
 * what kmsg_dump_get_buffer() gives: the youngest lines that fit, then the next
 * older ones on the next call. Part1 is therefore the end of the log, just before
 * the crash, and the whole dump is the parts in descending part order. Each chunk
 * is whole "<level>[seconds] text" lines.
 *
 * Compression. A compressed record was inflated by the kernel when the file was
 * made, unless that failed: then the file keeps the compressed bytes and ".enc.z".
 * The header line is compressed with the chunk. Three eras of deflate:
 *  - up to 4.18, zlib_deflateInit2() with WINDOW_BITS 12: a zlib stream with a header;
 *  - 4.19 to 6.5, the crypto API ("pstore: Use crypto compress API"): crypto/deflate.c
 *    makes a raw stream, -DEFLATE_DEF_WINBITS (-11); lzo, lz4, 842 and zstd could be
 *    chosen instead and are not read here (zstd is recognised by its magic);
 *  - 6.6 on ("pstore: Replace crypto API compression with zlib_deflate library
 *    calls"): zlib_deflateInit2(..., -MAX_WBITS, ...), a raw stream again.
 * A zlib header is recognised by its checksum; otherwise the stream is taken as raw,
 * and the other kind is tried when the first fails.
 *
 * Grouping, per backend:
 *  - efi (the name up to 6.1) and efi_pstore (KBUILD_MODNAME later; systemd's
 *    pstore.c: "The linux kernel changed the prefix from dmesg-efi- to
 *    dmesg-efi_pstore-"): drivers/firmware/efi/efi-pstore.c makes the id with
 *    generic_id() = (timestamp * 100 + part) * 1000 + count, the timestamp being
 *    each record's own time, so id / 100000 is that time, (id / 1000) % 100 the part
 *    and id % 1000 the count. Parts of one dump share the count but not always the
 *    second, so the time is compared with a tolerance, not the digits: systemd-pstore
 *    groups by id / 100000 and splits a dump that crosses a second.
 *  - erst: drivers/acpi/apei/erst.c writes each part as a CPER record whose id is
 *    cper_next_record_id(): the boot's first time in seconds << 32, plus one per
 *    record, so the parts of a dump have consecutive ids, Part1 the lowest. systemd
 *    groups runs of consecutive ids, which merges an Oops dump with the Panic dump
 *    written right after it; the header's count keeps them apart here.
 *  - ramoops: fs/pstore/ram.c ramoops_pstore_write() keeps only Part1 ("Explicitly
 *    only take the first part of any new crash") in one of its dump zones, used in
 *    turn; the id is the zone's index, not an order. Each file is one dump, dated
 *    by the "====%lld.%06lu-%c" header ram.c keeps and shows as the mtime. When ECC
 *    is on, ram.c appends "\nECC: No errors detected\n" or "\nECC: %d Corrected
 *    bytes, %d unrecoverable blocks\n" after the record (after the compressed bytes
 *    of a .enc.z), which is removed here.
 *  - any other backend (pstore/zone and pstore/blk keep Part1 only, like ramoops):
 *    the general rule below, with the mtime as the time.
 * The general rule: records of one backend with the same reason and count are put in
 * order of time (efi: the id's timestamp; others: the mtime) and id (erst: the id
 * alone, the order the records were written in); a record starts a
 * new dump when its part is not above the previous one's (a dump restarts at Part1)
 * or when it was written more than CD_PSTORE_DUMP_SPAN seconds after it (a later
 * boot). A missing part leaves a gap, reported as a warning. A record without a
 * header line (damaged memory) is a dump of its own, with the reason "Unknown".
 *
 * One crash, two dumps. With panic_on_oops (or an oops in interrupt context) the kernel
 * dumps "Oops#N" and, a moment later, "Panic#N+1" for the same crash; each holds the end
 * of the log when it was written, so the panic's log continues the oops's (for ramoops,
 * whose zone holds record_size bytes, it has lost the oops's oldest lines). A Panic dump
 * is joined with the dump of the same backend whose count is one less when that is not
 * a panic and its log runs into the panic's: its last line, with the lines before it,
 * is a line of the panic's log (the timestamps make that the same boot). The joined
 * text is every line of both, each once: the oops's lines the panic's log lacks, then
 * the panic's log. Dumps that do not continue each other stay apart (an oops long
 * before the panic, another boot).
 *
 * What the text says of itself. The kernel's release and version come from the
 * "Linux version" banner, the first line of every boot's log, and when the dump holds
 * only the end of the log (the usual case: ramoops keeps record_size bytes, efi a few
 * dozen KiB) from the "CPU: 0 PID: 1 Comm: sh Not tainted 6.1.0-57-amd64 #1 Debian
 * 6.1.192-3" line of dump_stack(), which shows the release and the version's first word
 * (Debian adds its package version). Only lines of the kernel's facility (a syslog
 * prefix below 8) are believed: a line written to /dev/kmsg has another. A text without
 * the banner lacks the start of the log, which the crash's text_warnings say.
 *
 * The files are untrusted: each is opened without following links, must be a regular
 * file, and is read within the limits in cd-pstore.h. Anything wrong with one record
 * is a warning and that record is left out, in /sys/fs/pstore too. */

#define CD_PSTORE_READ_CHUNK (64 * 1024)
#define CD_PSTORE_HEADER_MAX 64 /* "Emergency#2147483647 Part4294967295\n" and more */
/* places where the oops's last line is looked for in the panic's log: timestamps make a
 * line unique, and a log of one line repeated must not cost a comparison per pair */
#define CD_PSTORE_JOIN_TRIES 16

typedef struct {
	gchar *name;
	gchar *path;
	gchar *backend;
	guint64 id;
	gint64 mtime;
	gint64 time;   /* the clock records are grouped by */
	gchar *reason; /* NULL without a header line */
	guint count;
	guint part;
	GByteArray *data; /* the record, inflated */
	gsize body;	  /* where the log starts in data */
} CdPstoreRecord;

static void
cd_pstore_record_free(CdPstoreRecord *record)
{
	g_free(record->name);
	g_free(record->path);
	g_free(record->backend);
	g_free(record->reason);
	if (record->data != NULL)
		g_byte_array_unref(record->data);
	g_free(record);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPstoreRecord, cd_pstore_record_free)

/**
 * cd_pstore_crash_free:
 *
 * Frees a crash and everything it holds; %NULL is accepted.
 */
void
cd_pstore_crash_free(CdPstoreCrash *crash)
{
	if (crash == NULL)
		return;
	g_free(crash->backend);
	g_free(crash->reason);
	if (crash->files != NULL)
		g_ptr_array_unref(crash->files);
	g_free(crash->text);
	g_free(crash->release);
	g_free(crash->version);
	if (crash->text_warnings != NULL)
		g_ptr_array_unref(crash->text_warnings);
	g_free(crash);
}

static void
cd_pstore_warn(GPtrArray *warnings, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
cd_pstore_warn(GPtrArray *warnings, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_debug("%s", msg);
	if (warnings != NULL)
		g_ptr_array_add(warnings, g_steal_pointer(&msg));
}

static gboolean
cd_pstore_backend_is_efi(const gchar *backend)
{
	return g_str_equal(backend, "efi") || g_str_equal(backend, "efi_pstore");
}

/* "dmesg-<backend>-<id>[.enc.z]"; the backend is all between the first and last dash */
static gboolean
cd_pstore_parse_name(const gchar *name, gchar **backend, guint64 *id, gboolean *compressed)
{
	const gchar *rest = name + strlen("dmesg-");
	gsize len = strlen(rest);
	const gchar *dash;
	g_autofree gchar *digits = NULL;

	*compressed = g_str_has_suffix(rest, ".enc.z");
	if (*compressed)
		len -= strlen(".enc.z");
	dash = g_strrstr_len(rest, (gssize)len, "-");
	if (dash == NULL || dash == rest)
		return FALSE;
	digits = g_strndup(dash + 1, len - (gsize)(dash + 1 - rest));
	/* g_ascii_string_to_unsigned() refuses signs, spaces, empty strings and overflow */
	if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, id, NULL))
		return FALSE;
	/* backends are C identifiers or dashed words: "efi_pstore", "powerpc-nvram" */
	if (!g_ascii_isalnum(rest[0]) || !g_ascii_isalnum(dash[-1]))
		return FALSE;
	for (const gchar *p = rest; p < dash; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return FALSE;
	}
	*backend = g_strndup(rest, (gsize)(dash - rest));
	return TRUE;
}

static GByteArray *
cd_pstore_read_fd(gint fd, GError **error)
{
	g_autoptr(GByteArray) buf = g_byte_array_new();

	for (;;) {
		gsize have = buf->len;
		gssize n;

		/* one byte more than the limit tells a file over it */
		if (have > CD_PSTORE_MAX_FILE_SIZE) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "more than the %u bytes a record can be",
				    (guint)CD_PSTORE_MAX_FILE_SIZE);
			return NULL;
		}
		g_byte_array_set_size(buf, have + CD_PSTORE_READ_CHUNK);
		n = read(fd, buf->data + have, CD_PSTORE_READ_CHUNK);
		if (n < 0 && errno == EINTR) {
			g_byte_array_set_size(buf, have);
			continue;
		}
		if (n < 0) {
			cd_error_set_from_errno(error, errno, "cannot read");
			return NULL;
		}
		g_byte_array_set_size(buf, have + (gsize)n);
		if (n == 0)
			return g_steal_pointer(&buf);
	}
}

/* a link planted in the directory is not followed, a FIFO cannot hang the open */
static GByteArray *
cd_pstore_read_file(gint dirfd, const gchar *name, gint64 *mtime, GError **error)
{
	struct stat st;
	GByteArray *buf;
	gint fd = cd_file_open_regular(dirfd, name, CD_FILE_OPEN_NOFOLLOW, &st, error);

	if (fd < 0)
		return NULL;
	if (st.st_size > CD_PSTORE_MAX_FILE_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GINT64_FORMAT " bytes, more than the %u a record can be",
			    (gint64)st.st_size,
			    (guint)CD_PSTORE_MAX_FILE_SIZE);
		g_close(fd, NULL);
		return NULL;
	}
	*mtime = (gint64)st.st_mtime;
	buf = cd_pstore_read_fd(fd, error);
	g_close(fd, NULL);
	return buf;
}

/* RFC 1950: deflate, a window of at most 32 KiB, a check making CMF.FLG a multiple of 31 */
static gboolean
cd_pstore_has_zlib_header(const guint8 *buf, gsize len)
{
	if (len < 2)
		return FALSE;
	return (buf[0] & 0x0f) == 8 && (buf[0] >> 4) <= 7 && ((buf[0] << 8) | buf[1]) % 31 == 0;
}

/* one framing; what follows the stream (ramoops' ECC notice) is not the log */
static GByteArray *
cd_pstore_inflate_with(const guint8 *buf,
		       gsize len,
		       gint window_bits,
		       gboolean *too_big,
		       GError **error)
{
	g_autoptr(GError) error_local = NULL;
	guint8 *out = NULL;
	gsize out_len = 0;
	gsize used = 0;

	if (!cd_zlib_inflate(buf,
			     len,
			     window_bits,
			     CD_PSTORE_MAX_INFLATED_SIZE,
			     &used,
			     &out,
			     &out_len,
			     too_big,
			     &error_local)) {
		if (*too_big)
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "inflates to more than the %u bytes a record can be",
				    (guint)CD_PSTORE_MAX_INFLATED_SIZE);
		else
			g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	return g_byte_array_new_take(out, out_len);
}

static GByteArray *
cd_pstore_inflate(const guint8 *buf, gsize len, GError **error)
{
	static const guint8 zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
	gboolean zlib_first = cd_pstore_has_zlib_header(buf, len);
	gboolean too_big = FALSE;
	g_autoptr(GError) error_first = NULL;
	GByteArray *out;

	if (len >= sizeof(zstd_magic) && memcmp(buf, zstd_magic, sizeof(zstd_magic)) == 0) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_SUPPORTED,
				    "compressed with zstd (pstore.compress=zstd), not deflate");
		return NULL;
	}
	out = cd_pstore_inflate_with(buf,
				     len,
				     zlib_first ? MAX_WBITS : -MAX_WBITS,
				     &too_big,
				     &error_first);
	if (out != NULL)
		return out;
	/* a bomb is a bomb whatever the framing: no second try */
	if (too_big) {
		g_propagate_error(error, g_steal_pointer(&error_first));
		return NULL;
	}
	out = cd_pstore_inflate_with(buf, len, zlib_first ? -MAX_WBITS : MAX_WBITS, &too_big, NULL);
	if (out != NULL)
		return out;
	g_propagate_error(error, g_steal_pointer(&error_first));
	return NULL;
}

/* ram.c's persistent_ram_ecc_string(), at the very end of the record; searched as bytes
 * since what precedes it may be compressed */
static gsize
cd_pstore_strip_ecc_notice(const CdPstoreRecord *record,
			   const guint8 *buf,
			   gsize len,
			   GPtrArray *warnings)
{
	static const gchar marker[] = "\nECC: ";
	gsize marker_len = strlen(marker);
	gsize lowest = len > 96 ? len - 96 : 0;
	g_autofree gchar *rest = NULL;
	guint corrected = 0;
	guint unrecoverable = 0;
	gint used = 0;

	for (gsize pos = len >= marker_len ? len - marker_len + 1 : 0; pos > lowest; pos--) {
		gsize at = pos - 1;

		if (memcmp(buf + at, marker, marker_len) != 0)
			continue;
		rest = g_strndup((const gchar *)buf + at + marker_len, len - at - marker_len);
		if (strlen(rest) != len - at - marker_len)
			return len;
		if (g_str_equal(rest, "No errors detected\n") ||
		    g_str_equal(rest, "No errors detected"))
			return at;
		if (sscanf(rest,
			   "%u Corrected bytes, %u unrecoverable blocks%n",
			   &corrected,
			   &unrecoverable,
			   &used) != 2 ||
		    used <= 0)
			return len;
		if (!g_str_equal(rest + used, "\n") && !g_str_equal(rest + used, ""))
			return len;
		if (unrecoverable > 0) {
			cd_pstore_warn(warnings,
				       "%s: ECC found %u unrecoverable blocks, the text may be "
				       "damaged",
				       record->name,
				       unrecoverable);
		}
		return at;
	}
	return len;
}

/* "<reason>#<count> Part<part>\n", as pstore_dump() writes it */
static gboolean
cd_pstore_parse_header(CdPstoreRecord *record)
{
	const gchar *data = (const gchar *)record->data->data;
	gsize len = MIN(record->data->len, (gsize)CD_PSTORE_HEADER_MAX);
	const gchar *eol = memchr(data, '\n', len);
	g_autofree gchar *line = NULL;
	const gchar *hash;
	const gchar *space;
	g_autofree gchar *count = NULL;
	guint64 tmp = 0;

	if (eol == NULL)
		return FALSE;
	line = g_strndup(data, (gsize)(eol - data));
	if (strlen(line) != (gsize)(eol - data))
		return FALSE;
	hash = strchr(line, '#');
	space = strchr(line, ' ');
	if (hash == NULL || hash == line || space == NULL || space < hash)
		return FALSE;
	for (const gchar *p = line; p < hash; p++) {
		if (!g_ascii_isalpha(*p))
			return FALSE;
	}
	if (!g_str_has_prefix(space, " Part"))
		return FALSE;
	count = g_strndup(hash + 1, (gsize)(space - hash - 1));
	if (!g_ascii_string_to_unsigned(count, 10, 0, G_MAXINT, &tmp, NULL))
		return FALSE;
	record->count = (guint)tmp;
	if (!g_ascii_string_to_unsigned(space + strlen(" Part"), 10, 1, G_MAXINT, &tmp, NULL))
		return FALSE;
	record->part = (guint)tmp;
	record->reason = g_strndup(line, (gsize)(hash - line));
	record->body = (gsize)(eol - data) + 1;
	return TRUE;
}

static CdPstoreRecord *
cd_pstore_load_record(gint dirfd,
		      const gchar *dir,
		      const gchar *name,
		      gsize *total,
		      GPtrArray *warnings)
{
	g_autoptr(CdPstoreRecord) record = g_new0(CdPstoreRecord, 1);
	g_autoptr(GByteArray) raw = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean compressed = FALSE;
	gsize len;

	record->name = g_strdup(name);
	record->path = g_build_filename(dir, name, NULL);
	if (!cd_pstore_parse_name(name, &record->backend, &record->id, &compressed)) {
		cd_pstore_warn(warnings, "%s: not named dmesg-BACKEND-ID, skipped", name);
		return NULL;
	}
	raw = cd_pstore_read_file(dirfd, name, &record->mtime, &error_local);
	if (raw == NULL) {
		cd_pstore_warn(warnings, "%s: %s, skipped", name, error_local->message);
		return NULL;
	}
	if (raw->len > CD_PSTORE_MAX_TOTAL_SIZE - *total) {
		cd_pstore_warn(warnings,
			       "%s: the records exceed %u bytes together, skipped",
			       name,
			       (guint)CD_PSTORE_MAX_TOTAL_SIZE);
		return NULL;
	}
	*total += raw->len;

	len = raw->len;
	if (g_str_equal(record->backend, "ramoops"))
		len = cd_pstore_strip_ecc_notice(record, raw->data, len, warnings);
	if (compressed) {
		record->data = cd_pstore_inflate(raw->data, len, &error_local);
		if (record->data == NULL) {
			cd_pstore_warn(warnings,
				       "%s: the kernel could not inflate it and neither can "
				       "crashdesk: %s, skipped",
				       name,
				       error_local->message);
			return NULL;
		}
		if (record->data->len > CD_PSTORE_MAX_TOTAL_SIZE - *total) {
			cd_pstore_warn(warnings,
				       "%s: the records exceed %u bytes together, skipped",
				       name,
				       (guint)CD_PSTORE_MAX_TOTAL_SIZE);
			return NULL;
		}
		*total += record->data->len;
	} else {
		g_byte_array_set_size(raw, len);
		record->data = g_steal_pointer(&raw);
	}

	record->time = record->mtime;
	if (cd_pstore_backend_is_efi(record->backend))
		record->time = (gint64)(record->id / 100000);
	if (!cd_pstore_parse_header(record)) {
		cd_pstore_warn(warnings,
			       "%s: no \"Reason#N PartN\" header line, kept as a dump of its own",
			       name);
	}
	return g_steal_pointer(&record);
}

static gint
cd_pstore_record_cmp(gconstpointer a, gconstpointer b)
{
	const CdPstoreRecord *ra = *(CdPstoreRecord *const *)a;
	const CdPstoreRecord *rb = *(CdPstoreRecord *const *)b;
	gint rc;

	rc = g_strcmp0(ra->backend, rb->backend);
	if (rc != 0)
		return rc;
	/* records without a header sort last, each apart */
	if ((ra->reason == NULL) != (rb->reason == NULL))
		return ra->reason == NULL ? 1 : -1;
	rc = g_strcmp0(ra->reason, rb->reason);
	if (rc != 0)
		return rc;
	if (ra->count != rb->count)
		return ra->count < rb->count ? -1 : 1;
	/* CPER record ids are the order of writing, finer than the seconds */
	if (ra->time != rb->time && !g_str_equal(ra->backend, "erst"))
		return ra->time < rb->time ? -1 : 1;
	if (ra->id != rb->id)
		return ra->id < rb->id ? -1 : 1;
	return g_strcmp0(ra->name, rb->name);
}

static gboolean
cd_pstore_record_continues(const CdPstoreRecord *prev, const CdPstoreRecord *record)
{
	if (prev->reason == NULL || record->reason == NULL)
		return FALSE;
	if (!g_str_equal(prev->backend, record->backend) ||
	    !g_str_equal(prev->reason, record->reason) || prev->count != record->count)
		return FALSE;
	/* each dump starts again at Part1 */
	if (record->part <= prev->part)
		return FALSE;
	return record->time - prev->time <= CD_PSTORE_DUMP_SPAN;
}

static void
cd_pstore_append_text(GString *text, const guint8 *buf, gsize len)
{
	for (gsize i = 0; i < len;) {
		const guint8 *nul = memchr(buf + i, '\0', len - i);
		gsize end = nul != NULL ? (gsize)(nul - buf) : len;

		g_string_append_len(text, (const gchar *)buf + i, (gssize)(end - i));
		if (nul == NULL)
			break;
		g_string_append(text, "\\x00");
		i = end + 1;
	}
}

/* records[first..last] are one dump, in ascending part order */
static CdPstoreCrash *
cd_pstore_assemble(GPtrArray *records, guint first, guint last, GPtrArray *warnings)
{
	CdPstoreCrash *crash = g_new0(CdPstoreCrash, 1);
	CdPstoreRecord *newest = g_ptr_array_index(records, first);
	g_autoptr(GString) text = g_string_new(NULL);
	guint expected = 1;

	crash->backend = g_strdup(newest->backend);
	crash->reason = g_strdup(newest->reason != NULL ? newest->reason : "Unknown");
	crash->count = newest->count;
	crash->files = g_ptr_array_new_with_free_func(g_free);
	crash->text_warnings = g_ptr_array_new_with_free_func(g_free);

	for (guint i = first; i <= last && newest->reason != NULL; i++) {
		CdPstoreRecord *record = g_ptr_array_index(records, i);
		g_autofree gchar *gap = NULL;

		if (record->part == expected + 1) {
			gap = g_strdup_printf("%s %s#%u: Part%u is missing, the text has a gap",
					      crash->backend,
					      crash->reason,
					      crash->count,
					      expected);
		} else if (record->part > expected) {
			gap = g_strdup_printf(
				"%s %s#%u: Part%u to Part%u are missing, the text has a gap",
				crash->backend,
				crash->reason,
				crash->count,
				expected,
				record->part - 1);
		}
		if (gap != NULL) {
			cd_pstore_warn(warnings, "%s", gap);
			g_ptr_array_add(crash->text_warnings, g_steal_pointer(&gap));
		}
		expected = record->part + 1;
	}
	for (guint i = last + 1; i > first; i--) {
		CdPstoreRecord *record = g_ptr_array_index(records, i - 1);
		const guint8 *body = record->data->data + record->body;
		gsize len = record->data->len - record->body;

		/* a chunk cut short (compression failed, memory decayed) still ends a line */
		if (text->len > 0 && text->str[text->len - 1] != '\n')
			g_string_append_c(text, '\n');
		cd_pstore_append_text(text, body, len);
		g_ptr_array_add(crash->files, g_strdup(record->path));
		crash->time = MAX(crash->time, record->mtime);
	}
	crash->text = g_string_free(g_steal_pointer(&text), FALSE);
	return crash;
}

/* the lines of a text, each with its '\n' (the last one may lack it) */
static GPtrArray *
cd_pstore_split_lines(const gchar *text)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	for (const gchar *p = text; *p != '\0';) {
		const gchar *eol = strchr(p, '\n');
		const gchar *end = eol != NULL ? eol + 1 : p + strlen(p);

		g_ptr_array_add(lines, g_strndup(p, (gsize)(end - p)));
		p = end;
	}
	return lines;
}

static gboolean
cd_pstore_lines_equal(GPtrArray *a, guint ai, GPtrArray *b, guint bi, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (!g_str_equal(g_ptr_array_index(a, ai + i), g_ptr_array_index(b, bi + i)))
			return FALSE;
	}
	return TRUE;
}

/* The text of @older and @newer as one log when @newer continues @older: @older's last
 * line, and as many lines before it as @newer has before that line, are @newer's lines;
 * then the lines of @older that @newer lacks come first. NULL when it does not. */
static gchar *
cd_pstore_join_text(const gchar *older, const gchar *newer)
{
	g_autoptr(GPtrArray) old_lines = cd_pstore_split_lines(older);
	g_autoptr(GPtrArray) new_lines = cd_pstore_split_lines(newer);
	const gchar *last;

	if (old_lines->len == 0 || new_lines->len == 0)
		return NULL;
	last = g_ptr_array_index(old_lines, old_lines->len - 1);
	/* a chunk cut short ends without a newline: no line of a whole log is that */
	if (!g_str_has_suffix(last, "\n"))
		return NULL;
	for (guint k = 0, tries = 0; k < new_lines->len && tries < CD_PSTORE_JOIN_TRIES; k++) {
		guint shared = MIN(k + 1, old_lines->len);
		GString *joined;

		if (!g_str_equal(g_ptr_array_index(new_lines, k), last))
			continue;
		tries++;
		if (!cd_pstore_lines_equal(old_lines,
					   old_lines->len - shared,
					   new_lines,
					   k + 1 - shared,
					   shared))
			continue;
		joined = g_string_new(NULL);
		for (guint i = 0; i < old_lines->len - shared; i++)
			g_string_append(joined, g_ptr_array_index(old_lines, i));
		g_string_append(joined, newer);
		return g_string_free(joined, FALSE);
	}
	return NULL;
}

/* Joins each Panic dump with the dump of the crash it ends, as the comment at the top
 * says; @crashes is newest first and stays so */
static void
cd_pstore_join_oops_panic(GPtrArray *crashes)
{
	for (guint i = 0; i < crashes->len; i++) {
		CdPstoreCrash *panic = g_ptr_array_index(crashes, i);

		if (!g_str_equal(panic->reason, "Panic") || panic->count < 2)
			continue;
		for (guint j = 0; j < crashes->len; j++) {
			CdPstoreCrash *oops = g_ptr_array_index(crashes, j);
			g_autofree gchar *joined = NULL;

			if (j == i || oops->count + 1 != panic->count ||
			    !g_str_equal(oops->backend, panic->backend) ||
			    g_str_equal(oops->reason, "Panic") ||
			    g_str_equal(oops->reason, "Unknown"))
				continue;
			joined = cd_pstore_join_text(oops->text, panic->text);
			if (joined == NULL)
				continue;
			g_debug("%s %s#%u and Panic#%u are one crash",
				panic->backend,
				oops->reason,
				oops->count,
				panic->count);
			g_free(panic->text);
			panic->text = g_steal_pointer(&joined);
			/* the oops's records first: the files stay oldest first */
			for (guint f = 0; f < panic->files->len; f++)
				g_ptr_array_add(oops->files,
						g_strdup(g_ptr_array_index(panic->files, f)));
			g_ptr_array_unref(panic->files);
			panic->files = g_ptr_array_ref(oops->files);
			for (guint w = 0; w < oops->text_warnings->len; w++)
				g_ptr_array_insert(
					panic->text_warnings,
					(gint)w,
					g_strdup(g_ptr_array_index(oops->text_warnings, w)));
			panic->time = MAX(panic->time, oops->time);
			g_ptr_array_remove_index(crashes, j);
			if (j < i)
				i--;
			break;
		}
	}
}

/* the message of a log line, after "<N>[ seconds] "; @facility_kernel tells whether the
 * syslog prefix names the kernel's facility (what /dev/kmsg cannot write) */
static const gchar *
cd_pstore_line_message(const gchar *line, gboolean *facility_kernel, const gchar **stamp)
{
	const gchar *p = line;
	guint64 prefix = 0;

	*facility_kernel = FALSE;
	*stamp = NULL;
	if (*p != '<')
		return line;
	p++;
	if (!g_ascii_isdigit(*p))
		return line;
	while (g_ascii_isdigit(*p) && prefix < 1024)
		prefix = prefix * 10 + (guint64)(*p++ - '0');
	if (*p != '>')
		return line;
	p++;
	*facility_kernel = prefix < 8;
	if (*p == '[') {
		const gchar *close = strchr(p, ']');
		if (close == NULL)
			return p;
		*stamp = p;
		p = close + 1;
		if (*p == ' ')
			p++;
	}
	return p;
}

/* printable ASCII (spaces too with @spaces), 1 to CD_PSTORE_UTS_MAX bytes */
static gchar *
cd_pstore_uts_field(const gchar *start, gsize len, gboolean spaces)
{
	while (spaces && len > 0 && g_ascii_isspace(start[len - 1]))
		len--;
	if (len == 0 || len > CD_PSTORE_UTS_MAX)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		guchar c = (guchar)start[i];
		if (c > 0x7e || c < 0x20 || (c == ' ' && !spaces))
			return NULL;
	}
	return g_strndup(start, len);
}

/* "Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian
 * 12.2.0-14) 12.2.0, GNU ld ...) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)":
 * linux_banner, the release, who built it, the compiler, then the version */
static gboolean
cd_pstore_parse_banner(const gchar *msg, gchar **release, gchar **version)
{
	const gchar *p = msg + strlen("Linux version ");
	gsize len = strcspn(p, " \n");

	*release = cd_pstore_uts_field(p, len, FALSE);
	if (*release == NULL)
		return FALSE;
	p += len;
	for (guint group = 0; group < 2; group++) {
		guint depth = 0;

		while (*p == ' ')
			p++;
		if (*p != '(')
			return TRUE;
		for (; *p != '\0' && *p != '\n'; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0)
				break;
		}
		if (*p != ')')
			return TRUE;
		p++;
	}
	while (*p == ' ')
		p++;
	*version = cd_pstore_uts_field(p, strcspn(p, "\n"), TRUE);
	return TRUE;
}

/* the last of "Not tainted" and "Tainted: " on the line: a task name of 15 bytes may
 * hold either, before the kernel's own */
static gboolean
cd_pstore_parse_cpu_line(const gchar *msg, gchar **release, gchar **version)
{
	const gchar *comm = strstr(msg, " Comm: ");
	const gchar *eol = msg + strcspn(msg, "\n");
	const gchar *mark = NULL;
	const gchar *p;
	gsize len;

	if (comm == NULL || comm > eol)
		return FALSE;
	for (p = comm; p < eol; p++) {
		if (g_str_has_prefix(p, " Not tainted "))
			mark = p + strlen(" Not tainted ");
		else if (g_str_has_prefix(p, " Tainted: "))
			mark = p + strlen(" Tainted: ");
	}
	if (mark == NULL)
		return FALSE;
	/* print_tainted(): a letter or a space per taint flag */
	for (p = mark; p < eol && (g_ascii_isupper(*p) || *p == ' '); p++)
		;
	len = strcspn(p, " \n");
	if (len == 0 || !g_ascii_isdigit(*p))
		return FALSE;
	*release = cd_pstore_uts_field(p, len, FALSE);
	if (*release == NULL)
		return FALSE;
	p += len;
	while (*p == ' ')
		p++;
	*version = cd_pstore_uts_field(p, (gsize)(eol - p), TRUE);
	return TRUE;
}

/* the release and version, and what the text lacks of the log's start */
static void
cd_pstore_crash_describe(CdPstoreCrash *crash)
{
	g_autoptr(GPtrArray) lines = cd_pstore_split_lines(crash->text);
	g_autofree gchar *cpu_release = NULL;
	g_autofree gchar *cpu_version = NULL;
	const gchar *first_stamp = NULL;
	gboolean banner = FALSE;

	for (guint i = 0; i < lines->len; i++) {
		const gchar *line = g_ptr_array_index(lines, i);
		const gchar *stamp = NULL;
		gboolean kernel = FALSE;
		const gchar *msg = cd_pstore_line_message(line, &kernel, &stamp);

		if (i == 0)
			first_stamp = stamp;
		if (!kernel)
			continue;
		if (!banner && g_str_has_prefix(msg, "Linux version ")) {
			g_autofree gchar *release = NULL;
			g_autofree gchar *version = NULL;
			if (cd_pstore_parse_banner(msg, &release, &version)) {
				banner = TRUE;
				g_free(crash->release);
				g_free(crash->version);
				crash->release = g_steal_pointer(&release);
				crash->version = g_steal_pointer(&version);
			}
		} else if (cpu_release == NULL && g_str_has_prefix(msg, "CPU: ")) {
			g_autofree gchar *release = NULL;
			g_autofree gchar *version = NULL;
			if (cd_pstore_parse_cpu_line(msg, &release, &version)) {
				cpu_release = g_steal_pointer(&release);
				cpu_version = g_steal_pointer(&version);
			}
		}
	}
	if (!banner) {
		crash->release = g_steal_pointer(&cpu_release);
		crash->version = g_steal_pointer(&cpu_version);
	}
	if (banner || lines->len == 0)
		return;
	if (first_stamp != NULL) {
		gsize len = strcspn(first_stamp, "]\n") + 1;
		gboolean plain = first_stamp[len - 1] == ']' && len <= 32;
		for (gsize i = 1; plain && i + 1 < len; i++)
			plain = g_ascii_isdigit(first_stamp[i]) || first_stamp[i] == ' ' ||
				first_stamp[i] == '.';
		if (plain) {
			g_autofree gchar *stamp = g_strndup(first_stamp, len);
			g_ptr_array_add(
				crash->text_warnings,
				g_strdup_printf("the start of the log is missing: pstore "
						"kept its end, from %s on, without the "
						"\"Linux version\" line the log starts with",
						stamp));
			return;
		}
	}
	g_ptr_array_add(crash->text_warnings,
			g_strdup("the start of the log is missing: pstore kept its end, without "
				 "the \"Linux version\" line the log starts with"));
}

typedef struct {
	CdPstoreCrash *crash;
	gint64 time; /* the newest grouping time */
	guint64 id;  /* the id of the newest chunk */
} CdPstoreDump;

/* newest first: by time, then, within a second, the later dump of a boot has the higher
 * count, then the higher id of its Part1 (efi: time and count; erst: the sequence) */
static gint
cd_pstore_dump_cmp(gconstpointer a, gconstpointer b)
{
	const CdPstoreDump *da = a;
	const CdPstoreDump *db = b;

	if (da->crash->time != db->crash->time)
		return da->crash->time > db->crash->time ? -1 : 1;
	if (da->time != db->time)
		return da->time > db->time ? -1 : 1;
	if (da->crash->count != db->crash->count)
		return da->crash->count > db->crash->count ? -1 : 1;
	if (da->id != db->id)
		return da->id > db->id ? -1 : 1;
	return g_strcmp0(da->crash->backend, db->crash->backend);
}

static GPtrArray *
cd_pstore_group(GPtrArray *records, GPtrArray *warnings)
{
	g_autoptr(GArray) dumps = g_array_new(FALSE, FALSE, sizeof(CdPstoreDump));
	GPtrArray *crashes = g_ptr_array_new_with_free_func((GDestroyNotify)cd_pstore_crash_free);

	g_ptr_array_sort(records, cd_pstore_record_cmp);
	for (guint first = 0; first < records->len;) {
		guint last = first;
		CdPstoreDump dump = { NULL };

		while (last + 1 < records->len &&
		       cd_pstore_record_continues(g_ptr_array_index(records, last),
						  g_ptr_array_index(records, last + 1)))
			last++;
		dump.crash = cd_pstore_assemble(records, first, last, warnings);
		dump.id = ((CdPstoreRecord *)g_ptr_array_index(records, first))->id;
		for (guint i = first; i <= last; i++) {
			CdPstoreRecord *record = g_ptr_array_index(records, i);
			dump.time = MAX(dump.time, record->time);
		}
		g_array_append_val(dumps, dump);
		first = last + 1;
	}
	g_array_sort(dumps, cd_pstore_dump_cmp);
	for (guint i = 0; i < dumps->len; i++)
		g_ptr_array_add(crashes, g_array_index(dumps, CdPstoreDump, i).crash);
	cd_pstore_join_oops_panic(crashes);
	for (guint i = 0; i < crashes->len; i++)
		cd_pstore_crash_describe(g_ptr_array_index(crashes, i));
	return crashes;
}

/**
 * cd_pstore_read:
 * @dir: where pstore is mounted, normally %CD_PSTORE_DIR
 * @warnings: (element-type utf8) (nullable): where to add a message (a string the
 *	array then owns, so give it g_free() as its free function) for each record
 *	skipped or damaged
 *
 * Reads the `dmesg-*` records a kernel left in pstore and puts each dump back
 * together, as the comment at the top of cd-pstore.c describes. Other records
 * (`console-`, `pmsg-`, `ftrace-`, `mce-`...) are left alone. A record that cannot be
 * used is a warning, not an error: the others are still read.
 *
 * Returns: (transfer container) (element-type CdPstoreCrash): the dumps, newest first;
 *	empty if @dir is missing or holds no dump; %NULL if @dir cannot be listed
 */
GPtrArray *
cd_pstore_read(const gchar *dir, GPtrArray *warnings, GError **error)
{
	g_autoptr(GPtrArray) records =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_pstore_record_free);
	DIR *dp;
	gint fd;
	guint entries = 0;
	gsize total = 0;

	g_return_val_if_fail(dir != NULL, NULL);

	fd = g_open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOCTTY, 0);
	if (fd < 0 && errno == ENOENT)
		return g_ptr_array_new_with_free_func((GDestroyNotify)cd_pstore_crash_free);
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", dir);
		return NULL;
	}
	dp = fdopendir(fd);
	if (dp == NULL) {
		cd_error_set_from_errno(error, errno, "cannot list %s", dir);
		g_close(fd, NULL);
		return NULL;
	}
	for (;;) {
		struct dirent *de;
		CdPstoreRecord *record;

		errno = 0;
		de = readdir(dp);
		if (de == NULL && errno != 0) {
			cd_error_set_from_errno(error, errno, "cannot list %s", dir);
			closedir(dp);
			return NULL;
		}
		if (de == NULL)
			break;
		if (g_str_equal(de->d_name, ".") || g_str_equal(de->d_name, ".."))
			continue;
		if (++entries > CD_PSTORE_MAX_FILES) {
			cd_pstore_warn(warnings,
				       "%s holds more than %u files, the rest are not read",
				       dir,
				       (guint)CD_PSTORE_MAX_FILES);
			break;
		}
		if (!g_str_has_prefix(de->d_name, "dmesg-"))
			continue;
		record = cd_pstore_load_record(dirfd(dp), dir, de->d_name, &total, warnings);
		if (record != NULL)
			g_ptr_array_add(records, record);
	}
	closedir(dp);
	return cd_pstore_group(records, warnings);
}

/**
 * cd_pstore_crash_remove_files:
 *
 * Deletes the records a crash was read from, which on pstore erases them from the
 * backend and frees its room for the next crash. Files already gone are fine. Every
 * file is tried even after a failure.
 *
 * Returns: %FALSE with the first failure if a file could not be deleted
 */
gboolean
cd_pstore_crash_remove_files(const CdPstoreCrash *crash, GError **error)
{
	g_autoptr(GError) error_first = NULL;

	g_return_val_if_fail(crash != NULL, FALSE);

	for (guint i = 0; crash->files != NULL && i < crash->files->len; i++) {
		const gchar *path = g_ptr_array_index(crash->files, i);
		gint saved_errno;

		if (g_unlink(path) == 0)
			continue;
		saved_errno = errno;
		if (saved_errno == ENOENT || error_first != NULL)
			continue;
		cd_error_set_from_errno(&error_first, saved_errno, "cannot delete %s", path);
	}
	if (error_first != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_first));
		return FALSE;
	}
	return TRUE;
}
