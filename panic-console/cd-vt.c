/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdVt"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-vt.h"

#define CD_VT_TTY0    "/dev/tty0"
#define CD_VT_POLL_US (10 * 1000)
/* switching back is to a VT in VT_AUTO mode at worst: quick, but bounded all the same */
#define CD_VT_RESTORE_TIMEOUT 1000
/* the console never blanks or powers the screen down while the panic is shown */
#define CD_VT_NO_BLANKING "\033[9;0]\033[14;0]"

struct _CdVt {
	gint tty0_fd;
	gint fd;
	guint number;
	guint original;
	gboolean active;
	gboolean graphics;
	gboolean restored;
	GPtrArray *notes;
};

static void
cd_vt_note(CdVt *self, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
cd_vt_note(CdVt *self, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(self->notes, g_strdup_vprintf(format, args));
	va_end(args);
}

static gint
cd_vt_active_number(gint fd)
{
	struct vt_stat state = { 0 };

	if (ioctl(fd, VT_GETSTATE, &state) < 0)
		return -errno;
	return state.v_active;
}

/* polls VT_GETSTATE until @number is the active VT or @timeout_ms has passed */
static gboolean
cd_vt_wait_active(gint fd, guint number, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	for (;;) {
		gint active = cd_vt_active_number(fd);
		if (active == (gint)number)
			return TRUE;
		if (active < 0 || g_get_monotonic_time() >= deadline)
			return FALSE;
		g_usleep(CD_VT_POLL_US);
	}
}

static gint
cd_vt_open_number(guint number)
{
	g_autofree gchar *path = g_strdup_printf("/dev/tty%u", number);

	return open(path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
}

/*
 * The active VT did not let go: a process holds it in VT_PROCESS mode and does not answer
 * VT_RELDISP. Root may set the mode back to VT_AUTO (CAP_SYS_TTY_CONFIG), which also drops
 * the pending switch, so that the next VT_ACTIVATE happens at once.
 */
static void
cd_vt_override_holder(CdVt *self, guint timeout_ms)
{
	gint active = cd_vt_active_number(self->tty0_fd);
	struct vt_mode mode = { 0 };
	gint fd;

	if (active <= 0) {
		cd_vt_note(self, "cannot read the active VT: %s", g_strerror(-active));
		return;
	}
	fd = cd_vt_open_number(active);
	if (fd < 0) {
		cd_vt_note(self, "cannot open tty%d: %s", active, g_strerror(errno));
		return;
	}
	if (ioctl(fd, VT_GETMODE, &mode) < 0) {
		cd_vt_note(self, "cannot read the mode of tty%d: %s", active, g_strerror(errno));
	} else if (mode.mode == VT_PROCESS) {
		struct vt_mode automatic = { .mode = VT_AUTO };
		if (ioctl(fd, VT_SETMODE, &automatic) < 0)
			cd_vt_note(self,
				   "tty%d is held in VT_PROCESS mode and did not release the "
				   "display within %u ms; setting it to VT_AUTO failed: %s",
				   active,
				   timeout_ms,
				   g_strerror(errno));
		else
			cd_vt_note(self,
				   "tty%d is held in VT_PROCESS mode and did not release the "
				   "display within %u ms: set it back to VT_AUTO",
				   active,
				   timeout_ms);
	} else {
		cd_vt_note(self,
			   "tty%d did not hand over the display within %u ms (mode %d)",
			   active,
			   timeout_ms,
			   mode.mode);
	}
	close(fd);
}

CdVt *
cd_vt_take(const gchar *tty0_path, guint timeout_ms, GError **error)
{
	g_autoptr(CdVt) self = g_new0(CdVt, 1);
	gint number = -1;
	gint active;

	self->tty0_fd = -1;
	self->fd = -1;
	self->restored = TRUE;
	self->notes = g_ptr_array_new_with_free_func(g_free);
	if (tty0_path == NULL)
		tty0_path = CD_VT_TTY0;

	self->tty0_fd = open(tty0_path, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (self->tty0_fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open %s", tty0_path);
		return NULL;
	}
	active = cd_vt_active_number(self->tty0_fd);
	if (active <= 0) {
		cd_error_set_from_errno(error, -active, "%s: VT_GETSTATE", tty0_path);
		return NULL;
	}
	self->original = active;
	if (ioctl(self->tty0_fd, VT_OPENQRY, &number) < 0) {
		cd_error_set_from_errno(error, errno, "%s: VT_OPENQRY", tty0_path);
		return NULL;
	}
	if (number <= 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "%s: no free VT", tty0_path);
		return NULL;
	}
	self->number = number;
	self->fd = cd_vt_open_number(self->number);
	if (self->fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open /dev/tty%u", self->number);
		return NULL;
	}
	self->restored = FALSE;

	/* from here on the VT is ours and goes back on every path, active or not */
	if (ioctl(self->tty0_fd, VT_ACTIVATE, self->number) < 0) {
		cd_vt_note(self, "VT_ACTIVATE %u: %s", self->number, g_strerror(errno));
	} else if (cd_vt_wait_active(self->tty0_fd, self->number, timeout_ms)) {
		self->active = TRUE;
	} else {
		cd_vt_override_holder(self, timeout_ms);
		if (ioctl(self->tty0_fd, VT_ACTIVATE, self->number) < 0)
			cd_vt_note(self, "VT_ACTIVATE %u: %s", self->number, g_strerror(errno));
		else
			self->active = cd_vt_wait_active(self->tty0_fd, self->number, timeout_ms);
		if (!self->active)
			cd_vt_note(self,
				   "tty%u did not become the active VT: drawing all the same",
				   self->number);
	}
	if (write(self->fd, CD_VT_NO_BLANKING, strlen(CD_VT_NO_BLANKING)) < 0)
		cd_vt_note(self,
			   "cannot turn blanking off on tty%u: %s",
			   self->number,
			   g_strerror(errno));
	return g_steal_pointer(&self);
}

guint
cd_vt_get_number(CdVt *self)
{
	return self->number;
}

guint
cd_vt_get_original(CdVt *self)
{
	return self->original;
}

gboolean
cd_vt_is_active(CdVt *self)
{
	return self->active;
}

gint
cd_vt_get_fd(CdVt *self)
{
	return self->fd;
}

GPtrArray *
cd_vt_get_notes(CdVt *self)
{
	return self->notes;
}

gboolean
cd_vt_set_graphics(CdVt *self, gboolean graphics, GError **error)
{
	if (ioctl(self->fd, KDSETMODE, graphics ? KD_GRAPHICS : KD_TEXT) < 0) {
		cd_error_set_from_errno(error,
					errno,
					"tty%u: KDSETMODE %s",
					self->number,
					graphics ? "KD_GRAPHICS" : "KD_TEXT");
		return FALSE;
	}
	self->graphics = graphics;
	return TRUE;
}

void
cd_vt_restore(CdVt *self)
{
	if (self->restored)
		return;
	self->restored = TRUE;
	/* KD_TEXT whatever we think the mode is: a shell or a crash may have left it */
	(void)ioctl(self->fd, KDSETMODE, KD_TEXT);
	self->graphics = FALSE;
	if (self->original != self->number &&
	    cd_vt_active_number(self->tty0_fd) == (gint)self->number &&
	    ioctl(self->tty0_fd, VT_ACTIVATE, self->original) == 0)
		(void)cd_vt_wait_active(self->tty0_fd, self->original, CD_VT_RESTORE_TIMEOUT);
	close(self->fd);
	self->fd = -1;
	/* fails harmlessly (EBUSY) while something else still has it open */
	(void)ioctl(self->tty0_fd, VT_DISALLOCATE, self->number);
}

void
cd_vt_free(CdVt *self)
{
	cd_vt_restore(self);
	if (self->fd >= 0)
		close(self->fd);
	if (self->tty0_fd >= 0)
		close(self->tty0_fd);
	g_ptr_array_unref(self->notes);
	g_free(self);
}
