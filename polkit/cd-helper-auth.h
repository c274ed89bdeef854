/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* how long polkitd may take to answer; when it may ask for a password, a person must
 * have the time to type it */
#define CD_HELPER_AUTH_TIMEOUT_MS	      25000
#define CD_HELPER_AUTH_INTERACTIVE_TIMEOUT_MS 120000
/* withdrawing a check is a courtesy to polkitd: nobody waits for its answer long */
#define CD_HELPER_AUTH_CANCEL_TIMEOUT_MS 5000

void
cd_helper_auth_check_async(GDBusConnection *connection,
			   const gchar *sender,
			   const gchar *action_id,
			   const gchar *message,
			   gboolean interactive,
			   gint timeout_ms,
			   GCancellable *cancellable,
			   GAsyncReadyCallback callback,
			   gpointer user_data);
gboolean
cd_helper_auth_check_finish(GAsyncResult *res, GError **error);

G_END_DECLS
