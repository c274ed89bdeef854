/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk-helper"

#include "config.h"

#include "cd-helper-auth.h"

/*
 * the polkit check, as one direct D-Bus call to polkitd's CheckAuthorization: the
 * timeout and the fail-closed rule stay in view here rather than inside libpolkit.
 * Whatever goes wrong (polkitd absent, hanging, answering nonsense) ends in denial.
 */

#define CD_POLKIT_NAME	    "org.freedesktop.PolicyKit1"
#define CD_POLKIT_PATH	    "/org/freedesktop/PolicyKit1/Authority"
#define CD_POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
/* CheckAuthorizationFlags */
#define CD_POLKIT_ALLOW_USER_INTERACTION 0x1

typedef struct {
	GDBusConnection *connection;
	gchar *action_id;
	gchar *cancellation_id;
} CdHelperAuthCheck;

static void
cd_helper_auth_check_free(CdHelperAuthCheck *check)
{
	g_object_unref(check->connection);
	g_free(check->action_id);
	g_free(check->cancellation_id);
	g_free(check);
}

static void
cd_helper_auth_cancel_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
		g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);

	if (reply == NULL)
		g_debug("CancelCheckAuthorization: %s", error->message);
}

/*
 * a check nobody waits for any more (it timed out, or its caller left the bus) is
 * withdrawn, so that polkitd takes the password prompt off the agent; polkitd knows it
 * by the id, which it scopes to this helper's connection
 */
static void
cd_helper_auth_withdraw(CdHelperAuthCheck *check)
{
	g_dbus_connection_call(check->connection,
			       CD_POLKIT_NAME,
			       CD_POLKIT_PATH,
			       CD_POLKIT_INTERFACE,
			       "CancelCheckAuthorization",
			       g_variant_new("(s)", check->cancellation_id),
			       NULL,
			       G_DBUS_CALL_FLAGS_NONE,
			       CD_HELPER_AUTH_CANCEL_TIMEOUT_MS,
			       NULL,
			       cd_helper_auth_cancel_cb,
			       NULL);
}

static void
cd_helper_auth_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	gboolean authorized = FALSE;
	gboolean challenge = FALSE;

	CdHelperAuthCheck *check = g_task_get_task_data(task);

	reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	if (reply == NULL) {
		if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
		    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			cd_helper_auth_withdraw(check);
		/* fail closed: the reason goes to the journal, the caller learns only "no" */
		g_warning("polkit check %s for %s failed, denying: %s",
			  check->cancellation_id,
			  check->action_id,
			  error->message);
		g_task_return_new_error(task,
					G_DBUS_ERROR,
					G_DBUS_ERROR_ACCESS_DENIED,
					"polkit did not answer");
		return;
	}
	g_variant_get(reply, "((bb@a{ss}))", &authorized, &challenge, NULL);
	if (!authorized) {
		g_task_return_new_error(task,
					G_DBUS_ERROR,
					G_DBUS_ERROR_ACCESS_DENIED,
					"%s",
					challenge ? "authentication required" : "not authorized");
		return;
	}
	g_task_return_boolean(task, TRUE);
}

/**
 * cd_helper_auth_check_async:
 * @sender: the caller's unique bus name, the polkit subject
 * @message: the translated text polkit shows when it asks for a password
 * @interactive: whether polkit may ask for a password
 *
 * Asks polkitd whether @sender may do @action_id. Finishes with %TRUE only on an
 * explicit yes; any failure, including no answer within @timeout_ms, is a denial.
 * A check that times out or that @cancellable stops (its caller went away) is
 * withdrawn from polkitd with CancelCheckAuthorization.
 */
void
cd_helper_auth_check_async(GDBusConnection *connection,
			   const gchar *sender,
			   const gchar *action_id,
			   const gchar *message,
			   gboolean interactive,
			   gint timeout_ms,
			   GCancellable *cancellable,
			   GAsyncReadyCallback callback,
			   gpointer user_data)
{
	static guint64 serial = 0;
	GTask *task = g_task_new(NULL, cancellable, callback, user_data);
	CdHelperAuthCheck *check = g_new0(CdHelperAuthCheck, 1);
	GVariantBuilder subject_details;
	GVariantBuilder details;

	/* unique among this connection's checks, as polkitd requires */
	check->connection = g_object_ref(connection);
	check->action_id = g_strdup(action_id);
	check->cancellation_id = g_strdup_printf("crashdesk-helper-%" G_GUINT64_FORMAT, ++serial);
	g_task_set_source_tag(task, cd_helper_auth_check_async);
	g_task_set_task_data(task, check, (GDestroyNotify)cd_helper_auth_check_free);

	g_variant_builder_init(&subject_details, G_VARIANT_TYPE("a{sv}"));
	g_variant_builder_add(&subject_details, "{sv}", "name", g_variant_new_string(sender));
	g_variant_builder_init(&details, G_VARIANT_TYPE("a{ss}"));
	/* polkitd honours these from a caller running as root only: the helper */
	g_variant_builder_add(&details, "{ss}", "polkit.message", message);
	g_variant_builder_add(&details, "{ss}", "polkit.gettext_domain", "crashdesk");

	g_dbus_connection_call(
		connection,
		CD_POLKIT_NAME,
		CD_POLKIT_PATH,
		CD_POLKIT_INTERFACE,
		"CheckAuthorization",
		g_variant_new("((sa{sv})sa{ss}us)",
			      "system-bus-name",
			      &subject_details,
			      action_id,
			      &details,
			      (guint32)(interactive ? CD_POLKIT_ALLOW_USER_INTERACTION : 0),
			      check->cancellation_id),
		G_VARIANT_TYPE("((bba{ss}))"),
		G_DBUS_CALL_FLAGS_NONE,
		timeout_ms,
		cancellable,
		cd_helper_auth_cb,
		task);
}

gboolean
cd_helper_auth_check_finish(GAsyncResult *res, GError **error)
{
	g_return_val_if_fail(g_task_is_valid(res, NULL), FALSE);
	return g_task_propagate_boolean(G_TASK(res), error);
}
