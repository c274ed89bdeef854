/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what a command the test ran did: its exit status and all it wrote */
typedef struct {
	gint status;
	gchar *out; /* NUL-terminated, and may hold NULs of its own: see out_len */
	gsize out_len;
	gchar *err;
} CdTestRun;

void
cd_test_run(CdTestRun *r, const gchar *program, const gchar *const *args);
void
cd_test_run_clear(CdTestRun *r);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdTestRun, cd_test_run_clear)

G_END_DECLS
