/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <string.h>

#include "cd-report-state.h"

/*
 * libFuzzer target: the bytes are a state.json, read back as the helper does; what is
 * read must be written and read again the same, through the file and through the bus
 */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdReportState) state =
		cd_report_state_new_from_data((const gchar *)data, size, NULL);
	g_autoptr(CdReportState) again = NULL;
	g_autoptr(CdReportState) from_bus = NULL;
	g_autoptr(GVariant) value = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *text_again = NULL;
	gsize len = 0;

	if (state == NULL)
		return 0;
	text = cd_report_state_to_data(state, &len);
	again = cd_report_state_new_from_data(text, len, NULL);
	g_assert_nonnull(again);
	text_again = cd_report_state_to_data(again, NULL);
	g_assert_cmpstr(text, ==, text_again);
	value = g_variant_ref_sink(cd_report_state_to_variant(state));
	from_bus = cd_report_state_new_from_variant(value, NULL);
	g_assert_nonnull(from_bus);
	g_assert_cmpuint(from_bus->submissions->len, ==, state->submissions->len);
	return 0;
}
