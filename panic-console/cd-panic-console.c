/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk-panic-console"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <termios.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-panic-console.h"
#include "cd-panic-options.h"
#include "cd-panic-status.h"
#include "cd-progress.h"
#include "cd-vt.h"

#define CD_PANIC_CONSOLE_VMCORE	 "/proc/vmcore"
#define CD_PANIC_CONSOLE_CMDLINE "/proc/cmdline"
#define CD_PANIC_CONSOLE_DRM_DIR "/dev/dri"
#define CD_PANIC_CONSOLE_KMSG	 "/dev/kmsg"
#define CD_PANIC_CONSOLE_SHELL	 "/bin/sh"
/* the progress line changes at most this often on screen */
#define CD_PANIC_CONSOLE_REDRAW_MS 250
/* senders come one after another (save, then final-action); a few at once at most */
#define CD_PANIC_CONSOLE_MAX_CLIENTS 8

typedef struct _CdPanicConsole CdPanicConsole;

typedef struct {
	CdPanicConsole *console;
	gint fd;
	guint source;
	gboolean sent_progress; /* a saver: its going away unfinished is news */
} CdPanicClient;

struct _CdPanicConsole {
	const CdPanicConsoleSettings *settings;
	CdPanicOptions options;
	CdPanicPage *page;
	CdFont *font;
	CdVt *vt;
	CdDisplay *display;
	GMainLoop *loop;
	gchar *socket_path;
	gint listen_fd;
	guint listen_source;
	GPtrArray *clients;
	CdPanicStatus status;
	gchar *shown_line;
	guint redraw_source;
	guint countdown_source;
	guint input_source;
	CdPanicClient *final_client;
	GPid shell_pid;
	gboolean echo_off;
	struct termios saved_termios;
	gint exit_status;
};

void
cd_panic_console_settings_init(CdPanicConsoleSettings *settings)
{
	memset(settings, 0, sizeof(*settings));
	settings->cmdline_path = CD_PANIC_CONSOLE_CMDLINE;
	settings->config_path = CD_CONFIG_FILE;
	settings->input = CD_PANIC_CONSOLE_VMCORE;
	settings->renderer = CD_RENDERER_AUTO;
	settings->vt_timeout_ms = CD_VT_TIMEOUT_MS;
	settings->display_wait_ms = CD_PANIC_CONSOLE_DISPLAY_WAIT_MS;
	settings->udev_queue_path = CD_PANIC_CONSOLE_UDEV_QUEUE;
	settings->fbdev_path = CD_PANIC_CONSOLE_FBDEV;
}

/* one line per event on stderr: the journal, and the serial console the tests read */
static void
cd_panic_console_log(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

static void
cd_panic_console_log(const gchar *format, ...)
{
	g_autofree gchar *line = NULL;
	va_list args;

	va_start(args, format);
	line = g_strdup_vprintf(format, args);
	va_end(args);
	g_printerr("%s: %s\n", g_get_prgname(), line);
}

/* the same line in the kernel's log: it reaches the console of a system without a journal */
static void
cd_panic_console_kmsg(const gchar *line)
{
	g_autofree gchar *text = g_strdup_printf("<5>%s: %s\n", g_get_prgname(), line);
	gint fd = open(CD_PANIC_CONSOLE_KMSG, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		cd_panic_console_log("cannot write to %s: %s",
				     CD_PANIC_CONSOLE_KMSG,
				     g_strerror(errno));
	close(fd);
}

gint
cd_panic_console_check(const CdPanicConsoleSettings *settings)
{
	CdPanicOptions options = { 0 };

	cd_panic_options_read(settings->cmdline_path, settings->config_path, &options);
	return options.screen != CD_PANIC_SCREEN_OFF ? 0 : 1;
}

/* --- the display ----------------------------------------------------------- */

/*
 * The capture kernel's display driver may still be loading: both pixel renderers wait for
 * their device, bounded. A DRM card's node appears before the driver has finished
 * registering (open() gives ENODEV meanwhile) and a card may show no connected output for
 * a moment: until the deadline every failure is tried again, and only the last round's
 * reasons are logged. Past the deadline the wait goes on while udev still has events
 * queued, up to CD_PANIC_CONSOLE_DISPLAY_WAIT_BUSY_FACTOR times the deadline: udev loads
 * the driver, and on a slow machine (Linux 6.12's DRM modules under emulation) it comes
 * after 5 s while a text console shown at once would lose the pixels and the QR code for
 * the whole capture.
 */
static gint
cd_panic_console_compare_paths(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static GPtrArray *
cd_panic_console_drm_cards(void)
{
	g_autoptr(GDir) dir = g_dir_open(CD_PANIC_CONSOLE_DRM_DIR, 0, NULL);
	GPtrArray *cards = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "card"))
			g_ptr_array_add(cards,
					g_build_filename(CD_PANIC_CONSOLE_DRM_DIR, name, NULL));
	}
	g_ptr_array_sort(cards, cd_panic_console_compare_paths);
	return cards;
}

static gboolean
cd_panic_console_udev_busy(CdPanicConsole *self)
{
	return self->settings->udev_queue_path != NULL &&
	       access(self->settings->udev_queue_path, F_OK) == 0;
}

/* the first card that opens; the others' reasons in @reasons, the cards seen counted */
static CdDisplay *
cd_panic_console_try_drm(GPtrArray *reasons, guint *seen)
{
	g_autoptr(GPtrArray) cards = cd_panic_console_drm_cards();

	*seen = cards->len;
	for (guint i = 0; i < cards->len; i++) {
		g_autoptr(GError) error = NULL;
		CdDisplay *display = cd_render_drm_open(g_ptr_array_index(cards, i), &error);
		if (display != NULL)
			return display;
		g_ptr_array_add(reasons, g_strdup_printf("drm: %s", error->message));
	}
	return NULL;
}

static CdDisplay *
cd_panic_console_try_fbdev(CdPanicConsole *self, GPtrArray *reasons, guint *seen)
{
	const gchar *path = self->settings->fbdev_path;
	g_autoptr(GError) error = NULL;
	CdDisplay *display;

	*seen = g_file_test(path, G_FILE_TEST_EXISTS) ? 1 : 0;
	if (*seen == 0)
		return NULL;
	display = cd_render_fbdev_open(path, &error);
	if (display == NULL)
		g_ptr_array_add(reasons, g_strdup_printf("fbdev: %s", error->message));
	return display;
}

static CdDisplay *
cd_panic_console_wait_display(CdPanicConsole *self, gboolean drm, gboolean fbdev)
{
	guint wait_ms = self->settings->display_wait_ms;
	gint64 start = g_get_monotonic_time();
	gint64 deadline = start + (gint64)wait_ms * 1000;
	gint64 limit = start + (gint64)wait_ms * 1000 * CD_PANIC_CONSOLE_DISPLAY_WAIT_BUSY_FACTOR;
	gboolean extended = FALSE;
	g_autoptr(GPtrArray) reasons = g_ptr_array_new_with_free_func(g_free);
	guint cards = 0;
	guint framebuffers = 0;
	guint waited_ms;

	for (;;) {
		/* asked before the devices are looked at: once the queue is empty, the
		 * driver's nodes are made, and this round sees them */
		gboolean busy = cd_panic_console_udev_busy(self);
		gint64 now = g_get_monotonic_time();
		gboolean last = now >= deadline && (!busy || now >= limit);
		CdDisplay *display = NULL;

		g_ptr_array_set_size(reasons, 0);
		if (drm)
			display = cd_panic_console_try_drm(reasons, &cards);
		/*
		 * With DRM wanted too, the framebuffer device is the fallback, taken only once
		 * the wait for a DRM driver is over: a firmware framebuffer (efifb, vesafb) is
		 * removed when the card's DRM driver loads, and what was drawn on it with it
		 */
		if (display == NULL && fbdev && (!drm || last))
			display = cd_panic_console_try_fbdev(self, reasons, &framebuffers);
		if (display != NULL)
			return display;
		if (last)
			break;
		if (now >= deadline && !extended) {
			cd_panic_console_log(
				"udev is still handling events after %u ms: waiting for "
				"the display driver until its queue is empty, %u ms at "
				"most",
				wait_ms,
				wait_ms * CD_PANIC_CONSOLE_DISPLAY_WAIT_BUSY_FACTOR);
			extended = TRUE;
		}
		g_usleep(50 * 1000);
	}
	waited_ms = extended ? (guint)((g_get_monotonic_time() - start) / 1000) : wait_ms;
	if (drm && cards == 0)
		cd_panic_console_log("drm: no DRM device appeared within %u ms", waited_ms);
	if (fbdev && framebuffers == 0) {
		cd_panic_console_log("fbdev: no framebuffer device (%s) appeared within %u ms",
				     self->settings->fbdev_path,
				     waited_ms);
	}
	for (guint i = 0; i < reasons->len; i++)
		cd_panic_console_log("%s", (const gchar *)g_ptr_array_index(reasons, i));
	return NULL;
}

static CdDisplay *
cd_panic_console_open_text(CdPanicConsole *self)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = NULL;
	CdDisplay *display;

	if (self->vt == NULL) {
		cd_panic_console_log("text: no VT to write to");
		return NULL;
	}
	name = g_strdup_printf("tty%u", cd_vt_get_number(self->vt));
	display = cd_render_text_open(cd_vt_get_fd(self->vt),
				      name,
				      self->options.background,
				      self->options.foreground,
				      &error);
	if (display == NULL)
		cd_panic_console_log("text: %s", error->message);
	return display;
}

/* the renderers in order, or the one asked for; NULL when none works */
static CdDisplay *
cd_panic_console_open_display(CdPanicConsole *self, CdRenderer renderer)
{
	CdDisplay *display = NULL;

	if (renderer != CD_RENDERER_TEXT)
		display = cd_panic_console_wait_display(
			self,
			renderer == CD_RENDERER_AUTO || renderer == CD_RENDERER_DRM,
			renderer == CD_RENDERER_AUTO || renderer == CD_RENDERER_FBDEV);
	if (display == NULL && (renderer == CD_RENDERER_AUTO || renderer == CD_RENDERER_TEXT))
		display = cd_panic_console_open_text(self);
	return display;
}

/* the whole page, or with @progress only its progress line (what changes afterwards) */
static gboolean
cd_panic_console_draw(CdPanicConsole *self, gboolean progress)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line = cd_panic_status_line(&self->status);

	if (self->display == NULL)
		return FALSE;
	cd_panic_page_set_progress(self->page, line);
	if (!(progress ? cd_display_show_progress
		       : cd_display_show)(self->display, self->page, self->font, &error)) {
		cd_panic_console_log("cannot draw: %s", error->message);
		return FALSE;
	}
	g_free(self->shown_line);
	self->shown_line = g_steal_pointer(&line);
	return TRUE;
}

static gboolean
cd_panic_console_redraw_cb(gpointer user_data)
{
	CdPanicConsole *self = user_data;
	g_autofree gchar *line = cd_panic_status_line(&self->status);

	self->redraw_source = 0;
	if (g_strcmp0(line, self->shown_line) != 0) {
		cd_panic_console_draw(self, TRUE);
		cd_panic_console_log("progress: %s", line);
	}
	return G_SOURCE_REMOVE;
}

/* at most a few redraws a second, however fast the messages come */
static void
cd_panic_console_queue_redraw(CdPanicConsole *self)
{
	if (self->redraw_source == 0)
		self->redraw_source =
			g_timeout_add(CD_PANIC_CONSOLE_REDRAW_MS, cd_panic_console_redraw_cb, self);
}

/* --- the final countdown and the shell ------------------------------------------- */

static void
cd_panic_console_answer(CdPanicClient *client, const gchar *answer)
{
	if (client == NULL || client->fd < 0)
		return;
	if (send(client->fd, answer, strlen(answer), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		cd_panic_console_log("cannot answer %s: %s", answer, g_strerror(errno));
	else
		cd_panic_console_log("answered %s", answer);
}

static void
cd_panic_console_stop_countdown(CdPanicConsole *self)
{
	g_clear_handle_id(&self->countdown_source, g_source_remove);
	g_clear_handle_id(&self->input_source, g_source_remove);
	if (self->echo_off && self->vt != NULL) {
		(void)tcsetattr(cd_vt_get_fd(self->vt), TCSANOW, &self->saved_termios);
		self->echo_off = FALSE;
	}
	self->status.shell_offered = FALSE;
}

static void
cd_panic_console_shell_exited_cb(GPid pid, gint wait_status, gpointer user_data)
{
	CdPanicConsole *self = user_data;

	g_spawn_close_pid(pid);
	self->shell_pid = 0;
	cd_panic_console_log("the shell exited (status %d)", wait_status);
	cd_panic_console_answer(self->final_client, "go");
	self->final_client = NULL;
}

/* in the child: a session of its own, with our VT as its controlling terminal */
static void
cd_panic_console_shell_setup(gpointer user_data)
{
	const gchar *tty = user_data;
	gint fd;

	setsid();
	fd = open(tty, O_RDWR);
	if (fd < 0)
		_exit(127);
	(void)ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

static void
cd_panic_console_start_shell(CdPanicConsole *self)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tty = g_strdup_printf("/dev/tty%u", cd_vt_get_number(self->vt));
	const gchar *argv[] = { CD_PANIC_CONSOLE_SHELL, NULL };
	const gchar *envp[] = { "TERM=linux",
				"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
				"HOME=/",
				NULL };

	cd_panic_console_stop_countdown(self);
	/* the console's own text from here: the pixels go, the VT shows the shell */
	g_clear_pointer(&self->display, cd_display_free);
	(void)cd_vt_set_graphics(self->vt, FALSE, NULL);
	cd_panic_console_answer(self->final_client, "hold");
	if (!g_spawn_async(NULL,
			   (gchar **)argv,
			   (gchar **)envp,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   cd_panic_console_shell_setup,
			   tty,
			   &self->shell_pid,
			   &error)) {
		cd_panic_console_log("cannot start %s: %s", CD_PANIC_CONSOLE_SHELL, error->message);
		cd_panic_console_answer(self->final_client, "go");
		self->final_client = NULL;
		return;
	}
	cd_panic_console_log("started %s on %s", CD_PANIC_CONSOLE_SHELL, tty);
	g_child_watch_add(self->shell_pid, cd_panic_console_shell_exited_cb, self);
}

static gboolean
cd_panic_console_input_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	CdPanicConsole *self = user_data;
	gchar buf[256];
	gssize n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		self->input_source = 0;
		return G_SOURCE_REMOVE;
	}
	if (memchr(buf, '\n', n) == NULL && memchr(buf, '\r', n) == NULL)
		return G_SOURCE_CONTINUE;
	self->input_source = 0;
	cd_panic_console_start_shell(self);
	return G_SOURCE_REMOVE;
}

/* "Press Enter for a shell": keys typed before the offer do not count, nor echo */
static void
cd_panic_console_offer_shell(CdPanicConsole *self)
{
	gint fd = cd_vt_get_fd(self->vt);
	struct termios quiet;

	if (tcgetattr(fd, &self->saved_termios) == 0) {
		quiet = self->saved_termios;
		quiet.c_lflag &= ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		if (tcsetattr(fd, TCSANOW, &quiet) == 0)
			self->echo_off = TRUE;
	}
	(void)tcflush(fd, TCIFLUSH);
	self->status.shell_offered = TRUE;
	self->input_source = g_unix_fd_add(fd, G_IO_IN, cd_panic_console_input_cb, self);
	cd_panic_console_log("offering a shell on tty%u", cd_vt_get_number(self->vt));
}

static gboolean
cd_panic_console_countdown_cb(gpointer user_data)
{
	CdPanicConsole *self = user_data;

	if (self->status.countdown > 0)
		self->status.countdown--;
	cd_panic_console_queue_redraw(self);
	if (self->status.countdown > 0)
		return G_SOURCE_CONTINUE;
	self->countdown_source = 0;
	cd_panic_console_stop_countdown(self);
	cd_panic_console_answer(self->final_client, "go");
	self->final_client = NULL;
	return G_SOURCE_REMOVE;
}

static void
cd_panic_console_start_countdown(CdPanicConsole *self, CdPanicClient *client)
{
	/* a second final replaces the first: its sender is the one that waits now */
	cd_panic_console_stop_countdown(self);
	if (self->final_client != NULL && self->final_client != client)
		cd_panic_console_answer(self->final_client, "go");
	self->final_client = client;
	cd_panic_console_log("%s in %u s", self->status.action, self->status.countdown);
	if (self->options.shell && self->vt != NULL && self->shell_pid == 0)
		cd_panic_console_offer_shell(self);
	cd_panic_console_queue_redraw(self);
	if (self->status.countdown == 0 && !self->status.shell_offered) {
		cd_panic_console_answer(client, "go");
		self->final_client = NULL;
		return;
	}
	/* not g_timeout_add_seconds(): its first tick may come early, and N s must be N s */
	self->countdown_source = g_timeout_add(1000, cd_panic_console_countdown_cb, self);
}

/* --- the progress socket ---------------------------------------------------------- */

static void
cd_panic_client_free(CdPanicClient *client)
{
	CdPanicConsole *self = client->console;

	if (self->final_client == client) {
		/* final-action gave up waiting: nobody to answer */
		cd_panic_console_stop_countdown(self);
		self->final_client = NULL;
	}
	g_clear_handle_id(&client->source, g_source_remove);
	if (client->fd >= 0)
		close(client->fd);
	g_free(client);
}

static void
cd_panic_console_client_gone(CdPanicClient *client)
{
	CdPanicConsole *self = client->console;

	if (client->sent_progress && !cd_panic_status_finished(&self->status)) {
		cd_panic_status_saver_gone(&self->status);
		cd_panic_console_log("saving stopped unexpectedly: the saver went away");
		cd_panic_console_queue_redraw(self);
	}
	client->source = 0;
	g_ptr_array_remove(self->clients, client);
}

static gboolean
cd_panic_console_client_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	CdPanicClient *client = user_data;
	CdPanicConsole *self = client->console;
	gchar buf[CD_PROGRESS_MAX_MESSAGE + 1];
	g_autofree gchar *verb = NULL;
	g_autofree gchar *argument = NULL;
	gssize n;

	/* MSG_TRUNC: the packet's whole length, to refuse one longer than the limit */
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		cd_panic_console_client_gone(client);
		return G_SOURCE_REMOVE;
	}
	if ((gsize)n > CD_PROGRESS_MAX_MESSAGE || !cd_progress_parse(buf, n, &verb, &argument)) {
		cd_panic_console_log("ignored a malformed message of %zd bytes", n);
		return G_SOURCE_CONTINUE;
	}
	switch (cd_panic_status_apply(&self->status, verb, argument)) {
	case CD_PANIC_STATUS_PROGRESS:
		if (g_strcmp0(verb, "stage") == 0 || g_strcmp0(verb, "percent") == 0)
			client->sent_progress = TRUE;
		if (g_strcmp0(verb, "percent") != 0)
			cd_panic_console_log("%s: %s", verb, argument);
		cd_panic_console_queue_redraw(self);
		break;
	case CD_PANIC_STATUS_FINAL:
		cd_panic_console_start_countdown(self, client);
		break;
	case CD_PANIC_STATUS_IGNORED:
		cd_panic_console_log("ignored the message \"%s\"", verb);
		break;
	}
	return G_SOURCE_CONTINUE;
}

static gboolean
cd_panic_console_accept_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	CdPanicConsole *self = user_data;
	CdPanicClient *client;
	gint client_fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (client_fd < 0)
		return G_SOURCE_CONTINUE;
	if (self->clients->len >= CD_PANIC_CONSOLE_MAX_CLIENTS) {
		cd_panic_console_log("refused a sender: %u are connected", self->clients->len);
		close(client_fd);
		return G_SOURCE_CONTINUE;
	}
	client = g_new0(CdPanicClient, 1);
	client->console = self;
	client->fd = client_fd;
	client->source = g_unix_fd_add(client_fd,
				       G_IO_IN | G_IO_HUP | G_IO_ERR,
				       cd_panic_console_client_cb,
				       client);
	g_ptr_array_add(self->clients, client);
	return G_SOURCE_CONTINUE;
}

static gboolean
cd_panic_console_listen(CdPanicConsole *self, GError **error)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autofree gchar *dir = g_path_get_dirname(self->socket_path);
	struct stat st;

	if (strlen(self->socket_path) >= sizeof(addr.sun_path)) {
		g_set_error(error,
			    G_FILE_ERROR,
			    G_FILE_ERROR_NAMETOOLONG,
			    "%s: too long for a socket",
			    self->socket_path);
		return FALSE;
	}
	strcpy(addr.sun_path, self->socket_path);
	/* root's directory: only root may tell the screen what saving does */
	if (g_mkdir_with_parents(dir, 0700) < 0) {
		cd_error_set_from_errno(error, errno, "cannot create %s", dir);
		return FALSE;
	}
	if (lstat(dir, &st) < 0) {
		cd_error_set_from_errno(error, errno, "%s", dir);
		return FALSE;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0022) != 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_UNSAFE,
			    "%s is not a directory only we may write to",
			    dir);
		return FALSE;
	}
	/* a socket left by an earlier run is stale: nothing else listens in its place */
	if (lstat(self->socket_path, &st) == 0 && S_ISSOCK(st.st_mode))
		(void)unlink(self->socket_path);
	self->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (self->listen_fd < 0) {
		cd_error_set_from_errno(error, errno, "socket");
		return FALSE;
	}
	if (bind(self->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		cd_error_set_from_errno(error, errno, "cannot bind %s", self->socket_path);
		return FALSE;
	}
	(void)chmod(self->socket_path, 0600);
	if (listen(self->listen_fd, CD_PANIC_CONSOLE_MAX_CLIENTS) < 0) {
		cd_error_set_from_errno(error, errno, "cannot listen on %s", self->socket_path);
		return FALSE;
	}
	self->listen_source =
		g_unix_fd_add(self->listen_fd, G_IO_IN, cd_panic_console_accept_cb, self);
	return TRUE;
}

/* --- the whole ---------------------------------------------------------------------- */

static gboolean
cd_panic_console_signal_cb(gpointer user_data)
{
	CdPanicConsole *self = user_data;

	cd_panic_console_log("stopping on a signal");
	g_main_loop_quit(self->loop);
	return G_SOURCE_CONTINUE;
}

static void
cd_panic_console_free(CdPanicConsole *self)
{
	cd_panic_console_stop_countdown(self);
	g_clear_handle_id(&self->redraw_source, g_source_remove);
	g_clear_handle_id(&self->listen_source, g_source_remove);
	if (self->clients != NULL)
		g_ptr_array_unref(self->clients);
	if (self->listen_fd >= 0) {
		close(self->listen_fd);
		(void)unlink(self->socket_path);
	}
	if (self->shell_pid != 0)
		kill(self->shell_pid, SIGHUP);
	/* the display before the VT: closing the DRM device gives the console its mode back,
	 * KD_TEXT then lets it draw */
	g_clear_pointer(&self->display, cd_display_free);
	g_clear_pointer(&self->vt, cd_vt_free);
	g_clear_pointer(&self->page, cd_panic_page_free);
	g_clear_pointer(&self->font, cd_font_free);
	g_clear_pointer(&self->loop, g_main_loop_unref);
	cd_panic_status_clear(&self->status);
	g_free(self->shown_line);
	g_free(self->socket_path);
	g_free(self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPanicConsole, cd_panic_console_free)

static CdPanicPage *
cd_panic_console_read_page(const gchar *input)
{
	g_autoptr(GError) error = NULL;
	CdPanicPage *page = cd_panic_page_new_from_vmcore(input, &error);

	if (page != NULL)
		return page;
	/* the screen still says that the kernel crashed, and saving still shows */
	cd_panic_console_log("cannot read the crashed kernel's log: %s", error->message);
	return cd_panic_page_new("", 0);
}

static void
cd_panic_console_take_vt(CdPanicConsole *self)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *notes;

	self->vt = cd_vt_take(NULL, self->settings->vt_timeout_ms, &error);
	if (self->vt == NULL) {
		cd_panic_console_log("no VT of our own (%s): drawing without one", error->message);
		return;
	}
	notes = cd_vt_get_notes(self->vt);
	for (guint i = 0; i < notes->len; i++)
		cd_panic_console_log("%s", (const gchar *)g_ptr_array_index(notes, i));
	cd_panic_console_log("took tty%u (tty%u was active)%s",
			     cd_vt_get_number(self->vt),
			     cd_vt_get_original(self->vt),
			     cd_vt_is_active(self->vt) ? "" : ", but it is not the active VT");
}

gint
cd_panic_console_run(const CdPanicConsoleSettings *settings)
{
	g_autoptr(CdPanicConsole) self = g_new0(CdPanicConsole, 1);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *described = NULL;
	g_autofree gchar *drawn = NULL;
	CdRenderer renderer = settings->renderer;

	self->settings = settings;
	self->listen_fd = -1;
	self->clients = g_ptr_array_new_with_free_func((GDestroyNotify)cd_panic_client_free);
	self->socket_path = g_strdup(cd_progress_socket_path());
	cd_panic_status_init(&self->status);
	cd_panic_options_read(settings->cmdline_path, settings->config_path, &self->options);
	if (self->options.screen == CD_PANIC_SCREEN_OFF) {
		cd_panic_console_log("the panic screen is off");
		/* a Type=notify unit started without its ExecCondition= must not fail for it */
		(void)sd_notify(0, "READY=1");
		return EXIT_SUCCESS;
	}
	if (renderer == CD_RENDERER_AUTO && self->options.screen == CD_PANIC_SCREEN_TEXT)
		renderer = CD_RENDERER_TEXT;

	/* a signal from here on ends the main loop, and everything is put back */
	self->loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, cd_panic_console_signal_cb, self);
	g_unix_signal_add(SIGINT, cd_panic_console_signal_cb, self);
	g_unix_signal_add(SIGHUP, cd_panic_console_signal_cb, self);

	self->page = cd_panic_console_read_page(settings->input);
	cd_panic_page_set_colors(self->page, self->options.background, self->options.foreground);
	self->font = settings->builtin_font ? cd_font_new_builtin()
					    : cd_font_new_default(settings->font_path);

	cd_panic_console_take_vt(self);
	self->display = cd_panic_console_open_display(self, renderer);
	if (self->display == NULL) {
		cd_panic_console_log("no display to show the panic on (renderer %s)",
				     cd_renderer_to_string(renderer));
	} else {
		if (self->display->renderer != CD_RENDERER_TEXT && self->vt != NULL &&
		    !cd_vt_set_graphics(self->vt, TRUE, &error)) {
			cd_panic_console_log("%s", error->message);
			g_clear_error(&error);
		}
		if (cd_panic_console_draw(self, FALSE)) {
			described = cd_display_describe(self->display);
			drawn = g_strdup_printf("showing the panic on %s", described);
			cd_panic_console_log("%s", drawn);
			cd_panic_console_kmsg(drawn);
		}
	}

	if (!cd_panic_console_listen(self, &error)) {
		/* the screen stays: it is the crash that counts, not its progress */
		cd_panic_console_log("no progress: %s", error->message);
		g_clear_error(&error);
	} else {
		cd_panic_console_log("listening on %s", self->socket_path);
	}
	(void)sd_notify(0, "READY=1");
	g_main_loop_run(self->loop);
	return self->exit_status;
}
