/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportState"

#include "config.h"

#include <string.h>

#include "cd-report-meta.h"
#include "cd-report-state.h"

/*
 * state.json, the one file of a report that changes after it is saved: whether it was
 * seen, and where it was sent. Read as untrusted input (a depth limit, a size limit,
 * checked types, every string checked as it would be when recorded), written back in
 * one form. Members this code does not know are ignored and not written back.
 */

static void
cd_report_submission_free(CdReportSubmission *sub)
{
	g_free(sub->tracker);
	g_free(sub->url);
	g_free(sub->time);
	g_free(sub);
}

/**
 * cd_report_state_new:
 *
 * Returns: (transfer full): the state of a report nobody has looked at
 */
CdReportState *
cd_report_state_new(void)
{
	CdReportState *self = g_new0(CdReportState, 1);

	self->submissions =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_report_submission_free);
	return self;
}

void
cd_report_state_free(CdReportState *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->submissions);
	g_free(self);
}

/**
 * cd_report_state_tracker_is_valid:
 *
 * Returns: whether @tracker is a tracker's name: [a-z0-9._-], 1 to 64 bytes
 */
gboolean
cd_report_state_tracker_is_valid(const gchar *tracker)
{
	gsize len = strlen(tracker);

	if (len == 0 || len > CD_REPORT_STATE_MAX_TRACKER)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		gchar c = tracker[i];
		if (!g_ascii_islower(c) && !g_ascii_isdigit(c) && c != '.' && c != '_' && c != '-')
			return FALSE;
	}
	return TRUE;
}

/**
 * cd_report_state_url_is_valid:
 *
 * A bug's address as a browser would open it: printable ASCII (a person reads it, an
 * IRI can be percent-encoded), parsed as a URI (GUri, strictly) with the scheme http
 * or https, a host, and no user information, which in https://good.example@evil/
 * would make evil the host while good.example reads like it.
 */
gboolean
cd_report_state_url_is_valid(const gchar *url)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;
	const gchar *host;

	if (strlen(url) > CD_REPORT_STATE_MAX_URL)
		return FALSE;
	for (const guchar *p = (const guchar *)url; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\')
			return FALSE;
	}
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL)
		return FALSE;
	scheme = g_uri_get_scheme(uri);
	host = g_uri_get_host(uri);
	if (g_ascii_strcasecmp(scheme, "https") != 0 && g_ascii_strcasecmp(scheme, "http") != 0)
		return FALSE;
	if (host == NULL || host[0] == '\0' || g_uri_get_userinfo(uri) != NULL)
		return FALSE;
	return TRUE;
}

/* an ISO 8601 time in printable ASCII, as cd_report_state_add_submission() writes it */
static gboolean
cd_report_state_time_is_valid(const gchar *time)
{
	g_autoptr(GDateTime) dt = NULL;

	if (strlen(time) > CD_REPORT_STATE_MAX_TIME)
		return FALSE;
	for (const guchar *p = (const guchar *)time; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f)
			return FALSE;
	}
	dt = g_date_time_new_from_iso8601(time, NULL);
	return dt != NULL;
}

/* the checks a submission passes before it is recorded, and again when it is read */
static gboolean
cd_report_state_append(CdReportState *self,
		       const gchar *tracker,
		       const gchar *url,
		       const gchar *time,
		       GError **error)
{
	CdReportSubmission *sub;

	if (self->submissions->len >= CD_REPORT_STATE_MAX_SUBMISSIONS) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "more than %u submissions",
			    (guint)CD_REPORT_STATE_MAX_SUBMISSIONS);
		return FALSE;
	}
	if (!cd_report_state_tracker_is_valid(tracker)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "a tracker's name is not 1 to 64 bytes of [a-z0-9._-]");
		return FALSE;
	}
	if (!cd_report_state_url_is_valid(url)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "a URL is not an http or https address of at most 2048 bytes");
		return FALSE;
	}
	if (!cd_report_state_time_is_valid(time)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "a submission's time is not an ISO 8601 time");
		return FALSE;
	}
	sub = g_new0(CdReportSubmission, 1);
	sub->tracker = g_strdup(tracker);
	sub->url = g_strdup(url);
	sub->time = g_strdup(time);
	g_ptr_array_add(self->submissions, sub);
	return TRUE;
}

/**
 * cd_report_state_add_submission:
 * @time: when it was sent
 *
 * Records that the report was sent to @tracker, as @url. A tracker or URL that is not
 * valid, or one submission more than %CD_REPORT_STATE_MAX_SUBMISSIONS, is
 * %CD_ERROR_INVALID_DATA and changes nothing.
 */
gboolean
cd_report_state_add_submission(CdReportState *self,
			       const gchar *tracker,
			       const gchar *url,
			       GDateTime *time,
			       GError **error)
{
	g_autofree gchar *text = g_date_time_format_iso8601(time);

	return cd_report_state_append(self, tracker, url, text, error);
}

static const gchar *
cd_report_state_get_string(json_object *obj, const gchar *key)
{
	json_object *value = NULL;

	if (!json_object_object_get_ex(obj, key, &value) ||
	    !json_object_is_type(value, json_type_string))
		return NULL;
	return json_object_get_string(value);
}

/**
 * cd_report_state_new_from_data:
 * @data: a state.json, not trusted
 *
 * Errors (%CD_ERROR_INVALID_DATA) say what is wrong; the caller names the file.
 *
 * Returns: (transfer full): the state, or %NULL
 */
CdReportState *
cd_report_state_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(CdReportState) self = cd_report_state_new();
	g_autoptr(json_object) root = NULL;
	json_tokener *tok;
	json_object *value = NULL;

	if (len > CD_REPORT_STATE_MAX_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "larger than %u bytes",
			    (guint)CD_REPORT_STATE_MAX_SIZE);
		return NULL;
	}
	tok = json_tokener_new_ex(CD_REPORT_STATE_MAX_DEPTH);
	root = json_tokener_parse_ex(tok, data, (gint)len);
	if (root == NULL || json_tokener_get_error(tok) != json_tokener_success) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "not valid JSON: %s",
			    json_tokener_error_desc(json_tokener_get_error(tok)));
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_DATA, "not a JSON object");
		return NULL;
	}
	if (json_object_object_get_ex(root, "seen", &value)) {
		if (!json_object_is_type(value, json_type_boolean)) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "\"seen\" is not a boolean");
			return NULL;
		}
		self->seen = json_object_get_boolean(value);
	}
	if (json_object_object_get_ex(root, "submissions", &value)) {
		gsize n;

		if (!json_object_is_type(value, json_type_array)) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "\"submissions\" is not an array");
			return NULL;
		}
		n = json_object_array_length(value);
		for (gsize i = 0; i < n; i++) {
			json_object *entry = json_object_array_get_idx(value, i);
			const gchar *tracker = cd_report_state_get_string(entry, "tracker");
			const gchar *url = cd_report_state_get_string(entry, "url");
			const gchar *time = cd_report_state_get_string(entry, "time");

			if (!json_object_is_type(entry, json_type_object) || tracker == NULL ||
			    url == NULL || time == NULL) {
				g_set_error(
					error,
					CD_ERROR,
					CD_ERROR_INVALID_DATA,
					"submission %" G_GSIZE_FORMAT
					" is not an object of the strings tracker, url and time",
					i + 1);
				return NULL;
			}
			if (!cd_report_state_append(self, tracker, url, time, error)) {
				g_prefix_error(error, "submission %" G_GSIZE_FORMAT ": ", i + 1);
				return NULL;
			}
		}
	}
	return g_steal_pointer(&self);
}

/**
 * cd_report_state_to_data:
 *
 * Returns: (transfer full): state.json as the helper writes it
 */
gchar *
cd_report_state_to_data(const CdReportState *self, gsize *len)
{
	g_autoptr(json_object) root = json_object_new_object();
	json_object *subs = json_object_new_array();
	gchar *text;

	json_object_object_add(root, "seen", json_object_new_boolean(self->seen));
	for (guint i = 0; i < self->submissions->len; i++) {
		CdReportSubmission *sub = g_ptr_array_index(self->submissions, i);
		json_object *entry = json_object_new_object();

		json_object_object_add(entry, "tracker", json_object_new_string(sub->tracker));
		json_object_object_add(entry, "url", json_object_new_string(sub->url));
		json_object_object_add(entry, "time", json_object_new_string(sub->time));
		json_object_array_add(subs, entry);
	}
	json_object_object_add(root, "submissions", subs);
	text = g_strdup(json_object_to_json_string_ext(root,
						       JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	if (len != NULL)
		*len = strlen(text);
	return text;
}

/**
 * cd_report_state_to_variant:
 *
 * Returns: (transfer floating): the state as io.crashdesk.Reports1 sends it, an a{sv}
 *   of seen b and submissions aa{sv} (tracker s, url s, time s)
 */
GVariant *
cd_report_state_to_variant(const CdReportState *self)
{
	GVariantBuilder subs;
	GVariantDict dict;

	g_variant_builder_init(&subs, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < self->submissions->len; i++) {
		CdReportSubmission *sub = g_ptr_array_index(self->submissions, i);
		GVariantDict entry;

		g_variant_dict_init(&entry, NULL);
		g_variant_dict_insert(&entry, "tracker", "s", sub->tracker);
		g_variant_dict_insert(&entry, "url", "s", sub->url);
		g_variant_dict_insert(&entry, "time", "s", sub->time);
		g_variant_builder_add_value(&subs, g_variant_dict_end(&entry));
	}
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "seen", "b", self->seen);
	g_variant_dict_insert_value(&dict, "submissions", g_variant_builder_end(&subs));
	return g_variant_dict_end(&dict);
}

/**
 * cd_report_state_new_from_variant:
 * @value: an a{sv} as cd_report_state_to_variant() makes it, from the bus
 *
 * Checks what it is sent as state.json's reader does.
 *
 * Returns: (transfer full): the state, or %NULL
 */
CdReportState *
cd_report_state_new_from_variant(GVariant *value, GError **error)
{
	g_autoptr(CdReportState) self = cd_report_state_new();
	g_autoptr(GVariant) subs = NULL;
	GVariantIter iter;
	GVariant *entry;

	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "the state is not an a{sv}");
		return NULL;
	}
	if (!g_variant_lookup(value, "seen", "b", &self->seen))
		self->seen = FALSE;
	subs = g_variant_lookup_value(value, "submissions", G_VARIANT_TYPE("aa{sv}"));
	if (subs == NULL)
		return g_steal_pointer(&self);
	g_variant_iter_init(&iter, subs);
	while ((entry = g_variant_iter_next_value(&iter)) != NULL) {
		g_autoptr(GVariant) owned = entry;
		const gchar *tracker = NULL;
		const gchar *url = NULL;
		const gchar *time = NULL;

		if (!g_variant_lookup(entry, "tracker", "&s", &tracker) ||
		    !g_variant_lookup(entry, "url", "&s", &url) ||
		    !g_variant_lookup(entry, "time", "&s", &time)) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_INVALID_DATA,
					    "a submission lacks its tracker, url or time");
			return NULL;
		}
		if (!cd_report_state_append(self, tracker, url, time, error))
			return NULL;
	}
	return g_steal_pointer(&self);
}
