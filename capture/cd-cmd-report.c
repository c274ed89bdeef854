/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-helper-client.h"
#include "cd-json-visible.h"
#include "cd-report-meta.h"
#include "cd-report-store.h"
#include "cd-text.h"

/* crashdesk list and crashdesk show: the saved reports, for root, and for others
 * through crashdesk-helper as far as polkit allows. Every text of a report came from
 * the crashed kernel (or was written by an older crashdesk): it reaches the terminal
 * only through cd_text_make_visible(), so that an escape sequence a task name carried
 * shows as \x1b[... and does nothing. */

#define CD_SHOW_LOG_LINES 25
/* enough for those lines, however long the kernel made them */
#define CD_SHOW_TAIL_BYTES (64 * 1024)

static CdReportStore *
cd_cmd_open_store(const gchar *dir)
{
	g_autoptr(GError) error = NULL;
	CdReportStore *store = cd_report_store_new(dir, CD_REPORT_STORE_FLAG_NONE, &error);

	if (store != NULL)
		return store;
	if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		/* no crash was ever saved: an empty list, not an error */
		return NULL;
	}
	g_printerr("%s: %s\n", g_get_prgname(), error->message);
	if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_ACCES) && geteuid() != 0)
		g_printerr("%s: run it as root, e.g. with sudo\n", g_get_prgname());
	return NULL;
}

/* a field of a report, for the terminal or for JSON: never NULL, nothing to interpret */
static gchar *
cd_cmd_visible(const gchar *text)
{
	return cd_text_make_visible(text, -1, CD_TEXT_FLAG_NONE);
}

static void
cd_cmd_list_add(const CdReportSummary *s, gboolean json, json_object *array)
{
	if (json) {
		json_object *obj = json_object_new_object();
		json_object_object_add(obj, "id", json_object_new_string(s->id));
		json_object_object_add(obj, "captured_at", json_object_new_string(s->captured_at));
		json_object_object_add(obj,
				       "crash_time",
				       cd_report_json_string_or_null(s->crash_time));
		json_object_object_add(obj, "kind", json_object_new_string(s->kind));
		json_object_object_add(obj, "message", cd_report_json_string_or_null(s->message));
		json_object_object_add(obj, "release", cd_report_json_string_or_null(s->release));
		json_object_object_add(obj, "signature", json_object_new_string(s->signature));
		json_object_object_add(obj,
				       "dump_bytes",
				       json_object_new_int64((gint64)s->dump_bytes));
		json_object_array_add(array, obj);
	} else {
		printf("%-24s  %-12s  %-20s  %s\n",
		       s->id,
		       s->kind,
		       s->release != NULL ? s->release : "?",
		       s->message != NULL ? s->message : "");
	}
}

static void
cd_cmd_list_header(gboolean json, guint count, const gchar *dir)
{
	if (!json && count == 0)
		printf("No crash reports in %s.\n", dir);
	else if (!json)
		printf("%-24s  %-12s  %-20s  %s\n", "ID", "KIND", "KERNEL", "MESSAGE");
}

/*
 * what the helper said. A refusal depends on the caller alone, never on the reports;
 * an authorized caller hears the helper's own error (no such report, a damaged one,
 * the store busy), made visible like all that comes from the helper.
 */
static void
cd_cmd_helper_denied(CdHelperClient *client, const GError *error)
{
	g_autofree gchar *message = cd_cmd_visible(error->message);

	if (!cd_helper_client_error_is_denied(error))
		g_printerr("%s: %s\n", g_get_prgname(), message);
	else if (client != NULL && !cd_helper_client_can_ask_password(client))
		g_printerr("%s: only administrators can see crash reports; polkit asks for an "
			   "administrator's password only on a terminal (with pkttyagent): run "
			   "it on one, or as root\n",
			   g_get_prgname());
	else
		g_printerr("%s: only administrators can see crash reports\n", g_get_prgname());
}

/*
 * one call of List, which sends what is printed of every report. FALSE: no helper to
 * ask, read the store directly (and be refused) as before
 */
static gboolean
cd_cmd_list_via_helper(gboolean json, gint *status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdHelperClient) client = cd_helper_client_new(&error);
	g_autoptr(GPtrArray) entries = NULL;
	g_autoptr(json_object) array = json_object_new_array();

	if (client != NULL)
		entries = cd_helper_client_list(client, &error);
	if (entries == NULL) {
		if (cd_helper_client_error_is_unavailable(error))
			return FALSE;
		cd_cmd_helper_denied(client, error);
		*status = CD_EXIT_FAILURE;
		return TRUE;
	}
	*status = CD_EXIT_OK;
	cd_cmd_list_header(json, entries->len, CD_REPORT_ROOT_DEFAULT);
	for (guint i = 0; i < entries->len; i++) {
		CdHelperListEntry *entry = g_ptr_array_index(entries, i);

		if (entry->summary == NULL) {
			/* made visible by the client */
			g_printerr("%s: report %s: %s\n",
				   g_get_prgname(),
				   entry->id,
				   entry->problem);
			*status = CD_EXIT_FAILURE;
			continue;
		}
		cd_cmd_list_add(entry->summary, json, array);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(array, JSON_C_TO_STRING_PRETTY));
	return TRUE;
}

/* reports an install from before the hidden root left directly in its parent are not
 * listed until they are moved: say so, or an administrator would think them lost */
static void
cd_cmd_list_note_old_layout(const gchar *root)
{
	g_autoptr(GError) error = NULL;
	guint old = 0;

	if (!cd_report_store_find_old_layout(root, &old, &error) || old == 0)
		return;
	g_printerr("%s: %u reports or leftovers of an older crashdesk are still outside %s "
		   "and not listed; crashdesk-pstore.service moves them at the next boot, or "
		   "now: systemctl start crashdesk-pstore.service\n",
		   g_get_prgname(),
		   old,
		   root);
}

gint
cd_cmd_list(gint argc, gchar **argv)
{
	gboolean json = FALSE;
	g_autofree gchar *dir = NULL;
	const GOptionEntry entries[] = {
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "The report root", "DIR" },
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- list the saved crash reports");
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(json_object) array = json_object_new_array();
	gint status = CD_EXIT_OK;
	gboolean default_root;
	struct stat st;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	if (dir == NULL && geteuid() != 0 && cd_cmd_list_via_helper(json, &status))
		return status;
	if (dir == NULL)
		dir = g_strdup(CD_REPORT_ROOT_DEFAULT);
	/* the installed layout, or the same laid out under another root (tests, a chroot) */
	default_root = g_str_has_suffix(dir, CD_REPORT_ROOT_DEFAULT);
	/* no report root (before the first boot, in a container): no crash was ever saved
	 * there, which is no secret, whoever asks */
	if (lstat(dir, &st) < 0 && errno == ENOENT) {
		ids = g_ptr_array_new_with_free_func(g_free);
	} else {
		store = cd_cmd_open_store(dir);
		if (store == NULL)
			return CD_EXIT_FAILURE;
		ids = cd_report_store_list(store, &error);
		if (ids == NULL) {
			g_printerr("%s: %s\n", g_get_prgname(), error->message);
			return CD_EXIT_FAILURE;
		}
	}

	cd_cmd_list_header(json, ids->len, dir);
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(CdReportSummary) s = cd_report_summary_new_from_store(store, id, &error_local);

		if (s == NULL) {
			g_printerr("%s: report %s: %s\n",
				   g_get_prgname(),
				   id,
				   error_local->message);
			status = CD_EXIT_FAILURE;
			continue;
		}
		cd_cmd_list_add(s, json, array);
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(array, JSON_C_TO_STRING_PRETTY));
	if (default_root)
		cd_cmd_list_note_old_layout(dir);
	return status;
}

static void
cd_cmd_print_tail(const gchar *text, gsize len)
{
	g_autofree gchar *shown = NULL;
	const gchar *start;
	guint lines = 0;

	start = text + len;
	/* back over the last lines: the crash is at the end of the log */
	while (start > text && lines <= CD_SHOW_LOG_LINES) {
		start--;
		if (*start == '\n' && start != text + len - 1)
			lines++;
	}
	if (lines > CD_SHOW_LOG_LINES)
		start++;
	printf("\nThe end of the crashed kernel's log (%s):\n", CD_REPORT_FILE_DMESG);
	shown = cd_text_make_visible(start, text + len - start, CD_TEXT_FLAG_KEEP_NEWLINES);
	fputs(shown, stdout);
}

/* only the end of the log is shown: only the end is read, whatever the log's size */
static void
cd_cmd_show_log_end(CdReportStore *store, const gchar *id)
{
	g_autoptr(GError) error = NULL;
	gboolean cut = FALSE;
	gsize len = 0;
	g_autofree gchar *text = cd_report_store_read_range(store,
							    id,
							    CD_REPORT_FILE_DMESG,
							    CD_FILE_RANGE_TAIL,
							    CD_SHOW_TAIL_BYTES,
							    &len,
							    &cut,
							    &error);

	if (text == NULL) {
		/* a report without its log (pstore kept none) shows none */
		if (!g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND)) {
			g_autofree gchar *message = cd_cmd_visible(error->message);
			g_printerr("%s: %s\n", g_get_prgname(), message);
		}
		return;
	}
	cd_cmd_print_tail(text, len);
}

static void
cd_cmd_show_print(const gchar *dir, const CdReportSummary *s)
{
	/* the summary's strings are visible already (cd_report_summary_new_from_data) */
	g_autofree gchar *dir_shown = cd_cmd_visible(dir);

	printf("Report       %s/%s\n", dir_shown, s->id);
	printf("Crashed      %s, kernel %s\n",
	       s->crash_time != NULL ? s->crash_time : "(time unknown)",
	       s->release != NULL ? s->release : "(unknown)");
	printf("Kind         %s\n", s->kind);
	if (s->message != NULL)
		printf("Message      %s\n", s->message);
	if (s->panic_message != NULL)
		printf("Panic        %s\n", s->panic_message);
	if (s->comm != NULL)
		printf("Process      %s\n", s->comm);
	if (s->ip_symbol != NULL)
		printf("Instruction  %s\n", s->ip_symbol);
	printf("Signature    %s\n", s->signature);
	printf("Log          %s, %" G_GUINT64_FORMAT " lines%s\n",
	       CD_REPORT_FILE_DMESG,
	       s->dmesg_lines,
	       s->dmesg_complete ? "" : " (part was lost to a damaged ring)");
	if (s->dump_file != NULL)
		printf("Dump         %s, %" G_GUINT64_FORMAT " bytes\n",
		       s->dump_file,
		       s->dump_bytes);
	else
		printf("Dump         none: %s\n",
		       s->dump_omitted_reason != NULL ? s->dump_omitted_reason : "not saved");
}

/* meta.json as written, unless a string of it must be made visible */
static void
cd_cmd_show_json(const gchar *meta, gsize len)
{
	g_autofree gchar *text = cd_json_text_make_visible(meta, len);

	if (text == NULL)
		text = cd_text_make_visible(meta, (gssize)len, CD_TEXT_FLAG_KEEP_NEWLINES);
	fputs(text, stdout);
}

/* FALSE: no helper to ask, read the store directly (and be refused) as before */
static gboolean
cd_cmd_show_via_helper(const gchar *id, gboolean json, gint *status)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdHelperClient) client = cd_helper_client_new(&error);
	g_autoptr(CdReportSummary) s = NULL;
	g_autoptr(CdHelperReport) report = NULL;

	if (client != NULL)
		report = cd_helper_client_get_report(client, id, &error);
	if (report == NULL) {
		if (cd_helper_client_error_is_unavailable(error))
			return FALSE;
		*status = CD_EXIT_FAILURE;
		if (g_error_matches(error,
				    CD_HELPER_CLIENT_ERROR,
				    CD_HELPER_CLIENT_ERROR_NO_SUCH_REPORT))
			g_printerr("%s: no report %s\n", g_get_prgname(), id);
		else
			cd_cmd_helper_denied(client, error);
		return TRUE;
	}
	*status = CD_EXIT_OK;
	if (json) {
		cd_cmd_show_json(report->meta, strlen(report->meta));
		return TRUE;
	}
	s = cd_report_summary_new_from_data(report->meta, strlen(report->meta), &error);
	if (s == NULL) {
		g_printerr("%s: report %s: %s\n", g_get_prgname(), id, error->message);
		*status = CD_EXIT_FAILURE;
		return TRUE;
	}
	cd_cmd_show_print(CD_REPORT_ROOT_DEFAULT, s);
	if (report->panic_text[0] != '\0')
		cd_cmd_print_tail(report->panic_text, strlen(report->panic_text));
	return TRUE;
}

gint
cd_cmd_show(gint argc, gchar **argv)
{
	gboolean json = FALSE;
	g_autofree gchar *dir = NULL;
	const GOptionEntry entries[] = {
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir, "The report root", "DIR" },
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print the report's meta.json", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("ID - show a saved crash report");
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(CdReportSummary) s = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *id;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	if (argc != 2) {
		g_printerr("%s: one report ID expected (see 'crashdesk list')\n", g_get_prgname());
		return CD_EXIT_USAGE;
	}
	id = argv[1];
	if (!cd_report_id_is_valid(id)) {
		g_printerr("%s: '%s' is not a report ID (YYYYMMDD-HHMMSS-xxxxxxxx)\n",
			   g_get_prgname(),
			   id);
		return CD_EXIT_USAGE;
	}
	if (dir == NULL && geteuid() != 0) {
		gint status;
		if (cd_cmd_show_via_helper(id, json, &status))
			return status;
	}
	if (dir == NULL)
		dir = g_strdup(CD_REPORT_ROOT_DEFAULT);
	store = cd_cmd_open_store(dir);
	if (store == NULL) {
		if (!g_file_test(dir, G_FILE_TEST_EXISTS))
			g_printerr("%s: no report %s\n", g_get_prgname(), id);
		return CD_EXIT_FAILURE;
	}
	if (json) {
		gsize len = 0;
		g_autofree gchar *meta = cd_report_store_read_meta(store, id, &len, &error);
		if (meta == NULL) {
			g_printerr("%s: %s\n", g_get_prgname(), error->message);
			return CD_EXIT_FAILURE;
		}
		cd_cmd_show_json(meta, len);
		return CD_EXIT_OK;
	}
	s = cd_report_summary_new_from_store(store, id, &error);
	if (s == NULL) {
		g_printerr("%s: report %s: %s\n", g_get_prgname(), id, error->message);
		return CD_EXIT_FAILURE;
	}
	cd_cmd_show_print(dir, s);
	cd_cmd_show_log_end(store, id);
	return CD_EXIT_OK;
}
