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
#include "cd-report-variant.h"
#include "cd-reports-dbus.h"

/*
 * synchronous calls to crashdesk-helper through the proxy generated from
 * io.crashdesk.Reports1.xml, which alone names the methods and their types; the
 * replies become typed structures here (cd-report-variant.c, cd-report-state.c read
 * what they hold). On a terminal polkit may ask for the password: like pkexec and
 * systemctl, the client runs pkttyagent for its own process while it calls, and stops
 * it afterwards.
 */

#define CD_PKTTYAGENT "/usr/bin/pkttyagent"
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
	CdDbusReports1 *proxy;
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
 * cd_helper_client_new_for_connection:
 * @connection: the bus the helper is on
 * @interactive: whether polkit may ask for a password (pkttyagent is started for it)
 *
 * Returns: (transfer full): a client, or %NULL
 */
CdHelperClient *
cd_helper_client_new_for_connection(GDBusConnection *connection,
				    gboolean interactive,
				    GError **error)
{
	g_autoptr(CdDbusReports1) proxy = NULL;
	CdHelperClient *self;

	/* no properties, no signals, no start: nothing is asked of the helper until a call */
	proxy = cd_dbus_reports1_proxy_new_sync(
		connection,
		G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES |
			G_DBUS_PROXY_FLAGS_DO_NOT_CONNECT_SIGNALS |
			G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION,
		cd_reports_dbus_bus_name(),
		cd_reports_dbus_object_path(),
		NULL,
		error);
	if (proxy == NULL)
		return NULL;
	/* registered before the first reply can carry one of the helper's error names */
	(void)cd_helper_client_error_quark();
	self = g_new0(CdHelperClient, 1);
	self->proxy = g_steal_pointer(&proxy);
	self->interactive = interactive;
	self->agent = self->interactive ? cd_helper_client_start_agent() : -1;
	return self;
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

	if (connection == NULL)
		return NULL;
	return cd_helper_client_new_for_connection(connection, isatty(STDIN_FILENO), error);
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
	g_object_unref(self->proxy);
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

static void
cd_helper_client_strip(GError **error)
{
	if (error != NULL && *error != NULL)
		g_dbus_error_strip_remote_error(*error);
}

void
cd_helper_list_entry_free(CdHelperListEntry *entry)
{
	if (entry == NULL)
		return;
	g_free(entry->id);
	cd_report_summary_free(entry->summary);
	g_free(entry->problem);
	g_free(entry);
}

void
cd_helper_report_free(CdHelperReport *report)
{
	if (report == NULL)
		return;
	g_free(report->meta);
	g_free(report->panic_text);
	g_free(report->report_crash);
	cd_report_state_free(report->state);
	g_free(report);
}

/**
 * cd_helper_client_parse_list:
 * @reports: List's reply, an aa{sv}
 *
 * A damaged report is an entry with its problem; an entry without a valid id is left
 * out, since it can be neither shown nor named.
 *
 * Returns: (transfer container) (element-type CdHelperListEntry): oldest first
 */
GPtrArray *
cd_helper_client_parse_list(GVariant *reports, GError **error)
{
	g_autoptr(GPtrArray) entries =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_helper_list_entry_free);
	GVariantIter iter;
	GVariant *value;

	if (!g_variant_is_of_type(reports, G_VARIANT_TYPE("aa{sv}"))) {
		g_set_error_literal(error, CD_ERROR, CD_ERROR_INVALID_DATA, "List sent no aa{sv}");
		return NULL;
	}
	g_variant_iter_init(&iter, reports);
	while ((value = g_variant_iter_next_value(&iter)) != NULL) {
		g_autoptr(GVariant) owned = value;
		g_autoptr(GError) error_local = NULL;
		CdHelperListEntry *entry;
		const gchar *id = NULL;

		if (!g_variant_lookup(value, "id", "&s", &id) || !cd_report_id_is_valid(id))
			continue;
		entry = g_new0(CdHelperListEntry, 1);
		entry->id = g_strdup(id);
		entry->summary = cd_report_list_entry_parse(value,
							    &entry->seen,
							    &entry->submissions,
							    &error_local);
		if (entry->summary == NULL)
			entry->problem = g_strdup(error_local->message);
		g_ptr_array_add(entries, entry);
	}
	return g_steal_pointer(&entries);
}

/**
 * cd_helper_client_list:
 *
 * One call of List: every report with what `crashdesk list` prints of it.
 *
 * Returns: (transfer container) (element-type CdHelperListEntry): oldest first
 */
GPtrArray *
cd_helper_client_list(CdHelperClient *self, GError **error)
{
	g_autoptr(GVariant) reports = NULL;

	if (!cd_dbus_reports1_call_list_sync(self->proxy,
					     cd_helper_client_options(self),
					     G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
					     CD_HELPER_CALL_TIMEOUT_MS,
					     &reports,
					     NULL,
					     error)) {
		cd_helper_client_strip(error);
		return NULL;
	}
	return cd_helper_client_parse_list(reports, error);
}

/**
 * cd_helper_client_parse_report:
 * @report: GetReport's reply, an a{sv}
 *
 * Returns: (transfer full): the report, or %NULL when the reply lacks meta or its state
 *   is not one
 */
CdHelperReport *
cd_helper_client_parse_report(GVariant *report, GError **error)
{
	g_autoptr(CdHelperReport) self = g_new0(CdHelperReport, 1);
	g_autoptr(GVariant) state = NULL;

	if (!g_variant_is_of_type(report, G_VARIANT_TYPE_VARDICT) ||
	    !g_variant_lookup(report, "meta", "s", &self->meta)) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "the helper sent no meta");
		return NULL;
	}
	if (!g_variant_lookup(report, "panic-text", "s", &self->panic_text))
		self->panic_text = g_strdup("");
	if (!g_variant_lookup(report, "report-crash", "s", &self->report_crash))
		self->report_crash = g_strdup("");
	(void)g_variant_lookup(report, "panic-text-truncated", "b", &self->panic_text_truncated);
	(void)g_variant_lookup(report,
			       "report-crash-truncated",
			       "b",
			       &self->report_crash_truncated);
	state = g_variant_lookup_value(report, "state", G_VARIANT_TYPE_VARDICT);
	self->state = state != NULL ? cd_report_state_new_from_variant(state, error)
				    : cd_report_state_new();
	if (self->state == NULL) {
		g_prefix_error(error, "the helper sent a state that is not one: ");
		return NULL;
	}
	return g_steal_pointer(&self);
}

/**
 * cd_helper_client_get_report:
 *
 * Returns: (transfer full): the report's texts and state, or %NULL
 */
CdHelperReport *
cd_helper_client_get_report(CdHelperClient *self, const gchar *id, GError **error)
{
	g_autoptr(GVariant) report = NULL;

	if (!cd_dbus_reports1_call_get_report_sync(
		    self->proxy,
		    id,
		    cd_helper_client_options(self),
		    G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION,
		    CD_HELPER_CALL_TIMEOUT_MS,
		    &report,
		    NULL,
		    error)) {
		cd_helper_client_strip(error);
		return NULL;
	}
	return cd_helper_client_parse_report(report, error);
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
