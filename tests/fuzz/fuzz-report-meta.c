/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-report-meta.h"

/* libFuzzer target: the bytes are a meta.json, read back as list and show do */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdReportSummary) summary =
		cd_report_summary_new_from_data((const gchar *)data, size, NULL);

	if (summary != NULL)
		g_assert_nonnull(summary->id);
	return 0;
}
