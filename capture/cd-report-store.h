/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "cd-error.h"
#include "cd-file.h"

G_BEGIN_DECLS

/* The reports sit one level below a directory that only root may enter and that holds
 * nothing but the root: its link count and times, all that others can see, never change
 * when reports come and go. The old layout kept them directly in /var/crash/kernel. */
#define CD_REPORT_ROOT_DEFAULT "/var/crash/kernel/reports"

/* named limits on what a report directory may hold when read back */
#define CD_REPORT_MAX_META_SIZE (1024 * 1024)
#define CD_REPORT_MAX_TEXT_SIZE (256 * 1024 * 1024)
#define CD_REPORT_MAX_FILES	64
#define CD_REPORT_MAX_REPORTS	10000

/* the files of a report, see capture/REPORT-FORMAT.md */
#define CD_REPORT_FILE_META   "meta.json"
#define CD_REPORT_FILE_DMESG  "dmesg.txt"
#define CD_REPORT_FILE_APPORT "report.crash"
#define CD_REPORT_FILE_DUMP   "dump.kdump"
#define CD_REPORT_FILE_STATE  "state.json"

gboolean
cd_report_id_is_valid(const gchar *id);
gchar *
cd_report_id_new(GDateTime *time, const gchar *suffix_hex);

typedef enum {
	CD_REPORT_STORE_FLAG_NONE = 0,
	CD_REPORT_STORE_FLAG_CREATE = 1 << 0, /* create the root (mode 0700) if missing */
	/* the root's parent is the level that hides it (the installed layout): with CREATE it
	 * is made 0700 and the reports of the old layout found in it are moved into the root */
	CD_REPORT_STORE_FLAG_HIDDEN = 1 << 1,
} CdReportStoreFlags;

/* the most entries one sweep of leftovers looks at: the bound on its work before a save */
#define CD_REPORT_STORE_SWEEP_MAX_ENTRIES 16384
/* the deepest a leftover's tree is followed */
#define CD_REPORT_STORE_SWEEP_MAX_DEPTH 16

#define CD_TYPE_REPORT_STORE (cd_report_store_get_type())
G_DECLARE_FINAL_TYPE(CdReportStore, cd_report_store, CD, REPORT_STORE, GObject)


CdReportStore *
cd_report_store_new(const gchar *root, CdReportStoreFlags flags, GError **error);
const gchar *
cd_report_store_get_root(CdReportStore *self);
void
cd_report_store_set_lock_timeout(CdReportStore *self, guint timeout_ms);
GPtrArray *
cd_report_store_take_warnings(CdReportStore *self);
guint
cd_report_store_get_moved(CdReportStore *self);
gboolean
cd_report_store_find_old_layout(const gchar *root, guint *count, GError **error);
GPtrArray *
cd_report_store_list(CdReportStore *self, GError **error);
gboolean
cd_report_store_has(CdReportStore *self, const gchar *id);
gchar *
cd_report_store_read_range(CdReportStore *self,
			   const gchar *id,
			   const gchar *name,
			   CdFileRange range,
			   gsize max,
			   gsize *len,
			   gboolean *cut,
			   GError **error);
/* a report's state.json, whole, at most CD_REPORT_STATE_MAX_SIZE bytes: the counterpart of
 * cd_report_store_write_state() */
gchar *
cd_report_store_read_state(CdReportStore *self, const gchar *id, gsize *len, GError **error);
/* a report's meta.json, whole, at most CD_REPORT_MAX_META_SIZE bytes */
gchar *
cd_report_store_read_meta(CdReportStore *self, const gchar *id, gsize *len, GError **error);
gint
cd_report_store_open_file(CdReportStore *self, const gchar *id, const gchar *name, GError **error);
guint64
cd_report_store_get_size(CdReportStore *self, const gchar *id);
gboolean
cd_report_store_delete(CdReportStore *self, const gchar *id, GError **error);
gboolean
cd_report_store_write_state(CdReportStore *self,
			    const gchar *id,
			    const gchar *data,
			    gsize len,
			    GError **error);
GPtrArray *
cd_report_store_apply_retention(CdReportStore *self,
				guint max_reports,
				guint64 max_total_size,
				const gchar *keep_id,
				GError **error);
gboolean
cd_report_store_remove_leftovers(CdReportStore *self, guint *removed, GError **error);

G_END_DECLS
