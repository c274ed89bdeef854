/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "cd-error.h"

G_BEGIN_DECLS

typedef enum {
	CD_FILE_OPEN_NONE = 0,
	CD_FILE_OPEN_NOFOLLOW = 1 << 0, /* a symbolic link is refused, not followed */
} CdFileOpenFlags;

gint
cd_file_open_regular(gint dir_fd,
		     const gchar *path,
		     CdFileOpenFlags flags,
		     struct stat *st,
		     GError **error);

G_END_DECLS
