/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-report-meta.h"
#include "cd-report-state.h"

G_BEGIN_DECLS

/* a report's message as List sends it: cut at a character boundary */
#define CD_REPORT_LIST_MAX_MESSAGE 1024

GVariant *
cd_report_list_entry_new(const gchar *id,
			 const CdReportSummary *summary,
			 const CdReportState *state);
GVariant *
cd_report_list_entry_new_damaged(const gchar *id, const gchar *problem);
CdReportSummary *
cd_report_list_entry_parse(GVariant *entry, gboolean *seen, guint *submissions, GError **error);

G_END_DECLS
