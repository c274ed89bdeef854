/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <stdio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "cd-apport.h"
#include "cd-cmd.h"
#include "cd-crash-analysis.h"
#include "cd-report-meta.h"
#include "cd-report-publish.h"
#include "cd-report-store.h"
#include "cd-text.h"

/*
 * What save and pstore do alike once they have a crash's log: the report written
 * through the store (whole or not at all) with apport's file and meta.json, one
 * structured journal entry, the retention applied.
 */

/* the journal catalog entry data/crashdesk.catalog describes */
#define CD_JOURNAL_MESSAGE_ID_SAVED "da65dce897be4380975d591cef1057ab"

/* Debian's name for the architecture, as apport writes it */
static const gchar *
cd_publish_debian_arch(const gchar *machine)
{
	static const gchar *const map[][2] = { { "x86_64", "amd64" },
					       { "aarch64", "arm64" },
					       { "i686", "i386" },
					       { "loongarch64", "loong64" },
					       { "ppc64le", "ppc64el" } };

	for (gsize i = 0; machine != NULL && i < G_N_ELEMENTS(map); i++) {
		if (g_strcmp0(machine, map[i][0]) == 0)
			return map[i][1];
	}
	return machine;
}

static GBytes *
cd_publish_build_apport(const gchar *id,
			const CdPublishInput *in,
			CdCrashAnalysis *analysis,
			GError **error)
{
	g_autoptr(CdApportReport) report = cd_apport_report_new();
	g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(
		in->crash_time >= 0 ? in->crash_time : g_get_real_time() / G_USEC_PER_SEC);
	/* apport's Date is time.asctime() */
	g_autofree gchar *date = g_date_time_format(when, "%a %b %e %H:%M:%S %Y");
	g_autofree gchar *uname = g_strdup_printf("Linux %s %s",
						  in->release != NULL ? in->release : "unknown",
						  in->machine != NULL ? in->machine : "unknown");
	g_autofree gchar *package =
		in->release != NULL ? g_strdup_printf("linux-image-%s", in->release) : NULL;
	const gchar *message = cd_crash_analysis_get_message(analysis);
	/* report.crash is read by people and tools that print it: the log as it is stays in
	 * dmesg.txt, here it is made visible (and so valid UTF-8, as apport's text must be) */
	g_autofree gchar *dmesg =
		cd_text_make_visible(in->dmesg_tail,
				     -1,
				     CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS);

	/* the crashed kernel's release, not the running one's as apport itself writes */
	if (!cd_apport_report_set_text(report, "ProblemType", "KernelCrash", error) ||
	    !cd_apport_report_set_text(report, "Date", date, error) ||
	    !cd_apport_report_set_text(report, "Uname", uname, error) ||
	    (in->machine != NULL && !cd_apport_report_set_text(report,
							       "Architecture",
							       cd_publish_debian_arch(in->machine),
							       error)) ||
	    (package != NULL && !cd_apport_report_set_text(report, "Package", package, error)) ||
	    (message != NULL && !cd_apport_report_set_text(report, "Title", message, error)) ||
	    !cd_apport_report_set_text(report,
				       "DuplicateSignature",
				       cd_crash_analysis_get_signature(analysis),
				       error) ||
	    !cd_apport_report_set_text(report, "CrashdeskReportId", id, error) ||
	    !cd_apport_report_set_text(report, "VmCoreDmesg", dmesg, error))
		return NULL;
	return cd_apport_report_to_bytes(report, error);
}

static void
cd_publish_log_journal(const gchar *root,
		       const gchar *id,
		       const CdPublishInput *in,
		       CdCrashAnalysis *a)
{
	const gchar *message = cd_crash_analysis_get_message(a);
	g_autoptr(GString) warnings = g_string_new(NULL);

	/* one per line, as in meta.json's warnings */
	for (guint i = 0; in->warnings != NULL && i < in->warnings->len; i++)
		g_string_append_printf(warnings,
				       "%s%s",
				       i > 0 ? "\n" : "",
				       (const gchar *)g_ptr_array_index(in->warnings, i));
	/* in a capture kernel there may be no journald: the report itself is what counts */
	sd_journal_send(
		"MESSAGE=Saved the crash of kernel %s (%s: %s) as report %s; %s%s",
		in->release != NULL ? in->release : "unknown",
		cd_crash_analysis_get_kind(a),
		message != NULL ? message : "no message",
		id,
		in->dump_written ? "the dump is saved" : "no dump: ",
		in->dump_written ? "" : in->dump_omitted_reason,
		"MESSAGE_ID=" CD_JOURNAL_MESSAGE_ID_SAVED,
		"PRIORITY=%i",
		LOG_CRIT,
		"CRASHDESK_REPORT_ID=%s",
		id,
		"CRASHDESK_REPORT_DIR=%s/%s",
		root,
		id,
		"CRASHDESK_SOURCE=%s",
		in->source,
		"CRASHDESK_KIND=%s",
		cd_crash_analysis_get_kind(a),
		"CRASHDESK_SIGNATURE=%s",
		cd_crash_analysis_get_signature(a),
		"CRASHDESK_KERNEL_RELEASE=%s",
		in->release != NULL ? in->release : "unknown",
		"CRASHDESK_DUMP=%s",
		in->dump_written ? "saved" : "none",
		"CRASHDESK_DUMP_REASON=%s",
		in->dump_written || in->dump_omitted_reason == NULL ? "" : in->dump_omitted_reason,
		"CRASHDESK_WARNINGS=%s",
		warnings->str,
		NULL);
}

/* --max-reports and --max-total-size, the same for save and pstore */
void
cd_publish_add_retention_entries(GOptionContext *ctx, CdPublishRetention *retention)
{
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "max-reports", 0, 0, G_OPTION_ARG_INT, &retention->max_reports,
		  "Keep at most N reports, the newest (default MaxReports=, 50; 0: no limit)",
		  "N" },
		{ "max-total-size", 0, 0, G_OPTION_ARG_INT64, &retention->max_total_size,
		  "Keep at most BYTES of reports, but always the newest (default "
		  "MaxTotalSize=; 0: no limit)", "BYTES" },
		{ NULL }
	};
	/* clang-format on */

	g_option_context_add_main_entries(ctx, entries, NULL);
}

/* the oldest reports go first, never the newest; a failure here loses nothing */
void
cd_publish_apply_retention(CdReportStore *store,
			   const CdPublishRetention *retention,
			   const gchar *keep_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) removed =
		cd_report_store_apply_retention(store,
						(guint)MAX(retention->max_reports, 0),
						(guint64)MAX(retention->max_total_size, 0),
						keep_id,
						&error);

	if (removed == NULL) {
		g_printerr("%s: warning: old reports not removed: %s\n",
			   g_get_prgname(),
			   error->message);
		return;
	}
	for (guint i = 0; i < removed->len; i++) {
		g_printerr("%s: removed the old report %s (retention: at most %d reports, "
			   "%" G_GINT64_FORMAT " bytes; 0 is no limit)\n",
			   g_get_prgname(),
			   (const gchar *)g_ptr_array_index(removed, i),
			   retention->max_reports,
			   retention->max_total_size);
	}
}

void
cd_publish_report_clear(CdPublishReport *report)
{
	g_clear_object(&report->analysis);
}

/* writes meta.json and report.crash and commits the report */
gboolean
cd_publish_finish(CdReportWriter *writer,
		  const CdPublishInput *in,
		  CdPublishReport *report,
		  GError **error)
{
	const gchar *id = cd_report_writer_get_id(writer);
	g_autoptr(GBytes) apport = NULL;
	g_autofree gchar *meta = NULL;
	gsize meta_len = 0;

	report->analysis = cd_crash_analysis_new_from_text(in->dmesg_tail, strlen(in->dmesg_tail));
	report->meta = (CdReportMetaInput){
		.id = id,
		.source = in->source,
		.captured_at = g_get_real_time() / G_USEC_PER_SEC,
		.crash_time = in->crash_time,
		.release = in->release,
		.version = in->version,
		.machine = in->machine,
		.analysis = report->analysis,
		.dmesg_lines = in->dmesg_lines,
		.dmesg_bytes = in->dmesg_bytes,
		.dmesg_warnings = in->dmesg_warnings,
		.dump_omitted_reason = in->dump_omitted_reason,
		.warnings = in->warnings,
	};
	apport = cd_publish_build_apport(id, in, report->analysis, error);
	if (apport == NULL)
		return FALSE;
	if (!cd_report_writer_add_file(writer,
				       CD_REPORT_FILE_APPORT,
				       g_bytes_get_data(apport, NULL),
				       g_bytes_get_size(apport),
				       error))
		return FALSE;
	/* meta.json last: a report whose meta.json exists has everything else */
	meta = cd_report_meta_build(&report->meta, &meta_len);
	if (!cd_report_writer_add_file(writer, CD_REPORT_FILE_META, meta, meta_len, error))
		return FALSE;
	return cd_report_writer_commit(writer, error);
}

void
cd_publish_announce(CdReportStore *store,
		    CdReportWriter *writer,
		    const CdPublishInput *in,
		    CdPublishReport *report)
{
	const gchar *id = cd_report_writer_get_id(writer);

	cd_publish_log_journal(cd_report_store_get_root(store), id, in, report->analysis);
	printf("%s/%s\n", cd_report_store_get_root(store), id);
}

/* what the store worked around (leftovers, the old layout): on stderr, which the units
 * send to the journal, and into @warnings for the report's meta.json and journal entry */
static void
cd_publish_take_store_warnings(CdReportStore *store, GPtrArray *warnings)
{
	g_autoptr(GPtrArray) taken = cd_report_store_take_warnings(store);

	cd_cmd_print_warnings(g_get_prgname(), taken);
	for (guint i = 0; warnings != NULL && i < taken->len; i++)
		g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(taken, i)));
}

/* The report root: --dir as given, else the installed layout (under --sysroot, for
 * tests), whose hiding level the store keeps private and from which it moves the
 * reports of the old layout. */
CdReportStore *
cd_publish_open_store(const gchar *dir, const gchar *sysroot, GPtrArray *warnings, GError **error)
{
	g_autofree gchar *root = NULL;
	CdReportStoreFlags flags = CD_REPORT_STORE_FLAG_CREATE;
	g_autoptr(CdReportStore) store = NULL;

	if (dir == NULL || g_strcmp0(dir, CD_REPORT_ROOT_DEFAULT) == 0) {
		root = g_build_filename(sysroot != NULL ? sysroot : "/",
					CD_REPORT_ROOT_DEFAULT,
					NULL);
		flags |= CD_REPORT_STORE_FLAG_HIDDEN;
	} else {
		root = g_strdup(dir);
	}
	store = cd_report_store_new(root, flags, error);
	if (store == NULL)
		return NULL;
	if (cd_report_store_get_moved(store) > 0)
		g_printerr("%s: moved the old layout's reports and leftovers (%u) into %s\n",
			   g_get_prgname(),
			   cd_report_store_get_moved(store),
			   root);
	cd_publish_take_store_warnings(store, warnings);
	return g_steal_pointer(&store);
}

CdReportWriter *
cd_publish_begin(CdReportStore *store, gint64 time, GPtrArray *warnings, GError **error)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time);
	g_autofree gchar *id = cd_report_id_new(dt, NULL);
	CdReportWriter *writer = cd_report_store_begin(store, id, error);

	/* leftovers it removed or had to leave, which never cost the capture */
	cd_publish_take_store_warnings(store, warnings);
	return writer;
}

/*
 * The configuration, or in the capture kernel, where a broken file must not cost the
 * crash, the defaults after its error is printed.
 */
CdConfig *
cd_publish_load_config(const gchar *config_path)
{
	CdConfig *config = cd_cmd_load_config(config_path);

	if (config == NULL) {
		g_printerr("%s: using the default configuration\n", g_get_prgname());
		config = cd_config_new();
	}
	return config;
}

/* what the options left unset (-1) */
void
cd_publish_retention_from_config(CdPublishRetention *retention, const CdConfig *config)
{
	if (retention->max_reports < 0)
		retention->max_reports = (gint)config->max_reports;
	if (retention->max_total_size < 0)
		retention->max_total_size = (gint64)config->max_total_size;
}
