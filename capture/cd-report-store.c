/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportStore"

#include "config.h"

#include <glib/gstdio.h>
#include <sys/file.h>

#include "cd-text.h"
#include "cd-report-state.h"
#include "cd-report-store-private.h"
#include "cd-report-store.h"

/* The report root and the reports in it, the one implementation of the on-disk format
 * (capture/REPORT-FORMAT.md). Everything is reached through the root's directory fd,
 * never through a path built from a name, and with O_NOFOLLOW: a link planted in the
 * root cannot redirect a write or a read. A report is written into .partial-<id> and
 * renamed into place once every file is on disk, so a reader sees a complete report
 * or none; the files are never rewritten, but for state.json, which is replaced
 * atomically. An exclusive flock on the root serialises writers, so that the leftovers
 * of a writer that was killed can be removed by the next.
 *
 * In the installed layout (CD_REPORT_STORE_FLAG_HIDDEN) the root's parent is a
 * directory of its own, mode 0700, that holds nothing but the root: everything the
 * store creates, locks or removes is one level below it, so that what anyone can see
 * of it (its link count, size and times) is the same with no report and with many.
 * Leftovers the store cannot remove are skipped and reported, never a reason to fail a
 * capture: the warnings are kept for the caller (cd_report_store_take_warnings()). */

#define CD_REPORT_DELETING_PREFIX ".deleting-"
#define CD_REPORT_STATE_NEW	  ".state.json.new"

G_DEFINE_TYPE(CdReportStore, cd_report_store, G_TYPE_OBJECT)

/**
 * cd_report_id_is_valid:
 * @id: (nullable): a report id from anywhere, trusted or not
 *
 * Returns: %TRUE if @id has the form `YYYYMMDD-HHMMSS-xxxxxxxx` (8 lower-case hex digits)
 */
gboolean
cd_report_id_is_valid(const gchar *id)
{
	if (id == NULL || strlen(id) != 24)
		return FALSE;
	for (guint i = 0; i < 24; i++) {
		gchar c = id[i];
		if (i == 8 || i == 15) {
			if (c != '-')
				return FALSE;
		} else if (i < 15) {
			if (!g_ascii_isdigit(c))
				return FALSE;
		} else if (!g_ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) {
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * cd_report_id_new:
 * @time: when the crash happened; formatted in UTC
 * @suffix_hex: (nullable): 8 lower-case hex digits, or %NULL for random ones
 *
 * Returns: (transfer full): a new report id; ids sort in time order
 */
gchar *
cd_report_id_new(GDateTime *time, const gchar *suffix_hex)
{
	g_autoptr(GDateTime) utc = g_date_time_to_utc(time);
	g_autofree gchar *stamp = g_date_time_format(utc, "%Y%m%d-%H%M%S");
	g_autofree gchar *id = NULL;

	if (suffix_hex != NULL)
		id = g_strdup_printf("%s-%.8s", stamp, suffix_hex);
	else
		id = g_strdup_printf("%s-%08x", stamp, g_random_int());
	g_return_val_if_fail(cd_report_id_is_valid(id), NULL);
	return g_steal_pointer(&id);
}

static void
cd_report_store_finalize(GObject *object)
{
	CdReportStore *self = CD_REPORT_STORE(object);

	if (self->root_fd >= 0)
		g_close(self->root_fd, NULL);
	g_ptr_array_unref(self->warnings);
	g_free(self->root);
	G_OBJECT_CLASS(cd_report_store_parent_class)->finalize(object);
}

static void
cd_report_store_class_init(CdReportStoreClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_report_store_finalize;
}

static void
cd_report_store_init(CdReportStore *self)
{
	self->root_fd = -1;
	self->warnings = g_ptr_array_new_with_free_func(g_free);
}

static void G_GNUC_PRINTF(2, 3) cd_report_store_warn(CdReportStore *self, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(self->warnings, g_strdup_vprintf(format, args));
	va_end(args);
}

/* a directory's fd that reading does not mark as read: the atime of the hiding level
 * would otherwise tell others when the store last looked into it (O_NOATIME is for the
 * owner only; anyone else may read it anyway) */
static gint
cd_open_dir_noatime(gint dir_fd, const gchar *name)
{
	gint flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	gint fd = openat(dir_fd, name, flags | O_NOATIME);

	if (fd < 0 && errno == EPERM)
		fd = openat(dir_fd, name, flags);
	return fd;
}

/* the names the store makes in its root: reports, and what a writer or a deletion
 * that was stopped leaves */
static gboolean
cd_report_store_name_is_ours(const gchar *name)
{
	return cd_report_id_is_valid(name) || g_str_has_prefix(name, CD_REPORT_PARTIAL_PREFIX) ||
	       g_str_has_prefix(name, CD_REPORT_DELETING_PREFIX);
}

static gint
cd_report_store_open_root(const gchar *root, CdReportStoreFlags flags, GError **error)
{
	gint fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT && (flags & CD_REPORT_STORE_FLAG_CREATE)) {
		g_autofree gchar *parent = g_path_get_dirname(root);
		/* the parents are ordinary directories (/var/crash is 0755 on Debian) */
		if (g_mkdir_with_parents(parent, 0755) < 0 && errno != EEXIST) {
			cd_error_set_from_errno(error, errno, "cannot create %s", parent);
			return -1;
		}
		if (mkdir(root, 0700) < 0 && errno != EEXIST) {
			cd_error_set_from_errno(error, errno, "cannot create %s", root);
			return -1;
		}
		fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	if ((errno == ELOOP || errno == ENOTDIR) && lstat(root, &st) == 0 && S_ISLNK(st.st_mode)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is a symbolic link: reports are kept only in a real directory; "
			    "remove the link and run 'mkdir -m 0700 %s'",
			    root,
			    root);
		return -1;
	}
	if (errno == EACCES) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_ACCES,
			    "%s: permission denied: crash reports are readable by root only",
			    root);
		return -1;
	}
	cd_error_set_from_errno(error, errno, "cannot open %s", root);
	return -1;
}

/* reports are secret: only the user crashdesk runs as (root) may reach them */
static gboolean
cd_report_store_check_root(const gchar *root, gint fd, GError **error)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat %s", root);
		return FALSE;
	}
	if (st.st_uid != geteuid()) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is owned by uid %u, not by %s: others could change the reports; "
			    "run 'chown %s: %s'",
			    root,
			    (guint)st.st_uid,
			    geteuid() == 0 ? "root" : "the user crashdesk runs as",
			    geteuid() == 0 ? "root" : g_get_user_name(),
			    root);
		return FALSE;
	}
	if ((st.st_mode & 077) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is open to group or others (mode %04o): crash reports hold "
			    "kernel memory; run 'chmod 0700 %s'",
			    root,
			    (guint)(st.st_mode & 07777),
			    root);
		return FALSE;
	}
	return TRUE;
}

/* The level that hides the root: the caller's alone. It holds nothing but the root, so
 * its mode is the store's to set: one open to others would show them a link count and
 * times that change with the reports (the old layout kept them right here). */
static gint
cd_report_store_open_hiding(CdReportStore *self, const gchar *parent, GError **error)
{
	struct stat st;
	gint fd = cd_open_dir_noatime(AT_FDCWD, parent);

	if (fd < 0 && errno == ENOENT) {
		g_autofree gchar *grandparent = g_path_get_dirname(parent);
		/* /var/crash stays an ordinary directory: apport keeps users' crashes there */
		if (g_mkdir_with_parents(grandparent, 0755) < 0 && errno != EEXIST) {
			cd_error_set_from_errno(error, errno, "cannot create %s", grandparent);
			return -1;
		}
		if (mkdir(parent, 0700) < 0 && errno != EEXIST) {
			cd_error_set_from_errno(error, errno, "cannot create %s", parent);
			return -1;
		}
		fd = cd_open_dir_noatime(AT_FDCWD, parent);
	}
	if (fd < 0) {
		if ((errno == ELOOP || errno == ENOTDIR) && lstat(parent, &st) == 0 &&
		    S_ISLNK(st.st_mode)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_UNSAFE,
				    "%s is a symbolic link: reports are kept only in a real "
				    "directory; remove the link and run 'mkdir -m 0700 %s'",
				    parent,
				    parent);
			return -1;
		}
		cd_error_set_from_errno(error, errno, "cannot open %s", parent);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat %s", parent);
		close(fd);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is owned by uid %u, not by %s: others could swap the report root; "
			    "run 'chown %s: %s'",
			    parent,
			    (guint)st.st_uid,
			    geteuid() == 0 ? "root" : "the user crashdesk runs as",
			    geteuid() == 0 ? "root" : g_get_user_name(),
			    parent);
		close(fd);
		return -1;
	}
	if ((st.st_mode & 07777) != 0700 || st.st_gid != getegid()) {
		if (fchown(fd, (uid_t)-1, getegid()) < 0 || fchmod(fd, 0700) < 0) {
			cd_report_store_warn(self,
					     "%s is mode %04o and cannot be made 0700: %s; others "
					     "can tell how many reports there are",
					     parent,
					     (guint)(st.st_mode & 07777),
					     g_strerror(errno));
		} else {
			cd_report_store_warn(
				self,
				"%s was mode %04o, group %u: made it mode 0700, group %u, "
				"so that others cannot tell how many reports there are "
				"nor when the last came or went",
				parent,
				(guint)(st.st_mode & 07777),
				(guint)st.st_gid,
				(guint)getegid());
		}
	}
	return fd;
}

static GPtrArray *
cd_dir_list(gint dir_fd, guint max, const gchar *what, gboolean *truncated, GError **error);

/* the entries of the old layout among the names in the hiding level */
static guint
cd_report_store_count_old(GPtrArray *names, const gchar *root_name)
{
	guint count = 0;

	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		if (g_strcmp0(name, root_name) != 0 && cd_report_store_name_is_ours(name))
			count++;
	}
	return count;
}

/* Reports kept directly in the hiding level (the old layout) move into the root: a
 * rename within one file system, atomic, under the root's lock and under the lock on
 * the hiding level that the older versions took as their root's. Once nothing is left
 * to move, the hiding level is only read, never locked nor changed. */
static void
cd_report_store_migrate(CdReportStore *self, gint parent_fd, const gchar *parent)
{
	g_autofree gchar *root_name = g_path_get_basename(self->root);
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) error = NULL;
	gboolean truncated = FALSE;

	names = cd_dir_list(parent_fd, CD_REPORT_MAX_REPORTS * 2, parent, &truncated, &error);
	if (names == NULL) {
		cd_report_store_warn(self,
				     "the reports of the old layout in %s were not looked for: %s",
				     parent,
				     error->message);
		return;
	}
	if (cd_report_store_count_old(names, root_name) == 0)
		return;
	if (!cd_report_store_lock(self, TRUE, &error)) {
		cd_report_store_warn(self,
				     "the reports of the old layout in %s were not moved: %s",
				     parent,
				     error->message);
		return;
	}
	while (flock(parent_fd, LOCK_EX) < 0 && errno == EINTR)
		;
	/* again, under the locks: an older crashdesk may have just finished a report */
	g_clear_pointer(&names, g_ptr_array_unref);
	names = cd_dir_list(parent_fd, CD_REPORT_MAX_REPORTS * 2, parent, &truncated, NULL);
	for (guint i = 0; names != NULL && i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		if (g_strcmp0(name, root_name) == 0 || !cd_report_store_name_is_ours(name))
			continue;
		if (renameat2(parent_fd, name, self->root_fd, name, RENAME_NOREPLACE) < 0) {
			gint errsv = errno;
			g_autofree gchar *visible = cd_text_make_visible(name, -1, 0);
			if (errsv != ENOENT)
				cd_report_store_warn(self,
						     "%s/%s, of the old layout, stays where it is: "
						     "it cannot be moved into %s: %s",
						     parent,
						     visible,
						     self->root,
						     g_strerror(errsv));
			continue;
		}
		self->moved++;
	}
	if (truncated)
		cd_report_store_warn(self,
				     "%s holds more than %u entries: the rest of the old layout "
				     "is moved the next time",
				     parent,
				     CD_REPORT_MAX_REPORTS * 2);
	if (self->moved > 0) {
		fsync(self->root_fd);
		fsync(parent_fd);
	}
	flock(parent_fd, LOCK_UN);
	cd_report_store_lock(self, FALSE, NULL);
}

/**
 * cd_report_store_new:
 * @root: the report root, usually %CD_REPORT_ROOT_DEFAULT
 *
 * Opens the report root. A root that is a symbolic link, owned by another user than
 * the caller (root), or open to group or others is refused with a message saying how
 * to fix it: crashdesk does not silently change the permissions of a directory an
 * administrator set up. With %CD_REPORT_STORE_FLAG_HIDDEN and
 * %CD_REPORT_STORE_FLAG_CREATE, the root's parent, which holds nothing else, is made
 * 0700 (with a warning) and the reports of the old layout are moved from it into the
 * root (cd_report_store_get_moved()).
 *
 * Returns: (transfer full): the store, or %NULL
 */
CdReportStore *
cd_report_store_new(const gchar *root, CdReportStoreFlags flags, GError **error)
{
	g_autoptr(CdReportStore) self = g_object_new(CD_TYPE_REPORT_STORE, NULL);
	g_autofree gchar *parent = g_path_get_dirname(root);
	gint parent_fd = -1;

	self->root = g_strdup(root);
	if ((flags & CD_REPORT_STORE_FLAG_HIDDEN) && (flags & CD_REPORT_STORE_FLAG_CREATE)) {
		parent_fd = cd_report_store_open_hiding(self, parent, error);
		if (parent_fd < 0)
			return NULL;
	}
	self->root_fd = cd_report_store_open_root(root, flags, error);
	if (self->root_fd < 0 || !cd_report_store_check_root(root, self->root_fd, error)) {
		if (parent_fd >= 0)
			close(parent_fd);
		return NULL;
	}
	if (parent_fd >= 0) {
		cd_report_store_migrate(self, parent_fd, parent);
		close(parent_fd);
	}
	return g_steal_pointer(&self);
}

/**
 * cd_report_store_take_warnings:
 *
 * What the store worked around since it was opened or since the last call: leftovers
 * it removed or had to leave, a hiding level it made private, reports of the old layout
 * it could not move. Library code does not print: a caller logs them and keeps them in
 * the new report's meta.json.
 *
 * Returns: (transfer container) (element-type utf8): the warnings, maybe none
 */
GPtrArray *
cd_report_store_take_warnings(CdReportStore *self)
{
	GPtrArray *warnings;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), NULL);
	warnings = g_steal_pointer(&self->warnings);
	self->warnings = g_ptr_array_new_with_free_func(g_free);
	return warnings;
}

/**
 * cd_report_store_get_moved:
 *
 * Returns: how many reports and leftovers of the old layout the store moved into the
 * root when it was opened
 */
guint
cd_report_store_get_moved(CdReportStore *self)
{
	g_return_val_if_fail(CD_IS_REPORT_STORE(self), 0);
	return self->moved;
}

/**
 * cd_report_store_find_old_layout:
 * @root: a report root in the installed layout, such as %CD_REPORT_ROOT_DEFAULT
 * @count: (out): the reports and leftovers of the old layout in its parent
 *
 * Looks for what the old layout kept directly in the root's parent, which
 * opening the store with %CD_REPORT_STORE_FLAG_HIDDEN and %CD_REPORT_STORE_FLAG_CREATE
 * moves into the root. Reading the parent leaves its access time alone.
 */
gboolean
cd_report_store_find_old_layout(const gchar *root, guint *count, GError **error)
{
	g_autofree gchar *parent = g_path_get_dirname(root);
	g_autofree gchar *root_name = g_path_get_basename(root);
	g_autoptr(GPtrArray) names = NULL;
	gboolean truncated = FALSE;
	gint fd = cd_open_dir_noatime(AT_FDCWD, parent);

	*count = 0;
	if (fd < 0 && errno == ENOENT)
		return TRUE;
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", parent);
		return FALSE;
	}
	names = cd_dir_list(fd, CD_REPORT_MAX_REPORTS * 2, parent, &truncated, error);
	close(fd);
	if (names == NULL)
		return FALSE;
	*count = cd_report_store_count_old(names, root_name);
	return TRUE;
}

const gchar *
cd_report_store_get_root(CdReportStore *self)
{
	g_return_val_if_fail(CD_IS_REPORT_STORE(self), NULL);
	return self->root;
}

/* how often a bounded wait tries the lock again */
#define CD_REPORT_STORE_LOCK_POLL_MS 10

gboolean
cd_report_store_lock(CdReportStore *self, gboolean lock, GError **error)
{
	gint64 deadline = 0;
	gint op = lock ? LOCK_EX : LOCK_UN;

	if (lock && self->lock_timeout_ms > 0) {
		op |= LOCK_NB;
		deadline = g_get_monotonic_time() + (gint64)self->lock_timeout_ms * 1000;
	}
	while (flock(self->root_fd, op) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK && deadline > 0) {
			if (g_get_monotonic_time() >= deadline) {
				g_set_error(error,
					    CD_ERROR,
					    CD_ERROR_BUSY,
					    "%s is busy (a report is being saved or removed): "
					    "try again",
					    self->root);
				return FALSE;
			}
			g_usleep(CD_REPORT_STORE_LOCK_POLL_MS * 1000);
			continue;
		}
		cd_error_set_from_errno(error, errno, "cannot lock %s", self->root);
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_report_store_set_lock_timeout:
 * @timeout_ms: how long a change to the store waits for another's to finish; 0 (the
 *   default) waits as long as it takes
 *
 * A change that cannot take the store's lock in time fails with %CD_ERROR_BUSY. A
 * service that answers many callers sets a bound, so that a save in progress never
 * holds up its other callers.
 */
void
cd_report_store_set_lock_timeout(CdReportStore *self, guint timeout_ms)
{
	g_return_if_fail(CD_IS_REPORT_STORE(self));
	self->lock_timeout_ms = timeout_ms;
}

/* names in a directory fd, at most @max, "." and ".." left out; more than @max is an
 * error, or with @truncated the first @max */
static GPtrArray *
cd_dir_list(gint dir_fd, guint max, const gchar *what, gboolean *truncated, GError **error)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	gint fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
	DIR *dir;
	struct dirent *de;

	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot read %s", what);
		return NULL;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		cd_error_set_from_errno(error, errno, "cannot read %s", what);
		close(fd);
		return NULL;
	}
	rewinddir(dir);
	while ((de = readdir(dir)) != NULL) {
		if (g_strcmp0(de->d_name, ".") == 0 || g_strcmp0(de->d_name, "..") == 0)
			continue;
		if (names->len >= max && truncated != NULL) {
			*truncated = TRUE;
			break;
		}
		if (names->len >= max) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s holds more than %u entries",
				    what,
				    max);
			closedir(dir);
			return NULL;
		}
		g_ptr_array_add(names, g_strdup(de->d_name));
	}
	closedir(dir);
	return g_steal_pointer(&names);
}

/* a sweep's bounds: the file system it stays on, the entries it may still look at */
typedef struct {
	dev_t dev;
	guint budget;
} CdSweep;

static gboolean
cd_sweep_init(CdSweep *sweep, CdReportStore *self, GError **error)
{
	struct stat st;

	if (fstat(self->root_fd, &st) < 0) {
		cd_error_set_from_errno(error, errno, "cannot stat %s", self->root);
		return FALSE;
	}
	sweep->dev = st.st_dev;
	sweep->budget = CD_REPORT_STORE_SWEEP_MAX_ENTRIES;
	return TRUE;
}

/* Removes @name in @dir_fd and, for a directory, everything in it, depth first: a link
 * is removed, never followed; another file system (a mount point) is never entered; at
 * most the sweep's budget of entries and its depth. @path names it in messages. FALSE
 * with @error when something stays. */
static gboolean
cd_remove_tree_at(gint dir_fd,
		  const gchar *name,
		  const gchar *path,
		  CdSweep *sweep,
		  guint depth,
		  GError **error)
{
	struct stat st;
	struct dirent *de;
	gboolean ok = TRUE;
	DIR *dir;
	gint fd;

	if (sweep->budget == 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "more than %u entries to remove at once: the rest of %s is removed "
			    "the next time",
			    (guint)CD_REPORT_STORE_SWEEP_MAX_ENTRIES,
			    path);
		return FALSE;
	}
	sweep->budget--;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return TRUE;
		cd_error_set_from_errno(error, errno, "cannot stat %s", path);
		return FALSE;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT) {
			cd_error_set_from_errno(error, errno, "cannot remove %s", path);
			return FALSE;
		}
		return TRUE;
	}
	if (depth >= CD_REPORT_STORE_SWEEP_MAX_DEPTH) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s is nested more than %u directories deep",
			    path,
			    (guint)CD_REPORT_STORE_SWEEP_MAX_DEPTH);
		return FALSE;
	}
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", path);
		return FALSE;
	}
	/* checked on what was opened: nothing can be swapped in between */
	if (fstat(fd, &st) < 0 || st.st_dev != sweep->dev) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is another file system (a mount point): not entered",
			    path);
		close(fd);
		return FALSE;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		cd_error_set_from_errno(error, errno, "cannot read %s", path);
		close(fd);
		return FALSE;
	}
	while (ok && (de = readdir(dir)) != NULL) {
		g_autofree gchar *child = NULL;
		if (g_strcmp0(de->d_name, ".") == 0 || g_strcmp0(de->d_name, "..") == 0)
			continue;
		child = g_build_filename(path, de->d_name, NULL);
		ok = cd_remove_tree_at(dirfd(dir), de->d_name, child, sweep, depth + 1, error);
	}
	closedir(dir);
	if (ok && unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
		cd_error_set_from_errno(error, errno, "cannot remove %s", path);
		ok = FALSE;
	}
	return ok;
}

/* removes an entry of the root and all it holds, as a sweep of its own */
gboolean
cd_report_store_remove_dir(CdReportStore *self, const gchar *name, GError **error)
{
	g_autofree gchar *path = g_build_filename(self->root, name, NULL);
	CdSweep sweep;

	return cd_sweep_init(&sweep, self, error) &&
	       cd_remove_tree_at(self->root_fd, name, path, &sweep, 0, error);
}

/* the warnings of one sweep: each leftover named up to a bound, then a count, so that a
 * root full of them cannot swell meta.json past what readers take */
#define CD_REPORT_STORE_SWEEP_MAX_WARNINGS 8

typedef struct {
	CdReportStore *store;
	CdSweep sweep;
	guint removed;
	guint kept;
	guint named;
} CdSweepLog;

static void
cd_sweep_log(CdSweepLog *log, const gchar *path, const gchar *what, const GError *error)
{
	g_autofree gchar *visible = NULL;

	if (error == NULL)
		log->removed++;
	else
		log->kept++;
	if (log->named++ >= CD_REPORT_STORE_SWEEP_MAX_WARNINGS)
		return;
	/* names come from the disk: never a control character in a log or on a terminal */
	visible = cd_text_make_visible(path, -1, CD_TEXT_FLAG_NONE);
	if (error == NULL) {
		cd_report_store_warn(log->store, "removed %s, %s", visible, what);
	} else {
		g_autofree gchar *reason = cd_text_make_visible(error->message, -1, 0);
		cd_report_store_warn(log->store, "left %s in place, %s: %s", visible, what, reason);
	}
}

static void
cd_sweep_remove(CdSweepLog *log,
		gint dir_fd,
		const gchar *name,
		const gchar *path,
		const gchar *what)
{
	g_autoptr(GError) error = NULL;

	cd_remove_tree_at(dir_fd, name, path, &log->sweep, 0, &error);
	cd_sweep_log(log, path, what, error);
}

/* the dump and meta.json of a writer killed after it published the report; its
 * meta.json already says the dump was not finished */
static void
cd_report_store_sweep_report(CdSweepLog *log, const gchar *id)
{
	static const gchar *const leftovers[] = {
		"." CD_REPORT_FILE_DUMP CD_REPORT_LATE_PARTIAL_SUFFIX,
		"." CD_REPORT_FILE_META CD_REPORT_LATE_NEW_SUFFIX
	};
	CdReportStore *self = log->store;
	gint dir_fd = openat(self->root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dir_fd < 0)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(leftovers); i++) {
		struct stat st;
		g_autofree gchar *path = NULL;
		if (fstatat(dir_fd, leftovers[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		path = g_build_filename(self->root, id, leftovers[i], NULL);
		cd_sweep_remove(log,
				dir_fd,
				leftovers[i],
				path,
				"the unfinished part of a report whose capture was stopped");
	}
	close(dir_fd);
}

/* Removes what writers and deletions that were stopped left, as much as it safely can
 * within the sweep's bounds; what stays is a warning, never a failure: it must not cost
 * the capture that comes next. */
void
cd_report_store_sweep_locked(CdReportStore *self, guint *removed)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GError) error = NULL;
	CdSweepLog log = { .store = self };
	gboolean truncated = FALSE;

	if (!cd_sweep_init(&log.sweep, self, &error)) {
		cd_report_store_warn(self, "leftovers were not looked for: %s", error->message);
		return;
	}
	names = cd_dir_list(self->root_fd,
			    CD_REPORT_MAX_REPORTS * 2,
			    self->root,
			    &truncated,
			    &error);
	if (names == NULL) {
		cd_report_store_warn(self, "leftovers were not looked for: %s", error->message);
		return;
	}
	if (truncated)
		cd_report_store_warn(self,
				     "%s holds more than %u entries: leftovers beyond them were "
				     "not looked for",
				     self->root,
				     CD_REPORT_MAX_REPORTS * 2);
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autofree gchar *path = NULL;
		if (cd_report_id_is_valid(name)) {
			cd_report_store_sweep_report(&log, name);
			continue;
		}
		if (!cd_report_store_name_is_ours(name))
			continue;
		path = g_build_filename(self->root, name, NULL);
		cd_sweep_remove(&log,
				self->root_fd,
				name,
				path,
				g_str_has_prefix(name, CD_REPORT_PARTIAL_PREFIX)
					? "left by a capture that was stopped"
					: "left by a removal that was stopped");
	}
	if (log.named > CD_REPORT_STORE_SWEEP_MAX_WARNINGS)
		cd_report_store_warn(self,
				     "leftovers in %s: %u removed, %u left in place (only the "
				     "first %u are named)",
				     self->root,
				     log.removed,
				     log.kept,
				     (guint)CD_REPORT_STORE_SWEEP_MAX_WARNINGS);
	if (log.removed > 0)
		fsync(self->root_fd);
	if (removed != NULL)
		*removed += log.removed;
}

/**
 * cd_report_store_remove_leftovers:
 * @removed: (out) (optional): how many were removed
 *
 * Removes what a writer that was killed left behind (`.partial-*`) and deletions that
 * were interrupted (`.deleting-*`), whatever they hold, never through a link nor onto
 * another file system, and at most %CD_REPORT_STORE_SWEEP_MAX_ENTRIES entries at a
 * time. What cannot be removed stays, named in cd_report_store_take_warnings(), as is
 * what was removed. Takes the store's lock: fails only if that cannot be had.
 */
gboolean
cd_report_store_remove_leftovers(CdReportStore *self, guint *removed, GError **error)
{
	g_return_val_if_fail(CD_IS_REPORT_STORE(self), FALSE);

	if (!cd_report_store_lock(self, TRUE, error))
		return FALSE;
	cd_report_store_sweep_locked(self, removed);
	cd_report_store_lock(self, FALSE, NULL);
	return TRUE;
}

static gint
cd_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/**
 * cd_report_store_list:
 *
 * Returns: (transfer container) (element-type utf8): the ids of the complete reports,
 * oldest first
 */
GPtrArray *
cd_report_store_list(CdReportStore *self, GError **error)
{
	g_autoptr(GPtrArray) names = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), NULL);

	/* partial and deleting entries sit beside the reports: allow room for them */
	names = cd_dir_list(self->root_fd, CD_REPORT_MAX_REPORTS * 2, self->root, NULL, error);
	if (names == NULL)
		return NULL;
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		struct stat st;
		if (!cd_report_id_is_valid(name))
			continue;
		if (fstatat(self->root_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		g_ptr_array_add(ids, g_strdup(name));
	}
	g_ptr_array_sort(ids, cd_compare_names);
	return g_steal_pointer(&ids);
}

/**
 * cd_report_store_has:
 *
 * Returns: %TRUE if @id is valid and names a complete report
 */
gboolean
cd_report_store_has(CdReportStore *self, const gchar *id)
{
	struct stat st;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), FALSE);
	return cd_report_id_is_valid(id) &&
	       fstatat(self->root_fd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static gint
cd_report_store_open_report(CdReportStore *self, const gchar *id, GError **error)
{
	gint fd;

	if (!cd_report_id_is_valid(id)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "invalid report id (expected YYYYMMDD-HHMMSS-xxxxxxxx)");
		return -1;
	}
	fd = openat(self->root_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no report %s", id);
		return -1;
	}
	if (fd < 0)
		cd_error_set_from_errno(error, errno, "cannot open report %s", id);
	return fd;
}

gchar *
cd_report_store_read_state(CdReportStore *self, const gchar *id, gsize *len, GError **error)
{
	return cd_report_store_read_range(self,
					  id,
					  CD_REPORT_FILE_STATE,
					  CD_FILE_RANGE_HEAD,
					  CD_REPORT_STATE_MAX_SIZE,
					  len,
					  NULL,
					  error);
}

gchar *
cd_report_store_read_meta(CdReportStore *self, const gchar *id, gsize *len, GError **error)
{
	return cd_report_store_read_range(self,
					  id,
					  CD_REPORT_FILE_META,
					  CD_FILE_RANGE_HEAD,
					  CD_REPORT_MAX_META_SIZE,
					  len,
					  NULL,
					  error);
}

/**
 * cd_report_store_open_file:
 * @id: a report id, validated here
 * @name: one of the CD_REPORT_FILE_ names
 *
 * Returns: a read-only descriptor of a regular file of the report, or -1
 */
gint
cd_report_store_open_file(CdReportStore *self, const gchar *id, const gchar *name, GError **error)
{
	gint dir_fd;
	gint fd;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), -1);
	g_return_val_if_fail(cd_file_name_is_plain(name), -1);

	dir_fd = cd_report_store_open_report(self, id, error);
	if (dir_fd < 0)
		return -1;
	fd = cd_file_open_regular(dir_fd, name, CD_FILE_OPEN_NOFOLLOW, NULL, error);
	close(dir_fd);
	if (fd < 0) {
		if (error != NULL && g_error_matches(*error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_clear_error(error);
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "report %s has no %s",
				    id,
				    name);
			return -1;
		}
		g_prefix_error(error, "%s of report %s: ", name, id);
		return -1;
	}
	return fd;
}

/**
 * cd_report_store_read_range:
 * @range: the file's start or its end
 * @max: the most bytes read
 * @len: (out) (optional): the bytes returned
 * @cut: (out) (optional): whether the file is longer than what was returned; %NULL
 *   when the whole file is needed, a longer one being an error
 *
 * A file of a report, bounded (cd_file_read_range()). A missing file is
 * %CD_ERROR_NOT_FOUND; every error names the file and the report.
 *
 * Returns: (transfer full): the bytes followed by a NUL, or %NULL
 */
gchar *
cd_report_store_read_range(CdReportStore *self,
			   const gchar *id,
			   const gchar *name,
			   CdFileRange range,
			   gsize max,
			   gsize *len,
			   gboolean *cut,
			   GError **error)
{
	gint fd = cd_report_store_open_file(self, id, name, error);
	gchar *data;

	if (fd < 0)
		return NULL;
	data = cd_file_read_range(fd, range, max, len, cut, error);
	close(fd);
	if (data == NULL)
		g_prefix_error(error, "%s of report %s: ", name, id);
	return data;
}

/**
 * cd_report_store_get_size:
 *
 * Returns: the disk space the report takes, in bytes (0 if it does not exist)
 */
guint64
cd_report_store_get_size(CdReportStore *self, const gchar *id)
{
	g_autoptr(GPtrArray) files = NULL;
	guint64 total = 0;
	gint fd = cd_report_store_open_report(self, id, NULL);

	if (fd < 0)
		return 0;
	files = cd_dir_list(fd, CD_REPORT_MAX_FILES, id, NULL, NULL);
	for (guint i = 0; files != NULL && i < files->len; i++) {
		struct stat st;
		if (fstatat(fd, g_ptr_array_index(files, i), &st, AT_SYMLINK_NOFOLLOW) == 0)
			total += (guint64)st.st_blocks * 512;
	}
	close(fd);
	return total;
}

static gboolean
cd_report_store_delete_locked(CdReportStore *self, const gchar *id, GError **error)
{
	g_autofree gchar *doomed = g_strconcat(CD_REPORT_DELETING_PREFIX, id, NULL);

	/* out of sight at once; what remains of an interrupted removal is a leftover */
	if (renameat(self->root_fd, id, self->root_fd, doomed) < 0) {
		if (errno == ENOENT)
			g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no report %s", id);
		else
			cd_error_set_from_errno(error, errno, "cannot remove report %s", id);
		return FALSE;
	}
	return cd_report_store_remove_dir(self, doomed, error) && fsync(self->root_fd) == 0;
}

/**
 * cd_report_store_delete:
 * @id: a report id, validated here
 */
gboolean
cd_report_store_delete(CdReportStore *self, const gchar *id, GError **error)
{
	gboolean ok;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), FALSE);

	if (!cd_report_id_is_valid(id)) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "invalid report id");
		return FALSE;
	}
	if (!cd_report_store_lock(self, TRUE, error))
		return FALSE;
	ok = cd_report_store_delete_locked(self, id, error);
	cd_report_store_lock(self, FALSE, NULL);
	return ok;
}

/**
 * cd_report_store_write_state:
 * @data: the new state.json
 *
 * Replaces the report's state.json atomically: the one file of a report that changes,
 * written by the helper only (seen, submissions).
 */
gboolean
cd_report_store_write_state(CdReportStore *self,
			    const gchar *id,
			    const gchar *data,
			    gsize len,
			    GError **error)
{
	gint dir_fd;
	gint fd;
	gboolean ok;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), FALSE);

	if (len > CD_REPORT_STATE_MAX_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "state of %" G_GSIZE_FORMAT " bytes is over the limit",
			    len);
		return FALSE;
	}
	dir_fd = cd_report_store_open_report(self, id, error);
	if (dir_fd < 0)
		return FALSE;
	/* a file left by an interrupted update is stale: the rename never happened */
	unlinkat(dir_fd, CD_REPORT_STATE_NEW, 0);
	fd = openat(dir_fd,
		    CD_REPORT_STATE_NEW,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot create the state of %s", id);
		close(dir_fd);
		return FALSE;
	}
	ok = cd_file_write_all(fd, data, len, "state.json", error);
	if (ok && fsync(fd) < 0) {
		cd_error_set_from_errno(error, errno, "cannot write the state of %s", id);
		ok = FALSE;
	}
	close(fd);
	if (ok && renameat(dir_fd, CD_REPORT_STATE_NEW, dir_fd, CD_REPORT_FILE_STATE) < 0) {
		cd_error_set_from_errno(error, errno, "cannot replace the state of %s", id);
		ok = FALSE;
	}
	if (ok)
		fsync(dir_fd);
	else
		unlinkat(dir_fd, CD_REPORT_STATE_NEW, 0);
	close(dir_fd);
	return ok;
}

typedef struct {
	gchar *id;
	gint64 mtime;
	guint64 size;
} CdReportAge;

static void
cd_report_age_free(gpointer data)
{
	CdReportAge *age = data;
	g_free(age->id);
	g_free(age);
}

/* by the time in the id (the crash), then by when the report was written */
static gint
cd_report_age_compare(gconstpointer a, gconstpointer b)
{
	const CdReportAge *x = *(const CdReportAge *const *)a;
	const CdReportAge *y = *(const CdReportAge *const *)b;
	gint by_time = strncmp(x->id, y->id, 15);

	if (by_time != 0)
		return by_time;
	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return g_strcmp0(x->id, y->id);
}

/**
 * cd_report_store_apply_retention:
 * @max_reports: keep at most this many reports, 0 for no limit
 * @max_total_size: keep at most this many bytes of reports, 0 for no limit
 * @keep_id: (nullable): a report never to remove, such as the one just saved
 *
 * Removes the oldest reports (by the crash time in their id, then by when they were
 * written) until both limits hold, but never the newest one nor @keep_id.
 *
 * Returns: (transfer container) (element-type utf8): the ids removed, or %NULL
 */
GPtrArray *
cd_report_store_apply_retention(CdReportStore *self,
				guint max_reports,
				guint64 max_total_size,
				const gchar *keep_id,
				GError **error)
{
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GPtrArray) ages = g_ptr_array_new_with_free_func(cd_report_age_free);
	guint64 total = 0;
	guint remaining;
	gboolean ok = TRUE;

	g_return_val_if_fail(CD_IS_REPORT_STORE(self), NULL);

	if (!cd_report_store_lock(self, TRUE, error))
		return NULL;
	ids = cd_report_store_list(self, error);
	if (ids == NULL) {
		cd_report_store_lock(self, FALSE, NULL);
		return NULL;
	}
	for (guint i = 0; i < ids->len; i++) {
		CdReportAge *age = g_new0(CdReportAge, 1);
		struct stat st;
		age->id = g_strdup(g_ptr_array_index(ids, i));
		age->size = cd_report_store_get_size(self, age->id);
		if (fstatat(self->root_fd, age->id, &st, AT_SYMLINK_NOFOLLOW) == 0)
			age->mtime = (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC +
				     st.st_mtim.tv_nsec / 1000;
		total += age->size;
		g_ptr_array_add(ages, age);
	}
	g_ptr_array_sort(ages, cd_report_age_compare);
	remaining = ages->len;
	for (guint i = 0; ok && i + 1 < ages->len; i++) {
		const CdReportAge *age = g_ptr_array_index(ages, i);
		if ((max_reports == 0 || remaining <= max_reports) &&
		    (max_total_size == 0 || total <= max_total_size))
			break;
		if (g_strcmp0(age->id, keep_id) == 0)
			continue;
		ok = cd_report_store_delete_locked(self, age->id, error);
		if (ok) {
			total -= age->size;
			remaining--;
			g_ptr_array_add(removed, g_strdup(age->id));
		}
	}
	cd_report_store_lock(self, FALSE, NULL);
	return ok ? g_steal_pointer(&removed) : NULL;
}
