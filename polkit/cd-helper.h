/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CD_HELPER_ACTION_NOTIFY "io.crashdesk.reports.notify"
#define CD_HELPER_ACTION_READ	"io.crashdesk.reports.read"
#define CD_HELPER_ACTION_MANAGE "io.crashdesk.reports.manage"

/*
 * the limits of the interface, documented in polkit/README.md; the one per user keeps
 * one user's calls held at a password prompt from filling the helper
 */
#define CD_HELPER_MAX_IN_FLIGHT		 16
#define CD_HELPER_MAX_IN_FLIGHT_PER_USER 4
#define CD_HELPER_MAX_LIST		 1000
#define CD_HELPER_MAX_TEXT		 (4 * 1024 * 1024)
/* how long a change of the store waits for its lock (a capture holds it) before Busy */
#define CD_HELPER_LOCK_TIMEOUT_MS 3000

#define CD_TYPE_HELPER (cd_helper_get_type())
G_DECLARE_FINAL_TYPE(CdHelper, cd_helper, CD, HELPER, GObject)

CdHelper *
cd_helper_new(const gchar *root);
gboolean
cd_helper_export(CdHelper *self, GDBusConnection *connection, GError **error);
void
cd_helper_set_auth_timeout(CdHelper *self, gint timeout_ms);
void
cd_helper_set_idle_timeout(CdHelper *self, guint seconds);

G_END_DECLS
