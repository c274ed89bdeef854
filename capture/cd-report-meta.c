/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportMeta"

#include "config.h"

#include "cd-report-meta.h"

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
	*out = value != NULL ? g_strdup(json_object_get_string(value)) : NULL;
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
