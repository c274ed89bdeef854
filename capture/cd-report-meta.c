/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportMeta"

#include "config.h"

#include <string.h>

#include "cd-report-meta.h"
#include "cd-text.h"

/* meta.json read back: the file was written by crashdesk as root, but it is still parsed
 * as untrusted input, with a depth limit, checked types and a schema version check */

#define CD_REPORT_META_MAX_DEPTH 16

void
cd_report_summary_free(CdReportSummary *summary)
{
	if (summary == NULL)
		return;
	g_free(summary->id);
	g_free(summary->source);
	g_free(summary->captured_at);
	g_free(summary->crash_time);
	g_free(summary->kind);
	g_free(summary->message);
	g_free(summary->panic_message);
	g_free(summary->comm);
	g_free(summary->ip_symbol);
	g_free(summary->release);
	g_free(summary->signature);
	g_free(summary->dump_file);
	g_free(summary->dump_omitted_reason);
	g_free(summary);
}

/**
 * cd_report_meta_format_time:
 * @unix_time: seconds since the epoch
 *
 * Returns: (transfer full): RFC 3339 in UTC, e.g. `2026-11-22T14:15:30Z`
 */
gchar *
cd_report_meta_format_time(gint64 unix_time)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_time);

	if (dt == NULL)
		return NULL;
	return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * cd_report_json_string_or_null:
 *
 * Returns: (transfer full) (nullable): a JSON string, or JSON null for %NULL
 */
json_object *
cd_report_json_string_or_null(const gchar *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static json_object *
cd_json_new_seconds(gdouble seconds)
{
	gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_ascii_formatd(buf, sizeof(buf), "%.6f", seconds);
	return json_object_new_double_s(seconds, buf);
}

static json_object *
cd_json_strv(const gchar *const *strv)
{
	json_object *array = json_object_new_array();

	for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
		json_object_array_add(array, json_object_new_string(strv[i]));
	return array;
}

static json_object *
cd_report_meta_build_crash(const CdReportMetaInput *in)
{
	CdCrashAnalysis *a = in->analysis;
	json_object *crash = json_object_new_object();
	json_object *backtrace = json_object_new_array();
	GPtrArray *frames = cd_crash_analysis_get_backtrace(a);
	gdouble uptime = cd_crash_analysis_get_uptime(a);
	gint cpu = cd_crash_analysis_get_cpu(a);
	gint pid = cd_crash_analysis_get_pid(a);
	g_autofree gchar *time =
		in->crash_time >= 0 ? cd_report_meta_format_time(in->crash_time) : NULL;

	json_object_object_add(crash, "time", cd_report_json_string_or_null(time));
	/* microseconds, as the kernel prints them, not binary floating-point noise */
	json_object_object_add(crash, "uptime_s", uptime >= 0 ? cd_json_new_seconds(uptime) : NULL);
	json_object_object_add(crash,
			       "kind",
			       json_object_new_string(cd_crash_analysis_get_kind(a)));
	json_object_object_add(crash,
			       "message",
			       cd_report_json_string_or_null(cd_crash_analysis_get_message(a)));
	json_object_object_add(
		crash,
		"panic_message",
		cd_report_json_string_or_null(cd_crash_analysis_get_panic_message(a)));
	json_object_object_add(crash,
			       "taint",
			       cd_report_json_string_or_null(cd_crash_analysis_get_taint(a)));
	json_object_object_add(
		crash,
		"taint_words",
		cd_json_strv((const gchar *const *)cd_crash_analysis_get_taint_words(a)));
	json_object_object_add(crash, "cpu", cpu >= 0 ? json_object_new_int(cpu) : NULL);
	json_object_object_add(crash, "pid", pid >= 0 ? json_object_new_int(pid) : NULL);
	json_object_object_add(crash,
			       "comm",
			       cd_report_json_string_or_null(cd_crash_analysis_get_comm(a)));
	json_object_object_add(crash,
			       "ip_symbol",
			       cd_report_json_string_or_null(cd_crash_analysis_get_ip_symbol(a)));
	json_object_object_add(
		crash,
		"modules",
		cd_json_strv((const gchar *const *)cd_crash_analysis_get_modules(a)));
	for (guint i = 0; frames != NULL && i < frames->len; i++) {
		const CdCrashFrame *f = g_ptr_array_index(frames, i);
		json_object *frame = json_object_new_object();
		json_object_object_add(frame, "symbol", json_object_new_string(f->symbol));
		json_object_object_add(frame, "module", cd_report_json_string_or_null(f->module));
		json_object_object_add(frame, "reliable", json_object_new_boolean(f->reliable));
		json_object_array_add(backtrace, frame);
	}
	json_object_object_add(crash, "backtrace", backtrace);
	return crash;
}

/**
 * cd_report_meta_build:
 * @len: (out): the length of the text
 *
 * Returns: (transfer full): a new meta.json, schema %CD_REPORT_META_SCHEMA
 */
gchar *
cd_report_meta_build(const CdReportMetaInput *in, gsize *len)
{
	g_autoptr(json_object) root = json_object_new_object();
	json_object *kernel = json_object_new_object();
	json_object *dmesg = json_object_new_object();
	json_object *dump = json_object_new_object();
	g_autofree gchar *captured_at = cd_report_meta_format_time(in->captured_at);
	gboolean complete = in->dmesg_warnings == NULL || in->dmesg_warnings->len == 0;
	const gchar *text;

	json_object_object_add(root, "schema", json_object_new_int(CD_REPORT_META_SCHEMA));
	json_object_object_add(root, "id", json_object_new_string(in->id));
	json_object_object_add(root, "source", json_object_new_string(in->source));
	json_object_object_add(root, "captured_at", json_object_new_string(captured_at));
	json_object_object_add(kernel, "release", cd_report_json_string_or_null(in->release));
	json_object_object_add(kernel, "version", cd_report_json_string_or_null(in->version));
	json_object_object_add(kernel, "machine", cd_report_json_string_or_null(in->machine));
	json_object_object_add(root, "kernel", kernel);
	json_object_object_add(root, "crash", cd_report_meta_build_crash(in));
	json_object_object_add(
		root,
		"signature",
		json_object_new_string(cd_crash_analysis_get_signature(in->analysis)));
	json_object_object_add(dmesg, "file", json_object_new_string("dmesg.txt"));
	json_object_object_add(dmesg, "lines", json_object_new_int64((gint64)in->dmesg_lines));
	json_object_object_add(dmesg, "bytes", json_object_new_int64((gint64)in->dmesg_bytes));
	json_object_object_add(dmesg, "complete", json_object_new_boolean(complete));
	if (!complete) {
		json_object *warnings = json_object_new_array();
		for (guint i = 0; i < in->dmesg_warnings->len; i++) {
			const gchar *w = g_ptr_array_index(in->dmesg_warnings, i);
			json_object_array_add(warnings, json_object_new_string(w));
		}
		json_object_object_add(dmesg, "warnings", warnings);
	}
	json_object_object_add(root, "dmesg", dmesg);
	if (in->dump != NULL && in->dump->file != NULL) {
		const CdReportMetaDump *d = in->dump;
		json_object_object_add(dump, "file", json_object_new_string(d->file));
		json_object_object_add(dump, "format", json_object_new_string("kdump-zstd"));
		json_object_object_add(dump,
				       "dump_level",
				       json_object_new_int((gint)d->dump_level));
		json_object_object_add(dump, "pages_total", json_object_new_uint64(d->pages_total));
		json_object_object_add(dump,
				       "pages_written",
				       json_object_new_uint64(d->pages_written));
		json_object_object_add(dump,
				       "partial_pages",
				       json_object_new_uint64(d->pages_partial));
		json_object_object_add(dump, "bytes", json_object_new_uint64(d->bytes));
		json_object_object_add(dump, "complete", json_object_new_boolean(d->complete));
		json_object_object_add(dump, "omitted_reason", NULL);
		json_object_object_add(dump,
				       "incomplete_reason",
				       cd_report_json_string_or_null(d->incomplete_reason));
	} else {
		json_object_object_add(dump, "file", NULL);
		json_object_object_add(dump, "complete", json_object_new_boolean(FALSE));
		json_object_object_add(dump,
				       "omitted_reason",
				       cd_report_json_string_or_null(in->dump_omitted_reason));
	}
	if (in->dump != NULL && in->dump->warnings != NULL && in->dump->warnings->len > 0) {
		json_object *warnings = json_object_new_array();
		for (guint i = 0; i < in->dump->warnings->len; i++)
			json_object_array_add(
				warnings,
				json_object_new_string(g_ptr_array_index(in->dump->warnings, i)));
		json_object_object_add(dump, "warnings", warnings);
	}
	json_object_object_add(root, "dump", dump);
	if (in->warnings != NULL && in->warnings->len > 0) {
		json_object *warnings = json_object_new_array();
		for (guint i = 0; i < in->warnings->len; i++)
			json_object_array_add(
				warnings,
				json_object_new_string(g_ptr_array_index(in->warnings, i)));
		json_object_object_add(root, "warnings", warnings);
	}

	text = json_object_to_json_string_ext(root,
					      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	*len = strlen(text);
	return g_strndup(text, *len);
}

static json_object *
cd_json_get(json_object *obj, const gchar *key, json_type type, gboolean nullable, GError **error)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value)) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "meta.json lacks \"%s\"", key);
		return NULL;
	}
	if (value == NULL && nullable)
		return NULL;
	if (!json_object_is_type(value, type)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "meta.json \"%s\" is a %s, expected a %s",
			    key,
			    json_type_to_name(json_object_get_type(value)),
			    json_type_to_name(type));
		return NULL;
	}
	return value;
}

/* a string member, NULL when the member is null; FALSE if absent or of another type */
static gboolean
cd_json_get_string(json_object *obj,
		   const gchar *key,
		   gboolean nullable,
		   gchar **out,
		   GError **error)
{
	g_autoptr(GError) error_local = NULL;
	json_object *value = cd_json_get(obj, key, json_type_string, nullable, &error_local);

	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	/* every string of a summary is shown to people, and meta.json holds what the
	 * crashed kernel (or an older crashdesk) wrote: made visible once, here */
	*out = value != NULL ? cd_text_make_visible(json_object_get_string(value),
						    json_object_get_string_len(value),
						    CD_TEXT_FLAG_NONE)
			     : NULL;
	return TRUE;
}

static gboolean
cd_json_get_uint(json_object *obj, const gchar *key, guint64 *out, GError **error)
{
	json_object *value = cd_json_get(obj, key, json_type_int, FALSE, error);

	if (value == NULL)
		return FALSE;
	if (json_object_get_int64(value) < 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "meta.json \"%s\" < 0", key);
		return FALSE;
	}
	*out = (guint64)json_object_get_int64(value);
	return TRUE;
}

/**
 * cd_report_summary_new_from_data:
 * @data: a meta.json
 *
 * Returns: (transfer full): the summary, or %NULL if the file is not a meta.json this
 * code can read (a newer schema, a missing key, a wrong type)
 */
CdReportSummary *
cd_report_summary_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(CdReportSummary) s = g_new0(CdReportSummary, 1);
	g_autoptr(json_object) root = NULL;
	json_tokener *tok = json_tokener_new_ex(CD_REPORT_META_MAX_DEPTH);
	json_object *kernel, *crash, *dmesg, *dump, *value;
	guint64 schema = 0;

	if (len > G_MAXINT) {
		json_tokener_free(tok);
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "meta.json is too large");
		return NULL;
	}
	root = json_tokener_parse_ex(tok, data, (gint)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "meta.json is not valid JSON: %s",
			    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "meta.json is not an object");
		return NULL;
	}
	if (!cd_json_get_uint(root, "schema", &schema, error))
		return NULL;
	if (schema < 1 || schema > CD_REPORT_META_SCHEMA) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_NOT_SUPPORTED,
			    "meta.json has schema %" G_GUINT64_FORMAT
			    ", this crashdesk reads schema %d and older",
			    schema,
			    CD_REPORT_META_SCHEMA);
		return NULL;
	}
	s->schema = (gint)schema;
	if (!cd_json_get_string(root, "id", FALSE, &s->id, error) ||
	    !cd_json_get_string(root, "source", FALSE, &s->source, error) ||
	    !cd_json_get_string(root, "captured_at", FALSE, &s->captured_at, error) ||
	    !cd_json_get_string(root, "signature", FALSE, &s->signature, error))
		return NULL;
	if ((kernel = cd_json_get(root, "kernel", json_type_object, FALSE, error)) == NULL ||
	    (crash = cd_json_get(root, "crash", json_type_object, FALSE, error)) == NULL ||
	    (dmesg = cd_json_get(root, "dmesg", json_type_object, FALSE, error)) == NULL ||
	    (dump = cd_json_get(root, "dump", json_type_object, FALSE, error)) == NULL)
		return NULL;
	if (!cd_json_get_string(kernel, "release", TRUE, &s->release, error) ||
	    !cd_json_get_string(crash, "time", TRUE, &s->crash_time, error) ||
	    !cd_json_get_string(crash, "kind", FALSE, &s->kind, error) ||
	    !cd_json_get_string(crash, "message", TRUE, &s->message, error) ||
	    !cd_json_get_string(crash, "panic_message", TRUE, &s->panic_message, error) ||
	    !cd_json_get_string(crash, "comm", TRUE, &s->comm, error) ||
	    !cd_json_get_string(crash, "ip_symbol", TRUE, &s->ip_symbol, error) ||
	    !cd_json_get_uint(dmesg, "lines", &s->dmesg_lines, error) ||
	    !cd_json_get_string(dump, "file", TRUE, &s->dump_file, error) ||
	    !cd_json_get_string(dump, "omitted_reason", TRUE, &s->dump_omitted_reason, error))
		return NULL;
	value = cd_json_get(dmesg, "complete", json_type_boolean, FALSE, error);
	if (value == NULL)
		return NULL;
	s->dmesg_complete = json_object_get_boolean(value);
	if (json_object_object_get_ex(dump, "bytes", &value) && value != NULL &&
	    !cd_json_get_uint(dump, "bytes", &s->dump_bytes, error))
		return NULL;
	return g_steal_pointer(&s);
}

CdReportSummary *
cd_report_summary_new_from_store(CdReportStore *store, const gchar *id, GError **error)
{
	gsize len = 0;
	g_autofree gchar *meta = cd_report_store_read_meta(store, id, &len, error);

	if (meta == NULL)
		return NULL;
	return cd_report_summary_new_from_data(meta, len, error);
}
