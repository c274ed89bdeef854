/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-error.h"

GQuark
cd_error_quark(void)
{
	return g_quark_from_static_string("crashdesk-error-quark");
}
