/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdFile"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "cd-file.h"

/**
 * cd_file_open_regular:
 * @dir_fd: the directory @path is relative to, or AT_FDCWD
 * @flags: %CD_FILE_OPEN_NOFOLLOW where a planted link must not redirect the read
 * @st: (out) (optional): the file's status
 *
 * Opens a file for reading, the way every reader of untrusted places must: O_NONBLOCK
 * so that a FIFO cannot hang the open (cleared once the type is known), and only a
 * regular file is accepted. Errors read "cannot open: ...", "a symbolic link" or
 * "not a regular file"; callers prefix what the file is.
 *
 * Returns: a blocking, read-only descriptor, or -1
 */
gint
cd_file_open_regular(gint dir_fd,
		     const gchar *path,
		     CdFileOpenFlags flags,
		     struct stat *st,
		     GError **error)
{
	gint open_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	struct stat st_local;
	gint fd;
	gint fl;

	if (flags & CD_FILE_OPEN_NOFOLLOW)
		open_flags |= O_NOFOLLOW;
	if (st == NULL)
		st = &st_local;
	fd = openat(dir_fd, path, open_flags);
	if (fd < 0 && errno == ELOOP && (flags & CD_FILE_OPEN_NOFOLLOW)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_UNSAFE, "a symbolic link");
		return -1;
	}
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open");
		return -1;
	}
	if (fstat(fd, st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat");
		g_close(fd, NULL);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED, "not a regular file");
		g_close(fd, NULL);
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		cd_error_set_from_errno(error, errno, "cannot clear O_NONBLOCK");
		g_close(fd, NULL);
		return -1;
	}
	return fd;
}
