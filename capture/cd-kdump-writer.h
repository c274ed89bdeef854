/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-page-filter.h"
#include "cd-vmcore.h"

G_BEGIN_DECLS

/* pages are compressed in batches of this many, by as many threads as asked */
#define CD_KDUMP_WRITER_BATCH_PAGES 64
#define CD_KDUMP_WRITER_MAX_THREADS 64

typedef struct {
	guint64 pages_memory;  /* pfns that are memory */
	guint64 pages_planned; /* left by the filter */
	guint64 pages_zero;    /* of them zero pages, stored as one shared page */
	guint64 pages_written; /* stored in the file */
	guint64 pages_partial; /* of them pages the vmcore covers in part, the rest zeros */
	guint64 bytes;	       /* the file's size */
	gboolean complete;     /* FALSE: stopped early, flagged incomplete */
	gchar *incomplete_reason;
} CdKdumpWriterResult;

#define CD_TYPE_KDUMP_WRITER (cd_kdump_writer_get_type())
G_DECLARE_FINAL_TYPE(CdKdumpWriter, cd_kdump_writer, CD, KDUMP_WRITER, GObject)

CdKdumpWriter *
cd_kdump_writer_new(CdVmcore *vmcore, guint dump_level, GError **error);
void
cd_kdump_writer_set_threads(CdKdumpWriter *self, guint threads);
gboolean
cd_kdump_writer_plan(CdKdumpWriter *self, GError **error);
guint64
cd_kdump_writer_get_estimate(CdKdumpWriter *self);
const gchar *
cd_kdump_writer_get_warning(CdKdumpWriter *self);
/* called from the thread that writes, after each batch; must not block */
typedef void (*CdKdumpWriterProgressFunc)(guint64 pages_written,
					  guint64 pages_planned,
					  gpointer user_data);
void
cd_kdump_writer_set_progress(CdKdumpWriter *self,
			     CdKdumpWriterProgressFunc func,
			     gpointer user_data);

gboolean
cd_kdump_writer_write(CdKdumpWriter *self, gint fd, guint64 max_bytes, GError **error);
const CdKdumpWriterResult *
cd_kdump_writer_get_result(CdKdumpWriter *self);

G_END_DECLS
