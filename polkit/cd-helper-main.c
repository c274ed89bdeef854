/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk-helper"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <malloc.h>
#include <stdlib.h>
#include <unistd.h>

#include "cd-helper-auth.h"
#include "cd-helper.h"
#include "cd-report-store.h"
#include "cd-reports-dbus.h"

/* crashdesk-helper: io.crashdesk.Reports1 on the system bus, started by D-Bus */

#define CD_HELPER_MMAP_THRESHOLD (256 * 1024)

typedef struct {
	GMainLoop *loop;
	gint status;
} CdHelperMain;

static void
cd_helper_main_idle_cb(CdHelper *helper, CdHelperMain *m)
{
	g_message("idle, exiting");
	g_main_loop_quit(m->loop);
}

static void
cd_helper_main_name_lost_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	CdHelperMain *m = user_data;

	g_printerr("crashdesk-helper: cannot own %s on the bus\n", name);
	m->status = EXIT_FAILURE;
	g_main_loop_quit(m->loop);
}

static gboolean
cd_helper_main_signal_cb(gpointer user_data)
{
	CdHelperMain *m = user_data;

	g_main_loop_quit(m->loop);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char **argv)
{
	g_autofree gchar *root = NULL;
	gint idle_timeout = 60;
	gint auth_timeout = CD_HELPER_AUTH_TIMEOUT_MS;
	const GOptionEntry entries[] = { { "idle-timeout",
					   0,
					   0,
					   G_OPTION_ARG_INT,
					   &idle_timeout,
					   "Exit after this many seconds without a call (0: never)",
					   "SECONDS" },
					 { "auth-timeout",
					   0,
					   G_OPTION_FLAG_HIDDEN,
					   G_OPTION_ARG_INT,
					   &auth_timeout,
					   "How long polkit may take to answer (tests)",
					   "MS" },
					 { "root",
					   0,
					   G_OPTION_FLAG_HIDDEN,
					   G_OPTION_ARG_FILENAME,
					   &root,
					   "The report root (tests)",
					   "DIR" },
					 { NULL } };
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- give polkit-authorized callers the crash reports");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(CdHelper) helper = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	CdHelperMain m = { loop, EXIT_SUCCESS };
	guint owner_id;

	/*
	 * a reply is megabytes (4 MiB of log made visible can be 16 MiB before it is cut
	 * back), and glibc would keep such blocks in its heaps once freed, raising the
	 * threshold after each: with a fixed one they are mapped for the reply and
	 * returned with it, so the helper's memory is that of the calls in flight only
	 */
	mallopt(M_MMAP_THRESHOLD, CD_HELPER_MMAP_THRESHOLD);
	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("crashdesk-helper: %s\n", error->message);
		return 2;
	}
	if (idle_timeout < 0 || auth_timeout <= 0) {
		g_printerr("crashdesk-helper: timeouts must not be negative\n");
		return 2;
	}

	/* tests point DBUS_SYSTEM_BUS_ADDRESS at a private system bus */
	connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (connection == NULL) {
		g_printerr("crashdesk-helper: cannot connect to the bus: %s\n", error->message);
		return EXIT_FAILURE;
	}

	helper = cd_helper_new(root != NULL ? root : CD_REPORT_ROOT_DEFAULT);
	cd_helper_set_auth_timeout(helper, auth_timeout);
	g_signal_connect(helper, "idle", G_CALLBACK(cd_helper_main_idle_cb), &m);
	if (!cd_helper_export(helper, connection, &error)) {
		g_printerr("crashdesk-helper: %s\n", error->message);
		return EXIT_FAILURE;
	}
	cd_helper_set_idle_timeout(helper, (guint)idle_timeout);
	owner_id = g_bus_own_name_on_connection(connection,
						cd_reports_dbus_bus_name(),
						G_BUS_NAME_OWNER_FLAGS_NONE,
						NULL,
						cd_helper_main_name_lost_cb,
						&m,
						NULL);
	g_unix_signal_add(SIGTERM, cd_helper_main_signal_cb, &m);
	g_unix_signal_add(SIGINT, cd_helper_main_signal_cb, &m);

	g_main_loop_run(loop);
	g_bus_unown_name(owner_id);
	g_dbus_connection_flush_sync(connection, NULL, NULL);
	return m.status;
}
