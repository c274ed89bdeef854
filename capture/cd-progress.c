/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdProgress"

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cd-progress.h"
#include "cd-utf8.h"

struct _CdProgress {
	gint fd; /* -1 once the console has gone */
};

static const gchar *const cd_progress_verbs[] = { "stage", "percent", "saved", "failed",
						  "final", "go",      "hold" };

/* how long a sender waits for room for an outcome: saved, failed, final */
#define CD_PROGRESS_OUTCOME_WAIT_MS 2000

static gboolean
cd_progress_verb_is_outcome(const gchar *verb)
{
	return g_strcmp0(verb, "saved") == 0 || g_strcmp0(verb, "failed") == 0 ||
	       g_strcmp0(verb, "final") == 0;
}

const gchar *
cd_progress_socket_path(void)
{
	const gchar *path = g_getenv(CD_PROGRESS_SOCKET_ENV);

	return path != NULL && path[0] != '\0' ? path : CD_PROGRESS_SOCKET;
}

CdProgress *
cd_progress_connect(const gchar *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	CdProgress *self;
	gint fd;

	g_return_val_if_fail(path != NULL, NULL);

	if (strlen(path) >= sizeof(addr.sun_path))
		return NULL;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	/* non-blocking from the start: a console with a full backlog is no console */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return NULL;
	}
	self = g_new0(CdProgress, 1);
	self->fd = fd;
	return self;
}

void
cd_progress_free(CdProgress *self)
{
	if (self == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	g_free(self);
}

static void
cd_progress_gone(CdProgress *self)
{
	close(self->fd);
	self->fd = -1;
}

void
cd_progress_send(CdProgress *self, const gchar *verb, const gchar *format, ...)
{
	g_autofree gchar *argument = NULL;
	g_autofree gchar *valid = NULL;
	g_autoptr(GString) packet = g_string_new(verb);
	va_list args;

	if (self == NULL || self->fd < 0)
		return;
	va_start(args, format);
	argument = g_strdup_vprintf(format, args);
	va_end(args);

	/* one line of valid UTF-8, cut at a character, whatever the caller passed */
	valid = g_utf8_make_valid(argument, -1);
	for (gchar *p = valid; *p != '\0'; p++) {
		if ((guchar)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	g_string_append_c(packet, ' ');
	g_string_append(packet, valid);
	g_string_truncate(packet,
			  cd_utf8_prefix_length(packet->str, packet->len, CD_PROGRESS_MAX_MESSAGE));
	for (;;) {
		struct pollfd pfd = { .fd = self->fd, .events = POLLOUT };

		if (send(self->fd, packet->str, packet->len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
			return;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			cd_progress_gone(self);
			return;
		}
		/* a console behind on "stage" or "percent" misses one; the outcome it must
		 * not miss, and waits a little for it */
		if (!cd_progress_verb_is_outcome(verb) ||
		    poll(&pfd, 1, CD_PROGRESS_OUTCOME_WAIT_MS) <= 0)
			return;
	}
}

gboolean
cd_progress_wait_go(CdProgress *self, gint timeout_ms)
{
	gint64 deadline;
	gboolean hold = FALSE;

	if (self == NULL || self->fd < 0)
		return FALSE;
	deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	for (;;) {
		struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
		gchar buf[CD_PROGRESS_MAX_MESSAGE + 1];
		gint64 left = deadline - g_get_monotonic_time();
		g_autofree gchar *verb = NULL;
		g_autofree gchar *argument = NULL;
		gssize n;
		gint rc;

		if (left <= 0 && !hold)
			return FALSE;
		rc = poll(&pfd, 1, hold ? -1 : (gint)((left + 999) / 1000));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return FALSE;
		n = recv(self->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			cd_progress_gone(self);
			return FALSE;
		}
		if (!cd_progress_parse(buf, (gsize)n, &verb, &argument))
			continue;
		if (g_strcmp0(verb, "go") == 0)
			return TRUE;
		if (g_strcmp0(verb, "hold") == 0)
			hold = TRUE;
	}
}

gboolean
cd_progress_parse(const gchar *packet, gsize len, gchar **verb, gchar **argument)
{
	const gchar *space;
	g_autofree gchar *name = NULL;
	gboolean known = FALSE;

	g_return_val_if_fail(packet != NULL, FALSE);

	if (len == 0 || len > CD_PROGRESS_MAX_MESSAGE || memchr(packet, '\0', len) != NULL ||
	    !g_utf8_validate(packet, (gssize)len, NULL))
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if ((guchar)packet[i] < 0x20 || packet[i] == 0x7f)
			return FALSE;
	}
	space = memchr(packet, ' ', len);
	name = g_strndup(packet, space != NULL ? (gsize)(space - packet) : len);
	for (guint i = 0; i < G_N_ELEMENTS(cd_progress_verbs); i++)
		known |= g_strcmp0(name, cd_progress_verbs[i]) == 0;
	if (!known)
		return FALSE;
	*verb = g_steal_pointer(&name);
	*argument = space != NULL ? g_strndup(space + 1, len - (gsize)(space + 1 - packet))
				  : g_strdup("");
	return TRUE;
}
