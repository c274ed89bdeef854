/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

void
cd_test_dmesg_expect(const gchar *crashdesk, const gchar *path, const gchar *json_path);

G_END_DECLS
