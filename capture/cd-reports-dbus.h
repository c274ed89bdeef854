/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-reports-generated.h"

G_BEGIN_DECLS

const gchar *
cd_reports_dbus_bus_name(void);
const gchar *
cd_reports_dbus_object_path(void);

G_END_DECLS
