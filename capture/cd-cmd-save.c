/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "cd-apport.h"
#include "cd-cmd.h"
#include "cd-crash-analysis.h"
#include "cd-dmesg.h"
#include "cd-dump-estimate.h"
#include "cd-kdump-writer.h"
#include "cd-progress.h"
#include "cd-pstore.h"
#include "cd-report-meta.h"
#include "cd-report-store.h"
#include "cd-text.h"
#include "cd-utsname.h"

/* crashdesk save: the report from a vmcore; crashdesk pstore: the report from the log
 * the kernel left in pstore. Both write through the report store, so a report appears
 * whole or not at all, and both log one structured journal entry per report. */

/* the journal catalog entry data/crashdesk.catalog describes */
#define CD_JOURNAL_MESSAGE_ID_SAVED "da65dce897be4380975d591cef1057ab"

/* the end of the log kept in memory for the analysis and apport's VmCoreDmesg */
#define CD_SAVE_TAIL_MAX (16 * 1024 * 1024)

/* --sysroot, for tests: the installed layout under another directory than / */
#define CD_SAVE_OPTION_SYSROOT(path)                                                               \
	{                                                                                          \
		"sysroot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, (path),                 \
			"Lay the reports out under DIR as under / (for tests)", "DIR"              \
	}

/* -1: from the configuration */
typedef struct {
	gint max_reports;
	gint64 max_total_size;
} CdSaveRetention;

/* the report's pieces, from whichever source */
typedef struct {
	const gchar *source;
	gint64 crash_time;
	const gchar *release;
	const gchar *version;
	const gchar *machine;
	const gchar *dmesg_tail; /* the end of the log, or all of it */
	guint64 dmesg_lines;
	guint64 dmesg_bytes;
	GPtrArray *dmesg_warnings;
	GPtrArray *warnings; /* nullable: meta.json's top-level warnings */
	const gchar *dump_omitted_reason;
	gboolean dump_written;
} CdSaveInput;

/* Debian's name for the architecture, as apport writes it */
static const gchar *
cd_save_debian_arch(const gchar *machine)
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
cd_save_build_apport(const gchar *id,
		     const CdSaveInput *in,
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
							       cd_save_debian_arch(in->machine),
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
cd_save_log_journal(const gchar *root, const gchar *id, const CdSaveInput *in, CdCrashAnalysis *a)
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
static void
cd_save_add_retention_entries(GOptionContext *ctx, CdSaveRetention *retention)
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
static void
cd_save_apply_retention(CdReportStore *store,
			const CdSaveRetention *retention,
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

/* the pieces meta.json is built from, kept for its rewrite once the dump is done */
typedef struct {
	CdCrashAnalysis *analysis;
	CdReportMetaInput meta;
} CdSaveReport;

static void
cd_save_report_clear(CdSaveReport *report)
{
	g_clear_object(&report->analysis);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdSaveReport, cd_save_report_clear)

/* writes meta.json and report.crash and commits the report */
static gboolean
cd_save_finish(CdReportWriter *writer, const CdSaveInput *in, CdSaveReport *report, GError **error)
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
	apport = cd_save_build_apport(id, in, report->analysis, error);
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

static void
cd_save_announce(CdReportStore *store,
		 CdReportWriter *writer,
		 const CdSaveInput *in,
		 CdSaveReport *report)
{
	const gchar *id = cd_report_writer_get_id(writer);

	cd_save_log_journal(cd_report_store_get_root(store), id, in, report->analysis);
	printf("%s/%s\n", cd_report_store_get_root(store), id);
}

/* what the store worked around (leftovers, the old layout): on stderr, which the units
 * send to the journal, and into @warnings for the report's meta.json and journal entry */
static void
cd_save_take_store_warnings(CdReportStore *store, GPtrArray *warnings)
{
	g_autoptr(GPtrArray) taken = cd_report_store_take_warnings(store);

	cd_cmd_print_warnings(g_get_prgname(), taken);
	for (guint i = 0; warnings != NULL && i < taken->len; i++)
		g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(taken, i)));
}

/* The report root: --dir as given, else the installed layout (under --sysroot, for
 * tests), whose hiding level the store keeps private and from which it moves the
 * reports of the old layout. */
static CdReportStore *
cd_save_open_store(const gchar *dir, const gchar *sysroot, GPtrArray *warnings, GError **error)
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
	cd_save_take_store_warnings(store, warnings);
	return g_steal_pointer(&store);
}

static CdReportWriter *
cd_save_begin(CdReportStore *store, gint64 time, GPtrArray *warnings, GError **error)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(time);
	g_autofree gchar *id = cd_report_id_new(dt, NULL);
	CdReportWriter *writer = cd_report_store_begin(store, id, error);

	/* leftovers it removed or had to leave, which never cost the capture */
	cd_save_take_store_warnings(store, warnings);
	return writer;
}

/* --dump-level, --threads, --keep-free; -1: from the configuration */
typedef struct {
	gint dump_level;
	gint threads;
	gint64 keep_free;
	gint keep_free_percent;
} CdSaveDumpOptions;

/*
 * The configuration fills what the options left unset. In the capture kernel a broken
 * file must not cost the crash: its error is printed and the defaults are used.
 */
static void
cd_save_apply_config(const gchar *config_path,
		     CdSaveDumpOptions *dump_opts,
		     CdSaveRetention *retention)
{
	g_autoptr(CdConfig) config = cd_cmd_load_config(config_path);

	if (config == NULL) {
		g_printerr("%s: using the default configuration\n", g_get_prgname());
		config = cd_config_new();
	}
	if (dump_opts != NULL && dump_opts->dump_level < 0)
		dump_opts->dump_level = (gint)config->dump_level;
	if (dump_opts != NULL && dump_opts->threads < 0)
		dump_opts->threads = (gint)config->threads;
	if (dump_opts != NULL && dump_opts->keep_free < 0) {
		dump_opts->keep_free = config->keep_free;
		dump_opts->keep_free_percent = config->keep_free_percent;
	}
	if (retention->max_reports < 0)
		retention->max_reports = (gint)config->max_reports;
	if (retention->max_total_size < 0)
		retention->max_total_size = (gint64)config->max_total_size;
}

/* the space the dump may take: what is free less the reserve */
static gboolean
cd_save_dump_budget(CdReportStore *store,
		    const CdSaveDumpOptions *opts,
		    guint64 *budget,
		    guint64 *reserve,
		    GError **error)
{
	struct statvfs st;
	guint64 avail;

	if (statvfs(cd_report_store_get_root(store), &st) < 0) {
		cd_error_set_from_errno(error,
					errno,
					"cannot tell the free space of %s",
					cd_report_store_get_root(store));
		return FALSE;
	}
	avail = (guint64)st.f_bavail * st.f_frsize;
	*reserve = cd_config_keep_free_bytes(opts->keep_free,
					     opts->keep_free_percent,
					     (guint64)st.f_blocks * st.f_frsize);
	*budget = avail > *reserve ? avail - *reserve : 0;
	return TRUE;
}

/* Writes dump.kdump into the published report and fills @dump for meta.json (its
 * strings belong to @kdump, which the caller keeps); on any failure the report stays as
 * it is, without a dump, and @omitted says why. TRUE: a complete dump. */
typedef struct {
	CdProgress *progress;
	gint percent;
} CdSaveDumpProgress;

static void
cd_save_dump_progress(guint64 pages_written, guint64 pages_planned, gpointer user_data)
{
	CdSaveDumpProgress *dp = user_data;
	gint percent;

	if (pages_planned == 0)
		return;
	percent = (gint)MIN(pages_written * 100 / pages_planned, 100);
	if (percent == dp->percent)
		return;
	dp->percent = percent;
	cd_progress_send(dp->progress, "percent", "%d", percent);
}

static gboolean
cd_save_dump(CdVmcore *vmcore,
	     CdReportStore *store,
	     CdReportWriter *writer,
	     const CdSaveDumpOptions *opts,
	     CdSaveDumpProgress *progress,
	     CdKdumpWriter **kdump_out,
	     CdReportMetaDump *dump,
	     GPtrArray *warnings,
	     gchar **omitted)
{
	g_autoptr(GError) error = NULL;
	CdKdumpWriter *kdump = NULL;
	const CdKdumpWriterResult *result;
	const gchar *warning;
	guint64 budget = 0;
	guint64 reserve = 0;
	guint64 estimate;
	gint64 started = g_get_monotonic_time();
	gint fd;

	kdump = cd_kdump_writer_new(vmcore, (guint)opts->dump_level, &error);
	*kdump_out = kdump;
	if (kdump == NULL) {
		*omitted = g_strdup_printf("the vmcore cannot be dumped: %s", error->message);
		return FALSE;
	}
	cd_kdump_writer_set_threads(kdump,
				    opts->threads > 0 ? (guint)opts->threads
						      : g_get_num_processors());
	if (progress != NULL)
		cd_kdump_writer_set_progress(kdump, cd_save_dump_progress, progress);
	if (!cd_kdump_writer_plan(kdump, &error)) {
		*omitted = g_strdup_printf("the dump could not be planned: %s", error->message);
		return FALSE;
	}
	warning = cd_kdump_writer_get_warning(kdump);
	if (warning != NULL) {
		g_printerr("%s: warning: dump: %s\n", g_get_prgname(), warning);
		g_ptr_array_add(warnings, g_strdup(warning));
	}
	estimate = cd_kdump_writer_get_estimate(kdump);
	if (!cd_save_dump_budget(store, opts, &budget, &reserve, &error)) {
		*omitted = g_strdup(error->message);
		return FALSE;
	}
	if (estimate > budget) {
		*omitted = g_strdup_printf(
			"not enough space: the dump needs about %" G_GUINT64_FORMAT
			" MiB, %s has %" G_GUINT64_FORMAT " MiB free beyond the %" G_GUINT64_FORMAT
			" MiB kept free (--keep-free)",
			estimate >> 20,
			cd_report_store_get_root(store),
			budget >> 20,
			reserve >> 20);
		return FALSE;
	}

	fd = cd_report_writer_create_late_file(writer, CD_REPORT_FILE_DUMP, &error);
	if (fd < 0) {
		*omitted = g_strdup(error->message);
		return FALSE;
	}
	if (!cd_kdump_writer_write(kdump, fd, budget, &error)) {
		/* a dump cut by a full disk or an I/O error is of no use: it goes */
		cd_report_writer_discard_late_file(writer, CD_REPORT_FILE_DUMP, fd);
		*omitted = g_strdup_printf("writing the dump failed: %s", error->message);
		return FALSE;
	}
	if (!cd_report_writer_publish_late_file(writer, CD_REPORT_FILE_DUMP, fd, &error)) {
		cd_report_writer_discard_late_file(writer, CD_REPORT_FILE_DUMP, -1);
		*omitted = g_strdup_printf("writing the dump failed: %s", error->message);
		return FALSE;
	}
	result = cd_kdump_writer_get_result(kdump);
	dump->file = CD_REPORT_FILE_DUMP;
	dump->dump_level = (guint)opts->dump_level;
	dump->pages_total = result->pages_planned;
	dump->pages_written = result->pages_written;
	dump->pages_partial = result->pages_partial;
	dump->bytes = result->bytes;
	dump->complete = result->complete;
	dump->incomplete_reason = result->incomplete_reason;
	g_printerr("%s: dump: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
		   " pages of memory kept (%" G_GUINT64_FORMAT " of them zero), %" G_GUINT64_FORMAT
		   " MiB, in %.1f s%s%s\n",
		   g_get_prgname(),
		   result->pages_written,
		   result->pages_memory,
		   result->pages_zero,
		   result->bytes >> 20,
		   (g_get_monotonic_time() - started) / 1e6,
		   result->complete ? "" : "; INCOMPLETE: ",
		   result->complete ? "" : result->incomplete_reason);
	return result->complete;
}

/* the error on stderr, and on the panic console when one shows the crash */
static gint
cd_save_failed(CdProgress *progress, const gchar *name, const GError *error)
{
	g_printerr("%s: %s\n", name, error->message);
	cd_progress_send(progress, "failed", "%s: %s", name, error->message);
	return CD_EXIT_FAILURE;
}

gint
cd_cmd_save(gint argc, gchar **argv)
{
	g_autofree gchar *input = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *sysroot = NULL;
	gboolean no_dump = FALSE;
	g_autofree gchar *config_path = NULL;
	CdSaveRetention retention = { .max_reports = -1, .max_total_size = -1 };
	CdSaveDumpOptions dump_opts = {
		.dump_level = -1,
		.threads = -1,
		.keep_free = -1,
		.keep_free_percent = -1,
	};
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
		  "The vmcore (default: " CD_PROC_VMCORE ")", "FILE" },
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
		  "The report root (default: " CD_REPORT_ROOT_DEFAULT ")", "DIR" },
		CD_SAVE_OPTION_SYSROOT(&sysroot),
		{ "no-dump", 0, 0, G_OPTION_ARG_NONE, &no_dump,
		  "Save the log and the analysis only, not the memory", NULL },
		{ "dump-level", 0, 0, G_OPTION_ARG_INT, &dump_opts.dump_level,
		  "Pages left out, as makedumpfile -d: 1 zero, 2 cache, 4 cache with private "
		  "data, 8 user, 16 free (default DumpLevel=, 31: all of them)", "N" },
		{ "threads", 0, 0, G_OPTION_ARG_INT, &dump_opts.threads,
		  "Compression threads (default Threads=, 0: the online CPUs)", "N" },
		{ "keep-free", 0, 0, G_OPTION_ARG_INT64, &dump_opts.keep_free,
		  "Leave BYTES free on the report's file system (default KeepFree=: the "
		  "larger of 1 GiB and 5 %)", "BYTES" },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- save the crashed kernel's report from a vmcore");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(CdReportWriter) writer = NULL;
	g_autoptr(CdUtsname) uts = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) tail = g_string_new(NULL);
	CdDmesgResult result = { .tail_max = CD_SAVE_TAIL_MAX, .tail = tail };
	g_autoptr(GPtrArray) meta_warnings = g_ptr_array_new_with_free_func(g_free);
	CdSaveInput in = {
		.source = "kdump",
		.dmesg_warnings = warnings,
		.warnings = meta_warnings,
	};
	g_auto(CdSaveReport) report = { NULL };
	CdReportMetaDump dump = { NULL };
	g_autofree gchar *omitted = NULL;
	g_autoptr(CdProgress) progress = NULL;
	gboolean dump_ok = TRUE;
	gint64 crash_time = -1;
	gint fd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	cd_save_add_retention_entries(ctx, &retention);
	if (!cd_cmd_parse(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	if (argc > 1) {
		g_printerr("%s: no arguments expected (the vmcore is --input FILE)\n",
			   g_get_prgname());
		return CD_EXIT_USAGE;
	}
	if (dump_opts.dump_level < -1 || dump_opts.dump_level > CD_DUMP_LEVEL_ALL) {
		g_printerr("%s: --dump-level %d is out of range (0 to %d)\n",
			   g_get_prgname(),
			   dump_opts.dump_level,
			   CD_DUMP_LEVEL_ALL);
		return CD_EXIT_USAGE;
	}
	if (dump_opts.threads < -1 || dump_opts.threads > CD_KDUMP_WRITER_MAX_THREADS) {
		g_printerr("%s: --threads %d is out of range (0, the online CPUs, to %d)\n",
			   g_get_prgname(),
			   dump_opts.threads,
			   CD_KDUMP_WRITER_MAX_THREADS);
		return CD_EXIT_USAGE;
	}
	cd_save_apply_config(config_path, &dump_opts, &retention);
	if (input == NULL)
		input = g_strdup(CD_PROC_VMCORE);

	progress = cd_progress_connect(cd_progress_socket_path());
	cd_progress_send(progress, "stage", "Reading the crashed kernel's memory");
	vmcore = cd_vmcore_new_from_path(input, &error);
	if (vmcore == NULL)
		return cd_save_failed(progress, input, error);
	uts = cd_utsname_new_from_vmcore(vmcore, &error);
	if (uts == NULL) {
		/* the log is what matters: save it without the version */
		g_printerr("%s: warning: %s\n", input, error->message);
		g_clear_error(&error);
	}
	if (!cd_vmcoreinfo_read_crash_time(cd_vmcore_get_vmcoreinfo(vmcore), &crash_time, &error)) {
		/* a clock the report cannot hold costs its date, never the capture */
		if (!g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND)) {
			g_autofree gchar *warning =
				g_strdup_printf("%s: the report is dated with the time of capture",
						error->message);
			g_printerr("%s: warning: %s\n", input, warning);
			g_ptr_array_add(meta_warnings, g_steal_pointer(&warning));
		}
		g_clear_error(&error);
		crash_time = -1;
	}

	store = cd_save_open_store(dir, sysroot, meta_warnings, &error);
	if (store == NULL)
		return cd_save_failed(progress, g_get_prgname(), error);
	writer = cd_save_begin(store,
			       crash_time >= 0 ? crash_time : g_get_real_time() / G_USEC_PER_SEC,
			       meta_warnings,
			       &error);
	if (writer == NULL)
		return cd_save_failed(progress, g_get_prgname(), error);

	cd_progress_send(progress, "stage", "Saving the crashed kernel's log");
	fd = cd_report_writer_create_file(writer, CD_REPORT_FILE_DMESG, &error);
	if (fd < 0)
		return cd_save_failed(progress, g_get_prgname(), error);
	if (!cd_dmesg_write(vmcore, fd, CD_DMESG_FLAG_NONE, &result, warnings, &error)) {
		close(fd);
		cd_cmd_print_warnings(input, warnings);
		return cd_save_failed(progress, input, error);
	}
	if (!cd_report_writer_finish_file(writer, fd, &error))
		return cd_save_failed(progress, g_get_prgname(), error);
	cd_cmd_print_warnings(input, warnings);

	in.crash_time = crash_time;
	in.release = uts != NULL ? uts->release
				 : cd_vmcoreinfo_get_osrelease(cd_vmcore_get_vmcoreinfo(vmcore));
	in.version = uts != NULL ? uts->version : NULL;
	in.machine = uts != NULL ? uts->machine : cd_vmcore_get_arch(vmcore)->name;
	in.dmesg_tail = tail->str;
	in.dmesg_lines = result.lines;
	in.dmesg_bytes = result.bytes;
	/* until the dump is done, meta.json says what is true if the capture dies now */
	in.dump_omitted_reason = no_dump ? "not requested (--no-dump)"
					 : "the capture stopped before the dump was finished";
	if (!cd_save_finish(writer, &in, &report, &error))
		return cd_save_failed(progress, g_get_prgname(), error);
	if (!no_dump) {
		g_autoptr(GPtrArray) dump_warnings = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(CdKdumpWriter) kdump = NULL;
		g_autofree gchar *meta = NULL;
		gsize meta_len = 0;
		CdSaveDumpProgress dump_progress = { .progress = progress, .percent = -1 };

		cd_progress_send(progress, "stage", "Writing the memory dump");
		in.dump_written = cd_save_dump(vmcore,
					       store,
					       writer,
					       &dump_opts,
					       progress != NULL ? &dump_progress : NULL,
					       &kdump,
					       &dump,
					       dump_warnings,
					       &omitted);
		if (omitted != NULL) {
			g_printerr("%s: no dump: %s\n", g_get_prgname(), omitted);
			cd_progress_send(progress, "stage", "No memory dump: %s", omitted);
		}
		in.dump_omitted_reason = omitted;
		dump.warnings = dump_warnings;
		report.meta.dump_omitted_reason = omitted;
		report.meta.dump = &dump;
		meta = cd_report_meta_build(&report.meta, &meta_len);
		if (!cd_report_writer_replace_file(writer,
						   CD_REPORT_FILE_META,
						   meta,
						   meta_len,
						   &error)) {
			/* the report stands; its meta.json still says the dump was not finished */
			g_printerr("%s: %s\n", g_get_prgname(), error->message);
			g_clear_error(&error);
			in.dump_written = FALSE;
		}
		dump_ok = in.dump_written;
	}
	cd_save_announce(store, writer, &in, &report);
	cd_progress_send(progress, "saved", "%s", cd_report_writer_get_id(writer));
	cd_save_apply_retention(store, &retention, cd_report_writer_get_id(writer));
	return warnings->len > 0 || !dump_ok ? CD_EXIT_PARTIAL : CD_EXIT_OK;
}

/* The record's time is the file's mtime, which a damaged backend or a wrong clock can set
 * to anything; a time a report id cannot carry (before 1970, after 9999) must not cost
 * the report nor leave the record to fail again at every boot */
static gint64
cd_save_pstore_crash_time(const CdPstoreCrash *crash,
			  const gchar *pstore_dir,
			  GPtrArray *meta_warnings)
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
	CdSaveRetention retention = { .max_reports = -1, .max_total_size = -1 };
	/* clang-format off */
	const GOptionEntry entries[] = {
		CD_CMD_OPTION_CONFIG(&config_path),
		{ "pstore-dir", 'p', 0, G_OPTION_ARG_FILENAME, &pstore_dir,
		  "Where pstore is mounted (default: " CD_PSTORE_DIR ")", "DIR" },
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
		  "The report root (default: " CD_REPORT_ROOT_DEFAULT ")", "DIR" },
		CD_SAVE_OPTION_SYSROOT(&sysroot),
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
	cd_save_add_retention_entries(ctx, &retention);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	cd_save_apply_config(config_path, NULL, &retention);
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
	store = cd_save_open_store(dir, sysroot, open_warnings, &error);
	if (store == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_EXIT_FAILURE;
	}

	/* oldest first, so that report ids keep the order of the crashes */
	for (guint i = crashes->len; i > 0; i--) {
		const CdPstoreCrash *crash = g_ptr_array_index(crashes, i - 1);
		g_autoptr(GError) error_local = NULL;
		g_autoptr(GPtrArray) meta_warnings = g_ptr_array_new_with_free_func(g_free);
		gint64 crash_time = cd_save_pstore_crash_time(crash, pstore_dir, meta_warnings);
		g_autoptr(CdReportWriter) writer = NULL;
		g_auto(CdSaveReport) report = { NULL };
		gsize len = strlen(crash->text);
		/* what the summary and report.crash are made of: the log with nothing a
		 * terminal would act on; dmesg.txt keeps the bytes as evidence */
		g_autofree gchar *visible =
			cd_text_make_visible(crash->text,
					     (gssize)len,
					     CD_TEXT_FLAG_KEEP_NEWLINES | CD_TEXT_FLAG_KEEP_TABS);
		guint64 lines = 0;
		CdSaveInput in = {
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
		writer = cd_save_begin(store,
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
		    !cd_save_finish(writer, &in, &report, &error_local)) {
			g_printerr("%s: %s\n", g_get_prgname(), error_local->message);
			status = CD_EXIT_FAILURE;
			continue;
		}
		cd_save_announce(store, writer, &in, &report);
		/* only now that the report is on disk may the kernel's copy go */
		if (!cd_pstore_crash_remove_files(crash, &error_local)) {
			g_printerr("%s: %s\n", pstore_dir, error_local->message);
			status = CD_EXIT_FAILURE;
		}
	}
	/* the crashes just saved may be older than reports already kept: keep the newest */
	cd_save_apply_retention(store, &retention, NULL);
	return status;
}
