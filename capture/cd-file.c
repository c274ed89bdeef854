/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdFile"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cd-file.h"

/**
 * cd_file_check_regular:
 * @st: (out): the file's status
 *
 * Refuses what is not a regular file: a FIFO or device would block or never end.
 */
gboolean
cd_file_check_regular(gint fd, struct stat *st, GError **error)
{
	if (fstat(fd, st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat");
		return FALSE;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED, "not a regular file");
		return FALSE;
	}
	return TRUE;
}

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
	if (!cd_file_check_regular(fd, st, error)) {
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

/**
 * cd_file_pread_full:
 * @got: (out): the bytes read, fewer than @len only at the end of the file
 *
 * pread() until @len bytes are read or the file ends, through EINTR.
 */
gboolean
cd_file_pread_full(gint fd, guint64 offset, guint8 *buf, gsize len, gsize *got, GError **error)
{
	*got = 0;
	while (*got < len) {
		gssize n = pread(fd, buf + *got, len - *got, (off_t)(offset + *got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cd_error_set_from_errno(error,
						errno,
						"cannot read at offset %" G_GUINT64_FORMAT,
						offset + *got);
			return FALSE;
		}
		if (n == 0)
			break;
		*got += (gsize)n;
	}
	return TRUE;
}

/**
 * cd_file_read_range:
 * @range: the start or the end of the file
 * @max: the most bytes returned, less than %G_MAXSIZE
 * @len: (out) (optional): the bytes returned, NUL not counted
 * @cut: (out) (optional): set when the file is longer than what was returned; %NULL
 *   when the whole file is needed: then a longer file is an error
 *
 * The one bounded read of a file: at most @max bytes of its start or of its end, never
 * more memory than that whatever the file's size. Only a regular file is read (a FIFO
 * or a device would block or never end). The size is taken by fstat() before and after
 * the read: a file that shrinks meanwhile is an error ("changed while it was read")
 * rather than a range that is neither its start nor its end, or that ends in zeros; a
 * tail of a file that grew is an error too (it is not the end any more); a head of one
 * says it was cut (or fails, without @cut).
 *
 * Returns: (transfer full): the bytes, followed by a NUL, or %NULL
 */
gchar *
cd_file_read_range(gint fd, CdFileRange range, gsize max, gsize *len, gboolean *cut, GError **error)
{
	g_autofree gchar *buf = NULL;
	struct stat st;
	guint64 size;
	guint64 from = 0;
	gsize want;
	gsize ask;
	gsize got = 0;
	gboolean longer;

	g_return_val_if_fail(max < G_MAXSIZE, NULL);

	if (!cd_file_check_regular(fd, &st, error))
		return NULL;
	size = (guint64)st.st_size;
	longer = size > max;
	if (longer && cut == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "larger than the %" G_GSIZE_FORMAT " bytes allowed (%" G_GUINT64_FORMAT
			    " bytes)",
			    max,
			    size);
		return NULL;
	}
	want = (gsize)MIN(size, (guint64)max);
	if (range == CD_FILE_RANGE_TAIL)
		from = size - want;
	/* a head read asks for one byte more: a file grown since fstat() shows as longer */
	ask = range == CD_FILE_RANGE_HEAD ? want + 1 : want;
	buf = g_malloc(ask + 1);
	if (!cd_file_pread_full(fd, from, (guint8 *)buf, ask, &got, error))
		return NULL;
	/* a second look at the size: a read that overlapped a truncation may end in zeros
	 * (tmpfs reads a page that went as a hole) without being short */
	if (fstat(fd, &st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat");
		return NULL;
	}
	if (got < want || (guint64)st.st_size < from + want ||
	    (range == CD_FILE_RANGE_TAIL && (guint64)st.st_size != size)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_TRUNCATED,
			    "changed while it was read (%" G_GUINT64_FORMAT
			    " bytes, then %" G_GUINT64_FORMAT ")",
			    size,
			    (guint64)st.st_size);
		return NULL;
	}
	if (got > want || (guint64)st.st_size > size) {
		/* grew: what was read is a start of it, not all of it */
		if (cut == NULL) {
			g_set_error_literal(error,
					    CD_ERROR,
					    CD_ERROR_TRUNCATED,
					    "changed while it was read (it grew)");
			return NULL;
		}
		longer = TRUE;
		got = want;
	}
	buf[got] = '\0';
	if (len != NULL)
		*len = got;
	if (cut != NULL)
		*cut = longer;
	return g_steal_pointer(&buf);
}

void
cd_file_windows_init(CdFileWindows *self, gint fd, guint64 file_size)
{
	memset(self, 0, sizeof(*self));
	self->fd = fd;
	self->file_size = file_size;
}

/* checks that @fd is a regular file, then sets the windows over all of it */
gboolean
cd_file_windows_open(CdFileWindows *self, gint fd, guint64 *file_size, GError **error)
{
	struct stat st;

	if (!cd_file_check_regular(fd, &st, error))
		return FALSE;
	*file_size = (guint64)st.st_size;
	cd_file_windows_init(self, fd, *file_size);
	return TRUE;
}

void
cd_file_windows_clear(CdFileWindows *self)
{
	for (guint i = 0; i < CD_FILE_WINDOW_COUNT; i++)
		g_clear_pointer(&self->windows[i].data, g_free);
}

/**
 * cd_file_windows_get:
 * @avail: (out): how many bytes from @offset the window holds; 0 past the end of the file
 *
 * Returns: the bytes at @offset, valid until the next call, or %NULL on a read error
 */
const guint8 *
cd_file_windows_get(CdFileWindows *self, guint64 offset, gsize *avail, GError **error)
{
	guint64 base = offset - offset % CD_FILE_WINDOW_SIZE;
	CdFileWindow *win = NULL;
	CdFileWindow *victim = &self->windows[0];

	self->clock++;
	for (guint i = 0; i < CD_FILE_WINDOW_COUNT; i++) {
		CdFileWindow *w = &self->windows[i];
		if (w->data != NULL && w->offset == base) {
			win = w;
			break;
		}
		if (w->data == NULL || w->used < victim->used)
			victim = w;
		if (w->data == NULL)
			break;
	}
	if (win == NULL) {
		gsize want = (gsize)MIN((guint64)CD_FILE_WINDOW_SIZE,
					self->file_size > base ? self->file_size - base : 0);
		win = victim;
		if (win->data == NULL)
			win->data = g_malloc(CD_FILE_WINDOW_SIZE);
		win->offset = base;
		if (!cd_file_pread_full(self->fd, base, win->data, want, &win->valid, error)) {
			win->offset = G_MAXUINT64;
			return NULL;
		}
	}
	win->used = self->clock;
	*avail = offset - base < win->valid ? win->valid - (gsize)(offset - base) : 0;
	return win->data + (offset - base);
}

/**
 * cd_file_windows_read:
 * @short_file: (out): set when the file ends before @len bytes; the caller says what
 *   was cut
 *
 * Copies file bytes through the windows; a short file is an error, never zeros.
 */
gboolean
cd_file_windows_read(CdFileWindows *self,
		     guint64 offset,
		     guint8 *buf,
		     gsize len,
		     gboolean *short_file,
		     GError **error)
{
	*short_file = FALSE;
	while (len > 0) {
		gsize avail;
		const guint8 *data = cd_file_windows_get(self, offset, &avail, error);

		if (data == NULL)
			return FALSE;
		if (avail == 0) {
			*short_file = TRUE;
			return FALSE;
		}
		avail = MIN(len, avail);
		memcpy(buf, data, avail);
		buf += avail;
		offset += avail;
		len -= avail;
	}
	return TRUE;
}

/*
 * All of a small file whose size is not known in advance (/proc and /sys report 0), as text
 * ending in NUL; longer than max bytes is an error, not a cut.
 */
gchar *
cd_file_read_fd_text(gint fd, gsize max, gsize *len, GError **error)
{
	g_autoptr(GString) buf = g_string_sized_new(MIN(max, 4096) + 1);

	for (;;) {
		gchar chunk[4096];
		gssize got = read(fd, chunk, sizeof(chunk));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cd_error_set_from_errno(error, errno, "cannot read");
			return NULL;
		}
		if (got == 0)
			break;
		if (buf->len + (gsize)got > max) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "larger than the %" G_GSIZE_FORMAT " bytes read at most",
				    max);
			return NULL;
		}
		g_string_append_len(buf, chunk, got);
	}
	if (len != NULL)
		*len = buf->len;
	return g_string_free(g_steal_pointer(&buf), FALSE);
}

gchar *
cd_file_read_text(const gchar *path, gsize max, gsize *len, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gchar *text;
	gint fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, NULL, &error_local);

	if (fd < 0) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	text = cd_file_read_fd_text(fd, max, len, error);
	g_close(fd, NULL);
	return text;
}

/* a name of an entry in a directory: no slash, not . or .. */
gboolean
cd_file_name_is_plain(const gchar *name)
{
	return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
	       g_strcmp0(name, ".") != 0 && g_strcmp0(name, "..") != 0;
}

/* all of @data, through short writes and EINTR; @what names it in the error */
gboolean
cd_file_write_all(gint fd, const gchar *data, gsize len, const gchar *what, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cd_error_set_from_errno(error, errno, "cannot write %s", what);
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}
