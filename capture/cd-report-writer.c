/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportWriter"

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>

#include "cd-report-store-private.h"
#include "cd-report-writer.h"

/*
 * One report being written: into `.partial-<id>`, renamed into place by the commit once
 * every file is on disk, removed if dropped before; files added after the commit (the
 * dump, meta.json's rewrite) are written under a hidden name and renamed into place.
 */

struct _CdReportWriter {
	GObject parent_instance;
	CdReportStore *store;
	gchar *id;
	gchar *partial;
	gint dir_fd;
	gboolean committed;
};

G_DEFINE_TYPE(CdReportWriter, cd_report_writer, G_TYPE_OBJECT)

static void
cd_report_writer_finalize(GObject *object)
{
	CdReportWriter *self = CD_REPORT_WRITER(object);

	if (self->dir_fd >= 0)
		g_close(self->dir_fd, NULL);
	/* not committed: the report must not appear, half or whole */
	if (!self->committed && self->partial != NULL) {
		g_autoptr(GError) error = NULL;
		if (!cd_report_store_remove_dir(self->store, self->partial, &error))
			g_warning("%s", error->message);
	}
	cd_report_store_lock(self->store, FALSE, NULL);
	g_object_unref(self->store);
	g_free(self->partial);
	g_free(self->id);
	G_OBJECT_CLASS(cd_report_writer_parent_class)->finalize(object);
}

static void
cd_report_writer_class_init(CdReportWriterClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_report_writer_finalize;
}

static void
cd_report_writer_init(CdReportWriter *self)
{
	self->dir_fd = -1;
}

/**
 * cd_report_store_begin:
 * @id: the new report's id
 *
 * Starts a report: takes the store's lock (held until the writer is dropped, so that a
 * dump can follow the commit), removes the leftovers of writers that were killed, and
 * creates `.partial-<id>`. Dropping the writer without cd_report_writer_commit()
 * removes it.
 *
 * Returns: (transfer full): the writer, or %NULL
 */
CdReportWriter *
cd_report_store_begin(CdReportStore *self, const gchar *id, GError **error)
{
	g_autoptr(CdReportWriter) writer = NULL;
	g_autofree gchar *partial = NULL;
	struct stat st;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), NULL);

	if (!cd_report_id_is_valid(id)) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "invalid report id");
		return NULL;
	}
	if (!cd_report_store_lock(self, TRUE, error))
		return NULL;
	/* from here the writer owns the lock: dropping it unlocks */
	writer = g_object_new(CD_TYPE_REPORT_WRITER, NULL);
	writer->store = g_object_ref(self);
	/* what it cannot remove must not cost this capture: the caller takes the warnings */
	cd_report_store_sweep_locked(self, NULL);
	if (fstatat(self->root_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_EXISTS, "report %s exists already", id);
		return NULL;
	}
	partial = g_strconcat(CD_REPORT_PARTIAL_PREFIX, id, NULL);
	if (mkdirat(self->root_fd, partial, 0700) < 0) {
		cd_error_set_from_errno(error, errno, "cannot create %s/%s", self->root, partial);
		return NULL;
	}
	writer->id = g_strdup(id);
	writer->partial = g_steal_pointer(&partial);
	writer->dir_fd = openat(self->root_fd,
				writer->partial,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (writer->dir_fd < 0) {
		cd_error_set_from_errno(error,
					errno,
					"cannot open %s/%s",
					self->root,
					writer->partial);
		return NULL;
	}
	return g_steal_pointer(&writer);
}

const gchar *
cd_report_writer_get_id(CdReportWriter *self)
{
	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), NULL);
	return self->id;
}

/**
 * cd_report_writer_create_file:
 * @name: a file name of the report
 *
 * Creates a new file in the report, mode 0600; it must not exist (O_EXCL) and cannot be
 * a link (O_NOFOLLOW). Hand the descriptor back to cd_report_writer_finish_file().
 *
 * Returns: a descriptor open for writing, or -1
 */
gint
cd_report_writer_create_file(CdReportWriter *self, const gchar *name, GError **error)
{
	gint fd;

	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), -1);
	g_return_val_if_fail(cd_file_name_is_plain(name), -1);
	g_return_val_if_fail(!self->committed, -1);

	fd = openat(self->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		cd_error_set_from_errno(error, errno, "cannot create %s", name);
	return fd;
}

/**
 * cd_report_writer_finish_file:
 * @fd: (transfer full): from cd_report_writer_create_file()
 *
 * Flushes the file to disk and closes it.
 */
gboolean
cd_report_writer_finish_file(CdReportWriter *self, gint fd, GError **error)
{
	gboolean ok = TRUE;

	if (fsync(fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot write a file of report %s", self->id);
		ok = FALSE;
	}
	if (close(fd) < 0 && ok) {
		cd_error_set_from_errno(error, errno, "cannot write a file of report %s", self->id);
		ok = FALSE;
	}
	return ok;
}

/**
 * cd_report_writer_add_file:
 *
 * Creates, writes and flushes a whole file of the report.
 */
gboolean
cd_report_writer_add_file(CdReportWriter *self,
			  const gchar *name,
			  const gchar *data,
			  gsize len,
			  GError **error)
{
	gint fd = cd_report_writer_create_file(self, name, error);

	if (fd < 0)
		return FALSE;
	if (!cd_file_write_all(fd, data, len, name, error)) {
		close(fd);
		return FALSE;
	}
	return cd_report_writer_finish_file(self, fd, error);
}

/**
 * cd_report_writer_remove_file:
 *
 * Removes a file the writer created, such as a dump that did not fit.
 */
gboolean
cd_report_writer_remove_file(CdReportWriter *self, const gchar *name, GError **error)
{
	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), FALSE);
	g_return_val_if_fail(cd_file_name_is_plain(name), FALSE);

	if (unlinkat(self->dir_fd, name, 0) < 0 && errno != ENOENT) {
		cd_error_set_from_errno(error, errno, "cannot remove %s", name);
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_report_writer_commit:
 *
 * Publishes the report: its directory is flushed, renamed from `.partial-<id>` to
 * `<id>` (never over an existing one) and the root is flushed, so that after a crash
 * of the machine itself the report is either all there or not at all.
 */
gboolean
cd_report_writer_commit(CdReportWriter *self, GError **error)
{
	CdReportStore *store = self->store;

	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), FALSE);
	g_return_val_if_fail(!self->committed, FALSE);

	if (fsync(self->dir_fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot write report %s", self->id);
		return FALSE;
	}
	if (renameat2(store->root_fd, self->partial, store->root_fd, self->id, RENAME_NOREPLACE) <
	    0) {
		if (errno == EEXIST)
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_EXISTS,
				    "report %s exists already",
				    self->id);
		else
			cd_error_set_from_errno(error, errno, "cannot publish report %s", self->id);
		return FALSE;
	}
	self->committed = TRUE;
	if (fsync(store->root_fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot flush %s", store->root);
		return FALSE;
	}
	return TRUE;
}

/* ---- files added to a published report, while the writer holds the lock ---- */

static gchar *
cd_report_writer_partial_name(const gchar *name)
{
	return g_strdup_printf(".%s" CD_REPORT_LATE_PARTIAL_SUFFIX, name);
}

/**
 * cd_report_writer_create_late_file:
 * @name: a file name of the report, such as `dump.kdump`
 *
 * Creates `.<name>.partial` (read-write, mode 0600, O_EXCL, O_NOFOLLOW) in a report
 * already published, for a file too long in the making to hold the report back: the
 * dump. Publish it with cd_report_writer_publish_late_file() or drop it with
 * cd_report_writer_discard_late_file(); one left by a writer that was killed is removed
 * by the next writer, under the lock.
 *
 * Returns: a descriptor, or -1
 */
gint
cd_report_writer_create_late_file(CdReportWriter *self, const gchar *name, GError **error)
{
	g_autofree gchar *partial = NULL;
	gint fd;

	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), -1);
	g_return_val_if_fail(cd_file_name_is_plain(name), -1);
	g_return_val_if_fail(self->committed, -1);

	partial = cd_report_writer_partial_name(name);
	fd = openat(self->dir_fd,
		    partial,
		    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		cd_error_set_from_errno(error,
					errno,
					"cannot create %s in report %s",
					partial,
					self->id);
	return fd;
}

/**
 * cd_report_writer_publish_late_file:
 * @fd: the descriptor cd_report_writer_create_late_file() gave; closed here
 *
 * Flushes the file and renames it to @name, never over an existing file.
 */
gboolean
cd_report_writer_publish_late_file(CdReportWriter *self, const gchar *name, gint fd, GError **error)
{
	g_autofree gchar *partial = cd_report_writer_partial_name(name);

	if (!cd_report_writer_finish_file(self, fd, error))
		return FALSE;
	if (renameat2(self->dir_fd, partial, self->dir_fd, name, RENAME_NOREPLACE) < 0) {
		cd_error_set_from_errno(error,
					errno,
					"cannot publish %s in report %s",
					name,
					self->id);
		return FALSE;
	}
	if (fsync(self->dir_fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot write report %s", self->id);
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_report_writer_discard_late_file:
 * @fd: the descriptor cd_report_writer_create_late_file() gave; closed here
 *
 * Removes the unfinished file: a dump that could not be written whole.
 */
void
cd_report_writer_discard_late_file(CdReportWriter *self, const gchar *name, gint fd)
{
	g_autofree gchar *partial = cd_report_writer_partial_name(name);

	if (fd >= 0)
		close(fd);
	if (unlinkat(self->dir_fd, partial, 0) < 0 && errno != ENOENT)
		g_warning("cannot remove %s in report %s: %s",
			  partial,
			  self->id,
			  g_strerror(errno));
	fsync(self->dir_fd);
}

/**
 * cd_report_writer_replace_file:
 *
 * Replaces a file of a published report atomically (`.<name>.new`, flushed, renamed over
 * it): how meta.json comes to say what became of the dump.
 */
gboolean
cd_report_writer_replace_file(CdReportWriter *self,
			      const gchar *name,
			      const gchar *data,
			      gsize len,
			      GError **error)
{
	g_autofree gchar *tmp = g_strdup_printf(".%s" CD_REPORT_LATE_NEW_SUFFIX, name);
	gint fd;

	g_return_val_if_fail(CD_IS_REPORT_WRITER(self), FALSE);
	g_return_val_if_fail(cd_file_name_is_plain(name), FALSE);
	g_return_val_if_fail(self->committed, FALSE);

	unlinkat(self->dir_fd, tmp, 0);
	fd = openat(self->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cd_error_set_from_errno(error,
					errno,
					"cannot create %s in report %s",
					tmp,
					self->id);
		return FALSE;
	}
	if (!cd_file_write_all(fd, data, len, name, error)) {
		close(fd);
		unlinkat(self->dir_fd, tmp, 0);
		return FALSE;
	}
	if (!cd_report_writer_finish_file(self, fd, error) ||
	    renameat(self->dir_fd, tmp, self->dir_fd, name) < 0) {
		if (error != NULL && *error == NULL)
			cd_error_set_from_errno(error,
						errno,
						"cannot replace %s in report %s",
						name,
						self->id);
		unlinkat(self->dir_fd, tmp, 0);
		return FALSE;
	}
	if (fsync(self->dir_fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot write report %s", self->id);
		return FALSE;
	}
	return TRUE;
}
