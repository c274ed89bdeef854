/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <zlib.h>

#include "cd-error.h"

#include "cd-apport.h"

/* the zlib that made tests/apport/apport-2.36.crash (Python's, on Debian 12): the
 * deflate bytes are compared only under the same one */
#define SAMPLE_ZLIB_VERSION "1.2.13"
#define SAMPLE_DATE	    "Sat Nov 22 14:25:30 2025"

/* ---- helpers ---- */

/* as tests/apport/make-samples.py makes them */
static guint8 *
lcg_bytes(gsize n, guint32 seed)
{
	guint8 *out = g_malloc(n);
	guint32 x = seed;

	for (gsize i = 0; i < n; i++) {
		x = (x * 1103515245u + 12345u) & 0x7fffffff;
		out[i] = (x >> 16) & 0xff;
	}
	return out;
}

static guint8 *
pattern_bytes(gsize n)
{
	guint8 *out = g_malloc(n);
	for (gsize i = 0; i < n; i++)
		out[i] = (i * 7 + i / 251) & 0xff;
	return out;
}

static gchar *
report_to_string(CdApportReport *report)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes = cd_apport_report_to_bytes(report, &error);
	gsize len = 0;
	const gchar *data;

	g_assert_no_error(error);
	g_assert_nonnull(bytes);
	data = g_bytes_get_data(bytes, &len);
	g_assert_null(memchr(data, '\0', len));
	return g_strndup(data, len);
}

static CdApportReport *
report_read(const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	CdApportReport *report = cd_apport_report_new_from_data(data, len, &error);

	g_assert_no_error(error);
	g_assert_nonnull(report);
	return report;
}

static CdApportReport *
report_read_str(const gchar *data)
{
	return report_read(data, strlen(data));
}

static CdApportReport *
report_reread(CdApportReport *report)
{
	g_autofree gchar *text = report_to_string(report);
	return report_read(text, strlen(text));
}

static void
report_set_text(CdApportReport *report, const gchar *key, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(cd_apport_report_set_text(report, key, value, &error));
	g_assert_no_error(error);
}

static void
report_set_binary(CdApportReport *report, const gchar *key, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(cd_apport_report_set_binary(report, key, data, len, &error));
	g_assert_no_error(error);
}

static void
assert_binary(CdApportReport *report, const gchar *key, const guint8 *data, gsize len)
{
	g_autoptr(GBytes) bytes = cd_apport_report_get_binary(report, key);
	g_assert_nonnull(bytes);
	g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), data, len);
}

/* the same keys in the same order with the same bytes */
static void
assert_same_values(CdApportReport *a, CdApportReport *b)
{
	g_auto(GStrv) keys_a = cd_apport_report_get_keys(a);
	g_auto(GStrv) keys_b = cd_apport_report_get_keys(b);

	g_assert(keys_a != NULL);
	g_assert_cmpstrv(keys_a, keys_b);
	for (guint i = 0; keys_a[i] != NULL; i++) {
		g_autoptr(GBytes) va = cd_apport_report_get_binary(a, keys_a[i]);
		g_autoptr(GBytes) vb = cd_apport_report_get_binary(b, keys_a[i]);
		g_assert_true(g_bytes_equal(va, vb));
		g_assert_cmpstr(cd_apport_report_get_text(a, keys_a[i]),
				==,
				cd_apport_report_get_text(b, keys_a[i]));
	}
}

/* @expected is @report's whole file; it reads back to the same values */
static void
assert_writes(CdApportReport *report, const gchar *expected)
{
	g_autofree gchar *text = report_to_string(report);
	g_autoptr(CdApportReport) again = NULL;

	g_assert_cmpstr(text, ==, expected);
	again = report_read(text, strlen(text));
	assert_same_values(report, again);
}

static void
assert_read_error(const gchar *data, gsize len, gint code, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdApportReport) report = cd_apport_report_new_from_data(data, len, &error);

	g_assert_null(report);
	g_assert_error(error, CD_ERROR, code);
	if (strstr(error->message, needle) == NULL)
		g_error("\"%s\" is not in \"%s\"", needle, error->message);
}

static void
assert_read_error_str(const gchar *data, gint code, const gchar *needle)
{
	assert_read_error(data, strlen(data), code, needle);
}

/* the lines of @key's value in @text, its own line not counted */
static guint
count_value_lines(const gchar *text, const gchar *key)
{
	g_autofree gchar *start = g_strdup_printf("%s:", key);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint n = 0;
	gboolean in = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] == ' ') {
			if (in)
				n++;
			continue;
		}
		in = g_str_has_prefix(lines[i], start);
	}
	return n;
}

/* raw deflate of @len bytes of @data, or of zeros when @data is NULL (streamed, so a
 * bomb needs no buffer of its size) */
static GByteArray *
deflate_raw(const guint8 *data, gsize len, gint level)
{
	g_autofree guint8 *zeros = data == NULL ? g_malloc0(1024 * 1024) : NULL;
	GByteArray *out = g_byte_array_new();
	z_stream zs = { 0 };
	guint8 buf[65536];
	gsize done = 0;
	gint rc;

	/* run-length matching only for zeros: as small, many times faster */
	g_assert_cmpint(deflateInit2(&zs,
				     level,
				     Z_DEFLATED,
				     -MAX_WBITS,
				     8,
				     data == NULL ? Z_RLE : Z_DEFAULT_STRATEGY),
			==,
			Z_OK);
	do {
		gsize n = MIN(len - done, 1024 * 1024);
		gint flush = done + n == len ? Z_FINISH : Z_NO_FLUSH;
		zs.next_in = (Bytef *)(data != NULL ? data + done : zeros);
		zs.avail_in = (uInt)n;
		do {
			zs.next_out = buf;
			zs.avail_out = sizeof(buf);
			rc = deflate(&zs, flush);
			g_assert_cmpint(rc, !=, Z_STREAM_ERROR);
			g_byte_array_append(out, buf, sizeof(buf) - zs.avail_out);
		} while (zs.avail_out == 0);
		done += n;
	} while (done < len);
	g_assert_cmpint(rc, ==, Z_STREAM_END);
	deflateEnd(&zs);
	return out;
}

static guint32
crc_zeros(gsize len)
{
	g_autofree guint8 *zeros = g_malloc0(1024 * 1024);
	guint32 crc = 0;

	for (gsize done = 0; done < len;) {
		gsize n = MIN(len - done, 1024 * 1024);
		crc = crc32_z(crc, zeros, n);
		done += n;
	}
	return crc;
}

static void
append_le32(GByteArray *out, guint32 value)
{
	guint8 b[4] = { value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >> 24 };
	g_byte_array_append(out, b, 4);
}

/* a gzip member as apport writes it, header and trailer included */
static GByteArray *
gzip_member(const guint8 *data, gsize len)
{
	static const guint8 header[] = { 0x1f, 0x8b, 0x08, 0x08, 0, 0, 0, 0, 0x02, 0xff };
	g_autoptr(GByteArray) raw = deflate_raw(data, len, 6);
	GByteArray *out = g_byte_array_new();

	g_byte_array_append(out, header, sizeof(header));
	g_byte_array_append(out, (const guint8 *)"Blob", 5);
	g_byte_array_append(out, raw->data, raw->len);
	append_le32(out, crc32_z(0, data, len));
	append_le32(out, (guint32)len);
	return out;
}

/* "ProblemType: Crash" and the key Blob whose lines are the base64 of @chunk bytes of
 * @z each (any @z, any cut: lines need not follow the gzip stream's pieces) */
static GString *
report_with_blob(const guint8 *z, gsize len, gsize chunk)
{
	GString *out = g_string_new("ProblemType: Crash\nBlob: base64\n");

	for (gsize off = 0; off < len; off += chunk) {
		g_autofree gchar *b64 = g_base64_encode(z + off, MIN(chunk, len - off));
		g_string_append_printf(out, " %s\n", b64);
	}
	return out;
}

/* json.dumps(..., ensure_ascii=True) of a string */
static void
json_append_string(GString *out, const gchar *s)
{
	g_string_append_c(out, '"');
	for (const gchar *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '"')
			g_string_append(out, "\\\"");
		else if (c == '\\')
			g_string_append(out, "\\\\");
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c == '\b')
			g_string_append(out, "\\b");
		else if (c == '\f')
			g_string_append(out, "\\f");
		else if (c >= 0x20 && c <= 0x7e)
			g_string_append_c(out, (gchar)c);
		else if (c > 0xffff)
			g_string_append_printf(out,
					       "\\u%04x\\u%04x",
					       0xd800 + ((c - 0x10000) >> 10),
					       0xdc00 + ((c - 0x10000) & 0x3ff));
		else
			g_string_append_printf(out, "\\u%04x", c);
	}
	g_string_append_c(out, '"');
}

/* what tests/apport-parse.py prints for a report with these values */
static gchar *
report_to_json(CdApportReport *report)
{
	g_auto(GStrv) keys = cd_apport_report_get_keys(report);
	GString *out = g_string_new("[");

	g_assert(keys != NULL);
	for (guint i = 0; keys[i] != NULL; i++) {
		const gchar *text = cd_apport_report_get_text(report, keys[i]);
		if (i > 0)
			g_string_append(out, ", ");
		g_string_append(out, "{\"key\": ");
		json_append_string(out, keys[i]);
		if (text != NULL) {
			g_string_append(out, ", \"text\": ");
			json_append_string(out, text);
		} else {
			g_autoptr(GBytes) bytes = cd_apport_report_get_binary(report, keys[i]);
			g_autofree gchar *b64 = g_base64_encode(g_bytes_get_data(bytes, NULL),
								g_bytes_get_size(bytes));
			g_string_append_printf(out, ", \"base64\": \"%s\"", b64);
		}
		g_string_append_c(out, '}');
	}
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

/* runs python3 @script @path; its stdout without the final newline */
static gchar *
run_python(const gchar *script, const gchar *path, GError **error)
{
	const gchar *argv[] = { "python3", script, path, NULL };
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;

	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_SEARCH_PATH,
			  NULL,
			  NULL,
			  &out,
			  &err,
			  &status,
			  error))
		return NULL;
	if (!g_spawn_check_wait_status(status, error)) {
		g_prefix_error(error, "%s %s: %s: ", script, path, err);
		return NULL;
	}
	return g_strdup(g_strchomp(out));
}

static gchar *
sample_path(const gchar *name)
{
	return g_test_build_filename(G_TEST_DIST, "apport", name, NULL);
}

static gchar *
sample_read(const gchar *name, gsize *len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = sample_path(name);
	gchar *data = NULL;

	g_assert_true(g_file_get_contents(path, &data, len, &error));
	g_assert_no_error(error);
	return data;
}

/* ---- writing and reading back ---- */

static void
test_apport_text(void)
{
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(CdApportReport) again = NULL;
	g_auto(GStrv) keys = NULL;
	g_autofree gchar *text = NULL;
	const gchar *expected_keys[] = { "ProblemType", "Date", "Package", NULL };

	report_set_text(report, "ProblemType", "KernelCrash");
	report_set_text(report, "Date", SAMPLE_DATE);
	report_set_text(report, "Package", "linux-image-6.1.0-56-amd64 6.1.158-1");
	assert_writes(report,
		      "ProblemType: KernelCrash\n"
		      "Date: " SAMPLE_DATE "\n"
		      "Package: linux-image-6.1.0-56-amd64 6.1.158-1\n");

	text = report_to_string(report);
	again = report_read(text, strlen(text));
	keys = cd_apport_report_get_keys(again);
	g_assert_cmpstrv(keys, expected_keys);
	g_assert_cmpstr(cd_apport_report_get_text(again, "Date"), ==, SAMPLE_DATE);
	g_assert_null(cd_apport_report_get_text(again, "Missing"));
	g_assert_null(cd_apport_report_get_binary(again, "Missing"));

	/* a text value's bytes, through get_binary() too */
	assert_binary(again, "ProblemType", (const guint8 *)"KernelCrash", 11);
}

static void
test_apport_multiline(void)
{
	struct {
		const gchar *value;
		const gchar *lines;
	} cases[] = {
		{ "a\nb", "V:\n a\n b\n" },
		/* an empty line is a line of one space, and so is a final newline */
		{ "a\n\nb\n", "V:\n a\n \n b\n \n" },
		{ "x\n", "V:\n x\n \n" },
		{ "x\n\n\n", "V:\n x\n \n \n \n" },
		{ "  indented\n\ttab\nend  ", "V:\n   indented\n \ttab\n end  \n" },
		{ "cr\r\nlf", "V:\n cr\r\n lf\n" },
		{ " \nafter a blank first line", "V:\n  \n after a blank first line\n" },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(CdApportReport) report = cd_apport_report_new();
		g_autofree gchar *expected =
			g_strdup_printf("ProblemType: Crash\n%s", cases[i].lines);
		g_autoptr(CdApportReport) again = NULL;

		report_set_text(report, "ProblemType", "Crash");
		report_set_text(report, "V", cases[i].value);
		assert_writes(report, expected);
		again = report_reread(report);
		g_assert_cmpstr(cd_apport_report_get_text(again, "V"), ==, cases[i].value);
	}
}

/* one-line values apport's loader would strip, "base64" as text, an empty first line:
 * written in a form apport's loader reads back exactly */
static void
test_apport_text_edges(void)
{
	struct {
		const gchar *value;
		const gchar *lines; /* NULL: written as binary */
	} cases[] = {
		{ "", "V: \n" },
		{ "  padded\t", "V:\n   padded\t\n" },
		{ " ", "V:\n  \n" },
		{ "trailing\r", "V:\n trailing\r\n" },
		{ "\vvertical tab, form feed\f", "V:\n \vvertical tab, form feed\f\n" },
		{ "base64", "V:\n base64\n" },
		{ "base64 not", "V: base64 not\n" },
		{ "a:b: c", "V: a:b: c\n" },
		{ "\n\nfoo\n", NULL },
		{ "\n", NULL },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(CdApportReport) report = cd_apport_report_new();
		g_autoptr(CdApportReport) again = NULL;
		g_autofree gchar *text = NULL;

		report_set_text(report, "ProblemType", "Crash");
		report_set_text(report, "V", cases[i].value);
		text = report_to_string(report);
		if (cases[i].lines != NULL) {
			g_autofree gchar *expected =
				g_strdup_printf("ProblemType: Crash\n%s", cases[i].lines);
			g_assert_cmpstr(text, ==, expected);
		} else {
			g_assert_true(g_str_has_prefix(text, "ProblemType: Crash\nV: base64\n"));
		}
		again = report_read(text, strlen(text));
		g_assert_cmpstr(cd_apport_report_get_text(again, "V"), ==, cases[i].value);
	}
}

static void
test_apport_unicode(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(CdApportReport) again = NULL;
	const gchar *unicode = "Grüße, 世界 😀\nzweite Zeile: ½";
	const gchar *escape = "\x1b[31mred\x1b[0m\x7f";

	report_set_text(report, "ProblemType", "Crash");
	report_set_text(report, "Unicode", unicode);
	report_set_text(report, "Escape", escape);
	assert_writes(report,
		      "ProblemType: Crash\n"
		      "Unicode:\n Grüße, 世界 😀\n zweite Zeile: ½\n"
		      "Escape: \x1b[31mred\x1b[0m\x7f\n");
	again = report_reread(report);
	g_assert_cmpstr(cd_apport_report_get_text(again, "Unicode"), ==, unicode);
	g_assert_cmpstr(cd_apport_report_get_text(again, "Escape"), ==, escape);

	/* bytes that are not UTF-8 are binary */
	g_assert_false(cd_apport_report_set_text(report,
						 "Latin1",
						 "Gr\xfc\xdf"
						 "e",
						 &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_null(cd_apport_report_get_binary(report, "Latin1"));
}

static void
test_apport_binary(void)
{
	gsize sizes[] = { 0, 1, 100 * 1024, 300 * 1024 };
	g_autofree guint8 *zeros = g_malloc0(4 * 1024 * 1024);
	g_autofree guint8 *pattern = pattern_bytes(1536 * 1024);

	for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_autoptr(CdApportReport) report = cd_apport_report_new();
		g_autoptr(CdApportReport) again = NULL;
		g_autofree guint8 *data = lcg_bytes(sizes[i], (guint32)i + 7);
		g_autofree gchar *text = NULL;

		report_set_text(report, "ProblemType", "Crash");
		report_set_binary(report, "Random", data, sizes[i]);
		text = report_to_string(report);
		g_assert_true(g_str_has_prefix(text, "ProblemType: Crash\nRandom: base64\n"));
		again = report_read(text, strlen(text));
		assert_binary(again, "Random", data, sizes[i]);
		/* header, a line per 128 KiB block if it gave output (a block of 16 Ki random
		 * bytes does, one byte not), flush */
		g_assert_cmpuint(count_value_lines(text, "Random"),
				 ==,
				 2 + (sizes[i] < 16 * 1024
					      ? 0
					      : (sizes[i] + 128 * 1024 - 1) / (128 * 1024)));
	}

	/* highly compressible: no block gives output before the flush */
	{
		g_autoptr(CdApportReport) report = cd_apport_report_new();
		g_autoptr(CdApportReport) again = NULL;
		g_autofree gchar *text = NULL;

		report_set_text(report, "ProblemType", "Crash");
		report_set_binary(report, "Zeros", zeros, 4 * 1024 * 1024);
		report_set_binary(report, "Pattern", pattern, 1536 * 1024);
		text = report_to_string(report);
		g_assert_cmpuint(strlen(text), <, 64 * 1024);
		g_assert_cmpuint(count_value_lines(text, "Zeros"), ==, 2);
		again = report_read(text, strlen(text));
		assert_binary(again, "Zeros", zeros, 4 * 1024 * 1024);
		assert_binary(again, "Pattern", pattern, 1536 * 1024);
		g_assert_null(cd_apport_report_get_text(again, "Zeros"));
	}
}

static void
test_apport_binary_format(void)
{
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree guchar *header = NULL;
	g_autofree guchar *last = NULL;
	gsize header_len = 0;
	gsize last_len = 0;
	static const guint8 expected_header[] = { 0x1f, 0x8b, 0x08, 0x08, 0x00, 0x00, 0x00,
						  0x00, 0x02, 0xff, 'C',  'o',	'r',  'e',
						  'D',	'u',  'm',  'p',  0x00 };
	static const guint8 data[] = "some core";

	report_set_text(report, "ProblemType", "Crash");
	report_set_binary(report, "EmptyBin", NULL, 0);
	report_set_binary(report, "CoreDump", data, sizeof(data) - 1);
	text = report_to_string(report);

	/* as apport >= 2.28 writes an empty value: header, then the flush with its trailer */
	g_assert_true(g_str_has_prefix(text,
				       "ProblemType: Crash\n"
				       "EmptyBin: base64\n"
				       " H4sICAAAAAAC/0VtcHR5QmluAA==\n"
				       " AwAAAAAAAAAAAA==\n"
				       "CoreDump: base64\n"));

	/* each line base64 of its own: the header, then deflate, CRC32 and size */
	lines = g_strsplit(text, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 8);
	g_assert_cmpint(lines[5][0], ==, ' ');
	header = g_base64_decode(lines[5] + 1, &header_len);
	g_assert_cmpmem(header, header_len, expected_header, sizeof(expected_header));
	last = g_base64_decode(lines[6] + 1, &last_len);
	g_assert_cmpuint(last_len, >, 8);
	g_assert_cmpuint(last[last_len - 8] | last[last_len - 7] << 8 | last[last_len - 6] << 16 |
				 (guint32)last[last_len - 5] << 24,
			 ==,
			 crc32_z(0, data, sizeof(data) - 1));
	g_assert_cmpuint(last[last_len - 4], ==, sizeof(data) - 1);
	g_assert_cmpstr(lines[7], ==, "");

	/* binary bytes that are UTF-8 are text, as apport's loader decides */
	{
		g_autoptr(CdApportReport) again = report_read(text, strlen(text));
		g_assert_cmpstr(cd_apport_report_get_text(again, "CoreDump"), ==, "some core");
		g_assert_cmpstr(cd_apport_report_get_text(again, "EmptyBin"), ==, "");
	}
}

static void
test_apport_problem_type(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(GBytes) none = NULL;
	g_autoptr(CdApportReport) again = NULL;
	g_auto(GStrv) keys = NULL;
	g_autofree gchar *text = NULL;
	const gchar *set_order[] = { "Date", "Uname", "ProblemType", NULL };
	const gchar *file_order[] = { "ProblemType", "Date", "Uname", NULL };

	report_set_text(report, "Date", SAMPLE_DATE);
	report_set_text(report, "Uname", "Linux 6.1.0-56-amd64 x86_64");
	none = cd_apport_report_to_bytes(report, &error);
	g_assert_null(none);
	g_assert_error(error, CD_ERROR, CD_ERROR_NOT_FOUND);
	g_clear_error(&error);

	/* written first, wherever it was set */
	report_set_text(report, "ProblemType", "KernelCrash");
	keys = cd_apport_report_get_keys(report);
	g_assert_cmpstrv(keys, set_order);
	text = report_to_string(report);
	g_assert_cmpstr(text,
			==,
			"ProblemType: KernelCrash\n"
			"Date: " SAMPLE_DATE "\n"
			"Uname: Linux 6.1.0-56-amd64 x86_64\n");
	again = report_read(text, strlen(text));
	g_clear_pointer(&keys, g_strfreev);
	keys = cd_apport_report_get_keys(again);
	g_assert_cmpstrv(keys, file_order);

	/* a key set again keeps its place, with its new value and kind */
	report_set_text(report, "Date", "later");
	report_set_binary(report, "Uname", (const guint8 *)"\xff", 1);
	g_clear_pointer(&keys, g_strfreev);
	keys = cd_apport_report_get_keys(report);
	g_assert_cmpstrv(keys, set_order);
	g_assert_cmpstr(cd_apport_report_get_text(report, "Date"), ==, "later");
	g_assert_null(cd_apport_report_get_text(report, "Uname"));

	/* ProblemType is text */
	report_set_binary(report, "ProblemType", (const guint8 *)"Crash", 5);
	g_assert_null(cd_apport_report_to_bytes(report, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

static void
test_apport_keys(void)
{
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autofree gchar *longest = g_strnfill(CD_APPORT_MAX_KEY_LEN, 'k');
	g_autofree gchar *too_long = g_strnfill(CD_APPORT_MAX_KEY_LEN + 1, 'k');
	const gchar *valid[] = {
		"a", "9", "A.b-c_d", "dmi.bios.version", "_MarkForUpload", longest
	};
	const gchar *invalid[] = {
		"", "...", "-_.", "a b", "a:b", "Grüße", "a\n", "tab\t", too_long
	};

	for (gsize i = 0; i < G_N_ELEMENTS(valid); i++) {
		report_set_text(report, valid[i], "v");
		report_set_binary(report, valid[i], (const guint8 *)"v", 1);
	}
	for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GError) error2 = NULL;
		g_assert_false(cd_apport_report_set_text(report, invalid[i], "v", &error));
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		g_assert_false(cd_apport_report_set_binary(report,
							   invalid[i],
							   (const guint8 *)"v",
							   1,
							   &error2));
		g_assert_error(error2, CD_ERROR, CD_ERROR_INVALID_DATA);
		g_assert_null(cd_apport_report_get_binary(report, invalid[i]));
	}
}

static void
test_apport_key_count(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(GString) file = g_string_new("ProblemType: Crash\n");

	report_set_text(report, "ProblemType", "Crash");
	for (guint i = 1; i < CD_APPORT_MAX_KEYS; i++) {
		g_autofree gchar *key = g_strdup_printf("K%u", i);
		report_set_text(report, key, "v");
		g_string_append_printf(file, "%s: v\n", key);
	}
	/* full: a known key may still be set, a new one not */
	report_set_text(report, "K1", "again");
	g_assert_false(cd_apport_report_set_text(report, "OneTooMany", "v", &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);

	/* the same for the reader: 1024 keys read, a 1025th is line 1025 */
	g_clear_object(&report);
	report = report_read(file->str, file->len);
	g_string_append(file, "K1: again\n");
	g_clear_object(&report);
	report = report_read(file->str, file->len);
	g_assert_cmpstr(cd_apport_report_get_text(report, "K1"), ==, "again");
	g_string_append(file, "OneTooMany: v\n");
	assert_read_error(file->str,
			  file->len,
			  CD_ERROR_INVALID_DATA,
			  "line 1026: more than 1024 keys");
}

/* ---- apport's own files ---- */

static void
assert_sample_2_36(CdApportReport *report)
{
	g_autofree guint8 *core = lcg_bytes(130 * 1024, 1);
	g_autofree guint8 *zeros = g_malloc0(1024 * 1024);
	const gchar *expected_keys[] = { "ProblemType", "Date",	 "Empty",   "Escape",	"Multi",
					 "Package",	"Uname", "Unicode", "CoreDump", "EmptyBin",
					 "Small",	"Zeros", NULL };
	g_auto(GStrv) keys = cd_apport_report_get_keys(report);

	g_assert_cmpstrv(keys, expected_keys);
	g_assert_cmpstr(cd_apport_report_get_text(report, "ProblemType"), ==, "KernelCrash");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Date"), ==, SAMPLE_DATE);
	g_assert_cmpstr(cd_apport_report_get_text(report, "Empty"), ==, "");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Escape"), ==, "\x1b[31mred\x1b[0m\ttab");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Multi"),
			==,
			"first line\n\n  indented third\nlast\n");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Package"),
			==,
			"linux-image-6.1.0-56-amd64 6.1.158-1");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Uname"),
			==,
			"Linux 6.1.0-56-amd64 x86_64");
	g_assert_cmpstr(cd_apport_report_get_text(report, "Unicode"), ==, "Grüße, 世界 😀");
	assert_binary(report, "CoreDump", core, 130 * 1024);
	assert_binary(report, "EmptyBin", NULL, 0);
	assert_binary(report, "Small", (const guint8 *)"\x00\x01\x02\xff", 4);
	assert_binary(report, "Zeros", zeros, 1024 * 1024);
}

/* @text without the deflate lines of its binary values (their header lines kept) */
static gchar *
without_deflate_lines(const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GString *out = g_string_new(NULL);
	gint in_binary = -1; /* lines of the binary value so far, -1 outside one */

	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != ' ')
			in_binary = g_str_has_suffix(lines[i], ": base64") ? 0 : -1;
		else if (in_binary >= 0 && in_binary++ > 0)
			continue;
		g_string_append_printf(out, "%s\n", lines[i]);
	}
	return g_string_free(out, FALSE);
}

/* the base64 lines of the binary value @key in @text, NULL-terminated */
static GStrv
binary_lines(const gchar *text, const gchar *key)
{
	g_autofree gchar *start = g_strdup_printf("%s: base64\n", key);
	const gchar *p = strstr(text, start);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();
	g_auto(GStrv) lines = NULL;

	g_assert_nonnull(p);
	lines = g_strsplit(p + strlen(start), "\n", -1);
	for (guint i = 0; lines[i] != NULL && lines[i][0] == ' '; i++)
		g_strv_builder_add(b, lines[i] + 1);
	return g_strv_builder_end(b);
}

/*
 * what apport's loader needs of a binary value, on any zlib: the gzip header line as
 * apport writes it, each line base64 of its own (the loader decodes line by line), the
 * lines together one gzip member that inflates to @data, and its trailer (CRC32 and
 * size, which depend on the data alone) the one apport wrote in @sample
 */
static void
assert_binary_like_apport(const gchar *ours,
			  const gchar *sample,
			  const gchar *key,
			  const guint8 *data,
			  gsize len)
{
	g_auto(GStrv) mine = binary_lines(ours, key);
	g_auto(GStrv) theirs = binary_lines(sample, key);
	g_autoptr(GByteArray) member = g_byte_array_new();
	g_autoptr(GByteArray) apport_member = g_byte_array_new();
	g_autofree guint8 *out = g_malloc(len + 1);
	z_stream zs = { 0 };

	g_assert_cmpuint(g_strv_length(mine), >=, 2);
	g_assert_cmpstr(mine[0], ==, theirs[0]);
	for (guint i = 0; mine[i] != NULL; i++) {
		gsize n = 0;
		g_autofree guchar *raw = g_base64_decode(mine[i], &n);
		g_autofree gchar *again = g_base64_encode(raw, n);

		/* canonical and padded on its own, as apport's b64decode() of one line takes it */
		g_assert_cmpstr(again, ==, mine[i]);
		g_byte_array_append(member, raw, n);
	}
	for (guint i = 0; theirs[i] != NULL; i++) {
		gsize n = 0;
		g_autofree guchar *raw = g_base64_decode(theirs[i], &n);
		g_byte_array_append(apport_member, raw, n);
	}
	g_assert_cmpuint(member->len, >=, 18);
	g_assert_cmpmem(member->data + member->len - 8,
			8,
			apport_member->data + apport_member->len - 8,
			8);
	/* zlib's gzip mode, as Python's gzip reads it: the header, CRC32 and size checked */
	g_assert_cmpint(inflateInit2(&zs, 16 + MAX_WBITS), ==, Z_OK);
	zs.next_in = member->data;
	zs.avail_in = member->len;
	zs.next_out = out;
	zs.avail_out = (uInt)len + 1;
	g_assert_cmpint(inflate(&zs, Z_FINISH), ==, Z_STREAM_END);
	g_assert_cmpuint(zs.avail_in, ==, 0);
	g_assert_cmpuint(zs.total_out, ==, len);
	g_assert_cmpmem(out, len, data, len);
	inflateEnd(&zs);
}

static void
test_apport_upstream_2_36(void)
{
	gsize len = 0;
	g_autofree gchar *sample = sample_read("apport-2.36.crash", &len);
	g_autoptr(CdApportReport) read = report_read(sample, len);
	g_autoptr(CdApportReport) built = cd_apport_report_new();
	g_autofree guint8 *core = lcg_bytes(130 * 1024, 1);
	g_autofree guint8 *zeros = g_malloc0(1024 * 1024);
	g_autofree gchar *ours = NULL;
	g_autofree gchar *ours_text = NULL;
	g_autofree gchar *theirs_text = NULL;

	assert_sample_2_36(read);

	/* the same values in apport's order (text sorted, then binary sorted) */
	report_set_text(built, "ProblemType", "KernelCrash");
	report_set_text(built, "Date", SAMPLE_DATE);
	report_set_text(built, "Empty", "");
	report_set_text(built, "Escape", "\x1b[31mred\x1b[0m\ttab");
	report_set_text(built, "Multi", "first line\n\n  indented third\nlast\n");
	report_set_text(built, "Package", "linux-image-6.1.0-56-amd64 6.1.158-1");
	report_set_text(built, "Uname", "Linux 6.1.0-56-amd64 x86_64");
	report_set_text(built, "Unicode", "Grüße, 世界 😀");
	report_set_binary(built, "CoreDump", core, 130 * 1024);
	report_set_binary(built, "EmptyBin", NULL, 0);
	report_set_binary(built, "Small", (const guint8 *)"\x00\x01\x02\xff", 4);
	report_set_binary(built, "Zeros", zeros, 1024 * 1024);
	ours = report_to_string(built);

	/* byte for byte what apport wrote, but for the deflate bytes, which are zlib's */
	ours_text = without_deflate_lines(ours);
	theirs_text = without_deflate_lines(sample);
	g_assert_cmpstr(ours_text, ==, theirs_text);
	/* on any zlib: each binary value as apport's loader reads it, with apport's trailer */
	assert_binary_like_apport(ours, sample, "CoreDump", core, 130 * 1024);
	assert_binary_like_apport(ours, sample, "EmptyBin", NULL, 0);
	assert_binary_like_apport(ours, sample, "Small", (const guint8 *)"\x00\x01\x02\xff", 4);
	assert_binary_like_apport(ours, sample, "Zeros", zeros, 1024 * 1024);
	/* and under the zlib apport wrote it with, every byte the same */
	if (g_strcmp0(zlibVersion(), SAMPLE_ZLIB_VERSION) == 0) {
		g_assert_cmpmem(ours, strlen(ours), sample, len);
	} else {
		g_test_message("zlib %s, not %s: deflate bytes checked by what they inflate to, "
			       "not compared",
			       zlibVersion(),
			       SAMPLE_ZLIB_VERSION);
	}
}

static void
test_apport_upstream_2_20(void)
{
	gsize len = 0;
	g_autofree gchar *sample = sample_read("apport-2.20.crash", &len);
	g_autoptr(CdApportReport) read = report_read(sample, len);
	g_autofree guint8 *pattern = pattern_bytes(1536 * 1024);
	g_autofree gchar *again = NULL;

	/* an empty value without CRC and size, 1 MiB blocks */
	g_assert_nonnull(
		strstr(sample, "EmptyBin: base64\n H4sICAAAAAAC/0VtcHR5QmluAA==\n AwA=\n"));
	g_assert_cmpstr(cd_apport_report_get_text(read, "Text"), ==, "one\ntwo");
	assert_binary(read, "EmptyBin", NULL, 0);
	assert_binary(read, "Pattern", pattern, 1536 * 1024);

	/* written back with the trailer */
	again = report_to_string(read);
	g_assert_nonnull(strstr(again,
				"EmptyBin: base64\n H4sICAAAAAAC/0VtcHR5QmluAA==\n"
				" AwAAAAAAAAAAAA==\n"));
}

static void
test_apport_upstream_quirks(void)
{
	gsize len = 0;
	g_autofree gchar *sample = sample_read("apport-2.36-quirks.crash", &len);
	g_autoptr(CdApportReport) read = report_read(sample, len);
	g_autoptr(CdApportReport) built = cd_apport_report_new();
	g_autoptr(CdApportReport) again = NULL;

	/* what apport's writer made of them, as apport's loader reads it */
	g_assert_cmpstr(cd_apport_report_get_text(read, "LeadingNewline"), ==, "foo\n");
	g_assert_cmpstr(cd_apport_report_get_text(read, "Padded"), ==, "padded");
	g_assert_cmpstr(cd_apport_report_get_text(read, "Word"), ==, "");

	/* what this writer makes of them reads back as they were */
	report_set_text(built, "ProblemType", "Crash");
	report_set_text(built, "LeadingNewline", "\n\nfoo\n");
	report_set_text(built, "Padded", "  padded\t");
	report_set_text(built, "Word", "base64");
	again = report_reread(built);
	assert_same_values(built, again);
}

/* ---- other encodings apport reads ---- */

static void
test_apport_legacy_zlib(void)
{
	g_autofree guint8 *data = pattern_bytes(200 * 1024);
	g_autofree guint8 *z = g_malloc(compressBound(200 * 1024));
	uLongf z_len = compressBound(200 * 1024);
	g_autoptr(GString) file = NULL;
	g_autoptr(CdApportReport) report = NULL;

	/* apport before 2007: a zlib stream, no gzip header; cut anywhere */
	g_assert_cmpint(compress(z, &z_len, data, 200 * 1024), ==, Z_OK);
	file = report_with_blob(z, z_len, 1000);
	report = report_read(file->str, file->len);
	assert_binary(report, "Blob", data, 200 * 1024);

	/* its Adler-32 checked */
	z[z_len - 1] ^= 1;
	g_string_free(file, TRUE);
	file = report_with_blob(z, z_len, 1000);
	assert_read_error(file->str, file->len, CD_ERROR_INVALID_DATA, "line 2: Blob: ");
}

static void
test_apport_gzip_variants(void)
{
	static const guint8 data[] = "a value from some other gzip writer";
	g_autoptr(GByteArray) raw = deflate_raw(data, sizeof(data), 9);
	g_autoptr(GByteArray) z = g_byte_array_new();
	/* FHCRC, FEXTRA, FNAME, FCOMMENT set, an mtime, OS 3; the array's own NUL ends the
	 * comment */
	static const guint8 header[] = "\x1f\x8b\x08\x1e"
				       "\x12\x34\x56\x78"
				       "\x00\x03"
				       "\x04\x00"
				       "Ap\x01\x00"
				       "x.gz\0"
				       "hi";
	guint32 hcrc;
	guint8 hcrc_bytes[2];

	/* a CompressedValue apport copies keeps any header; its lines cut anywhere */
	g_byte_array_append(z, header, sizeof(header));
	hcrc = crc32_z(0, header, sizeof(header));
	hcrc_bytes[0] = hcrc & 0xff;
	hcrc_bytes[1] = (hcrc >> 8) & 0xff;
	g_byte_array_append(z, hcrc_bytes, 2);
	g_byte_array_append(z, raw->data, raw->len);
	append_le32(z, crc32_z(0, data, sizeof(data)));
	append_le32(z, sizeof(data));
	for (gsize chunk = 1; chunk < 40; chunk += 7) {
		g_autoptr(GString) file = report_with_blob(z->data, z->len, chunk);
		g_autoptr(CdApportReport) report = report_read(file->str, file->len);
		assert_binary(report, "Blob", data, sizeof(data));
	}

	/* the header CRC checked */
	z->data[sizeof(header)] ^= 1;
	{
		g_autoptr(GString) file = report_with_blob(z->data, z->len, 64);
		assert_read_error(file->str,
				  file->len,
				  CD_ERROR_INVALID_DATA,
				  "header crc mismatch");
	}
}

/* ---- hostile input ---- */

static void
test_apport_hostile_lines(void)
{
	g_autoptr(CdApportReport) report = NULL;
	static const gchar nul_value[] = "ProblemType: Crash\nFoo: a\0b\n";
	static const gchar nul_key[] = "ProblemType: Crash\nFo\0o: x\n";
	static const gchar nul_only[] = "\0";

	assert_read_error("", 0, CD_ERROR_NOT_FOUND, "empty");
	assert_read_error_str(" foo\n", CD_ERROR_INVALID_DATA, "line 1: a continuation line");
	assert_read_error_str(" ProblemType: Crash\n", CD_ERROR_INVALID_DATA, "line 1: ");
	assert_read_error_str("\n", CD_ERROR_INVALID_DATA, "line 1: an empty line");
	assert_read_error_str("ProblemType: Crash\n\nDate: x\n",
			      CD_ERROR_INVALID_DATA,
			      "line 2: an empty line");
	assert_read_error_str("ProblemType: Crash\nno colon here\n",
			      CD_ERROR_INVALID_DATA,
			      "line 2: no ':'");
	assert_read_error_str("Date: x\nProblemType: Crash\n",
			      CD_ERROR_INVALID_DATA,
			      "line 1: the report starts with \"Date\", not ProblemType");
	assert_read_error_str("ProblemType: Crash\nBad Key: x\n",
			      CD_ERROR_INVALID_DATA,
			      "line 2: invalid key \"Bad Key\"");
	assert_read_error_str("ProblemType: Crash\n\tTab: x\n", CD_ERROR_INVALID_DATA, "line 2: ");
	assert_read_error_str("ProblemType: Crash\n: x\n", CD_ERROR_INVALID_DATA, "line 2: ");
	assert_read_error(nul_key, sizeof(nul_key) - 1, CD_ERROR_INVALID_DATA, "\"Fo\\x00o\"");
	assert_read_error(nul_only, 1, CD_ERROR_INVALID_DATA, "line 1: no ':'");

	/* a NUL in a value, as apport reads it: bytes, not text; written back as binary */
	report = report_read(nul_value, sizeof(nul_value) - 1);
	g_assert_null(cd_apport_report_get_text(report, "Foo"));
	assert_binary(report, "Foo", (const guint8 *)"a\0b", 3);
	{
		g_autofree gchar *text = report_to_string(report);
		g_autoptr(CdApportReport) again = report_read(text, strlen(text));
		g_assert_nonnull(strstr(text, "Foo: base64\n"));
		assert_binary(again, "Foo", (const guint8 *)"a\0b", 3);
	}
	g_clear_object(&report);

	/* so is text that is not UTF-8 */
	report = report_read_str("ProblemType: Crash\nLatin1: Gr\xfc\xdf"
				 "e\n");
	g_assert_null(cd_apport_report_get_text(report, "Latin1"));
	assert_binary(report,
		      "Latin1",
		      (const guint8 *)"Gr\xfc\xdf"
				      "e",
		      5);
	g_clear_object(&report);

	/* apport's loader: stripped, a later value replacing an earlier one in place, CRLF
	 * stripped on a key's line only, a last line without newline */
	report = report_read_str("ProblemType: Crash\r\nA: \v x \t\f\nB:\n  y\r\nA: z\nC: last");
	g_assert_cmpstr(cd_apport_report_get_text(report, "ProblemType"), ==, "Crash");
	g_assert_cmpstr(cd_apport_report_get_text(report, "A"), ==, "z");
	g_assert_cmpstr(cd_apport_report_get_text(report, "B"), ==, " y\r");
	g_assert_cmpstr(cd_apport_report_get_text(report, "C"), ==, "last");
	{
		g_auto(GStrv) keys = cd_apport_report_get_keys(report);
		const gchar *expected[] = { "ProblemType", "A", "B", "C", NULL };
		g_assert_cmpstrv(keys, expected);
	}
	g_clear_object(&report);

	/* and leading empty continuation lines vanish, a value on the key's line goes on */
	report = report_read_str("ProblemType: Crash\nA:\n \n \n x\n \nB: first\n second\n");
	g_assert_cmpstr(cd_apport_report_get_text(report, "A"), ==, "x\n");
	g_assert_cmpstr(cd_apport_report_get_text(report, "B"), ==, "first\nsecond");
}

static void
test_apport_hostile_limits(void)
{
	g_autoptr(GString) file = g_string_new("ProblemType: Crash\nK: ");
	g_autoptr(CdApportReport) report = NULL;
	g_autofree gchar *huge = g_malloc0(CD_APPORT_MAX_SIZE + 1);
	g_autofree gchar *long_key = g_strnfill(CD_APPORT_MAX_KEY_LEN + 1, 'k');
	g_autofree gchar *long_key_file = g_strdup_printf("ProblemType: Crash\n%s: v\n", long_key);

	/* a line of exactly the limit is read, one byte more is not */
	g_string_set_size(file, strlen("ProblemType: Crash\n") + CD_APPORT_MAX_LINE_LEN);
	memset(file->str + strlen("ProblemType: Crash\nK: "),
	       'a',
	       file->len - strlen("ProblemType: Crash\nK: "));
	report = report_read(file->str, file->len);
	g_string_append_c(file, 'a');
	assert_read_error(file->str, file->len, CD_ERROR_INVALID_DATA, "line 2: 8388609 bytes");

	assert_read_error(huge, CD_APPORT_MAX_SIZE + 1, CD_ERROR_INVALID_DATA, "67108865 bytes");
	assert_read_error_str(long_key_file, CD_ERROR_INVALID_DATA, "line 2: a key of 257 bytes");
}

static void
test_apport_hostile_base64(void)
{
	const gchar *bad[] = {
		" H4s!\n",	   /* outside the alphabet */
		" H4sIA\n",	   /* not a multiple of 4 */
		" AA=A\n",	   /* padding inside */
		" A===\n",	   /* too much padding */
		" AA==AAAA\n",	   /* data after padding */
		" H4sI\r\n",	   /* CRLF */
		"  H4sI\n",	   /* two spaces */
		" H4sI AAAA\n",	   /* a space inside */
		" H4sI\xc3\xa4\n", /* UTF-8 */
	};

	for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *file =
			g_strdup_printf("ProblemType: Crash\nBlob: base64\n H4sI\n%s", bad[i]);
		assert_read_error_str(file, CD_ERROR_INVALID_DATA, "line 4: invalid base64");
	}
}

static void
test_apport_hostile_gzip(void)
{
	g_autofree guint8 *data = lcg_bytes(5000, 3);
	g_autoptr(GByteArray) good = gzip_member(data, 5000);
	g_autoptr(GByteArray) z = NULL;
	static const guint8 zstd[] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x00 };
	static const guint8 junk[] = { 0x78, 0x9c, 0xff, 0xff, 0xff, 0xff };
	struct {
		const gchar *what;
		gsize cut;  /* bytes off the end */
		gsize flip; /* a byte to change, from the end, 0 for none */
		gsize add;  /* garbage bytes at the end */
		gint code;
		const gchar *needle;
	} cases[] = {
		{ "CRC",
		  0,
		  8,
		  0,
		  CD_ERROR_INVALID_DATA,
		  "line 2: Blob: invalid compressed data: incorrect data check" },
		{ "size",
		  0,
		  4,
		  0,
		  CD_ERROR_INVALID_DATA,
		  "line 2: Blob: invalid compressed data: incorrect length check" },
		{ "no trailer",
		  8,
		  0,
		  0,
		  CD_ERROR_TRUNCATED,
		  "line 2: Blob: the compressed data is cut short" },
		{ "half a trailer",
		  4,
		  0,
		  0,
		  CD_ERROR_TRUNCATED,
		  "line 2: Blob: the compressed data is cut short" },
		{ "cut deflate", 100, 0, 0, CD_ERROR_TRUNCATED, "compressed data is cut short" },
		{ "after the trailer",
		  0,
		  0,
		  3,
		  CD_ERROR_INVALID_DATA,
		  "3 bytes after the gzip member" },
		{ "header only", 0, 0, 0, CD_ERROR_TRUNCATED, "compressed data is cut short" },
		{ "deflate", 0, 2000, 0, CD_ERROR_INVALID_DATA, "line 2: Blob: " },
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GString) file = NULL;

		g_clear_pointer(&z, g_byte_array_unref);
		z = g_byte_array_new();
		g_byte_array_append(z, good->data, good->len);
		if (g_str_equal(cases[i].what, "header only"))
			g_byte_array_set_size(z, 15);
		g_byte_array_set_size(z, z->len - cases[i].cut);
		if (cases[i].flip > 0)
			z->data[z->len - cases[i].flip] ^= 0x55;
		for (gsize j = 0; j < cases[i].add; j++)
			g_byte_array_append(z, (const guint8 *)"x", 1);
		file = report_with_blob(z->data, z->len, 1000);
		g_test_message("%s", cases[i].what);
		assert_read_error(file->str, file->len, cases[i].code, cases[i].needle);
	}

	/* the header: cut short, reserved flags; zstd; neither gzip nor zlib */
	{
		g_autoptr(GString) file = report_with_blob(good->data, 12, 1000);
		assert_read_error(file->str,
				  file->len,
				  CD_ERROR_TRUNCATED,
				  "line 2: Blob: the compressed data is cut short");
	}
	good->data[3] |= 0x80;
	{
		g_autoptr(GString) file = report_with_blob(good->data, good->len, 1000);
		assert_read_error(file->str,
				  file->len,
				  CD_ERROR_INVALID_DATA,
				  "unknown header flags set");
	}
	{
		g_autoptr(GString) file = report_with_blob(zstd, sizeof(zstd), 1000);
		assert_read_error(file->str, file->len, CD_ERROR_NOT_SUPPORTED, "zstandard");
	}
	{
		g_autoptr(GString) file = report_with_blob(junk, sizeof(junk), 1000);
		assert_read_error(file->str, file->len, CD_ERROR_INVALID_DATA, "line 2: Blob: ");
	}

	/* no trailer is fine where apport < 2.28 left it out: a CRC of 0, i.e. empty */
	{
		static const guint8 empty[] = { 0x1f, 0x8b, 0x08, 0x00, 0,    0,
						0,    0,    0x02, 0xff, 0x03, 0x00 };
		g_autoptr(GString) file = report_with_blob(empty, sizeof(empty), 1000);
		g_autoptr(CdApportReport) report = report_read(file->str, file->len);
		assert_binary(report, "Blob", NULL, 0);
	}
	/* "Key: base64" and no lines: empty, as apport reads it */
	{
		g_autoptr(CdApportReport) report =
			report_read_str("ProblemType: Crash\nBlob: base64\nNext: x\n");
		assert_binary(report, "Blob", NULL, 0);
		g_assert_cmpstr(cd_apport_report_get_text(report, "Next"), ==, "x");
	}
}

/* a stream of @len zeros, with or without the right trailer */
static GByteArray *
gzip_zeros(gsize len)
{
	static const guint8 header[] = { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x02, 0xff };
	g_autoptr(GByteArray) raw = deflate_raw(NULL, len, 9);
	GByteArray *out = g_byte_array_new();

	g_byte_array_append(out, header, sizeof(header));
	g_byte_array_append(out, raw->data, raw->len);
	append_le32(out, crc_zeros(len));
	append_le32(out, (guint32)len);
	return out;
}

static void
test_apport_hostile_bomb(void)
{
	g_autoptr(GByteArray) bomb = gzip_zeros((gsize)CD_APPORT_MAX_BINARY_SIZE + 1);
	g_autoptr(GString) file = report_with_blob(bomb->data, bomb->len, 128 * 1024);

	/* a few hundred KiB that would be 256 MiB and one byte */
	g_assert_cmpuint(file->len, <, 512 * 1024);
	assert_read_error(file->str,
			  file->len,
			  CD_ERROR_INVALID_DATA,
			  "line 2: Blob: decompresses to more than 268435456 bytes");
}

static void
test_apport_hostile_bomb_total(void)
{
	g_autoptr(GByteArray) z = gzip_zeros(CD_APPORT_MAX_BINARY_SIZE);
	g_autoptr(GByteArray) one_byte = gzip_member((const guint8 *)"x", 1);
	g_autoptr(GString) big = report_with_blob(z->data, z->len, 128 * 1024);
	g_autoptr(GString) small = report_with_blob(one_byte->data, one_byte->len, 1000);
	g_autoptr(GString) file = g_string_new("ProblemType: Crash\n");
	const gchar *big_lines = strstr(big->str, "\n ") + 1;
	g_autofree gchar *needle = NULL;

	/* two values of exactly the limit for one, together the limit for all: the error
	 * is for the one byte after them */
	g_string_append_printf(file, "Blob0: base64\n%sBlob1: base64\n%s", big_lines, big_lines);
	g_string_append_printf(file, "Blob2: base64\n%s", strstr(small->str, "\n ") + 1);
	needle = g_strdup_printf("line %u: Blob2: with the values before it, past %u bytes: "
				 "decompresses to more than 0 bytes",
				 4 + 2 * count_value_lines(file->str, "Blob0"),
				 (guint)CD_APPORT_MAX_BINARY_TOTAL);
	assert_read_error(file->str, file->len, CD_ERROR_INVALID_DATA, needle);
}

/* bytes changed at random in a valid report: errors, never a crash (ASan/valgrind) */
static void
test_apport_hostile_mutations(void)
{
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(GRand) rand = g_rand_new_with_seed(20260101);
	g_autofree guint8 *data = lcg_bytes(3000, 5);
	g_autofree gchar *text = NULL;
	gsize len;
	guint ok = 0;

	report_set_text(report, "ProblemType", "Crash");
	report_set_text(report, "Multi", "a\n\nb\n");
	report_set_binary(report, "Blob", data, 3000);
	report_set_binary(report, "Empty", NULL, 0);
	text = report_to_string(report);
	len = strlen(text);

	for (guint i = 0; i < 3000; i++) {
		g_autofree gchar *copy = g_memdup2(text, len);
		gsize copy_len = len;
		g_autoptr(GError) error = NULL;
		g_autoptr(CdApportReport) mutated = NULL;
		guint n = g_rand_int_range(rand, 1, 4);

		for (guint j = 0; j < n; j++) {
			gsize at = g_rand_int_range(rand, 0, (gint32)copy_len);
			switch (g_rand_int_range(rand, 0, 3)) {
			case 0:
				copy[at] = (gchar)g_rand_int_range(rand, 0, 256);
				break;
			case 1:
				copy[at] = "\n :=A/+\0"[g_rand_int_range(rand, 0, 8)];
				break;
			default:
				copy_len = MAX(at, 1);
				break;
			}
		}
		mutated = cd_apport_report_new_from_data(copy, copy_len, &error);
		if (mutated != NULL) {
			/* written again, if it can be */
			GBytes *out = cd_apport_report_to_bytes(mutated, NULL);
			if (out != NULL)
				g_bytes_unref(out);
			ok++;
		} else {
			g_assert_nonnull(error);
			g_assert_true(error->domain == CD_ERROR);
		}
	}
	g_test_message("%u of 3000 mutations still read", ok);
}

/* ---- an independent reader ---- */

static void
assert_python_reads(const gchar *path, const gchar *expected_json)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *script = g_test_build_filename(G_TEST_DIST, "apport-parse.py", NULL);
	g_autofree gchar *json = run_python(script, path, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(json, ==, expected_json);
}

static void
test_apport_python(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("crashdesk-apport-XXXXXX", &error);
	g_autofree guint8 *random = lcg_bytes(100 * 1024, 11);
	g_autofree guint8 *zeros = g_malloc0(1024 * 1024);
	const gchar *samples[] = { "apport-2.36.crash",
				   "apport-2.36-quirks.crash",
				   "apport-2.20.crash" };
	g_autoptr(GPtrArray) reports = g_ptr_array_new_with_free_func(g_object_unref);
	CdApportReport *report;

	g_assert_no_error(error);

	report = cd_apport_report_new();
	report_set_text(report, "ProblemType", "Crash");
	report_set_text(report, "Date", SAMPLE_DATE);
	report_set_text(report, "Multi", "a\n\nb\n");
	report_set_text(report, "Trailing", "x\n\n");
	report_set_text(report, "Empty", "");
	report_set_text(report, "Unicode", "Grüße, 世界 😀 \"quoted\" back\\slash");
	report_set_text(report, "Escape", "\x1b[31mred\x1b[0m\x7f\x01");
	g_ptr_array_add(reports, report);

	report = cd_apport_report_new();
	report_set_text(report, "ProblemType", "KernelCrash");
	report_set_text(report, "LeadingNewline", "\n\nfoo\n");
	report_set_text(report, "Padded", "  padded\t");
	report_set_text(report, "Word", "base64");
	report_set_binary(report, "Empty", NULL, 0);
	report_set_binary(report, "One", (const guint8 *)"\xff", 1);
	report_set_binary(report, "Random", random, 100 * 1024);
	report_set_binary(report, "Zeros", zeros, 1024 * 1024);
	report_set_binary(report, "Utf8", (const guint8 *)"just text", 9);
	g_ptr_array_add(reports, report);

	for (guint i = 0; i < reports->len; i++) {
		g_autofree gchar *path = g_strdup_printf("%s/report-%u.crash", dir, i);
		g_autofree gchar *text = report_to_string(g_ptr_array_index(reports, i));
		g_autofree gchar *expected = report_to_json(g_ptr_array_index(reports, i));

		g_assert_true(g_file_set_contents(path, text, -1, &error));
		g_assert_no_error(error);
		assert_python_reads(path, expected);
		g_assert_cmpint(g_unlink(path), ==, 0);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);

	/* apport's own files: the same values from both readers */
	for (gsize i = 0; i < G_N_ELEMENTS(samples); i++) {
		g_autofree gchar *path = sample_path(samples[i]);
		gsize len = 0;
		g_autofree gchar *data = sample_read(samples[i], &len);
		g_autoptr(CdApportReport) read = report_read(data, len);
		g_autofree gchar *expected = report_to_json(read);
		assert_python_reads(path, expected);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/apport/text", test_apport_text);
	g_test_add_func("/capture/apport/multiline", test_apport_multiline);
	g_test_add_func("/capture/apport/text-edges", test_apport_text_edges);
	g_test_add_func("/capture/apport/unicode", test_apport_unicode);
	g_test_add_func("/capture/apport/binary", test_apport_binary);
	g_test_add_func("/capture/apport/binary-format", test_apport_binary_format);
	g_test_add_func("/capture/apport/problem-type", test_apport_problem_type);
	g_test_add_func("/capture/apport/keys", test_apport_keys);
	g_test_add_func("/capture/apport/key-count", test_apport_key_count);
	g_test_add_func("/capture/apport/upstream-2.36", test_apport_upstream_2_36);
	g_test_add_func("/capture/apport/upstream-2.20", test_apport_upstream_2_20);
	g_test_add_func("/capture/apport/upstream-quirks", test_apport_upstream_quirks);
	g_test_add_func("/capture/apport/legacy-zlib", test_apport_legacy_zlib);
	g_test_add_func("/capture/apport/gzip-variants", test_apport_gzip_variants);
	g_test_add_func("/capture/apport/hostile/lines", test_apport_hostile_lines);
	g_test_add_func("/capture/apport/hostile/limits", test_apport_hostile_limits);
	g_test_add_func("/capture/apport/hostile/base64", test_apport_hostile_base64);
	g_test_add_func("/capture/apport/hostile/gzip", test_apport_hostile_gzip);
	g_test_add_func("/capture/apport/hostile/bomb", test_apport_hostile_bomb);
	g_test_add_func("/capture/apport/hostile/bomb-total", test_apport_hostile_bomb_total);
	g_test_add_func("/capture/apport/hostile/mutations", test_apport_hostile_mutations);
	g_test_add_func("/capture/apport/python", test_apport_python);
	return g_test_run();
}
