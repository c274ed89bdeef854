/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <sys/statvfs.h>

#include "cd-report-writer.h"
#include "cd-cmd.h"
#include "cd-dmesg.h"
#include "cd-dump-estimate.h"
#include "cd-kdump-writer.h"
#include "cd-progress.h"
#include "cd-report-publish.h"
#include "cd-utsname.h"

/* crashdesk save: the report from a vmcore, and its dump */

/* the end of the log kept in memory for the analysis and apport's VmCoreDmesg */
#define CD_SAVE_TAIL_MAX (16 * 1024 * 1024)

/* --dump-level, --threads, --keep-free; -1: from the configuration */
typedef struct {
	gint dump_level;
	gint threads;
	gint64 keep_free;
	gint keep_free_percent;
} CdSaveDumpOptions;

/* the configuration fills what the options left unset */
static void
cd_save_apply_config(const gchar *config_path,
		     CdSaveDumpOptions *dump_opts,
		     CdPublishRetention *retention)
{
	g_autoptr(CdConfig) config = cd_publish_load_config(config_path);

	if (dump_opts->dump_level < 0)
		dump_opts->dump_level = (gint)config->dump_level;
	if (dump_opts->threads < 0)
		dump_opts->threads = (gint)config->threads;
	if (dump_opts->keep_free < 0) {
		dump_opts->keep_free = config->keep_free;
		dump_opts->keep_free_percent = config->keep_free_percent;
	}
	cd_publish_retention_from_config(retention, config);
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
	CdPublishRetention retention = { .max_reports = -1, .max_total_size = -1 };
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
		CD_PUBLISH_OPTION_SYSROOT(&sysroot),
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
	CdPublishInput in = {
		.source = "kdump",
		.dmesg_warnings = warnings,
		.warnings = meta_warnings,
	};
	g_auto(CdPublishReport) report = { NULL };
	CdReportMetaDump dump = { NULL };
	g_autofree gchar *omitted = NULL;
	g_autoptr(CdProgress) progress = NULL;
	gboolean dump_ok = TRUE;
	gint64 crash_time = -1;
	gint fd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	cd_publish_add_retention_entries(ctx, &retention);
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

	store = cd_publish_open_store(dir, sysroot, meta_warnings, &error);
	if (store == NULL)
		return cd_save_failed(progress, g_get_prgname(), error);
	writer = cd_publish_begin(store,
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
	if (!cd_publish_finish(writer, &in, &report, &error))
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
	cd_publish_announce(store, writer, &in, &report);
	cd_progress_send(progress, "saved", "%s", cd_report_writer_get_id(writer));
	cd_publish_apply_retention(store, &retention, cd_report_writer_get_id(writer));
	return warnings->len > 0 || !dump_ok ? CD_EXIT_PARTIAL : CD_EXIT_OK;
}
