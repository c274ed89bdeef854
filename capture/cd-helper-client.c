/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "cd-helper-client.h"
#include "cd-helper-error.h"
#include "cd-report-store.h"

/*
 * synchronous calls to crashdesk-helper on the system bus. On a terminal polkit may
 * ask for the password: like pkexec and systemctl, the CLI runs pkttyagent for its own
 * process while it calls, and stops it afterwards.
 */

#define CD_HELPER_NAME	    "io.crashdesk.Reports1"
#define CD_HELPER_PATH	    "/io/crashdesk/Reports1"
#define CD_HELPER_INTERFACE "io.crashdesk.Reports1"
#define CD_PKTTYAGENT	    "/usr/bin/pkttyagent"
/* long enough for a person to type a password */
#define CD_HELPER_CALL_TIMEOUT_MS (5 * 60 * 1000)

static const GDBusErrorEntry cd_helper_client_error_entries[] = {
	{ CD_HELPER_CLIENT_ERROR_NO_SUCH_REPORT, CD_HELPER_ERROR_NAME_NO_SUCH_REPORT },
	{ CD_HELPER_CLIENT_ERROR_NO_DUMP, CD_HELPER_ERROR_NAME_NO_DUMP },
	{ CD_HELPER_CLIENT_ERROR_DAMAGED, CD_HELPER_ERROR_NAME_DAMAGED },
	{ CD_HELPER_CLIENT_ERROR_BUSY, CD_HELPER_ERROR_NAME_BUSY },
	{ CD_HELPER_CLIENT_ERROR_FAILED, CD_HELPER_ERROR_NAME_FAILED },
};

/* the helper's own error names, registered so that a reply carrying one becomes a
 * GError of this domain rather than an anonymous G_IO_ERROR_DBUS_ERROR */
GQuark
cd_helper_client_error_quark(void)
{
	static gsize quark = 0;

	g_dbus_error_register_error_domain("cd-helper-client-error-quark",
					   &quark,
					   cd_helper_client_error_entries,
					   G_N_ELEMENTS(cd_helper_client_error_entries));
	return (GQuark)quark;
}

struct _CdHelperClient {
	GDBusConnection *connection;
	gboolean interactive;
	pid_t agent;
};

/*
 * In a login session the agent is a fallback, as systemctl's is: a desktop's agent for
 * the session goes first. polkitd asks a fallback agent only when it finds the caller's
 * session, so outside one (no logind, a container, a service) the agent registers for
 * this process alone, or nobody would ever be asked for the password.
 */
static gboolean
cd_helper_client_in_login_session(void)
{
	char *session = NULL;
	gboolean found = sd_pid_get_session(0, &session) >= 0;

	free(session);
	return found;
}

/* starts pkttyagent for this process and waits until it has registered */
static pid_t
cd_helper_client_start_agent(void)
{
	g_autofree gchar *pid_arg = g_strdup_printf("%d", (gint)getpid());
	g_autofree gchar *fd_arg = NULL;
	const gchar *fallback = cd_helper_client_in_login_session() ? "--fallback" : NULL;
	gint fds[2];
	pid_t pid;
	gchar c;

	if (!g_file_test(CD_PKTTYAGENT, G_FILE_TEST_IS_EXECUTABLE) || pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	fd_arg = g_strdup_printf("%d", fds[1]);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		/* the agent tells it has registered by closing this descriptor */
		if (fcntl(fds[1], F_SETFD, 0) < 0)
			_exit(127);
		execl(CD_PKTTYAGENT,
		      CD_PKTTYAGENT,
		      "--notify-fd",
		      fd_arg,
		      "--process",
		      pid_arg,
		      fallback,
		      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (read(fds[0], &c, 1) < 0 && errno == EINTR)
		;
	close(fds[0]);
	return pid;
}

static void
cd_helper_client_stop_agent(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/**
 * cd_helper_client_new:
 *
 * Connects to the system bus; on a terminal, polkit may ask for a password there.
 */
CdHelperClient *
cd_helper_client_new(GError **error)
{
	g_autoptr(GDBusConnection) connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
	CdHelperClient *self;

	if (connection == NULL)
		return NULL;
	/* registered before the first reply can carry one of the helper's error names */
	(void)cd_helper_client_error_quark();
	self = g_new0(CdHelperClient, 1);
	self->connection = g_steal_pointer(&connection);
	self->interactive = isatty(STDIN_FILENO);
	self->agent = self->interactive ? cd_helper_client_start_agent() : -1;
	return self;
}

/**
 * cd_helper_client_can_ask_password:
 *
 * Whether polkit may ask for a password on this terminal: stdin is one, and pkttyagent
 * runs there for this process.
 */
gboolean
cd_helper_client_can_ask_password(CdHelperClient *self)
{
	return self->interactive && self->agent > 0;
}

void
cd_helper_client_free(CdHelperClient *self)
{
	if (self == NULL)
		return;
	cd_helper_client_stop_agent(self->agent);
	g_object_unref(self->connection);
	g_free(self);
}

static GVariant *
cd_helper_client_options(CdHelperClient *self)
{
	GVariantBuilder b;

	g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
	if (!self->interactive)
		g_variant_builder_add(&b,
				      "{sv}",
				      "auth.no_user_interaction",
				      g_variant_new_boolean(TRUE));
	return g_variant_builder_end(&b);
}

static GVariant *
cd_helper_client_call(CdHelperClient *self,
		      const gchar *method,
		      GVariant *params,
		      const gchar *reply_type,
		      GError **error)
{
	GVariant *reply =
		g_dbus_connection_call_sync(self->connection,
					    CD_HELPER_NAME,
					    CD_HELPER_PATH,
					    CD_HELPER_INTERFACE,
					    method,
					    params,
					    G_VARIANT_TYPE(reply_type),
					    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
					    CD_HELPER_CALL_TIMEOUT_MS,
					    NULL,
					    error);
	if (reply == NULL && error != NULL)
		g_dbus_error_strip_remote_error(*error);
	return reply;
}

/**
 * cd_helper_client_list:
 *
 * Returns: (transfer container) (element-type utf8): the report ids, oldest first
 */
GPtrArray *
cd_helper_client_list(CdHelperClient *self, GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	GVariant *entry;

	reply = cd_helper_client_call(self,
				      "List",
				      g_variant_new("(@a{sv})", cd_helper_client_options(self)),
				      "(aa{sv})",
				      error);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(aa{sv})", &iter);
	while ((entry = g_variant_iter_next_value(iter)) != NULL) {
		const gchar *id = NULL;
		/* an id is printed and sent back: only one of the form the helper checks */
		if (g_variant_lookup(entry, "id", "&s", &id) && cd_report_id_is_valid(id))
			g_ptr_array_add(ids, g_strdup(id));
		g_variant_unref(entry);
	}
	return g_steal_pointer(&ids);
}

/**
 * cd_helper_client_get_report:
 * @panic_text: (out) (optional): the end of the crashed kernel's log
 *
 * Returns: the report's meta.json
 */
gchar *
cd_helper_client_get_report(CdHelperClient *self,
			    const gchar *id,
			    gchar **panic_text,
			    GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) dict = NULL;
	gchar *meta = NULL;

	reply = cd_helper_client_call(
		self,
		"GetReport",
		g_variant_new("(s@a{sv})", id, cd_helper_client_options(self)),
		"(a{sv})",
		error);
	if (reply == NULL)
		return NULL;
	dict = g_variant_get_child_value(reply, 0);
	if (!g_variant_lookup(dict, "meta", "s", &meta)) {
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_FAILED, "the helper sent no meta");
		return NULL;
	}
	if (panic_text != NULL && !g_variant_lookup(dict, "panic-text", "s", panic_text))
		*panic_text = g_strdup("");
	return meta;
}

gboolean
cd_helper_client_error_is_denied(const GError *error)
{
	return g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED);
}

/*
 * no system bus, or no helper on it: the CLI falls back to reading the store itself.
 * Whatever the helper answered (an error name of its own or another remote one) is not
 * that: the CLI says what the helper said.
 */
gboolean
cd_helper_client_error_is_unavailable(const GError *error)
{
	return (error->domain == G_IO_ERROR && error->code != G_IO_ERROR_DBUS_ERROR) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_FILE_NOT_FOUND) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_FAILED) ||
	       g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_SERVER);
}
