/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what went wrong with the input; failures of the system itself use G_FILE_ERROR */
#define CD_ERROR (cd_error_quark())

typedef enum {
	CD_ERROR_INVALID_DATA,	/* the bytes contradict the format or exceed a limit */
	CD_ERROR_NOT_FOUND,	/* something the format needs is absent */
	CD_ERROR_TRUNCATED,	/* the file ends before what is needed */
	CD_ERROR_NOT_SUPPORTED, /* a valid input of a kind not read (yet) */
	CD_ERROR_UNSAFE,	/* a place others could tamper with: refused */
	CD_ERROR_EXISTS,	/* would overwrite: refused */
	CD_ERROR_BUSY,		/* another holds what is needed: try again later */
} CdError;

GQuark
cd_error_quark(void);
void
cd_error_set_from_errno(GError **error, gint errsv, const gchar *format, ...) G_GNUC_PRINTF(3, 4);

G_END_DECLS
