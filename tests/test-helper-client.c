/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "test-helper-client"

#include <string.h>

#include "cd-helper-client.h"
#include "cd-report-store.h"

/*
 * the client library of crashdesk-helper: how it reads List's and GetReport's replies,
 * and, when the polkit suite runs it with CRASHDESK_TEST_LIVE_ROOT on a bus where the
 * helper serves that root (test-helper-mock.py), what the real helper answers, checked
 * against the store read directly
 */

static GVariant *
list_reply(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GVariant *value = g_variant_parse(G_VARIANT_TYPE("aa{sv}"), text, NULL, NULL, &error);

	g_assert_no_error(error);
	return value;
}

static void
test_client_parse_list(void)
{
	g_autoptr(GVariant) reply = list_reply(
		"[{'id': <'20261122-141530-000000aa'>, 'time': <'2026-11-22T14:15:30Z'>, "
		"'captured-at': <'2026-11-22T14:20:00Z'>, 'crash-time': <'2026-11-22T14:15:30Z'>, "
		"'kind': <'oops'>, 'message': <'BUG: \\u001b[8mhidden'>, 'release': <'6.1.0'>, "
		"'signature': <'abc'>, 'dump-size': <uint64 4096>, 'seen': <true>, "
		"'submissions': <uint32 2>}, "
		"{'id': <'20261122-141530-000000bb'>, 'error': <'meta.json: not JSON'>}, "
		"{'id': <'../../etc/shadow'>, 'kind': <'oops'>}, "
		"{'id': <'20261122-141530-000000cc'>, 'captured-at': <'2026-11-22T14:20:00Z'>, "
		"'kind': <'panic'>, 'signature': <'def'>}]");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) entries = cd_helper_client_parse_list(reply, &error);
	CdHelperListEntry *e;

	g_assert_no_error(error);
	/* an entry without a valid id is left out: it can be neither shown nor named */
	g_assert_cmpuint(entries->len, ==, 3);
	e = g_ptr_array_index(entries, 0);
	g_assert_cmpstr(e->id, ==, "20261122-141530-000000aa");
	g_assert_nonnull(e->summary);
	g_assert_cmpstr(e->summary->kind, ==, "oops");
	g_assert_cmpstr(e->summary->crash_time, ==, "2026-11-22T14:15:30Z");
	g_assert_cmpstr(e->summary->captured_at, ==, "2026-11-22T14:20:00Z");
	/* whatever sent it, nothing a terminal acts on reaches the caller */
	g_assert_cmpstr(e->summary->message, ==, "BUG: \\x1b[8mhidden");
	g_assert_cmpstr(e->summary->release, ==, "6.1.0");
	g_assert_cmpstr(e->summary->signature, ==, "abc");
	g_assert_cmpuint(e->summary->dump_bytes, ==, 4096);
	g_assert_true(e->seen);
	g_assert_cmpuint(e->submissions, ==, 2);
	/* a damaged report: its id and the problem, for `report ID: PROBLEM` */
	e = g_ptr_array_index(entries, 1);
	g_assert_null(e->summary);
	g_assert_cmpstr(e->problem, ==, "meta.json: not JSON");
	/* what is not known is absent, not an empty string */
	e = g_ptr_array_index(entries, 2);
	g_assert_nonnull(e->summary);
	g_assert_null(e->summary->crash_time);
	g_assert_null(e->summary->message);
	g_assert_null(e->summary->release);
	g_assert_null(e->summary->dump_file);
	g_assert_false(e->seen);

	/* a reply of another type is refused, not read */
	g_clear_pointer(&reply, g_variant_unref);
	reply = g_variant_ref_sink(g_variant_new_parsed("[{'id': 'x'}]"));
	g_assert_null(cd_helper_client_parse_list(reply, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

static void
test_client_parse_report(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = g_variant_ref_sink(g_variant_new_parsed(
		"{'meta': <'{}'>, 'panic-text': <'Kernel panic'>, 'panic-text-truncated': <true>, "
		"'report-crash': <''>, 'report-crash-truncated': <false>, "
		"'state': <{'seen': <true>, 'submissions': <[{'tracker': <'debian'>, "
		"'url': <'https://bugs.debian.org/1'>, 'time': <'2026-11-22T14:15:30Z'>}]>}>}"));
	g_autoptr(CdHelperReport) report = cd_helper_client_parse_report(reply, &error);
	g_autoptr(GVariant) bad = NULL;
	CdReportSubmission *sub;

	g_assert_no_error(error);
	g_assert_cmpstr(report->meta, ==, "{}");
	g_assert_cmpstr(report->panic_text, ==, "Kernel panic");
	g_assert_true(report->panic_text_truncated);
	g_assert_false(report->report_crash_truncated);
	g_assert_true(report->state->seen);
	g_assert_cmpuint(report->state->submissions->len, ==, 1);
	sub = g_ptr_array_index(report->state->submissions, 0);
	g_assert_cmpstr(sub->url, ==, "https://bugs.debian.org/1");

	/* a state the file could not hold is not taken from the bus either */
	bad = g_variant_ref_sink(g_variant_new_parsed(
		"{'meta': <'{}'>, 'state': <{'submissions': <[{'tracker': <'Debian Bugs'>, "
		"'url': <'https://x/'>, 'time': <'2026-11-22T14:15:30Z'>}]>}>}"));
	g_assert_null(cd_helper_client_parse_report(bad, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_clear_pointer(&bad, g_variant_unref);
	bad = g_variant_ref_sink(g_variant_new_parsed("{'panic-text': <'x'>}"));
	g_assert_null(cd_helper_client_parse_report(bad, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

/* the real helper on the test's bus: its List and GetReport against the store itself */
static void
test_client_live(void)
{
	const gchar *root = g_getenv("CRASHDESK_TEST_LIVE_ROOT");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	g_autoptr(CdHelperClient) client = NULL;
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GPtrArray) entries = NULL;

	g_assert_no_error(error);
	client = cd_helper_client_new_for_connection(bus, FALSE, &error);
	g_assert_no_error(error);
	store = cd_report_store_new(root, CD_REPORT_STORE_FLAG_NONE, &error);
	g_assert_no_error(error);
	ids = cd_report_store_list(store, &error);
	g_assert_no_error(error);
	entries = cd_helper_client_list(client, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(entries->len, ==, ids->len);
	g_assert_cmpuint(ids->len, >, 0);
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		CdHelperListEntry *e = g_ptr_array_index(entries, i);
		g_autoptr(CdReportSummary) s = NULL;
		g_autoptr(CdHelperReport) report = NULL;
		g_autoptr(CdReportSummary) from_helper = NULL;
		g_autofree gchar *meta = NULL;
		gsize len = 0;

		g_assert_cmpstr(e->id, ==, id);
		meta = cd_report_store_read_meta(store, id, &len, &error);
		g_assert_no_error(error);
		s = cd_report_summary_new_from_data(meta, len, &error);
		g_assert_no_error(error);
		g_assert_nonnull(e->summary);
		g_assert_cmpstr(e->summary->kind, ==, s->kind);
		g_assert_cmpstr(e->summary->message, ==, s->message);
		g_assert_cmpstr(e->summary->release, ==, s->release);
		g_assert_cmpstr(e->summary->signature, ==, s->signature);
		g_assert_cmpstr(e->summary->crash_time, ==, s->crash_time);
		g_assert_cmpstr(e->summary->captured_at, ==, s->captured_at);

		report = cd_helper_client_get_report(client, id, &error);
		g_assert_no_error(error);
		/* meta.json as written, or written again with its strings made visible */
		from_helper =
			cd_report_summary_new_from_data(report->meta, strlen(report->meta), &error);
		g_assert_no_error(error);
		g_assert_cmpstr(from_helper->signature, ==, s->signature);
		g_assert_cmpstr(from_helper->message, ==, s->message);
		if (strchr(s->message != NULL ? s->message : "", '\\') == NULL)
			g_assert_cmpmem(report->meta, strlen(report->meta), meta, len);
		g_assert_cmpint(report->state->seen, ==, e->seen);
		g_assert_cmpuint(report->state->submissions->len, ==, e->submissions);
	}
	/* the helper's own error names arrive as this library's errors */
	g_assert_null(cd_helper_client_get_report(client, "20000101-000000-00000000", &error));
	g_assert_error(error, CD_HELPER_CLIENT_ERROR, CD_HELPER_CLIENT_ERROR_NO_SUCH_REPORT);
	g_test_message("%u reports read through the helper", ids->len);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/helper-client/parse-list", test_client_parse_list);
	g_test_add_func("/helper-client/parse-report", test_client_parse_report);
	if (g_getenv("CRASHDESK_TEST_LIVE_ROOT") != NULL)
		g_test_add_func("/helper-client/live", test_client_live);
	return g_test_run();
}
