/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportVariant"

#include "config.h"

#include <string.h>

#include "cd-report-store.h"
#include "cd-report-variant.h"
#include "cd-text.h"
#include "cd-utf8.h"

/*
 * an entry of io.crashdesk.Reports1.List, built by the helper and read by its clients
 * here alone (polkit/io.crashdesk.Reports1.xml documents the keys): what `crashdesk list`
 * prints of a report, and its state. A value that is not known is left out.
 */

static void
cd_report_list_insert_nullable(GVariantDict *dict, const gchar *key, const gchar *value)
{
	if (value != NULL)
		g_variant_dict_insert(dict, key, "s", value);
}

/**
 * cd_report_list_entry_new:
 * @id: the report's id in the store
 * @summary: read from meta.json, its strings visible already
 * @state: (nullable): the report's state, %NULL when it could not be read
 *
 * Returns: (transfer floating): the a{sv} List sends for the report
 */
GVariant *
cd_report_list_entry_new(const gchar *id,
			 const CdReportSummary *summary,
			 const CdReportState *state)
{
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	/* the report's directory, the id a caller names it by */
	g_variant_dict_insert(&dict, "id", "s", id);
	g_variant_dict_insert(&dict,
			      "time",
			      "s",
			      summary->crash_time != NULL ? summary->crash_time
							  : summary->captured_at);
	g_variant_dict_insert(&dict, "captured-at", "s", summary->captured_at);
	cd_report_list_insert_nullable(&dict, "crash-time", summary->crash_time);
	g_variant_dict_insert(&dict, "kind", "s", summary->kind);
	if (summary->message != NULL) {
		gsize len = cd_utf8_prefix_length(summary->message,
						  strlen(summary->message),
						  CD_REPORT_LIST_MAX_MESSAGE);
		g_autofree gchar *message = g_strndup(summary->message, len);
		g_variant_dict_insert(&dict, "message", "s", message);
	}
	cd_report_list_insert_nullable(&dict, "release", summary->release);
	g_variant_dict_insert(&dict, "signature", "s", summary->signature);
	g_variant_dict_insert(&dict,
			      "dump-size",
			      "t",
			      summary->dump_file != NULL ? summary->dump_bytes : (guint64)0);
	g_variant_dict_insert(&dict, "seen", "b", state != NULL && state->seen);
	g_variant_dict_insert(&dict,
			      "submissions",
			      "u",
			      state != NULL ? state->submissions->len : 0);
	return g_variant_dict_end(&dict);
}

/**
 * cd_report_list_entry_new_damaged:
 * @problem: why its meta.json cannot be read
 *
 * Returns: (transfer floating): the entry of a report that is listed but cannot be read
 */
GVariant *
cd_report_list_entry_new_damaged(const gchar *id, const gchar *problem)
{
	GVariantDict dict;

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "id", "s", id);
	g_variant_dict_insert(&dict, "error", "s", problem);
	return g_variant_dict_end(&dict);
}

/* a string of the entry, made visible whatever sent it; NULL when absent */
static gchar *
cd_report_list_lookup(GVariant *entry, const gchar *key)
{
	const gchar *value = NULL;

	if (!g_variant_lookup(entry, key, "&s", &value))
		return NULL;
	return cd_text_make_visible(value, -1, CD_TEXT_FLAG_NONE);
}

/**
 * cd_report_list_entry_parse:
 * @seen: (out) (optional): whether the report was marked seen
 * @submissions: (out) (optional): how often it was sent to a tracker
 *
 * Reads an entry of List back into what `crashdesk list` prints, every string made
 * visible. A damaged report's entry is %CD_ERROR_INVALID_DATA with its problem; one
 * with no valid id or a key it needs missing is %CD_ERROR_INVALID_DATA too.
 *
 * Returns: (transfer full): the summary (id, times, kind, message, release, signature,
 *   dump), or %NULL
 */
CdReportSummary *
cd_report_list_entry_parse(GVariant *entry, gboolean *seen, guint *submissions, GError **error)
{
	g_autoptr(CdReportSummary) s = g_new0(CdReportSummary, 1);
	g_autofree gchar *problem = NULL;
	guint64 dump_size = 0;

	if (!g_variant_is_of_type(entry, G_VARIANT_TYPE_VARDICT)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "an entry is not an a{sv}");
		return NULL;
	}
	s->id = cd_report_list_lookup(entry, "id");
	/* an id is printed and sent back: only one of the form the helper checks */
	if (!cd_report_id_is_valid(s->id)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "an entry has no valid report id");
		return NULL;
	}
	problem = cd_report_list_lookup(entry, "error");
	if (problem != NULL) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_DATA, problem);
		return NULL;
	}
	s->captured_at = cd_report_list_lookup(entry, "captured-at");
	s->kind = cd_report_list_lookup(entry, "kind");
	s->signature = cd_report_list_lookup(entry, "signature");
	if (s->captured_at == NULL || s->kind == NULL || s->signature == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the entry of report %s lacks its capture time, kind or signature",
			    s->id);
		return NULL;
	}
	s->crash_time = cd_report_list_lookup(entry, "crash-time");
	s->message = cd_report_list_lookup(entry, "message");
	s->release = cd_report_list_lookup(entry, "release");
	if (g_variant_lookup(entry, "dump-size", "t", &dump_size) && dump_size > 0) {
		s->dump_file = g_strdup(CD_REPORT_FILE_DUMP);
		s->dump_bytes = dump_size;
	}
	if (seen != NULL && !g_variant_lookup(entry, "seen", "b", seen))
		*seen = FALSE;
	if (submissions != NULL && !g_variant_lookup(entry, "submissions", "u", submissions))
		*submissions = 0;
	return g_steal_pointer(&s);
}
