/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "cd-cleanup.h"
#include "cd-crash-analysis.h"
#include "cd-error.h"
#include "cd-report-store.h"

G_BEGIN_DECLS

/* the newest meta.json schema this code reads and writes; see REPORT-FORMAT.md */
#define CD_REPORT_META_SCHEMA 1

/* what list and show need of a report, read back from its meta.json; every string made
 * visible (cd-text.h), since all of them are shown to people */
typedef struct {
	gint schema;
	gchar *id;
	gchar *source;
	gchar *captured_at;
	gchar *crash_time; /* nullable */
	gchar *kind;
	gchar *message;	      /* nullable */
	gchar *panic_message; /* nullable */
	gchar *comm;	      /* nullable */
	gchar *ip_symbol;     /* nullable */
	gchar *release;	      /* nullable */
	gchar *signature;
	guint64 dmesg_lines;
	gboolean dmesg_complete;
	gchar *dump_file; /* nullable */
	guint64 dump_bytes;
	gchar *dump_omitted_reason; /* nullable */
} CdReportSummary;

CdReportSummary *
cd_report_summary_new_from_data(const gchar *data, gsize len, GError **error);
/* the summary of the report @id in @store: its meta.json, read bounded and checked */
CdReportSummary *
cd_report_summary_new_from_store(CdReportStore *store, const gchar *id, GError **error);
void
cd_report_summary_free(CdReportSummary *summary);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdReportSummary, cd_report_summary_free)

/* what a new meta.json says; every string nullable unless noted */
/* what became of the dump, when one was written */
typedef struct {
	const gchar *file; /* null: no dump, the input's dump_omitted_reason says why */
	guint dump_level;
	guint64 pages_total; /* pages the level keeps, zero pages included */
	guint64 pages_written;
	guint64 pages_partial; /* of them covered in part by the vmcore, the rest zeros */
	guint64 bytes;
	gboolean complete;
	const gchar *incomplete_reason;
	GPtrArray *warnings; /* of gchar*, nullable */
} CdReportMetaDump;

typedef struct {
	const gchar *id;     /* not null */
	const gchar *source; /* "kdump" or "pstore", not null */
	gint64 captured_at;  /* seconds since the epoch */
	gint64 crash_time;   /* seconds since the epoch, or -1 if unknown */
	const gchar *release;
	const gchar *version;
	const gchar *machine;
	CdCrashAnalysis *analysis; /* not null */
	guint64 dmesg_lines;
	guint64 dmesg_bytes;
	GPtrArray *dmesg_warnings; /* of gchar*, nullable: the log is complete */
	const gchar *dump_omitted_reason;
	const CdReportMetaDump *dump; /* nullable */
	GPtrArray *warnings;	      /* of gchar*, nullable: what the capture itself had to work
					 around (a crash time it could not use, leftovers it skipped) */
} CdReportMetaInput;

gchar *
cd_report_meta_build(const CdReportMetaInput *in, gsize *len);
gchar *
cd_report_meta_format_time(gint64 unix_time);
json_object *
cd_report_json_string_or_null(const gchar *s);

G_END_DECLS
