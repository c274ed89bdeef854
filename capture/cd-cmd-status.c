/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"
#include "cd-dump-estimate.h"
#include "cd-file.h"
#include "cd-kexec.h"
#include "cd-load-plan.h"
#include "cd-report-meta.h"
#include "cd-report-store.h"
#include "cd-size.h"

/* crashdesk status: would a crash now be captured, and if not, what to change */

#define CD_EXIT_NOT_READY 3

typedef struct {
	json_object *json;
	GString *text;
	GPtrArray *problems; /* what keeps a crash now from being captured, each with its fix */
	GPtrArray *notes;    /* what will fail later, at the next boot's load */
	gchar *panic_screen; /* crashdesk.panic_screen= of the capture kernel's command line */
} CdStatus;

G_GNUC_PRINTF(3, 4)
static void
cd_status_line(CdStatus *st, const gchar *label, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *value = NULL;

	va_start(args, format);
	value = g_strdup_vprintf(format, args);
	va_end(args);
	g_string_append_printf(st->text, "  %-16s %s\n", label, value);
}

static gchar *
cd_status_size(guint64 bytes)
{
	return cd_size_format(bytes);
}

static gchar *
cd_status_join_lines(GPtrArray *lines)
{
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++) {
		if (i > 0)
			g_string_append_c(text, '\n');
		g_string_append(text, g_ptr_array_index(lines, i));
	}
	return g_string_free(g_steal_pointer(&text), FALSE);
}

/* the reservation's lines, and what the kernel says is reserved and loaded */
static void
cd_status_reservation(CdStatus *st,
		      const gchar *sysroot,
		      const CdLoadPlan *plan,
		      guint64 *reserved,
		      gboolean *loaded)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(CdCrashkernelState) state = cd_load_plan_read_reservation(sysroot, plan, lines);
	json_object *obj = json_object_new_object();

	json_object_object_add(st->json, "reservation", obj);
	*reserved = state != NULL ? state->reserved_bytes : 0;
	*loaded = state != NULL && state->loaded;
	if (state != NULL)
		cd_crashkernel_state_to_json(state, obj);
	cd_status_line(st,
		       "Reserved:",
		       "%s",
		       lines->len > 0 ? (const gchar *)g_ptr_array_index(lines, 0) : "");
	if (state != NULL && state->verdict == CD_CRASHKERNEL_VERDICT_OK)
		return;
	if (state != NULL && state->verdict == CD_CRASHKERNEL_VERDICT_TOO_SMALL)
		g_ptr_array_add(st->notes, cd_status_join_lines(lines));
	else
		g_ptr_array_add(st->problems, cd_status_join_lines(lines));
}

/* the images load would use, their sizes, and the command line */
static void
cd_status_plan(CdStatus *st,
	       const CdConfig *config,
	       gboolean loaded,
	       const CdLoadPlan *plan,
	       const GError *plan_error)
{
	/* with a capture kernel loaded, the images matter at the next boot */
	GPtrArray *issues = loaded ? st->notes : st->problems;
	json_object *obj = json_object_new_object();
	const gchar *names[] = { "kernel", "initrd" };

	json_object_object_add(st->json, "capture_kernel", obj);
	if (plan == NULL) {
		cd_status_line(st, "Command line:", "cannot be made: %s", plan_error->message);
		g_ptr_array_add(
			issues,
			g_strdup_printf("The capture kernel's command line cannot be made: %s",
					plan_error->message));
		return;
	}
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		const gchar *path = i == 0 ? plan->kernel : plan->initrd;
		g_autofree gchar *label = g_strdup_printf("%s:", i == 0 ? "Kernel" : "Initrd");
		g_autofree gchar *size = NULL;
		g_autofree gchar *key = g_strdup_printf("%s_bytes", names[i]);
		struct stat sb = { 0 };

		json_object_object_add(obj, names[i], path ? json_object_new_string(path) : NULL);
		if (path == NULL) {
			cd_status_line(st, label, "none");
			continue;
		}
		if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			const gchar *why = S_ISREG(sb.st_mode) || sb.st_mode == 0
						   ? g_strerror(errno)
						   : "not a regular file";

			cd_status_line(st, label, "%s: missing", path);
			g_ptr_array_add(
				issues,
				g_strdup_printf("The capture kernel's %s %s is missing "
						"(%s): install it or set %s= in %s.",
						i == 0 ? "image" : "initrd",
						path,
						why,
						i == 0 ? "Kernel" : "Initrd",
						config->path ? config->path : CD_CONFIG_FILE));
			continue;
		}
		size = cd_status_size((guint64)sb.st_size);
		cd_status_line(st, label, "%s (%s)", path, size);
		json_object_object_add(obj, key, json_object_new_int64(sb.st_size));
	}
	cd_status_line(st, "Command line:", "%s", plan->cmdline);
	{
		g_auto(GStrv) words = cd_cmdline_split(plan->cmdline);

		/* the capture kernel's, whether the running kernel's or the configuration's */
		for (guint i = 0; words[i] != NULL; i++) {
			if (cd_cmdline_param_name_equal(words[i], "crashdesk.panic_screen")) {
				g_free(st->panic_screen);
				st->panic_screen = g_strdup(strchr(words[i], '=') != NULL
								    ? strchr(words[i], '=') + 1
								    : "");
			}
		}
	}
	json_object_object_add(obj, "command_line", json_object_new_string(plan->cmdline));
}

/* whether systemd loads the capture kernel at the next boot: "enabled", or NULL */
static void
cd_status_load_service(CdStatus *st)
{
	const gchar *argv[] = { "systemctl", "is-enabled", "crashdesk-load.service", NULL };
	g_autofree gchar *out = NULL;
	gint wait_status = 0;

	if (sd_booted() <= 0 || !g_spawn_sync(NULL,
					      (gchar **)argv,
					      NULL,
					      G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
					      NULL,
					      NULL,
					      &out,
					      NULL,
					      &wait_status,
					      NULL)) {
		json_object_object_add(st->json, "load_service", NULL);
		return;
	}
	g_strstrip(out);
	if (out[0] == '\0') {
		g_free(out);
		out = g_strdup("not-found");
	}
	cd_status_line(st, "At boot:", "crashdesk-load.service is %s", out);
	json_object_object_add(st->json, "load_service", json_object_new_string(out));
	if (g_strcmp0(out, "enabled") != 0 && g_strcmp0(out, "enabled-runtime") != 0 &&
	    g_strcmp0(out, "static") != 0) {
		g_ptr_array_add(st->notes,
				g_strdup_printf("crashdesk-load.service is %s: no capture kernel "
						"will be loaded at the next boot. Run: systemctl "
						"enable crashdesk-load.service",
						out));
	}
}

/* The level that hides the root must be root's alone, and the reports of the layout
 * of old, directly in it, are moved at the next save or boot: both said here. */
static void
cd_status_layout(CdStatus *st, json_object *obj, const gchar *path)
{
	g_autofree gchar *hiding = g_path_get_dirname(path);
	g_autoptr(GError) error = NULL;
	struct stat sb;
	guint old = 0;

	if (lstat(hiding, &sb) == 0 && S_ISDIR(sb.st_mode) && (sb.st_mode & 077) != 0) {
		g_ptr_array_add(st->notes,
				g_strdup_printf("%s is mode %04o: anyone can tell from it how many "
						"reports there are and when the last was saved. "
						"Run: chmod 0700 %s (crashdesk save and pstore do "
						"it too)",
						hiding,
						(guint)(sb.st_mode & 07777),
						hiding));
	}
	if (!cd_report_store_find_old_layout(path, &old, &error)) {
		cd_status_line(st, "Old layout:", "cannot be looked for: %s", error->message);
		json_object_object_add(obj, "old_layout", NULL);
		return;
	}
	json_object_object_add(obj, "old_layout", json_object_new_int((gint)old));
	if (old == 0)
		return;
	cd_status_line(st,
		       "Old layout:",
		       "%u reports or leftovers directly in %s, to be moved into %s",
		       old,
		       hiding,
		       path);
	g_ptr_array_add(st->notes,
			g_strdup_printf("%u reports or leftovers of the old layout are "
					"directly in %s, where crashdesk list and the helper do "
					"not look. crashdesk-pstore.service moves them into %s "
					"at the next boot, as does the next crashdesk save. To "
					"move them now, run: systemctl start "
					"crashdesk-pstore.service",
					old,
					hiding,
					path));
}

/* the report root's free space, and the reports, which only root may know of */
static void
cd_status_reports(CdStatus *st, const gchar *sysroot)
{
	json_object *obj = json_object_new_object();
	g_autofree gchar *path =
		g_build_filename(sysroot != NULL ? sysroot : "/", CD_REPORT_ROOT_DEFAULT, NULL);
	CdDumpSpace space = { NULL };

	json_object_object_add(st->json, "reports", obj);
	json_object_object_add(obj, "root", json_object_new_string(path));
	/* the nearest existing directory's file system the caller may reach: the root is
	 * made by the first save, and a user cannot enter the level that hides it */
	if (cd_dump_space_read(path, &space, NULL)) {
		g_autofree gchar *free_str = cd_status_size(space.available_bytes);

		cd_status_line(st, "Report root:", "%s, %s free", path, free_str);
		json_object_object_add(obj,
				       "free_bytes",
				       json_object_new_int64((gint64)space.available_bytes));
		cd_dump_space_clear(&space);
	} else {
		cd_status_line(st, "Report root:", "%s", path);
	}

	if (geteuid() != 0) {
		cd_status_line(st, "Reports:", "only root can see whether there are reports");
		json_object_object_add(obj, "count", NULL);
		return;
	}
	cd_status_layout(st, obj, path);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(CdReportStore) store =
			cd_report_store_new(path, CD_REPORT_STORE_FLAG_NONE, &error);
		g_autoptr(GPtrArray) ids = NULL;

		if (store == NULL && g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			cd_status_line(st, "Reports:", "none");
			json_object_object_add(obj, "count", json_object_new_int(0));
			return;
		}
		if (store != NULL)
			ids = cd_report_store_list(store, &error);
		if (ids == NULL) {
			cd_status_line(st, "Reports:", "cannot be read: %s", error->message);
			g_ptr_array_add(st->problems,
					g_strdup_printf("The report root cannot be used: %s",
							error->message));
			json_object_object_add(obj, "count", NULL);
			return;
		}
		json_object_object_add(obj, "count", json_object_new_int((gint)ids->len));
		if (ids->len == 0) {
			cd_status_line(st, "Reports:", "none");
			return;
		}
		cd_status_line(st,
			       "Reports:",
			       "%u, the newest %s ('crashdesk list' shows them)",
			       ids->len,
			       (const gchar *)g_ptr_array_index(ids, ids->len - 1));
		json_object_object_add(
			obj,
			"newest",
			json_object_new_string(g_ptr_array_index(ids, ids->len - 1)));
	}
}

/* "  1. first line" and its other lines under it; 0: a bullet */
static void
cd_status_print_item(guint number, const gchar *item)
{
	g_auto(GStrv) lines = g_strsplit(item, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		if (i > 0)
			g_print("     %s\n", lines[i]);
		else if (number > 0)
			g_print("  %u. %s\n", number, lines[i]);
		else
			g_print("  -  %s\n", lines[i]);
	}
}

static json_object *
cd_status_json_strings(GPtrArray *strings)
{
	json_object *arr = json_object_new_array();

	for (guint i = 0; i < strings->len; i++)
		json_object_array_add(arr, json_object_new_string(g_ptr_array_index(strings, i)));
	return arr;
}

gint
cd_cmd_status(gint argc, gchar **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *sysroot = NULL;
	gboolean json = FALSE;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ "sysroot", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &sysroot,
		  "Read the reservation and look for the reports under DIR as under / (for tests)",
		  "DIR" },
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- say whether a kernel crash would be captured");
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(json_object) root = json_object_new_object();
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
	CdStatus st = { .json = root, .text = text, .problems = problems, .notes = notes };
	g_autofree gchar *panic_screen = NULL;
	g_auto(CdLoadPlan) plan = { NULL };
	g_autoptr(GError) plan_error = NULL;
	gboolean have_plan;
	guint64 reserved = 0;
	gboolean loaded = FALSE;
	gboolean ready;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_cmd_load_config(config_path);
	if (config == NULL)
		return CD_EXIT_FAILURE;

	g_string_append(text, "Capture kernel\n");
	have_plan = cd_load_plan_make(config, NULL, NULL, FALSE, NULL, NULL, &plan, &plan_error);
	cd_status_reservation(&st, sysroot, have_plan ? &plan : NULL, &reserved, &loaded);
	if (loaded) {
		cd_status_line(&st, "Loaded:", "yes");
	} else {
		cd_status_line(&st, "Loaded:", "no");
		if (reserved > 0) {
			g_ptr_array_add(problems,
					g_strdup("The capture kernel is not loaded: run "
						 "'systemctl enable --now crashdesk-load.service' "
						 "(or 'crashdesk load' once)."));
		}
	}
	json_object_object_add(root, "loaded", json_object_new_boolean(loaded));
	cd_status_load_service(&st);
	cd_status_plan(&st, config, loaded, have_plan ? &plan : NULL, plan_error);

	g_string_append(text, "\nCapture\n");
	if (st.panic_screen == NULL)
		st.panic_screen = g_strdup(cd_panic_screen_to_string(CD_PANIC_SCREEN_OFF));
	panic_screen = st.panic_screen; /* freed on return */
	cd_status_line(&st, "Panic screen:", "%s", st.panic_screen);
	cd_status_line(&st, "After saving:", "%s", cd_final_action_to_string(config->final_action));
	cd_status_line(&st, "Dump level:", "%u", config->dump_level);
	cd_status_line(&st,
		       "Configuration:",
		       "%s%s",
		       config->path != NULL ? config->path : CD_CONFIG_FILE,
		       config->path != NULL ? "" : " (absent: the defaults)");
	json_object_object_add(root, "panic_screen", json_object_new_string(st.panic_screen));
	json_object_object_add(
		root,
		"final_action",
		json_object_new_string(cd_final_action_to_string(config->final_action)));
	json_object_object_add(
		root,
		"config",
		json_object_new_string(config->path != NULL ? config->path : CD_CONFIG_FILE));
	json_object_object_add(root,
			       "config_exists",
			       json_object_new_boolean(config->path != NULL));

	g_string_append(text, "\nReports\n");
	cd_status_reports(&st, sysroot);

	ready = problems->len == 0;
	json_object_object_add(root, "ready", json_object_new_boolean(ready));
	json_object_object_add(root, "problems", cd_status_json_strings(problems));
	json_object_object_add(root, "notes", cd_status_json_strings(notes));
	json_object_object_add(root, "root", json_object_new_boolean(geteuid() == 0));

	if (json) {
		g_print("%s\n",
			json_object_to_json_string_ext(root,
						       JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		return ready ? CD_EXIT_OK : CD_EXIT_NOT_READY;
	}
	if (ready)
		g_print("Ready: a kernel crash now would be captured.\n\n");
	else
		g_print("Not ready: a kernel crash now would be lost.\n\n");
	g_print("%s", text->str);
	if (!ready) {
		g_print("\nWhat to change\n");
		for (guint i = 0; i < problems->len; i++)
			cd_status_print_item(i + 1, g_ptr_array_index(problems, i));
	}
	if (notes->len > 0) {
		g_print("\nAt the next boot\n");
		for (guint i = 0; i < notes->len; i++)
			cd_status_print_item(0, g_ptr_array_index(notes, i));
	}
	if (geteuid() != 0)
		g_print("\nRun as root to see the reports and what load would read.\n");
	return ready ? CD_EXIT_OK : CD_EXIT_NOT_READY;
}
