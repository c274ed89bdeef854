/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-report-store.h"

G_BEGIN_DECLS

/* what the report writer uses of the store: its root, its lock, its sweep */

#define CD_REPORT_PARTIAL_PREFIX ".partial-"
/* files a writer adds to a published report: `.dump.kdump.partial`, `.meta.json.new` */
#define CD_REPORT_LATE_PARTIAL_SUFFIX ".partial"
#define CD_REPORT_LATE_NEW_SUFFIX     ".new"

struct _CdReportStore {
	GObject parent_instance;
	gchar *root;
	gint root_fd;
	guint lock_timeout_ms; /* 0: wait for the lock as long as it takes */
	GPtrArray *warnings;   /* of gchar*: what the store worked around, for the caller */
	guint moved;	       /* entries of the old layout moved into the root */
};

/* takes (@lock) or drops the store's lock, bounded by its lock timeout */
gboolean
cd_report_store_lock(CdReportStore *self, gboolean lock, GError **error);
/* removes an entry of the root and all it holds, as a sweep of its own */
gboolean
cd_report_store_remove_dir(CdReportStore *self, const gchar *name, GError **error);
/* with the lock held: the leftovers of killed writers and removals removed */
void
cd_report_store_sweep_locked(CdReportStore *self, guint *removed);

G_END_DECLS
