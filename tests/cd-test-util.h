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

/* a machine's /proc and /sys as status reads them: 4 GiB of RAM, nothing reserved, and
 * with @kexec a kernel that could reserve; remove it with cd_test_rm_rf() */
gchar *
cd_test_machine_tree_new(gboolean kexec);

G_END_DECLS
