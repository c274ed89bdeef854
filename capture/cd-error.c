/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdError"

#include "config.h"

#include "cd-error.h"

GQuark
cd_error_quark(void)
{
	return g_quark_from_static_string("crashdesk-error-quark");
}

/**
 * cd_error_set_from_errno:
 * @errsv: the saved errno
 * @format: what failed, e.g. "cannot open %s"
 *
 * Sets a G_FILE_ERROR for a failed system call: "what failed: strerror".
 */
void
cd_error_set_from_errno(GError **error, gint errsv, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *what = NULL;

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error,
		    G_FILE_ERROR,
		    g_file_error_from_errno(errsv),
		    "%s: %s",
		    what,
		    g_strerror(errsv));
}
