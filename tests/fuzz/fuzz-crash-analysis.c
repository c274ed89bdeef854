/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-crash-analysis.h"

/* libFuzzer target: the bytes are a crashed kernel's log; analyse it fully */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdCrashAnalysis) analysis =
		cd_crash_analysis_new_from_text((const gchar *)data, size);
	GPtrArray *frames = cd_crash_analysis_get_backtrace(analysis);

	/* every output must be a string the report can hold */
	g_assert_nonnull(cd_crash_analysis_get_kind(analysis));
	g_assert_nonnull(cd_crash_analysis_get_signature(analysis));
	g_assert_nonnull(cd_crash_analysis_get_taint_words(analysis));
	g_assert_nonnull(cd_crash_analysis_get_modules(analysis));
	for (guint i = 0; frames != NULL && i < frames->len; i++) {
		const CdCrashFrame *f = g_ptr_array_index(frames, i);
		g_assert_true(g_utf8_validate(f->symbol, -1, NULL));
	}
	return 0;
}
