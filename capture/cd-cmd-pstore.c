/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include "cd-cmd.h"
#include "cd-pstore.h"
#include "cd-report-publish.h"
#include "cd-text.h"

/* crashdesk pstore: the report from the log the kernel left in pstore */

/* The record's time is the file's mtime, which a damaged backend or a wrong clock can set
 * to anything; a time a report id cannot carry (before 1970, after 9999) must not cost
 * the report nor leave the record to fail again at every boot */
static gint64
cd_pstore_crash_time(const CdPstoreCrash *crash, const gchar *pstore_dir, GPtrArray *meta_warnings)
{
	g_autoptr(GDateTime) dt = NULL;
	gchar *warning;

	/* GDateTime ends with 9999 */
	if (crash->time >= 0)
		dt = g_date_time_new_from_unix_utc(crash->time);
	if (dt != NULL)
		return crash->time;
	/* as for a vmcore's CRASHTIME: the date is lost, never the capture */
	warning = g_strdup_printf("the pstore record's time, %" G_GINT64_FORMAT
				  " s since the epoch, is not a date a report can carry "
				  "(1970 to 9999): the report is dated with the time of capture",
				  crash->time);
	g_printerr("%s: warning: %s\n", pstore_dir, warning);
	g_ptr_array_add(meta_warnings, warning);
	return -1;
}

gint
cd_cmd_pstore(gint argc, gchar **argv)
{
	g_autofree gchar *pstore_dir = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *sysroot = NULL;
	g_autofree gchar *config_path = NULL;
	CdPublishRetention retention = { .max_reports = -1, .max_total_size = -1 };
	g_autoptr(CdConfig) config = NULL;
	/* clang-format off */
	const GOptionEntry entries[] = {
		CD_CMD_OPTION_CONFIG(&config_path),
		{ "pstore-dir", 'p', 0, G_OPTION_ARG_FILENAME, &pstore_dir,
		  "Where pstore is mounted (default: " CD_PSTORE_DIR ")", "DIR" },
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
		  "The report root (default: " CD_REPORT_ROOT_DEFAULT ")", "DIR" },
		CD_PUBLISH_OPTION_SYSROOT(&sysroot),
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- save the panic logs the kernel left in pstore");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) crashes = NULL;
	g_autoptr(GPtrArray) open_warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdReportStore) store = NULL;
	gint status = CD_EXIT_OK;

	g_option_context_add_main_entries(ctx, entries, NULL);
	cd_publish_add_retention_entries(ctx, &retention);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_publish_load_config(config_path);
	cd_publish_retention_from_config(&retention, config);
	if (pstore_dir == NULL)
		pstore_dir = g_strdup(CD_PSTORE_DIR);

	crashes = cd_pstore_read(pstore_dir, warnings, &error);
	cd_cmd_print_warnings(pstore_dir, warnings);
	if (crashes == NULL) {
		g_printerr("%s: %s\n", pstore_dir, error->message);
		return CD_EXIT_FAILURE;
	}
	/* the installed layout is opened at every boot, records or not: that moves the
	 * reports of the old layout, and whether it ran tells no one of a crash */
	if (crashes->len == 0 && dir != NULL && g_strcmp0(dir, CD_REPORT_ROOT_DEFAULT) != 0)
		return CD_EXIT_OK;
	store = cd_publish_open_store(dir, sysroot, open_warnings, &error);
	if (store == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_EXIT_FAILURE;
	}

	/* oldest first, so that report ids keep the order of the crashes */
	for (guint i = crashes->len; i > 0; i--) {
		const CdPstoreCrash *crash = g_ptr_array_index(crashes, i - 1);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GPtrArray) meta_warnings = g_ptr_array_new_with_free_func(g_free);
		gint64 crash_time = cd_pstore_crash_time(crash, pstore_dir, meta_warnings);
		g_autoptr(CdReportWriter) writer = NULL;
		g_auto(CdPublishReport) report = { NULL };
		gsize len = strlen(crash->text);
		/* what the summary and report.crash are made of: the log with nothing a
		 * terminal would act on; dmesg.txt keeps the bytes as evidence */
		g_autofree gchar *visible =
			cd_text_make_visible(crash->text,
					     (gssize)len,
					     CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS);
		guint64 lines = 0;
		CdPublishInput in = {
			.source = "pstore",
			.crash_time = crash_time,
			.release = crash->release,
			.version = crash->version,
			.dmesg_tail = visible,
			.dmesg_bytes = len,
			.dmesg_warnings = crash->text_warnings,
			.dump_omitted_reason = "pstore holds the log only",
			.warnings = meta_warnings,
		};

		/* what opening the store worked around goes into the first report */
		for (guint j = 0; j < open_warnings->len; j++)
			g_ptr_array_add(meta_warnings,
					g_strdup(g_ptr_array_index(open_warnings, j)));
		g_ptr_array_set_size(open_warnings, 0);
		writer = cd_publish_begin(store,
					  crash_time >= 0 ? crash_time
							  : g_get_real_time() / G_USEC_PER_SEC,
					  meta_warnings,
					  &error_local);
		if (writer == NULL) {
			g_printerr("%s: %s\n", g_get_prgname(), error_local->message);
			status = CD_EXIT_FAILURE;
			continue;
		}
		for (gsize j = 0; j < len; j++)
			lines += crash->text[j] == '\n';
		in.dmesg_lines = lines;
		if (!cd_report_writer_add_file(writer,
					       CD_REPORT_FILE_DMESG,
					       crash->text,
					       len,
					       &error_local) ||
		    !cd_publish_finish(writer, &in, &report, &error_local)) {
			g_printerr("%s: %s\n", g_get_prgname(), error_local->message);
			status = CD_EXIT_FAILURE;
			continue;
		}
		cd_publish_announce(store, writer, &in, &report);
		/* only now that the report is on disk may the kernel's copy go */
		if (!cd_pstore_crash_remove_files(crash, &error_local)) {
			g_printerr("%s: %s\n", pstore_dir, error_local->message);
			status = CD_EXIT_FAILURE;
		}
	}
	/* the crashes just saved may be older than reports already kept: keep the newest */
	cd_publish_apply_retention(store, &retention, NULL);
	return status;
}
