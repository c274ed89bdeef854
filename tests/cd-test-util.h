/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* what the tests share that is not crashdesk's: scratch trees */
void
cd_test_rm_rf(const gchar *path);

G_END_DECLS
