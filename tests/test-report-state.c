/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "test-report-state"

#include <string.h>

#include "cd-report-state.h"
#include "cd-report-variant.h"

/* state.json as cd-report-state.c reads and writes it, and its limits */

static void
test_state_round_trip(void)
{
	g_autoptr(CdReportState) state = cd_report_state_new();
	g_autoptr(CdReportState) back = NULL;
	g_autoptr(CdReportState) from_variant = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_utc(2026, 11, 22, 14, 15, 30);
	g_autoptr(GVariant) value = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	CdReportSubmission *sub;
	gsize len = 0;

	state->seen = TRUE;
	g_assert_true(cd_report_state_add_submission(state,
						     "debian",
						     "https://bugs.debian.org/1",
						     now,
						     &error));
	g_assert_no_error(error);
	text = cd_report_state_to_data(state, &len);
	g_assert_cmpuint(len, ==, strlen(text));
	back = cd_report_state_new_from_data(text, len, &error);
	g_assert_no_error(error);
	g_assert_true(back->seen);
	g_assert_cmpuint(back->submissions->len, ==, 1);
	sub = g_ptr_array_index(back->submissions, 0);
	g_assert_cmpstr(sub->tracker, ==, "debian");
	g_assert_cmpstr(sub->url, ==, "https://bugs.debian.org/1");
	g_assert_cmpstr(sub->time, ==, "2026-11-22T14:15:30Z");

	/* as GetReport sends it: a{sv} of seen b and submissions aa{sv} */
	value = g_variant_ref_sink(cd_report_state_to_variant(back));
	g_assert_cmpstr(g_variant_get_type_string(value), ==, "a{sv}");
	g_assert_true(g_variant_lookup_value(value, "submissions", G_VARIANT_TYPE("aa{sv}")) !=
		      NULL);
	from_variant = cd_report_state_new_from_variant(value, &error);
	g_assert_no_error(error);
	g_assert_true(from_variant->seen);
	sub = g_ptr_array_index(from_variant->submissions, 0);
	g_assert_cmpstr(sub->url, ==, "https://bugs.debian.org/1");

	/* what the helper wrote before this module: the same members */
	g_clear_pointer(&back, cd_report_state_free);
	back = cd_report_state_new_from_data("{\"seen\":true}", 13, &error);
	g_assert_no_error(error);
	g_assert_true(back->seen);
	g_assert_cmpuint(back->submissions->len, ==, 0);
	g_clear_pointer(&back, cd_report_state_free);
	back = cd_report_state_new_from_data("{}", 2, &error);
	g_assert_no_error(error);
	g_assert_false(back->seen);
}

typedef struct {
	const gchar *json;
	const gchar *problem;
} BadCase;

static void
test_state_bad(void)
{
	g_autofree gchar *a_lot = g_strnfill(CD_REPORT_STATE_MAX_URL, 'a');
	g_autofree gchar *long_url =
		g_strdup_printf("{\"submissions\":[{\"tracker\":\"x\",\"url\":\"https://h/%s\","
				"\"time\":\"2026-11-22T14:15:30Z\"}]}",
				a_lot);
	const BadCase cases[] = {
		{ "[]", "not a JSON object" },
		{ "{\"seen\":", "not valid JSON" },
		{ "{\"seen\":1}", "\"seen\" is not a boolean" },
		{ "{\"submissions\":{}}", "\"submissions\" is not an array" },
		{ "{\"submissions\":[1]}", "submission 1 is not an object" },
		{ "{\"submissions\":[{\"tracker\":\"x\",\"url\":\"https://h/\"}]}",
		  "submission 1 is not an object" },
		{ "{\"submissions\":[{\"tracker\":\"X Y\",\"url\":\"https://h/\",\"time\":"
		  "\"2026-11-22T14:15:30Z\"}]}",
		  "submission 1: a tracker's name" },
		{ "{\"submissions\":[{\"tracker\":\"x\",\"url\":\"https://h/\\u001b[8m\",\"time\":"
		  "\"2026-11-22T14:15:30Z\"}]}",
		  "submission 1: a URL" },
		{ "{\"submissions\":[{\"tracker\":\"x\",\"url\":\"file:///etc/shadow\",\"time\":"
		  "\"2026-11-22T14:15:30Z\"}]}",
		  "submission 1: a URL" },
		{ "{\"submissions\":[{\"tracker\":\"x\",\"url\":\"https://h/"
		  "\",\"time\":\"noon\"}]}",
		  "submission 1: a submission's time" },
		{ long_url, "submission 1: a URL" },
		{ "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", "not valid JSON" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(CdReportState) state =
			cd_report_state_new_from_data(cases[i].json, strlen(cases[i].json), &error);

		g_test_message("%s", cases[i].json);
		g_assert_null(state);
		g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
		if (strstr(error->message, cases[i].problem) == NULL)
			g_error("%s: \"%s\" does not say \"%s\"",
				cases[i].json,
				error->message,
				cases[i].problem);
	}
}

/* the limits: the file's size, and the submissions recorded */
static void
test_state_limits(void)
{
	g_autoptr(CdReportState) state = cd_report_state_new();
	g_autoptr(CdReportState) back = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) json = g_string_new("{\"submissions\":[");
	g_autofree gchar *big = g_strnfill(CD_REPORT_STATE_MAX_SIZE + 1, ' ');
	g_autofree gchar *text = NULL;
	gsize len = 0;

	for (guint i = 0; i < CD_REPORT_STATE_MAX_SUBMISSIONS; i++) {
		g_autofree gchar *url = g_strdup_printf("https://bugs.example/%u", i);
		g_assert_true(cd_report_state_add_submission(state, "t", url, now, &error));
		g_assert_no_error(error);
	}
	g_assert_false(cd_report_state_add_submission(state, "t", "https://x/", now, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_cmpuint(state->submissions->len, ==, CD_REPORT_STATE_MAX_SUBMISSIONS);
	/* the most there may be is read back, and fits the file's limit */
	text = cd_report_state_to_data(state, &len);
	g_assert_cmpuint(len, <=, CD_REPORT_STATE_MAX_SIZE);
	back = cd_report_state_new_from_data(text, len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(back->submissions->len, ==, CD_REPORT_STATE_MAX_SUBMISSIONS);

	/* one more than may be recorded, as a file: refused when read */
	for (guint i = 0; i <= CD_REPORT_STATE_MAX_SUBMISSIONS; i++)
		g_string_append_printf(json,
				       "%s{\"tracker\":\"t\",\"url\":\"https://x/\","
				       "\"time\":\"2026-11-22T14:15:30Z\"}",
				       i > 0 ? "," : "");
	g_string_append(json, "]}");
	g_clear_pointer(&back, cd_report_state_free);
	back = cd_report_state_new_from_data(json->str, json->len, &error);
	g_assert_null(back);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "more than 100 submissions"));
	g_clear_error(&error);

	big[0] = '{';
	big[CD_REPORT_STATE_MAX_SIZE] = '}';
	g_assert_null(cd_report_state_new_from_data(big, CD_REPORT_STATE_MAX_SIZE + 1, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "larger than 65536 bytes"));
}

/* what the bus sends is checked as what the file holds */
static void
test_state_variant_bad(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) value = g_variant_ref_sink(
		g_variant_new_parsed("{'seen': <true>, 'submissions': <[{'tracker': <'x'>, 'url': "
				     "<'https://h/\\u001b'>, "
				     "'time': <'2026-11-22T14:15:30Z'>}]>}"));

	g_assert_null(cd_report_state_new_from_variant(value, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/report-state/round-trip", test_state_round_trip);
	g_test_add_func("/capture/report-state/bad", test_state_bad);
	g_test_add_func("/capture/report-state/limits", test_state_limits);
	g_test_add_func("/capture/report-state/variant-bad", test_state_variant_bad);
	return g_test_run();
}
