/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-config.h"
#include "cd-crash-analysis.h"
#include "cd-report-meta.h"
#include "cd-report-store.h"
#include "cd-report-writer.h"

G_BEGIN_DECLS

/* a report of crashdesk save or pstore: written, announced, the old ones retired */

/* --sysroot, for tests: the installed layout under another directory than / */
#define CD_PUBLISH_OPTION_SYSROOT(path)                                                            \
	{                                                                                          \
		"sysroot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, (path),                 \
			"Lay the reports out under DIR as under / (for tests)", "DIR"              \
	}

/* -1: from the configuration */
typedef struct {
	gint max_reports;
	gint64 max_total_size;
} CdPublishRetention;

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
} CdPublishInput;

/* the pieces meta.json is built from, kept for its rewrite once the dump is done */
typedef struct {
	CdCrashAnalysis *analysis;
	CdReportMetaInput meta;
} CdPublishReport;

void
cd_publish_report_clear(CdPublishReport *report);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdPublishReport, cd_publish_report_clear)

void
cd_publish_add_retention_entries(GOptionContext *ctx, CdPublishRetention *retention);
CdConfig *
cd_publish_load_config(const gchar *config_path);
void
cd_publish_retention_from_config(CdPublishRetention *retention, const CdConfig *config);
CdReportStore *
cd_publish_open_store(const gchar *dir, const gchar *sysroot, GPtrArray *warnings, GError **error);
CdReportWriter *
cd_publish_begin(CdReportStore *store, gint64 time, GPtrArray *warnings, GError **error);
gboolean
cd_publish_finish(CdReportWriter *writer,
		  const CdPublishInput *in,
		  CdPublishReport *report,
		  GError **error);
void
cd_publish_announce(CdReportStore *store,
		    CdReportWriter *writer,
		    const CdPublishInput *in,
		    CdPublishReport *report);
void
cd_publish_apply_retention(CdReportStore *store,
			   const CdPublishRetention *retention,
			   const gchar *keep_id);

G_END_DECLS
