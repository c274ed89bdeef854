/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <stdio.h>

#include "cd-cmd.h"
#include "cd-crashkernel.h"
#include "cd-dump-estimate.h"
#include "cd-kdump-format.h"
#include "cd-report-meta.h"
#include "cd-report-store.h"
#include "cd-size.h"

/* crashdesk estimate: before any crash, the size of the dump, the memory the capture
 * kernel needs, and whether the report root has room; for any user */

typedef struct {
	CdCrashkernelState *state;
	CdDumpEstimate est;
	CdDumpSpace space;
	const gchar *dir;
	guint64 keep_free;
	gboolean fits;
} CdEstimate;

static void
cd_cmd_estimate_print_size(const gchar *label, guint64 bytes, const gchar *note)
{
	g_autofree gchar *size = cd_size_format(bytes);
	printf("%-34s %10s%s%s\n", label, size, note != NULL ? "  " : "", note != NULL ? note : "");
}

static void
cd_cmd_estimate_print_text(const CdEstimate *e)
{
	const CdCrashkernelState *state = e->state;
	g_autofree gchar *memory_note = NULL;
	const gchar *source;
	g_autofree gchar *ratio_note = NULL;
	g_autofree gchar *level = g_strdup_printf("Left out at dump level %u:", e->est.dump_level);
	g_autofree gchar *space_label = g_strdup_printf("Free space in %s", e->space.checked_dir);
	g_autofree gchar *after = NULL;
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	guint64 room;

	switch (state->ram_source) {
	case CD_CRASHKERNEL_RAM_SOURCE_IOMEM:
		source = "/proc/iomem";
		break;
	case CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS:
		source = "the memory blocks";
		break;
	case CD_CRASHKERNEL_RAM_SOURCE_MEMINFO:
	case CD_CRASHKERNEL_RAM_SOURCE_NONE:
	default:
		source = "MemTotal";
		break;
	}
	memory_note = g_strdup_printf("the RAM (%s) less the reservation", source);
	cd_cmd_estimate_print_size("Memory in a vmcore", e->est.memory_bytes, memory_note);
	printf("%s\n", level);
	cd_cmd_estimate_print_size("  free pages (16)", e->est.free_bytes, NULL);
	cd_cmd_estimate_print_size("  page cache (2, 4)", e->est.cache_bytes, "Shmem included");
	cd_cmd_estimate_print_size("  process pages (8)", e->est.user_bytes, "AnonPages, Hugetlb");
	cd_cmd_estimate_print_size("Kept", e->est.kept_bytes, "zero pages (1) not counted");
	ratio_note = g_strdup_printf("at %.2f of the kept memory, a cautious ratio",
				     CD_DUMP_ESTIMATE_RATIO);
	cd_cmd_estimate_print_size("Expected dump size", e->est.dump_bytes, ratio_note);
	printf("\n");
	cd_cmd_estimate_print_size("Capture kernel memory suggested",
				   state->suggested_bytes,
				   state->suggested_option);
	cd_cmd_estimate_print_size("Reserved now", state->reserved_bytes, NULL);
	printf("\n");
	cd_cmd_estimate_print_size(space_label, e->space.available_bytes, NULL);
	cd_cmd_estimate_print_size("Kept free (--keep-free default)",
				   e->keep_free,
				   "max(1 GiB, 5 %)");
	room = e->space.available_bytes > e->keep_free ? e->space.available_bytes - e->keep_free
						       : 0;
	cd_cmd_estimate_print_size("Room for dumps", room, NULL);
	if (e->fits) {
		after = cd_size_format(room - e->est.dump_bytes);
		printf("The dump fits in %s, leaving %s beyond the reserve.\n", e->dir, after);
	} else {
		printf("The dump does not fit in %s: crashdesk save would keep the report "
		       "without it. Free space there, or use a larger file system.\n",
		       e->dir);
	}
	if (state->verdict != CD_CRASHKERNEL_VERDICT_OK) {
		printf("\n");
		cd_crashkernel_state_append_text(state, lines);
		for (guint i = 0; i < lines->len; i++)
			printf("%s\n", (const gchar *)g_ptr_array_index(lines, i));
	}
}

static void
cd_cmd_estimate_print_json(const CdEstimate *e)
{
	g_autoptr(json_object) obj = json_object_new_object();
	json_object *excluded = json_object_new_object();
	json_object *capture = json_object_new_object();
	json_object *space = json_object_new_object();

	json_object_object_add(obj, "dump_level", json_object_new_int((gint)e->est.dump_level));
	json_object_object_add(obj,
			       "memory_bytes",
			       json_object_new_int64((gint64)e->est.memory_bytes));
	json_object_object_add(excluded,
			       "free_bytes",
			       json_object_new_int64((gint64)e->est.free_bytes));
	json_object_object_add(excluded,
			       "cache_bytes",
			       json_object_new_int64((gint64)e->est.cache_bytes));
	json_object_object_add(excluded,
			       "user_bytes",
			       json_object_new_int64((gint64)e->est.user_bytes));
	json_object_object_add(obj, "excluded", excluded);
	json_object_object_add(obj, "kept_bytes", json_object_new_int64((gint64)e->est.kept_bytes));
	json_object_object_add(obj,
			       "compression_ratio",
			       json_object_new_double_s(CD_DUMP_ESTIMATE_RATIO,
							G_STRINGIFY(CD_DUMP_ESTIMATE_RATIO)));
	json_object_object_add(obj, "dump_bytes", json_object_new_int64((gint64)e->est.dump_bytes));
	cd_crashkernel_state_to_json(e->state, capture);
	json_object_object_add(obj, "capture", capture);
	json_object_object_add(space, "dir", json_object_new_string(e->dir));
	json_object_object_add(space, "checked_dir", json_object_new_string(e->space.checked_dir));
	json_object_object_add(space,
			       "available_bytes",
			       json_object_new_int64((gint64)e->space.available_bytes));
	json_object_object_add(space,
			       "filesystem_bytes",
			       json_object_new_int64((gint64)e->space.filesystem_bytes));
	json_object_object_add(space,
			       "keep_free_bytes",
			       json_object_new_int64((gint64)e->keep_free));
	json_object_object_add(space, "fits", json_object_new_boolean(e->fits));
	json_object_object_add(obj, "space", space);
	printf("%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY));
}

gint
cd_cmd_estimate(gint argc, gchar **argv)
{
	gboolean json = FALSE;
	gint dump_level = -1;
	g_autofree gchar *config_path = NULL;
	g_autoptr(CdConfig) config = NULL;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *root = NULL;
	g_autofree gchar *release = NULL;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &json, "Print JSON", NULL },
		{ "dump-level", 0, 0, G_OPTION_ARG_INT, &dump_level,
		  "Pages left out, as makedumpfile -d (default DumpLevel=, 31)", "N" },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ "dir", 'd', 0, G_OPTION_ARG_FILENAME, &dir,
		  "The report root (default: " CD_REPORT_ROOT_DEFAULT ")", "DIR" },
		/* for the tests: a tree with proc/, sys/, etc/ and boot/ of another machine */
		{ "root", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &root,
		  "Read /proc, /sys, /etc and /boot below DIR", "DIR" },
		{ "release", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &release,
		  "The kernel release whose images size the suggestion", "RELEASE" },
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- estimate the dump's size and the memory a capture needs");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdCrashkernelState) state = NULL;
	g_autofree gchar *meminfo = NULL;
	CdMeminfo mi;
	CdEstimate e = { NULL };
	guint64 memory = 0;
	guint64 budget;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_cmd_load_config(config_path);
	if (config == NULL)
		return CD_EXIT_FAILURE;
	if (dump_level == -1)
		dump_level = (gint)config->dump_level;
	if (dump_level < 0 || dump_level > CD_DUMP_LEVEL_ALL) {
		g_printerr("%s: --dump-level %d is out of range (0 to %d)\n",
			   g_get_prgname(),
			   dump_level,
			   CD_DUMP_LEVEL_ALL);
		return CD_EXIT_USAGE;
	}
	if (root == NULL)
		root = g_strdup("/");
	if (dir == NULL)
		dir = g_strdup(CD_REPORT_ROOT_DEFAULT);

	state = cd_crashkernel_state_read(root,
					  release,
					  config->kernel,
					  config->no_initrd ? "" : config->initrd,
					  &error);
	if (state == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_EXIT_FAILURE;
	}
	if (!cd_crashkernel_read_file(root,
				      "/proc/meminfo",
				      CD_CRASHKERNEL_MAX_MEMINFO,
				      &meminfo,
				      &error))
		goto fail;
	if (meminfo == NULL) {
		g_printerr("%s: /proc/meminfo cannot be read\n", g_get_prgname());
		return CD_EXIT_FAILURE;
	}
	if (!cd_meminfo_parse(meminfo, &mi, &error))
		goto fail;
	/* a vmcore holds the RAM but not the capture kernel's own reservation */
	if (state->ram_source != CD_CRASHKERNEL_RAM_SOURCE_NONE &&
	    state->system_ram > state->reserved_bytes)
		memory = state->system_ram - state->reserved_bytes;
	cd_dump_estimate(&mi, memory, (guint)dump_level, &e.est);
	if (!cd_dump_space_read(dir, &e.space, &error))
		goto fail;
	e.state = state;
	e.dir = dir;
	e.keep_free = cd_config_keep_free_bytes(config->keep_free,
						config->keep_free_percent,
						e.space.filesystem_bytes);
	budget = e.space.available_bytes > e.keep_free ? e.space.available_bytes - e.keep_free : 0;
	e.fits = e.est.dump_bytes <= budget;
	if (json)
		cd_cmd_estimate_print_json(&e);
	else
		cd_cmd_estimate_print_text(&e);
	cd_dump_space_clear(&e.space);
	return CD_EXIT_OK;
fail:
	g_printerr("%s: %s\n", g_get_prgname(), error->message);
	cd_dump_space_clear(&e.space);
	return CD_EXIT_FAILURE;
}
