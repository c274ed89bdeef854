/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include "cd-error.h"

G_DEFINE_QUARK(crashdesk-error-quark, cd_error)
