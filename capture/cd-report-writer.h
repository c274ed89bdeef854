/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "cd-report-store.h"

G_BEGIN_DECLS

/* one report being written into a store: whole once committed, gone if dropped before */

#define CD_TYPE_REPORT_WRITER (cd_report_writer_get_type())
G_DECLARE_FINAL_TYPE(CdReportWriter, cd_report_writer, CD, REPORT_WRITER, GObject)

CdReportWriter *
cd_report_store_begin(CdReportStore *self, const gchar *id, GError **error);
gint
cd_report_writer_create_file(CdReportWriter *self, const gchar *name, GError **error);
gboolean
cd_report_writer_add_file(CdReportWriter *self,
			  const gchar *name,
			  const gchar *data,
			  gsize len,
			  GError **error);
gboolean
cd_report_writer_finish_file(CdReportWriter *self, gint fd, GError **error);
gboolean
cd_report_writer_remove_file(CdReportWriter *self, const gchar *name, GError **error);
gboolean
cd_report_writer_commit(CdReportWriter *self, GError **error);
gint
cd_report_writer_create_late_file(CdReportWriter *self, const gchar *name, GError **error);
gboolean
cd_report_writer_publish_late_file(CdReportWriter *self,
				   const gchar *name,
				   gint fd,
				   GError **error);
void
cd_report_writer_discard_late_file(CdReportWriter *self, const gchar *name, gint fd);
gboolean
cd_report_writer_replace_file(CdReportWriter *self,
			      const gchar *name,
			      const gchar *data,
			      gsize len,
			      GError **error);
const gchar *
cd_report_writer_get_id(CdReportWriter *self);

G_END_DECLS
