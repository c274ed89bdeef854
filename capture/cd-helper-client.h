/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* the CLI's side of io.crashdesk.Reports1, for `crashdesk list` and `show` when not root */
typedef struct _CdHelperClient CdHelperClient;

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
void
cd_helper_client_free(CdHelperClient *self);
GPtrArray *
cd_helper_client_list(CdHelperClient *self, GError **error);
gchar *
cd_helper_client_get_report(CdHelperClient *self,
			    const gchar *id,
			    gchar **panic_text,
			    GError **error);
gboolean
cd_helper_client_can_ask_password(CdHelperClient *self);
gboolean
cd_helper_client_error_is_denied(const GError *error);
gboolean
cd_helper_client_error_is_unavailable(const GError *error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHelperClient, cd_helper_client_free)

G_END_DECLS
