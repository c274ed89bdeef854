/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-error.h"

G_BEGIN_DECLS

/*
 * the limits of state.json (capture/REPORT-FORMAT.md, capture/state.schema.json): what
 * is read back is checked against them, and nothing is recorded beyond them
 */
#define CD_REPORT_STATE_MAX_SIZE	(64 * 1024)
#define CD_REPORT_STATE_MAX_DEPTH	4
#define CD_REPORT_STATE_MAX_SUBMISSIONS 100
#define CD_REPORT_STATE_MAX_TRACKER	64
#define CD_REPORT_STATE_MAX_URL		2048
#define CD_REPORT_STATE_MAX_TIME	64

/* one report sent to a bug tracker */
typedef struct {
	gchar *tracker; /* [a-z0-9._-], 1 to CD_REPORT_STATE_MAX_TRACKER bytes */
	gchar *url;	/* http(s), printable ASCII, a host, no user information */
	gchar *time;	/* ISO 8601, when it was recorded */
} CdReportSubmission;

/* state.json: what the helper remembers of a report on behalf of its readers */
typedef struct {
	gboolean seen;
	GPtrArray *submissions; /* of CdReportSubmission, oldest first */
} CdReportState;

CdReportState *
cd_report_state_new(void);
void
cd_report_state_free(CdReportState *self);
CdReportState *
cd_report_state_new_from_data(const gchar *data, gsize len, GError **error);
gchar *
cd_report_state_to_data(const CdReportState *self, gsize *len);
gboolean
cd_report_state_add_submission(CdReportState *self,
			       const gchar *tracker,
			       const gchar *url,
			       GDateTime *time,
			       GError **error);
GVariant *
cd_report_state_to_variant(const CdReportState *self);
CdReportState *
cd_report_state_new_from_variant(GVariant *value, GError **error);

gboolean
cd_report_state_tracker_is_valid(const gchar *tracker);
gboolean
cd_report_state_url_is_valid(const gchar *url);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdReportState, cd_report_state_free)

G_END_DECLS
