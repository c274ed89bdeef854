/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

/*
 * the D-Bus error names of io.crashdesk.Reports1 beyond the org.freedesktop.DBus.Error
 * ones: crashdesk-helper answers them, and the CLI registers them (cd-helper-client.c)
 * so that it tells what the helper said. Documented in polkit/io.crashdesk.Reports1.xml.
 */
#define CD_HELPER_ERROR_NAME_NO_SUCH_REPORT "io.crashdesk.Reports1.Error.NoSuchReport"
#define CD_HELPER_ERROR_NAME_NO_DUMP	    "io.crashdesk.Reports1.Error.NoDump"
#define CD_HELPER_ERROR_NAME_DAMAGED	    "io.crashdesk.Reports1.Error.Damaged"
#define CD_HELPER_ERROR_NAME_BUSY	    "io.crashdesk.Reports1.Error.Busy"
#define CD_HELPER_ERROR_NAME_FAILED	    "io.crashdesk.Reports1.Error.Failed"
