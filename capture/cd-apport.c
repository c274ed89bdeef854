/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdApport"

#include "config.h"

#include <string.h>

#define ZLIB_CONST
#include <zlib.h>

#include "cd-error.h"

#include "cd-apport.h"
#include "cd-zlib.h"

/* apport's .crash files, as problem_report.py (apport 2.36) writes and loads them:
 *
 *   ProblemType: KernelCrash     a key, ": " and a value of one line
 *   Stacktrace:                  a key and ":" alone: the lines of a multi-line value
 *    #0 foo ()                   follow, each after one space; an empty line is a line of
 *                                one space, and so is a newline ending the value
 *   VmCore: base64               each line one space and the base64 of one piece of a
 *    H4sICAAAAAAC/1ZtQ29yZQA=    gzip stream, padded on its own: the header (the key as
 *    ...                         FNAME, mtime 0, XFL 2, OS 255), what each compress() of
 *                                a 128 KiB block gave, the flush with CRC32 and size
 *
 * Its loader strips the value on the key's line, so "Key:  x " is read as "x" and a text
 * "base64" as an empty value, and it joins continuation lines with "\n" only once
 * the value is not empty, so leading empty lines vanish. This reader does the same, so
 * that crashdesk and apport see the same values; this writer chooses forms that do not
 * meet those cases (cd_apport_report_append_entry()). Apport before 2.28 left out the CRC
 * and size when the CRC was 0, as it is for an empty value; before 2.33 its blocks were
 * 1 MiB; before 2007 a value was a bare zlib stream. This reader takes all of them. */

/* apport's CHUNK_SIZE since 2.33: one compress() call, and at most one line, per block */
#define CD_APPORT_BLOCK_SIZE (128 * 1024)

/* what error messages show of a key or a line */
#define CD_APPORT_QUOTE_MAX 64

typedef struct {
	gchar *key;
	GBytes *value;	  /* its data NUL-terminated past its size */
	gboolean binary;  /* written as gzip in base64 */
	gboolean is_text; /* valid UTF-8 without NUL, so get_text() gives it */
} CdApportEntry;

struct _CdApportReport {
	GObject parent_instance;
	GPtrArray *entries; /* of CdApportEntry, in order */
	GHashTable *index;  /* key -> CdApportEntry, both borrowed from entries */
};

G_DEFINE_TYPE(CdApportReport, cd_apport_report, G_TYPE_OBJECT)

static void
cd_apport_entry_free(CdApportEntry *entry)
{
	g_free(entry->key);
	if (entry->value != NULL)
		g_bytes_unref(entry->value);
	g_free(entry);
}

static void
cd_apport_report_finalize(GObject *object)
{
	CdApportReport *self = CD_APPORT_REPORT(object);
	g_hash_table_unref(self->index);
	g_ptr_array_unref(self->entries);
	G_OBJECT_CLASS(cd_apport_report_parent_class)->finalize(object);
}

static void
cd_apport_report_class_init(CdApportReportClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_apport_report_finalize;
}

static void
cd_apport_report_init(CdApportReport *self)
{
	self->entries = g_ptr_array_new_with_free_func((GDestroyNotify)cd_apport_entry_free);
	self->index = g_hash_table_new(g_str_hash, g_str_equal);
}

/**
 * cd_apport_report_new:
 *
 * Returns: (transfer full): an empty report
 */
CdApportReport *
cd_apport_report_new(void)
{
	return g_object_new(CD_TYPE_APPORT_REPORT, NULL);
}

/* untrusted bytes for a message: printable ASCII as it is, the rest as \xNN, cut short */
static gchar *
cd_apport_quote(const gchar *data, gsize len)
{
	GString *out = g_string_new("\"");

	for (gsize i = 0; i < MIN(len, CD_APPORT_QUOTE_MAX); i++) {
		guchar c = (guchar)data[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			g_string_append_c(out, (gchar)c);
		else
			g_string_append_printf(out, "\\x%02x", c);
	}
	g_string_append_c(out, '"');
	if (len > CD_APPORT_QUOTE_MAX)
		g_string_append(out, "...");
	return g_string_free(out, FALSE);
}

/* apport's rule (ProblemReport.__setitem__): letters, digits, '.', '-' and '_', with at
 * least one letter or digit */
static gboolean
cd_apport_key_check(const gchar *key, gsize len, GError **error)
{
	gboolean alnum = FALSE;

	if (len > CD_APPORT_MAX_KEY_LEN) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "a key of %" G_GSIZE_FORMAT " bytes, more than %u",
			    len,
			    (guint)CD_APPORT_MAX_KEY_LEN);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		if (g_ascii_isalnum(key[i])) {
			alnum = TRUE;
		} else if (key[i] != '.' && key[i] != '-' && key[i] != '_') {
			alnum = FALSE;
			break;
		}
	}
	if (!alnum) {
		g_autofree gchar *quoted = cd_apport_quote(key, len);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid key %s: only letters, digits, '.', '-' and '_' are allowed",
			    quoted);
		return FALSE;
	}
	return TRUE;
}

/* @key is valid, and there is room for it if it is new */
static gboolean
cd_apport_report_check_key(CdApportReport *self, const gchar *key, gsize len, GError **error)
{
	g_autofree gchar *key_str = NULL;

	if (!cd_apport_key_check(key, len, error))
		return FALSE;
	if (self->entries->len < CD_APPORT_MAX_KEYS)
		return TRUE;
	key_str = g_strndup(key, len);
	if (!g_hash_table_contains(self->index, key_str)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "more than %u keys",
			    (guint)CD_APPORT_MAX_KEYS);
		return FALSE;
	}
	return TRUE;
}

/* a new key goes at the end; a known one keeps its place, as in apport's dict */
static void
cd_apport_report_store(CdApportReport *self, const gchar *key, GBytes *value, gboolean binary)
{
	CdApportEntry *entry = g_hash_table_lookup(self->index, key);
	gsize size = 0;
	const gchar *data = g_bytes_get_data(value, &size);

	if (entry == NULL) {
		entry = g_new0(CdApportEntry, 1);
		entry->key = g_strdup(key);
		g_ptr_array_add(self->entries, entry);
		g_hash_table_insert(self->index, entry->key, entry);
	} else {
		g_bytes_unref(entry->value);
	}
	entry->value = g_bytes_ref(value);
	entry->binary = binary;
	entry->is_text = size == 0 || g_utf8_validate_len(data, size, NULL);
}

/**
 * cd_apport_report_set_text:
 * @key: letters, digits, '.', '-' and '_', at most %CD_APPORT_MAX_KEY_LEN bytes
 * @value: UTF-8 text, any number of lines
 *
 * Sets a text value, written as text lines. A key already set keeps its place.
 *
 * Returns: %FALSE with %CD_ERROR_INVALID_DATA for an invalid key, a value that is not
 * UTF-8 (set it as binary), or a key past %CD_APPORT_MAX_KEYS
 */
gboolean
cd_apport_report_set_text(CdApportReport *self,
			  const gchar *key,
			  const gchar *value,
			  GError **error)
{
	g_autoptr(GBytes) bytes = NULL;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), FALSE);
	g_return_val_if_fail(key != NULL, FALSE);
	g_return_val_if_fail(value != NULL, FALSE);

	if (!cd_apport_report_check_key(self, key, strlen(key), error))
		return FALSE;
	if (!g_utf8_validate(value, -1, NULL)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the value of %s is not valid UTF-8",
			    key);
		return FALSE;
	}
	bytes = g_bytes_new_take(g_strdup(value), strlen(value));
	cd_apport_report_store(self, key, bytes, FALSE);
	return TRUE;
}

/**
 * cd_apport_report_set_binary:
 * @key: as for cd_apport_report_set_text()
 * @data: (array length=len): any bytes
 *
 * Sets a binary value, written compressed as apport writes a file it attaches.
 *
 * Returns: %FALSE with %CD_ERROR_INVALID_DATA for an invalid key or one too many
 */
gboolean
cd_apport_report_set_binary(CdApportReport *self,
			    const gchar *key,
			    const guint8 *data,
			    gsize len,
			    GError **error)
{
	g_autoptr(GBytes) bytes = NULL;
	guint8 *copy;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), FALSE);
	g_return_val_if_fail(key != NULL, FALSE);
	g_return_val_if_fail(data != NULL || len == 0, FALSE);

	if (!cd_apport_report_check_key(self, key, strlen(key), error))
		return FALSE;
	/* NUL-terminated past its size, so get_text() can give it if it is text */
	copy = g_malloc(len + 1);
	if (len > 0)
		memcpy(copy, data, len);
	copy[len] = '\0';
	bytes = g_bytes_new_take(copy, len);
	cd_apport_report_store(self, key, bytes, TRUE);
	return TRUE;
}

/**
 * cd_apport_report_get_text:
 * @key: a key
 *
 * As apport's loader does, whether a value is text depends on its bytes, not on how
 * the file wrote it: a binary value that is UTF-8 is text too.
 *
 * Returns: the value, or %NULL if absent, not valid UTF-8, or holding a NUL
 */
const gchar *
cd_apport_report_get_text(CdApportReport *self, const gchar *key)
{
	CdApportEntry *entry;
	const gchar *data;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);

	entry = g_hash_table_lookup(self->index, key);
	if (entry == NULL || !entry->is_text)
		return NULL;
	data = g_bytes_get_data(entry->value, NULL);
	return data != NULL ? data : "";
}

/**
 * cd_apport_report_get_binary:
 * @key: a key
 *
 * Returns: (transfer full): the value's bytes, text or binary, or %NULL if absent
 */
GBytes *
cd_apport_report_get_binary(CdApportReport *self, const gchar *key)
{
	CdApportEntry *entry;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), NULL);
	g_return_val_if_fail(key != NULL, NULL);

	entry = g_hash_table_lookup(self->index, key);
	return entry != NULL ? g_bytes_ref(entry->value) : NULL;
}

/**
 * cd_apport_report_get_keys:
 *
 * Returns: (transfer full): the keys in the order they were first set or read
 */
GStrv
cd_apport_report_get_keys(CdApportReport *self)
{
	GStrv keys;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), NULL);

	keys = g_new0(gchar *, self->entries->len + 1);
	for (guint i = 0; i < self->entries->len; i++) {
		CdApportEntry *entry = g_ptr_array_index(self->entries, i);
		keys[i] = g_strdup(entry->key);
	}
	return keys;
}

/* ---- writing ---- */

/* one line: a space, then the base64 of @data padded on its own */
static void
cd_apport_append_base64_line(GString *out, const guint8 *data, gsize len)
{
	g_autofree gchar *b64 = g_base64_encode(data, len);
	g_string_append_c(out, ' ');
	g_string_append(out, b64);
	g_string_append_c(out, '\n');
}

/* everything deflate() gives for @in, as Python's compress() and flush() collect it */
static gboolean
cd_apport_deflate(z_stream *zs,
		  const guint8 *in,
		  gsize len,
		  gint flush,
		  GByteArray *out,
		  GError **error)
{
	guint8 buf[16384];
	gint rc;

	zs->next_in = in;
	zs->avail_in = (uInt)len;
	do {
		zs->next_out = buf;
		zs->avail_out = sizeof(buf);
		rc = deflate(zs, flush);
		if (rc == Z_STREAM_ERROR) {
			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "deflate() failed");
			return FALSE;
		}
		g_byte_array_append(out, buf, sizeof(buf) - zs->avail_out);
	} while (zs->avail_out == 0);
	if (flush == Z_FINISH && rc != Z_STREAM_END) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "deflate() did not finish");
		return FALSE;
	}
	return TRUE;
}

static void
cd_apport_put_le32(guint8 *p, guint32 value)
{
	p[0] = value & 0xff;
	p[1] = (value >> 8) & 0xff;
	p[2] = (value >> 16) & 0xff;
	p[3] = (value >> 24) & 0xff;
}

static gboolean
cd_apport_append_gzip_lines(GString *out,
			    z_stream *zs,
			    const gchar *key,
			    const guint8 *data,
			    gsize len,
			    GError **error)
{
	/* apport's header: FNAME set, mtime 0, XFL 2 (best compression), OS 255 (unknown) */
	static const guint8 header[] = {
		0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff
	};
	g_autoptr(GByteArray) block = g_byte_array_new();
	guint8 trailer[8];
	guint32 crc = 0;

	g_byte_array_append(block, header, sizeof(header));
	g_byte_array_append(block, (const guint8 *)key, strlen(key) + 1);
	cd_apport_append_base64_line(out, block->data, block->len);

	for (gsize off = 0; off < len; off += CD_APPORT_BLOCK_SIZE) {
		gsize n = MIN(CD_APPORT_BLOCK_SIZE, len - off);
		g_byte_array_set_size(block, 0);
		crc = crc32_z(crc, data + off, n);
		if (!cd_apport_deflate(zs, data + off, n, Z_NO_FLUSH, block, error))
			return FALSE;
		/* a block that gave nothing yet makes no line */
		if (block->len > 0)
			cd_apport_append_base64_line(out, block->data, block->len);
	}

	/* apport before 2.28 left this trailer out when the CRC was 0; it is always here */
	g_byte_array_set_size(block, 0);
	if (!cd_apport_deflate(zs, NULL, 0, Z_FINISH, block, error))
		return FALSE;
	cd_apport_put_le32(trailer, crc);
	cd_apport_put_le32(trailer + 4, (guint32)(len & 0xffffffff));
	g_byte_array_append(block, trailer, sizeof(trailer));
	cd_apport_append_base64_line(out, block->data, block->len);
	return TRUE;
}

static gboolean
cd_apport_append_binary(GString *out,
			const gchar *key,
			const guint8 *data,
			gsize len,
			GError **error)
{
	z_stream zs = { 0 };
	gboolean ok;

	/* Python's zlib.compressobj(6, DEFLATED, -MAX_WBITS, DEF_MEM_LEVEL, 0): raw deflate */
	if (deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOMEM, "deflateInit2() failed");
		return FALSE;
	}
	g_string_append(out, key);
	g_string_append(out, ": base64\n");
	ok = cd_apport_append_gzip_lines(out, &zs, key, data, len, error);
	deflateEnd(&zs);
	return ok;
}

/* what Python's bytes.strip() removes; g_ascii_isspace() leaves out '\v' */
static gboolean
cd_apport_is_space(gchar c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* each "\n" of @value followed by the space that marks a continuation line */
static void
cd_apport_append_indented(GString *out, const gchar *value, gsize len)
{
	const gchar *end = value + len;

	for (const gchar *p = value; p < end;) {
		const gchar *nl = memchr(p, '\n', end - p);
		if (nl == NULL) {
			g_string_append_len(out, p, end - p);
			break;
		}
		g_string_append_len(out, p, nl + 1 - p);
		g_string_append_c(out, ' ');
		p = nl + 1;
	}
}

/* Text as apport writes it, except where apport's loader would not read back what apport
 * wrote: a one-line value with whitespace at either end (stripped) or that is "base64"
 * goes on a continuation line, which is read as it is, and a value that starts with an
 * empty line, which no text form keeps, is written as binary; apport's loader gives
 * each of these back as the same str. */
static gboolean
cd_apport_report_append_entry(GString *out, CdApportEntry *entry, GError **error)
{
	gsize len = 0;
	const gchar *value = g_bytes_get_data(entry->value, &len);

	if (value == NULL)
		value = "";
	if (entry->binary || (len > 0 && value[0] == '\n'))
		return cd_apport_append_binary(out, entry->key, (const guint8 *)value, len, error);

	g_string_append(out, entry->key);
	if (memchr(value, '\n', len) != NULL ||
	    (len > 0 && (cd_apport_is_space(value[0]) || cd_apport_is_space(value[len - 1]))) ||
	    g_strcmp0(value, "base64") == 0) {
		g_string_append(out, ":\n ");
		cd_apport_append_indented(out, value, len);
	} else {
		g_string_append(out, ": ");
		g_string_append_len(out, value, len);
	}
	g_string_append_c(out, '\n');
	return TRUE;
}

/**
 * cd_apport_report_to_bytes:
 *
 * Writes the report as apport does, ProblemType first and then the other keys in their
 * order. (Apport sorts them, text before binary; its format says readers must not rely
 * on that.)
 *
 * Returns: (transfer full): the file's bytes, or %NULL with %CD_ERROR_NOT_FOUND if
 * ProblemType is not set, %CD_ERROR_INVALID_DATA if it is not text
 */
GBytes *
cd_apport_report_to_bytes(CdApportReport *self, GError **error)
{
	g_autoptr(GString) out = g_string_new(NULL);
	CdApportEntry *problem_type;

	g_return_val_if_fail(CD_IS_APPORT_REPORT(self), NULL);

	problem_type = g_hash_table_lookup(self->index, "ProblemType");
	if (problem_type == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "the report has no ProblemType");
		return NULL;
	}
	if (problem_type->binary) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "ProblemType is not text");
		return NULL;
	}
	if (!cd_apport_report_append_entry(out, problem_type, error))
		return NULL;
	for (guint i = 0; i < self->entries->len; i++) {
		CdApportEntry *entry = g_ptr_array_index(self->entries, i);
		if (entry == problem_type)
			continue;
		if (!cd_apport_report_append_entry(out, entry, error))
			return NULL;
	}
	return g_string_free_to_bytes(g_steal_pointer(&out));
}

/* ---- reading ---- */

static gint
cd_apport_base64_value(guchar c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* one line's base64, padded on its own; stricter than apport, which skips any character
 * outside the alphabet, but every line apport writes passes */
static gboolean
cd_apport_base64_decode(const gchar *text, gsize len, GByteArray *out, GError **error)
{
	if (len % 4 != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid base64: %" G_GSIZE_FORMAT " characters, not a multiple of 4",
			    len);
		return FALSE;
	}
	for (gsize i = 0; i < len; i += 4) {
		guint32 quad = 0;
		guint pad = 0;
		guint8 bytes[3];

		for (guint j = 0; j < 4; j++) {
			guchar c = (guchar)text[i + j];
			gint v = cd_apport_base64_value(c);

			/* '=' only as the last one or two characters of the line */
			if (c == '=' && i + 4 == len && j >= 2) {
				pad++;
				v = 0;
			} else if (v < 0 || pad > 0) {
				g_autofree gchar *quoted = cd_apport_quote(text + i + j, 1);
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "invalid base64: %s at column %" G_GSIZE_FORMAT,
					    quoted,
					    i + j + 2);
				return FALSE;
			}
			quad = quad << 6 | (guint32)v;
		}
		bytes[0] = (quad >> 16) & 0xff;
		bytes[1] = (quad >> 8) & 0xff;
		bytes[2] = quad & 0xff;
		g_byte_array_append(out, bytes, 3 - pad);
	}
	return TRUE;
}

/*
 * RFC 1952, one member, read by zlib's gzip mode (cd_zlib_gunzip(): a CompressedFile
 * that apport copies may carry FEXTRA, FCOMMENT or FHCRC, and zlib checks the header's
 * CRC, the data's CRC32 and size). Apport before 2.28 wrote no trailer when the CRC
 * was 0, as it is for an empty value: a member that ends where its trailer should
 * begin is read again with the trailer it left out (CRC 0, size 0), which zlib then
 * checks like any other.
 */
static GBytes *
cd_apport_gunzip(const guint8 *z, gsize len, gsize limit, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree guint8 *buf = NULL;
	gsize buf_len = 0;

	if (cd_zlib_gunzip(z, len, limit, &buf, &buf_len, &error_local))
		return g_bytes_new_take(g_steal_pointer(&buf), buf_len);
	if (g_error_matches(error_local, CD_ERROR, CD_ERROR_TRUNCATED)) {
		g_autofree guint8 *with_trailer = g_malloc0(len + 8);

		memcpy(with_trailer, z, len);
		if (cd_zlib_gunzip(with_trailer, len + 8, limit, &buf, &buf_len, NULL))
			return g_bytes_new_take(g_steal_pointer(&buf), buf_len);
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return NULL;
}

static GBytes *
cd_apport_decompress(const guint8 *z, gsize len, gsize limit, GError **error)
{
	static const guint8 gzip_magic[] = { 0x1f, 0x8b, 0x08 };
	static const guint8 zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };
	g_autofree guint8 *buf = NULL;
	gsize buf_len = 0;
	gsize used = 0;

	/* "Key: base64" and no lines: apport reads an empty value */
	if (len == 0)
		return g_bytes_new_take(g_strdup(""), 0);
	if (len >= sizeof(zstd_magic) && memcmp(z, zstd_magic, sizeof(zstd_magic)) == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "zstandard-compressed values are not read");
		return NULL;
	}
	if (len >= sizeof(gzip_magic) && memcmp(z, gzip_magic, sizeof(gzip_magic)) == 0)
		return cd_apport_gunzip(z, len, limit, error);

	/* no gzip header: a bare zlib stream, as apport wrote before 2007 and still reads */
	if (!cd_zlib_inflate(z, len, MAX_WBITS, limit, &used, &buf, &buf_len, NULL, error))
		return NULL;
	if (used != len) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%" G_GSIZE_FORMAT " bytes after the zlib stream",
			    len - used);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&buf), buf_len);
}

typedef struct {
	CdApportReport *report;
	gsize binary_total; /* decompressed so far */
	/* the value being read */
	gchar *key;
	guint key_line;
	GString *text;		/* a text value, or NULL */
	GByteArray *compressed; /* a binary value's base64 decoded so far, or NULL */
} CdApportReader;

static void
cd_apport_reader_clear(CdApportReader *reader)
{
	g_clear_pointer(&reader->key, g_free);
	if (reader->text != NULL) {
		g_string_free(reader->text, TRUE);
		reader->text = NULL;
	}
	g_clear_pointer(&reader->compressed, g_byte_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdApportReader, cd_apport_reader_clear)

/* a line that starts with a key, after the value before it is stored */
static gboolean
cd_apport_reader_start(CdApportReader *reader,
		       const gchar *line,
		       gsize line_len,
		       guint line_no,
		       GError **error)
{
	const gchar *colon = memchr(line, ':', line_len);
	const gchar *value;
	const gchar *end = line + line_len;
	gsize key_len;

	if (line_len == 0) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_DATA, "an empty line");
		return FALSE;
	}
	if (colon == NULL) {
		g_autofree gchar *quoted = cd_apport_quote(line, line_len);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "no ':' after a key in %s",
			    quoted);
		return FALSE;
	}
	key_len = colon - line;
	if (!cd_apport_report_check_key(reader->report, line, key_len, error))
		return FALSE;
	if (reader->report->entries->len == 0 &&
	    (key_len != strlen("ProblemType") || memcmp(line, "ProblemType", key_len) != 0)) {
		g_autofree gchar *quoted = cd_apport_quote(line, key_len);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the report starts with %s, not ProblemType",
			    quoted);
		return FALSE;
	}

	/* as apport's loader: the value on the key's line without whitespace at its ends */
	value = colon + 1;
	while (value < end && cd_apport_is_space(*value))
		value++;
	while (end > value && cd_apport_is_space(end[-1]))
		end--;
	reader->key = g_strndup(line, key_len);
	reader->key_line = line_no;
	if (end - value == 6 && memcmp(value, "base64", 6) == 0)
		reader->compressed = g_byte_array_new();
	else
		reader->text = g_string_new_len(value, end - value);
	return TRUE;
}

/* a line that starts with a space, without the space */
static gboolean
cd_apport_reader_continue(CdApportReader *reader, const gchar *text, gsize len, GError **error)
{
	if (reader->key == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "a continuation line with no key before it");
		return FALSE;
	}
	if (reader->compressed != NULL)
		return cd_apport_base64_decode(text, len, reader->compressed, error);
	/* apport adds the newline only once the value is not empty */
	if (reader->text->len > 0)
		g_string_append_c(reader->text, '\n');
	g_string_append_len(reader->text, text, len);
	return TRUE;
}

static gboolean
cd_apport_reader_finish(CdApportReader *reader, GError **error)
{
	g_autoptr(GBytes) value = NULL;
	gboolean binary = TRUE;

	if (reader->key == NULL)
		return TRUE;
	if (reader->compressed != NULL) {
		gsize limit = MIN((gsize)CD_APPORT_MAX_BINARY_SIZE,
				  (gsize)CD_APPORT_MAX_BINARY_TOTAL - reader->binary_total);
		value = cd_apport_decompress(reader->compressed->data,
					     reader->compressed->len,
					     limit,
					     error);
		if (value == NULL) {
			if (limit < CD_APPORT_MAX_BINARY_SIZE)
				g_prefix_error(error,
					       "with the values before it, past %u bytes: ",
					       (guint)CD_APPORT_MAX_BINARY_TOTAL);
			g_prefix_error(error, "line %u: %s: ", reader->key_line, reader->key);
			return FALSE;
		}
		reader->binary_total += g_bytes_get_size(value);
	} else {
		gsize size = 0;
		const gchar *data;

		value = g_string_free_to_bytes(g_steal_pointer(&reader->text));
		data = g_bytes_get_data(value, &size);
		/* text that is not UTF-8, or holds a NUL, apport too reads as bytes */
		binary = size > 0 && !g_utf8_validate_len(data, size, NULL);
	}
	cd_apport_report_store(reader->report, reader->key, value, binary);
	cd_apport_reader_clear(reader);
	return TRUE;
}

/**
 * cd_apport_report_new_from_data:
 * @data: a .crash file, not NUL-terminated
 * @len: its length
 *
 * Reads a report as apport's loader does (see the top of this file), more strictly where
 * apport is lenient: keys are checked, ProblemType comes first, each base64 line must be
 * valid on its own, the gzip CRC and size must match, and the limits in cd-apport.h
 * hold. A key given twice keeps its first place and its last value, as in apport.
 *
 * Returns: (transfer full): the report, or %NULL with an error naming the line
 */
CdApportReport *
cd_apport_report_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(CdApportReport) self = cd_apport_report_new();
	g_auto(CdApportReader) reader = { .report = self };
	guint line_no = 0;

	g_return_val_if_fail(data != NULL || len == 0, NULL);

	if (len > CD_APPORT_MAX_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the report is %" G_GSIZE_FORMAT " bytes, more than %u",
			    len,
			    (guint)CD_APPORT_MAX_SIZE);
		return NULL;
	}
	for (gsize pos = 0; pos < len;) {
		const gchar *line = data + pos;
		const gchar *eol = memchr(line, '\n', len - pos);
		gsize line_len = eol != NULL ? (gsize)(eol - line) : len - pos;

		pos += line_len + (eol != NULL ? 1 : 0);
		line_no++;
		if (line_len > CD_APPORT_MAX_LINE_LEN) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "line %u: %" G_GSIZE_FORMAT " bytes, more than %u",
				    line_no,
				    line_len,
				    (guint)CD_APPORT_MAX_LINE_LEN);
			return NULL;
		}
		if (line_len > 0 && line[0] == ' ') {
			if (!cd_apport_reader_continue(&reader, line + 1, line_len - 1, error)) {
				g_prefix_error(error, "line %u: ", line_no);
				return NULL;
			}
			continue;
		}
		if (!cd_apport_reader_finish(&reader, error))
			return NULL;
		if (!cd_apport_reader_start(&reader, line, line_len, line_no, error)) {
			g_prefix_error(error, "line %u: ", line_no);
			return NULL;
		}
	}
	if (!cd_apport_reader_finish(&reader, error))
		return NULL;
	if (self->entries->len == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "the report is empty");
		return NULL;
	}
	return g_steal_pointer(&self);
}
