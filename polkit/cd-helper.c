/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk-helper"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <gio/gunixfdlist.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-file.h"
#include "cd-helper-auth.h"
#include "cd-helper-error.h"
#include "cd-helper.h"
#include "cd-json-visible.h"
#include "cd-report-meta.h"
#include "cd-report-state.h"
#include "cd-report-store.h"
#include "cd-report-variant.h"
#include "cd-reports-dbus.h"
#include "cd-text.h"
#include "cd-utf8.h"

/*
 * the io.crashdesk.Reports1 object: every call is counted against its user's limit of
 * calls in flight, then against the limit of all calls, checked with polkit, and only
 * then are its arguments looked at and the disk touched. A change of the store (which
 * takes its lock, and a capture may hold that for minutes) runs in a thread of its own
 * with a bounded wait, so that no call holds up another.
 */

/* the bus daemon answers for the caller's uid at once; a daemon that does not is denied */
#define CD_HELPER_UID_TIMEOUT_MS 5000

#define CD_HELPER_ERROR_NO_SUCH_REPORT CD_HELPER_ERROR_NAME_NO_SUCH_REPORT
#define CD_HELPER_ERROR_NO_DUMP	       CD_HELPER_ERROR_NAME_NO_DUMP
#define CD_HELPER_ERROR_DAMAGED	       CD_HELPER_ERROR_NAME_DAMAGED
#define CD_HELPER_ERROR_BUSY	       CD_HELPER_ERROR_NAME_BUSY
#define CD_HELPER_ERROR_FAILED	       CD_HELPER_ERROR_NAME_FAILED

/*
 * a caller's connection while it has calls: its uid, once the bus daemon told it, and
 * the calls that wait for it. They take no place among all calls in flight until their
 * user is known, so that one user's flood never takes the places of another's calls.
 */
typedef struct {
	gchar *name;
	guint32 uid;
	gboolean uid_known;
	GPtrArray *waiting; /* CdHelperCall, until the uid is known */
	guint calls;	    /* its calls alive, waiting or not */
	GDBusConnection *connection;
	GCancellable *cancellable; /* cancelled when the caller leaves the bus */
	guint gone_id;
} CdHelperSender;

struct _CdHelper {
	GObject parent_instance;
	gchar *root;
	CdDbusReports1 *skeleton;
	guint calls;	 /* alive, whether counted in flight or still waiting for a uid */
	guint in_flight; /* counted against CD_HELPER_MAX_IN_FLIGHT */
	GHashTable *in_flight_by_uid; /* uid → calls, GUINT_TO_POINTER both */
	GHashTable *senders;	      /* unique name → CdHelperSender */
	gint auth_timeout_ms;
	guint lock_timeout_ms;
	guint idle_timeout_s;
	guint idle_id;
};

G_DEFINE_TYPE(CdHelper, cd_helper, G_TYPE_OBJECT)

enum { SIGNAL_IDLE, SIGNAL_LAST };
static guint signals[SIGNAL_LAST];

typedef enum {
	CD_HELPER_METHOD_GET_SUMMARY,
	CD_HELPER_METHOD_LIST,
	CD_HELPER_METHOD_GET_REPORT,
	CD_HELPER_METHOD_OPEN_DUMP,
	CD_HELPER_METHOD_MARK_SEEN,
	CD_HELPER_METHOD_DELETE,
	CD_HELPER_METHOD_RECORD_SUBMISSION,
} CdHelperMethod;

typedef struct {
	CdHelper *helper;
	GDBusMethodInvocation *invocation;
	CdHelperMethod method;
	gchar *id;
	gchar *tracker;
	gchar *url;
	gboolean interactive;
	gboolean counted;
	guint32 uid;
	CdHelperSender *sender;
} CdHelperCall;

static gboolean
cd_helper_idle_cb(gpointer user_data)
{
	CdHelper *self = CD_HELPER(user_data);

	self->idle_id = 0;
	g_signal_emit(self, signals[SIGNAL_IDLE], 0);
	return G_SOURCE_REMOVE;
}

static void
cd_helper_idle_restart(CdHelper *self)
{
	g_clear_handle_id(&self->idle_id, g_source_remove);
	if (self->idle_timeout_s > 0 && self->calls == 0)
		self->idle_id =
			g_timeout_add_seconds(self->idle_timeout_s, cd_helper_idle_cb, self);
}

static void
cd_helper_sender_free(CdHelperSender *sender)
{
	g_dbus_connection_signal_unsubscribe(sender->connection, sender->gone_id);
	g_object_unref(sender->connection);
	g_object_unref(sender->cancellable);
	g_ptr_array_unref(sender->waiting);
	g_free(sender->name);
	g_free(sender);
}

static void
cd_helper_call_free(CdHelperCall *call)
{
	CdHelper *self = call->helper;

	if (call->counted) {
		gpointer key = GUINT_TO_POINTER(call->uid);
		guint n = GPOINTER_TO_UINT(g_hash_table_lookup(self->in_flight_by_uid, key));

		if (n <= 1)
			g_hash_table_remove(self->in_flight_by_uid, key);
		else
			g_hash_table_insert(self->in_flight_by_uid, key, GUINT_TO_POINTER(n - 1));
		self->in_flight--;
	}
	if (call->sender != NULL && --call->sender->calls == 0)
		g_hash_table_remove(self->senders, call->sender->name);
	self->calls--;
	cd_helper_idle_restart(self);
	g_object_unref(call->invocation);
	g_free(call->id);
	g_free(call->tracker);
	g_free(call->url);
	g_object_unref(self);
	g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdHelperCall, cd_helper_call_free)

static void
cd_helper_return_error(CdHelperCall *call, const gchar *name, const gchar *message)
{
	g_dbus_method_invocation_return_dbus_error(call->invocation, name, message);
}

/* one answer for every refusal, whatever its cause: it depends on the caller alone */
static void
cd_helper_return_denied(CdHelperCall *call)
{
	cd_helper_return_error(call, "org.freedesktop.DBus.Error.AccessDenied", "not authorized");
}

/*
 * a store failure an authorized caller may hear of; the details go to the journal too.
 * The report was there when the call began (cd_helper_call_run checks): a file of it
 * that is missing now makes it damaged, unless the whole report went meanwhile.
 */
static void
cd_helper_return_store_error(CdHelperCall *call, CdReportStore *store, const GError *error)
{
	if (g_error_matches(error, CD_ERROR, CD_ERROR_BUSY)) {
		cd_helper_return_error(call,
				       CD_HELPER_ERROR_BUSY,
				       "the report store is busy (a crash is being saved), try "
				       "again later");
		return;
	}
	if (g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND) ||
	    g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
		if (call->id == NULL || store == NULL || !cd_report_store_has(store, call->id)) {
			cd_helper_return_error(call,
					       CD_HELPER_ERROR_NO_SUCH_REPORT,
					       "no such report");
			return;
		}
	}
	g_warning("%s", error->message);
	if (call->id != NULL && (error->domain == CD_ERROR ||
				 g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT))) {
		g_autofree gchar *msg =
			g_strdup_printf("report %s is damaged: %s", call->id, error->message);
		cd_helper_return_error(call, CD_HELPER_ERROR_DAMAGED, msg);
		return;
	}
	cd_helper_return_error(call, CD_HELPER_ERROR_FAILED, error->message);
}

/* NULL with no error: there is no report root, so no reports */
static CdReportStore *
cd_helper_open_store(CdHelper *self, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	CdReportStore *store =
		cd_report_store_new(self->root, CD_REPORT_STORE_FLAG_NONE, &error_local);

	if (store == NULL && !g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
		g_propagate_error(error, g_steal_pointer(&error_local));
	return store;
}

/*
 * text of a report for a person: valid UTF-8 in which no control character is left
 * (cd-text.h; a NUL or an escape sequence the crashed kernel logged shows as \x00 or
 * \x1b), and at most CD_HELPER_MAX_TEXT bytes, however much longer making it visible
 * made it: its start, or its end if @tail. @truncated is set when something was cut.
 */
static gchar *
cd_helper_text_from_bytes(const gchar *data, gsize len, gboolean tail, gboolean *truncated)
{
	g_autofree gchar *text =
		cd_text_make_visible(data, (gssize)len, CD_TEXT_FLAG_KEEP_NEWLINES);
	gsize text_len = strlen(text);

	if (text_len <= CD_HELPER_MAX_TEXT)
		return g_steal_pointer(&text);
	*truncated = TRUE;
	if (!tail)
		return g_strndup(text, cd_utf8_prefix_length(text, text_len, CD_HELPER_MAX_TEXT));
	return g_strdup(text + cd_utf8_suffix_start(text, text_len, CD_HELPER_MAX_TEXT));
}

/*
 * a JSON file of a report (meta.json) for a person: as written if no string of it holds
 * a control character, else written again with every string made visible (so that not
 * even the escape \u001b spells one out); what does not parse is sent as text
 */
static gchar *
cd_helper_json_from_bytes(const gchar *data, gsize len, gboolean *parsed)
{
	gchar *text = cd_json_text_make_visible(data, len);
	gboolean truncated = FALSE;

	*parsed = text != NULL;
	if (text == NULL)
		return cd_helper_text_from_bytes(data, len, FALSE, &truncated);
	return text;
}

/*
 * at most CD_HELPER_MAX_TEXT bytes of a file of the report for a person: its start, or
 * its end if @tail; NULL with CD_ERROR_NOT_FOUND when the report has no such file
 */
static gchar *
cd_helper_read_text(CdReportStore *store,
		    const gchar *id,
		    const gchar *name,
		    gboolean tail,
		    gboolean *truncated,
		    GError **error)
{
	gsize len = 0;
	g_autofree gchar *data =
		cd_report_store_read_range(store,
					   id,
					   name,
					   tail ? CD_FILE_RANGE_TAIL : CD_FILE_RANGE_HEAD,
					   CD_HELPER_MAX_TEXT,
					   &len,
					   truncated,
					   error);

	if (data == NULL)
		return NULL;
	return cd_helper_text_from_bytes(data, len, tail, truncated);
}

/*
 * the report's state (capture/cd-report-state.c), or an empty one when it has none or
 * a damaged one: the helper is its only writer, and the next change starts it afresh.
 * NULL only when the report is gone or the store failed.
 */
static CdReportState *
cd_helper_read_state(CdReportStore *store, const gchar *id, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *data = NULL;
	CdReportState *state;
	gsize len = 0;

	data = cd_report_store_read_state(store, id, &len, &error_local);
	if (data == NULL) {
		if (!cd_report_store_has(store, id)) {
			g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "no report %s", id);
			return NULL;
		}
		if (g_error_matches(error_local, CD_ERROR, CD_ERROR_NOT_FOUND))
			return cd_report_state_new();
		if (error_local->domain != CD_ERROR) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_warning("%s, ignoring it", error_local->message);
		return cd_report_state_new();
	}
	state = cd_report_state_new_from_data(data, len, &error_local);
	if (state == NULL) {
		g_warning("%s of report %s: %s, ignoring it",
			  CD_REPORT_FILE_STATE,
			  id,
			  error_local->message);
		return cd_report_state_new();
	}
	return state;
}

static gboolean
cd_helper_write_state(CdReportStore *store, const gchar *id, CdReportState *state, GError **error)
{
	gsize len = 0;
	g_autofree gchar *text = cd_report_state_to_data(state, &len);

	return cd_report_store_write_state(store, id, text, len, error);
}

static void
cd_helper_run_get_summary(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	guint fresh = 0;

	if (store == NULL) {
		cd_dbus_reports1_complete_get_summary(call->helper->skeleton,
						      call->invocation,
						      0,
						      0,
						      "");
		return;
	}
	ids = cd_report_store_list(store, &error);
	if (ids == NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(CdReportState) state =
			cd_helper_read_state(store, g_ptr_array_index(ids, i), NULL);
		if (state == NULL || !state->seen)
			fresh++;
	}
	cd_dbus_reports1_complete_get_summary(call->helper->skeleton,
					      call->invocation,
					      fresh,
					      ids->len,
					      ids->len > 0 ? g_ptr_array_index(ids, ids->len - 1)
							   : "");
}

/* what `crashdesk list` prints of a report, or why it cannot (cd-report-variant.c) */
static GVariant *
cd_helper_list_entry(CdReportStore *store, const gchar *id)
{
	g_autoptr(CdReportSummary) s = NULL;
	g_autoptr(CdReportState) state = NULL;
	g_autoptr(GError) error = NULL;

	s = cd_report_summary_new_from_store(store, id, &error);
	if (s == NULL) {
		g_autofree gchar *problem =
			cd_text_make_visible(error->message, -1, CD_TEXT_FLAG_NONE);
		g_warning("report %s: %s", id, error->message);
		return cd_report_list_entry_new_damaged(id, problem);
	}
	state = cd_helper_read_state(store, id, NULL);
	return cd_report_list_entry_new(id, s, state);
}

static void
cd_helper_run_list(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GError) error = NULL;
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	if (store != NULL) {
		ids = cd_report_store_list(store, &error);
		if (ids == NULL) {
			g_variant_builder_clear(&builder);
			cd_helper_return_store_error(call, store, error);
			return;
		}
		for (guint i = ids->len > CD_HELPER_MAX_LIST ? ids->len - CD_HELPER_MAX_LIST : 0;
		     i < ids->len;
		     i++) {
			g_variant_builder_add_value(
				&builder,
				cd_helper_list_entry(store, g_ptr_array_index(ids, i)));
		}
	}
	cd_dbus_reports1_complete_list(call->helper->skeleton,
				       call->invocation,
				       g_variant_builder_end(&builder));
}

static void
cd_helper_run_get_report(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportState) state = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *meta_text = NULL;
	g_autofree gchar *panic = NULL;
	g_autofree gchar *apport = NULL;
	gboolean panic_truncated = FALSE;
	gboolean apport_truncated = FALSE;
	gboolean parsed = FALSE;
	gsize meta_len = 0;
	GVariantDict dict;

	meta = cd_report_store_read_range(store,
					  call->id,
					  CD_REPORT_FILE_META,
					  CD_FILE_RANGE_HEAD,
					  CD_REPORT_MAX_META_SIZE,
					  &meta_len,
					  NULL,
					  &error);
	if (meta == NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	meta_text = cd_helper_json_from_bytes(meta, meta_len, &parsed);
	if (!parsed)
		g_warning("meta.json of %s is not JSON, sending it as text", call->id);
	/* 1 MiB of control characters is 4 MiB and more once made visible: the bound of
	 * every text of a reply holds for meta too */
	if (strlen(meta_text) > CD_HELPER_MAX_TEXT) {
		g_autofree gchar *msg = g_strdup_printf(
			"report %s is damaged: %s is larger than %u bytes once made visible",
			call->id,
			CD_REPORT_FILE_META,
			(guint)CD_HELPER_MAX_TEXT);
		cd_helper_return_error(call, CD_HELPER_ERROR_DAMAGED, msg);
		return;
	}
	panic = cd_helper_read_text(store,
				    call->id,
				    CD_REPORT_FILE_DMESG,
				    TRUE,
				    &panic_truncated,
				    &error);
	if (panic == NULL) {
		/* a report without its log (pstore kept none) is still a report */
		if (!g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND)) {
			cd_helper_return_store_error(call, store, error);
			return;
		}
		g_clear_error(&error);
	}
	apport = cd_helper_read_text(store,
				     call->id,
				     CD_REPORT_FILE_APPORT,
				     FALSE,
				     &apport_truncated,
				     &error);
	if (apport == NULL) {
		if (!g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND)) {
			cd_helper_return_store_error(call, store, error);
			return;
		}
		g_clear_error(&error);
	}
	state = cd_helper_read_state(store, call->id, &error);
	if (state == NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "meta", "s", meta_text);
	g_variant_dict_insert(&dict, "panic-text", "s", panic != NULL ? panic : "");
	g_variant_dict_insert(&dict, "panic-text-truncated", "b", panic_truncated);
	g_variant_dict_insert(&dict, "report-crash", "s", apport != NULL ? apport : "");
	g_variant_dict_insert(&dict, "report-crash-truncated", "b", apport_truncated);
	g_variant_dict_insert_value(&dict, "state", cd_report_state_to_variant(state));
	cd_dbus_reports1_complete_get_report(call->helper->skeleton,
					     call->invocation,
					     g_variant_dict_end(&dict));
}

static void
cd_helper_run_open_dump(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GUnixFDList) fds = NULL;
	gint fd;

	fd = cd_report_store_open_file(store, call->id, CD_REPORT_FILE_DUMP, &error);
	if (fd < 0) {
		if (g_error_matches(error, CD_ERROR, CD_ERROR_NOT_FOUND) &&
		    cd_report_store_has(store, call->id)) {
			cd_helper_return_error(call, CD_HELPER_ERROR_NO_DUMP, "no dump");
			return;
		}
		cd_helper_return_store_error(call, store, error);
		return;
	}
	/* the store opened it O_RDONLY|O_NOFOLLOW|O_CLOEXEC; the list takes it over */
	fds = g_unix_fd_list_new_from_array(&fd, 1);
	cd_dbus_reports1_complete_open_dump(call->helper->skeleton,
					    call->invocation,
					    fds,
					    g_variant_new_handle(0));
}

static void
cd_helper_run_mark_seen(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportState) state = cd_helper_read_state(store, call->id, &error);

	if (state == NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	if (!state->seen) {
		state->seen = TRUE;
		if (!cd_helper_write_state(store, call->id, state, &error)) {
			cd_helper_return_store_error(call, store, error);
			return;
		}
	}
	cd_dbus_reports1_complete_mark_seen(call->helper->skeleton, call->invocation);
}

static void
cd_helper_run_delete(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GError) error = NULL;

	if (!cd_report_store_has(store, call->id)) {
		cd_helper_return_error(call, CD_HELPER_ERROR_NO_SUCH_REPORT, "no such report");
		return;
	}
	if (!cd_report_store_delete(store, call->id, &error)) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	g_message("report %s deleted at the request of %s",
		  call->id,
		  g_dbus_method_invocation_get_sender(call->invocation));
	cd_dbus_reports1_complete_delete(call->helper->skeleton, call->invocation);
}

static void
cd_helper_run_record_submission(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdReportState) state = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	if (!cd_report_state_tracker_is_valid(call->tracker) ||
	    !cd_report_state_url_is_valid(call->url)) {
		cd_helper_return_error(call,
				       "org.freedesktop.DBus.Error.InvalidArgs",
				       "invalid tracker or URL");
		return;
	}
	state = cd_helper_read_state(store, call->id, &error);
	if (state == NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	if (state->submissions->len >= CD_REPORT_STATE_MAX_SUBMISSIONS) {
		cd_helper_return_error(call,
				       "org.freedesktop.DBus.Error.LimitsExceeded",
				       "too many submissions recorded for this report");
		return;
	}
	if (!cd_report_state_add_submission(state, call->tracker, call->url, now, &error)) {
		cd_helper_return_error(call,
				       "org.freedesktop.DBus.Error.InvalidArgs",
				       error->message);
		return;
	}
	if (!cd_helper_write_state(store, call->id, state, &error)) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	cd_dbus_reports1_complete_record_submission(call->helper->skeleton, call->invocation);
}

static void
cd_helper_change_thread(GTask *task, gpointer source, gpointer task_data, GCancellable *c)
{
	CdHelperCall *call = task_data;
	CdReportStore *store = g_object_get_data(G_OBJECT(task), "store");

	/* the invocation may be answered from any thread */
	switch (call->method) {
	case CD_HELPER_METHOD_MARK_SEEN:
		cd_helper_run_mark_seen(call, store);
		break;
	case CD_HELPER_METHOD_DELETE:
		cd_helper_run_delete(call, store);
		break;
	case CD_HELPER_METHOD_RECORD_SUBMISSION:
		cd_helper_run_record_submission(call, store);
		break;
	default:
		g_assert_not_reached();
	}
	g_task_return_boolean(task, TRUE);
}

/* back in the main thread, where the counts of calls in flight live */
static void
cd_helper_change_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	cd_helper_call_free(user_data);
}

/*
 * MarkSeen, Delete and RecordSubmission take the store's lock, which a capture holds
 * while it writes a dump: each waits at most the helper's lock timeout, in a thread of
 * its own, and then answers Busy; the main loop goes on answering the others
 */
static void
cd_helper_call_run_change(CdHelperCall *call, CdReportStore *store)
{
	g_autoptr(GTask) task = g_task_new(NULL, NULL, cd_helper_change_done_cb, call);

	cd_report_store_set_lock_timeout(store, call->helper->lock_timeout_ms);
	g_object_set_data_full(G_OBJECT(task), "store", g_object_ref(store), g_object_unref);
	g_task_set_task_data(task, call, NULL);
	g_task_run_in_thread(task, cd_helper_change_thread);
}

/* the caller is authorized: now, and only now, its arguments and the disk */
static void
cd_helper_call_run(CdHelperCall *call_owned)
{
	g_autoptr(CdHelperCall) call = call_owned;
	g_autoptr(CdReportStore) store = NULL;
	g_autoptr(GError) error = NULL;

	if (call->id != NULL && !cd_report_id_is_valid(call->id)) {
		cd_helper_return_error(call,
				       "org.freedesktop.DBus.Error.InvalidArgs",
				       "invalid report id (expected YYYYMMDD-HHMMSS-xxxxxxxx)");
		return;
	}
	store = cd_helper_open_store(call->helper, &error);
	if (error != NULL) {
		cd_helper_return_store_error(call, store, error);
		return;
	}
	/* a name that is not a report directory of its own (a symbolic link planted
	 * beside them, say) is no report */
	if (call->id != NULL && (store == NULL || !cd_report_store_has(store, call->id))) {
		cd_helper_return_error(call, CD_HELPER_ERROR_NO_SUCH_REPORT, "no such report");
		return;
	}
	switch (call->method) {
	case CD_HELPER_METHOD_GET_SUMMARY:
		cd_helper_run_get_summary(call, store);
		break;
	case CD_HELPER_METHOD_LIST:
		cd_helper_run_list(call, store);
		break;
	case CD_HELPER_METHOD_GET_REPORT:
		cd_helper_run_get_report(call, store);
		break;
	case CD_HELPER_METHOD_OPEN_DUMP:
		cd_helper_run_open_dump(call, store);
		break;
	case CD_HELPER_METHOD_MARK_SEEN:
	case CD_HELPER_METHOD_DELETE:
	case CD_HELPER_METHOD_RECORD_SUBMISSION:
		cd_helper_call_run_change(g_steal_pointer(&call), store);
		break;
	default:
		g_assert_not_reached();
	}
}

static void
cd_helper_auth_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(CdHelperCall) call = user_data;
	g_autoptr(GError) error = NULL;

	if (!cd_helper_auth_check_finish(res, &error)) {
		cd_helper_return_denied(call);
		return;
	}
	cd_helper_call_run(g_steal_pointer(&call));
}

static const gchar *
cd_helper_method_action(CdHelperMethod method, const gchar **message)
{
	switch (method) {
	case CD_HELPER_METHOD_GET_SUMMARY:
		/* polkitd translates it in the agent's language (polkit.gettext_domain) */
		*message = N_("Authentication is required to learn whether the kernel crashed");
		return CD_HELPER_ACTION_NOTIFY;
	case CD_HELPER_METHOD_LIST:
	case CD_HELPER_METHOD_GET_REPORT:
	case CD_HELPER_METHOD_OPEN_DUMP:
		*message = N_("Authentication is required to read kernel crash reports");
		return CD_HELPER_ACTION_READ;
	default:
		*message = N_("Authentication is required to manage kernel crash reports");
		return CD_HELPER_ACTION_MANAGE;
	}
}

static void
cd_helper_return_limits_exceeded(GDBusMethodInvocation *invocation)
{
	g_dbus_method_invocation_return_dbus_error(invocation,
						   "org.freedesktop.DBus.Error.LimitsExceeded",
						   "too many calls in flight, try again later");
}

/* the caller left the bus: its polkit check, perhaps at a password prompt, is withdrawn */
static void
cd_helper_sender_gone_cb(GDBusConnection *connection,
			 const gchar *sender_name,
			 const gchar *object_path,
			 const gchar *interface_name,
			 const gchar *signal_name,
			 GVariant *parameters,
			 gpointer user_data)
{
	CdHelperSender *sender = user_data;
	const gchar *new_owner = NULL;

	g_variant_get(parameters, "(&s&s&s)", NULL, NULL, &new_owner);
	if (new_owner[0] == '\0')
		g_cancellable_cancel(sender->cancellable);
}

/*
 * the caller's user is known: its call takes a place of its user's, then one of all;
 * a user who has all of its own gets LimitsExceeded before it can take any of the
 * others'. Then polkit.
 */
static void
cd_helper_admit(CdHelperCall *call_owned)
{
	g_autoptr(CdHelperCall) call = call_owned;
	CdHelper *self = call->helper;
	GDBusConnection *connection = g_dbus_method_invocation_get_connection(call->invocation);
	const gchar *sender = g_dbus_method_invocation_get_sender(call->invocation);
	const gchar *action;
	const gchar *message = NULL;
	GCancellable *cancellable;
	gboolean interactive;
	guint n;

	call->uid = call->sender->uid;
	n = GPOINTER_TO_UINT(
		g_hash_table_lookup(self->in_flight_by_uid, GUINT_TO_POINTER(call->uid)));
	if (n >= CD_HELPER_MAX_IN_FLIGHT_PER_USER || self->in_flight >= CD_HELPER_MAX_IN_FLIGHT) {
		cd_helper_return_limits_exceeded(call->invocation);
		return;
	}
	g_hash_table_insert(self->in_flight_by_uid,
			    GUINT_TO_POINTER(call->uid),
			    GUINT_TO_POINTER(n + 1));
	self->in_flight++;
	call->counted = TRUE;

	action = cd_helper_method_action(call->method, &message);
	interactive = call->interactive;
	cancellable = call->sender->cancellable;
	cd_helper_auth_check_async(
		connection,
		sender,
		action,
		message,
		interactive,
		interactive ? MAX(self->auth_timeout_ms, CD_HELPER_AUTH_INTERACTIVE_TIMEOUT_MS)
			    : self->auth_timeout_ms,
		cancellable,
		cd_helper_auth_done_cb,
		g_steal_pointer(&call));
}

typedef struct {
	CdHelper *helper;
	gchar *name;
} CdHelperUidLookup;

static void
cd_helper_uid_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CdHelperUidLookup *lookup = user_data;
	g_autoptr(CdHelper) self = lookup->helper;
	g_autofree gchar *name = lookup->name;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
		g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), res, &error);
	g_autoptr(GPtrArray) waiting = NULL;
	CdHelperSender *sender = g_hash_table_lookup(self->senders, name);

	g_free(lookup);
	/* its waiting calls keep it until now */
	g_return_if_fail(sender != NULL);
	waiting = g_steal_pointer(&sender->waiting);
	sender->waiting = g_ptr_array_new();
	if (reply == NULL) {
		g_warning("no uid for %s, denying: %s", name, error->message);
		for (guint i = 0; i < waiting->len; i++) {
			g_autoptr(CdHelperCall) call = g_ptr_array_index(waiting, i);
			cd_helper_return_denied(call);
		}
		return;
	}
	g_variant_get(reply, "(u)", &sender->uid);
	sender->uid_known = TRUE;
	for (guint i = 0; i < waiting->len; i++)
		cd_helper_admit(g_ptr_array_index(waiting, i));
}

/*
 * asks the bus for the caller's uid to count the call against its user's limit, then
 * against all calls in flight (cd_helper_admit); the uid of a connection that has other
 * calls alive is known or asked already. Returns TRUE always.
 */
static gboolean
cd_helper_begin(CdHelper *self,
		GDBusMethodInvocation *invocation,
		CdHelperMethod method,
		GVariant *options,
		const gchar *id,
		const gchar *tracker,
		const gchar *url)
{
	const gchar *name = g_dbus_method_invocation_get_sender(invocation);
	gboolean no_interaction = FALSE;
	CdHelperSender *sender;
	CdHelperCall *call;
	GVariant *value;

	value = g_variant_lookup_value(options, "auth.no_user_interaction", NULL);
	if (value != NULL) {
		if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN)) {
			g_variant_unref(value);
			g_dbus_method_invocation_return_dbus_error(
				invocation,
				"org.freedesktop.DBus.Error.InvalidArgs",
				"auth.no_user_interaction must be a boolean");
			return TRUE;
		}
		no_interaction = g_variant_get_boolean(value);
		g_variant_unref(value);
	}

	sender = g_hash_table_lookup(self->senders, name);
	/* more calls waiting for one connection's uid than its user may have in flight
	 * would be refused anyway: they are refused now, and hold nothing meanwhile */
	if (sender != NULL && !sender->uid_known &&
	    sender->waiting->len >= CD_HELPER_MAX_IN_FLIGHT_PER_USER) {
		cd_helper_return_limits_exceeded(invocation);
		return TRUE;
	}
	if (sender == NULL) {
		CdHelperUidLookup *lookup = g_new0(CdHelperUidLookup, 1);

		sender = g_new0(CdHelperSender, 1);
		sender->name = g_strdup(name);
		sender->waiting = g_ptr_array_new();
		sender->connection =
			g_object_ref(g_dbus_method_invocation_get_connection(invocation));
		/* one match rule per connection with calls, not one per call */
		sender->cancellable = g_cancellable_new();
		sender->gone_id = g_dbus_connection_signal_subscribe(sender->connection,
								     "org.freedesktop.DBus",
								     "org.freedesktop.DBus",
								     "NameOwnerChanged",
								     "/org/freedesktop/DBus",
								     name,
								     G_DBUS_SIGNAL_FLAGS_NONE,
								     cd_helper_sender_gone_cb,
								     sender,
								     NULL);
		g_hash_table_insert(self->senders, sender->name, sender);
		lookup->helper = g_object_ref(self);
		lookup->name = g_strdup(name);
		g_dbus_connection_call(g_dbus_method_invocation_get_connection(invocation),
				       "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus",
				       "GetConnectionUnixUser",
				       g_variant_new("(s)", name),
				       G_VARIANT_TYPE("(u)"),
				       G_DBUS_CALL_FLAGS_NONE,
				       CD_HELPER_UID_TIMEOUT_MS,
				       NULL,
				       cd_helper_uid_cb,
				       lookup);
	}

	call = g_new0(CdHelperCall, 1);
	call->helper = g_object_ref(self);
	call->invocation = g_object_ref(invocation);
	call->method = method;
	call->id = g_strdup(id);
	call->tracker = g_strdup(tracker);
	call->url = g_strdup(url);
	call->interactive = !no_interaction;
	call->sender = sender;
	sender->calls++;
	self->calls++;
	g_clear_handle_id(&self->idle_id, g_source_remove);

	if (sender->uid_known)
		cd_helper_admit(call);
	else
		g_ptr_array_add(sender->waiting, call);
	return TRUE;
}

static gboolean
cd_helper_handle_get_summary(CdDbusReports1 *skeleton,
			     GDBusMethodInvocation *invocation,
			     GVariant *options,
			     CdHelper *self)
{
	return cd_helper_begin(self,
			       invocation,
			       CD_HELPER_METHOD_GET_SUMMARY,
			       options,
			       NULL,
			       NULL,
			       NULL);
}

static gboolean
cd_helper_handle_list(CdDbusReports1 *skeleton,
		      GDBusMethodInvocation *invocation,
		      GVariant *options,
		      CdHelper *self)
{
	return cd_helper_begin(self, invocation, CD_HELPER_METHOD_LIST, options, NULL, NULL, NULL);
}

static gboolean
cd_helper_handle_get_report(CdDbusReports1 *skeleton,
			    GDBusMethodInvocation *invocation,
			    const gchar *id,
			    GVariant *options,
			    CdHelper *self)
{
	return cd_helper_begin(self,
			       invocation,
			       CD_HELPER_METHOD_GET_REPORT,
			       options,
			       id,
			       NULL,
			       NULL);
}

static gboolean
cd_helper_handle_open_dump(CdDbusReports1 *skeleton,
			   GDBusMethodInvocation *invocation,
			   GUnixFDList *fd_list,
			   const gchar *id,
			   GVariant *options,
			   CdHelper *self)
{
	return cd_helper_begin(self,
			       invocation,
			       CD_HELPER_METHOD_OPEN_DUMP,
			       options,
			       id,
			       NULL,
			       NULL);
}

static gboolean
cd_helper_handle_mark_seen(CdDbusReports1 *skeleton,
			   GDBusMethodInvocation *invocation,
			   const gchar *id,
			   GVariant *options,
			   CdHelper *self)
{
	return cd_helper_begin(self,
			       invocation,
			       CD_HELPER_METHOD_MARK_SEEN,
			       options,
			       id,
			       NULL,
			       NULL);
}

static gboolean
cd_helper_handle_delete(CdDbusReports1 *skeleton,
			GDBusMethodInvocation *invocation,
			const gchar *id,
			GVariant *options,
			CdHelper *self)
{
	return cd_helper_begin(self, invocation, CD_HELPER_METHOD_DELETE, options, id, NULL, NULL);
}

static gboolean
cd_helper_handle_record_submission(CdDbusReports1 *skeleton,
				   GDBusMethodInvocation *invocation,
				   const gchar *id,
				   const gchar *tracker,
				   const gchar *url,
				   GVariant *options,
				   CdHelper *self)
{
	return cd_helper_begin(self,
			       invocation,
			       CD_HELPER_METHOD_RECORD_SUBMISSION,
			       options,
			       id,
			       tracker,
			       url);
}

/**
 * cd_helper_export:
 *
 * Puts the object on @connection at /io/crashdesk/Reports1 and starts the idle timer.
 */
gboolean
cd_helper_export(CdHelper *self, GDBusConnection *connection, GError **error)
{
	g_return_val_if_fail(CD_IS_HELPER(self), FALSE);

	if (!g_dbus_interface_skeleton_export(G_DBUS_INTERFACE_SKELETON(self->skeleton),
					      connection,
					      cd_reports_dbus_object_path(),
					      error))
		return FALSE;
	cd_helper_idle_restart(self);
	return TRUE;
}

void
cd_helper_set_auth_timeout(CdHelper *self, gint timeout_ms)
{
	g_return_if_fail(CD_IS_HELPER(self));
	self->auth_timeout_ms = timeout_ms;
}

/**
 * cd_helper_set_idle_timeout:
 * @seconds: 0 never to be idle
 *
 * The helper emits ::idle once no call has been in flight for @seconds.
 */
void
cd_helper_set_idle_timeout(CdHelper *self, guint seconds)
{
	g_return_if_fail(CD_IS_HELPER(self));
	self->idle_timeout_s = seconds;
	cd_helper_idle_restart(self);
}

static void
cd_helper_finalize(GObject *object)
{
	CdHelper *self = CD_HELPER(object);

	g_clear_handle_id(&self->idle_id, g_source_remove);
	if (g_dbus_interface_skeleton_get_connection(G_DBUS_INTERFACE_SKELETON(self->skeleton)))
		g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(self->skeleton));
	g_object_unref(self->skeleton);
	g_hash_table_unref(self->in_flight_by_uid);
	g_hash_table_unref(self->senders);
	g_free(self->root);
	G_OBJECT_CLASS(cd_helper_parent_class)->finalize(object);
}

static void
cd_helper_class_init(CdHelperClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = cd_helper_finalize;
	signals[SIGNAL_IDLE] = g_signal_new("idle",
					    G_TYPE_FROM_CLASS(klass),
					    G_SIGNAL_RUN_LAST,
					    0,
					    NULL,
					    NULL,
					    NULL,
					    G_TYPE_NONE,
					    0);
}

static void
cd_helper_init(CdHelper *self)
{
	self->auth_timeout_ms = CD_HELPER_AUTH_TIMEOUT_MS;
	self->lock_timeout_ms = CD_HELPER_LOCK_TIMEOUT_MS;
	self->in_flight_by_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
	self->senders = g_hash_table_new_full(g_str_hash,
					      g_str_equal,
					      NULL,
					      (GDestroyNotify)cd_helper_sender_free);
	self->skeleton = cd_dbus_reports1_skeleton_new();
	g_signal_connect(self->skeleton,
			 "handle-get-summary",
			 G_CALLBACK(cd_helper_handle_get_summary),
			 self);
	g_signal_connect(self->skeleton, "handle-list", G_CALLBACK(cd_helper_handle_list), self);
	g_signal_connect(self->skeleton,
			 "handle-get-report",
			 G_CALLBACK(cd_helper_handle_get_report),
			 self);
	g_signal_connect(self->skeleton,
			 "handle-open-dump",
			 G_CALLBACK(cd_helper_handle_open_dump),
			 self);
	g_signal_connect(self->skeleton,
			 "handle-mark-seen",
			 G_CALLBACK(cd_helper_handle_mark_seen),
			 self);
	g_signal_connect(self->skeleton,
			 "handle-delete",
			 G_CALLBACK(cd_helper_handle_delete),
			 self);
	g_signal_connect(self->skeleton,
			 "handle-record-submission",
			 G_CALLBACK(cd_helper_handle_record_submission),
			 self);
}

/**
 * cd_helper_new:
 * @root: the report root, chosen by whoever starts the helper, never by a caller
 */
CdHelper *
cd_helper_new(const gchar *root)
{
	CdHelper *self = g_object_new(CD_TYPE_HELPER, NULL);

	self->root = g_strdup(root);
	return self;
}
