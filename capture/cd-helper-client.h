/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "cd-report-meta.h"
#include "cd-report-state.h"

G_BEGIN_DECLS

/*
 * a client of io.crashdesk.Reports1 (crashdesk-helper) through the proxy generated from
 * its XML: `crashdesk list` and `show` when not root, the notifier and the reporter
 */
typedef struct _CdHelperClient CdHelperClient;

/* a report as List sends it: what `crashdesk list` prints, or why it cannot be read */
typedef struct {
	gchar *id;
	CdReportSummary *summary; /* NULL when the report is damaged */
	gchar *problem;		  /* why summary is NULL, made visible */
	gboolean seen;
	guint submissions;
} CdHelperListEntry;

/* a report as GetReport sends it; every text made visible by the helper */
typedef struct {
	gchar *meta; /* meta.json */
	gchar *panic_text;
	gboolean panic_text_truncated;
	gchar *report_crash;
	gboolean report_crash_truncated;
	CdReportState *state;
} CdHelperReport;

/* the errors crashdesk-helper answers besides org.freedesktop.DBus.Error ones */
#define CD_HELPER_CLIENT_ERROR (cd_helper_client_error_quark())

typedef enum {
	CD_HELPER_CLIENT_ERROR_NO_SUCH_REPORT,
	CD_HELPER_CLIENT_ERROR_NO_DUMP,
	CD_HELPER_CLIENT_ERROR_DAMAGED,
	CD_HELPER_CLIENT_ERROR_BUSY,
	CD_HELPER_CLIENT_ERROR_FAILED,
} CdHelperClientError;

GQuark
cd_helper_client_error_quark(void);

CdHelperClient *
cd_helper_client_new(GError **error);
CdHelperClient *
cd_helper_client_new_for_connection(GDBusConnection *connection,
				    gboolean interactive,
				    GError **error);
void
cd_helper_client_free(CdHelperClient *self);
GPtrArray *
cd_helper_client_list(CdHelperClient *self, GError **error);
CdHelperReport *
cd_helper_client_get_report(CdHelperClient *self, const gchar *id, GError **error);
void
cd_helper_list_entry_free(CdHelperListEntry *entry);
void
cd_helper_report_free(CdHelperReport *report);
GPtrArray *
cd_helper_client_parse_list(GVariant *reports, GError **error);
CdHelperReport *
cd_helper_client_parse_report(GVariant *report, GError **error);
gboolean
cd_helper_client_can_ask_password(CdHelperClient *self);
gboolean
cd_helper_client_error_is_denied(const GError *error);
gboolean
cd_helper_client_error_is_unavailable(const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHelperClient, cd_helper_client_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHelperReport, cd_helper_report_free)

G_END_DECLS
