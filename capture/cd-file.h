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

/* a few small read windows over a large, untrusted file: memory does not grow with it */
#define CD_FILE_WINDOW_SIZE  (64 * 1024)
#define CD_FILE_WINDOW_COUNT 4

typedef struct {
	guint64 offset; /* aligned to CD_FILE_WINDOW_SIZE */
	gsize valid;	/* bytes read, less than the size at the end of the file */
	guint64 used;	/* for least-recently-used replacement */
	guint8 *data;	/* NULL while unused */
} CdFileWindow;

typedef struct {
	gint fd; /* not owned */
	guint64 file_size;
	guint64 clock;
	CdFileWindow windows[CD_FILE_WINDOW_COUNT];
} CdFileWindows;

void
cd_file_windows_init(CdFileWindows *self, gint fd, guint64 file_size);
gboolean
cd_file_windows_open(CdFileWindows *self, gint fd, guint64 *file_size, GError **error);
void
cd_file_windows_clear(CdFileWindows *self);
const guint8 *
cd_file_windows_get(CdFileWindows *self, guint64 offset, gsize *avail, GError **error);
gboolean
cd_file_windows_read(CdFileWindows *self,
		     guint64 offset,
		     guint8 *buf,
		     gsize len,
		     gboolean *short_file,
		     GError **error);

gboolean
cd_file_pread_full(gint fd, guint64 offset, guint8 *buf, gsize len, gsize *got, GError **error);

/* which part of a file cd_file_read_range() reads */
typedef enum {
	CD_FILE_RANGE_HEAD, /* its start: what is cut is after the range */
	CD_FILE_RANGE_TAIL, /* its end: what is cut is before the range */
} CdFileRange;

gchar *
cd_file_read_range(gint fd,
		   CdFileRange range,
		   gsize max,
		   gsize *len,
		   gboolean *cut,
		   GError **error);

gboolean
cd_file_check_regular(gint fd, struct stat *st, GError **error);
gint
cd_file_open_regular(gint dir_fd,
		     const gchar *path,
		     CdFileOpenFlags flags,
		     struct stat *st,
		     GError **error);
gchar *
cd_file_read_fd_text(gint fd, gsize max, gsize *len, GError **error);
gchar *
cd_file_read_text(const gchar *path, gsize max, gsize *len, GError **error);

gboolean
cd_file_name_is_plain(const gchar *name);
gboolean
cd_file_write_all(gint fd, const gchar *data, gsize len, const gchar *what, GError **error);

G_END_DECLS
