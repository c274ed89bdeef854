/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-apport.h"

/* libFuzzer target: the bytes are a .crash file; read it, and write it back */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdApportReport) report =
		cd_apport_report_new_from_data((const gchar *)data, size, NULL);
	g_autoptr(GBytes) again = NULL;

	if (report == NULL)
		return 0;
	again = cd_apport_report_to_bytes(report, NULL);
	return 0;
}
