/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "cd-page-filter.h"

/* Runs the page filter over each memmap-* vmcore that tests/fixtures/gen-vmcore.py
 * wrote, whose struct pages exercise every rule of makedumpfile's dump levels, and
 * compares the pfns it keeps and its counts, level by level, with what the generator
 * computed from its own statement of the rules. Each level runs with the writer's
 * window and with small ones, so that free blocks and compound pages carry over. */

/* the writer's window, and windows that cut blocks of 1024, 512 and 8 pfns */
static const guint64 windows[] = { 32 * 1024 * 8, 4096, 1000, 8 };

/* every mismatch is listed, not only the last one */
#define report(...)                                                                                \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_test_message(__VA_ARGS__);                                                       \
		g_test_fail_printf(__VA_ARGS__);                                                   \
	}                                                                                          \
	G_STMT_END

typedef struct {
	gchar *name;
	gchar *vmcore;
	guint level;
	json_object *root; /* the case's .json, shared by its levels */
} Fixture;

static void
fixture_free(gpointer data)
{
	Fixture *f = data;
	g_free(f->name);
	g_free(f->vmcore);
	json_object_put(f->root);
	g_free(f);
}

static json_object *
get_member(json_object *obj, const gchar *key)
{
	json_object *node = NULL;

	if (!json_object_object_get_ex(obj, key, &node))
		g_error("the fixture's JSON lacks \"%s\"", key);
	return node;
}

/* a bitmap of max_pfn bits from [start, end) pairs */
static guint8 *
bitmap_from_ranges(json_object *ranges, guint64 max_pfn)
{
	guint8 *bitmap = g_malloc0(max_pfn / 8 + 1);

	for (gsize i = 0; i < json_object_array_length(ranges); i++) {
		json_object *range = json_object_array_get_idx(ranges, i);
		guint64 start = (guint64)json_object_get_int64(json_object_array_get_idx(range, 0));
		guint64 end = (guint64)json_object_get_int64(json_object_array_get_idx(range, 1));

		g_assert_cmpuint(start, <, end);
		g_assert_cmpuint(end, <=, max_pfn);
		for (guint64 p = start; p < end; p++)
			cd_bitmap_set(bitmap, p);
	}
	return bitmap;
}

/* reports the differences of two bitmaps; TRUE if they are the same */
static gboolean
compare_bitmaps(const gchar *what,
		const guint8 *got,
		const guint8 *want,
		guint64 max_pfn,
		guint64 window)
{
	guint64 differ = 0;
	guint64 first = 0;
	GString *examples = g_string_new(NULL);

	for (guint64 p = 0; p < max_pfn; p++) {
		gboolean g = cd_bitmap_test(got, p);
		if (g == cd_bitmap_test(want, p))
			continue;
		if (differ == 0)
			first = p;
		if (differ < 16)
			g_string_append_printf(examples,
					       " %" G_GUINT64_FORMAT "(%s)",
					       p,
					       g ? "kept" : "dropped");
		differ++;
	}
	if (differ > 0)
		report("window %" G_GUINT64_FORMAT ": %s differs at %" G_GUINT64_FORMAT
		       " pfns, first %" G_GUINT64_FORMAT ":%s",
		       window,
		       what,
		       differ,
		       first,
		       examples->str);
	g_string_free(examples, TRUE);
	return differ == 0;
}

static void
compare_stat(const gchar *name, guint64 got, json_object *stats, guint64 window)
{
	guint64 want = (guint64)json_object_get_int64(get_member(stats, name));

	if (got != want)
		report("window %" G_GUINT64_FORMAT ": stats.%s is %" G_GUINT64_FORMAT
		       ", expected %" G_GUINT64_FORMAT,
		       window,
		       name,
		       got,
		       want);
}

static void
test_level(gconstpointer data)
{
	const Fixture *f = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(CdVmcore) vmcore = cd_vmcore_new_from_path(f->vmcore, &error);
	g_autoptr(CdPageFilter) filter = NULL;
	g_autofree gchar *level_key = g_strdup_printf("%u", f->level);
	json_object *pf = get_member(f->root, "page_filter");
	json_object *expect = get_member(get_member(pf, "levels"), level_key);
	json_object *stats = get_member(expect, "stats");
	json_object *warning = get_member(expect, "warning");
	guint64 unreadable =
		(guint64)json_object_get_int64(get_member(expect, "unreadable_blocks"));
	guint64 max_pfn = (guint64)json_object_get_int64(get_member(pf, "max_pfn"));
	g_autofree guint8 *want_memory = NULL;
	g_autofree guint8 *want_keep = NULL;

	g_assert_no_error(error);
	g_assert_nonnull(vmcore);
	filter = cd_page_filter_new(vmcore, f->level);
	g_assert_cmpuint(cd_page_filter_get_max_pfn(filter), ==, max_pfn);
	g_assert_cmpuint(cd_page_filter_get_page_size(filter), ==, 4096);
	want_memory = bitmap_from_ranges(get_member(pf, "memory"), max_pfn);
	want_keep = bitmap_from_ranges(get_member(expect, "kept"), max_pfn);

	for (gsize w = 0; w < G_N_ELEMENTS(windows); w++) {
		guint64 window = windows[w];
		g_autofree guint8 *memory = g_malloc0(max_pfn / 8 + 1);
		g_autofree guint8 *keep = g_malloc0(max_pfn / 8 + 1);
		g_autofree guint8 *win_memory = g_malloc(window / 8);
		g_autofree guint8 *win_keep = g_malloc(window / 8);
		const CdPageFilterStats *st;
		const gchar *got_warning;

		/* windows as the writer cuts them: the last one rounded up to 8 pfns */
		cd_page_filter_rewind(filter);
		for (guint64 start = 0; start < max_pfn; start += window) {
			guint64 n = (MIN(window, max_pfn - start) + 7) & ~7ULL;
			cd_page_filter_run(filter, start, n, win_memory, win_keep);
			for (guint64 i = 0; i < n && start + i < max_pfn; i++) {
				if (cd_bitmap_test(win_memory, i))
					cd_bitmap_set(memory, start + i);
				if (cd_bitmap_test(win_keep, i))
					cd_bitmap_set(keep, start + i);
			}
			/* nothing past the last pfn */
			for (guint64 i = max_pfn - MIN(max_pfn, start); i < n; i++)
				g_assert_false(cd_bitmap_test(win_memory, i));
		}
		compare_bitmaps("memory", memory, want_memory, max_pfn, window);
		compare_bitmaps("kept", keep, want_keep, max_pfn, window);

		st = cd_page_filter_get_stats(filter);
		compare_stat("memory", st->memory, stats, window);
		compare_stat("not_stored", st->not_stored, stats, window);
		compare_stat("cache", st->cache, stats, window);
		compare_stat("cache_private", st->cache_private, stats, window);
		compare_stat("user", st->user, stats, window);
		compare_stat("free", st->free, stats, window);
		compare_stat("unsafe", st->unsafe, stats, window);
		compare_stat("kept", st->kept, stats, window);

		/* the warning says why the dump keeps more than the level asks */
		got_warning = cd_page_filter_get_warning(filter);
		if (json_object_is_type(warning, json_type_null)) {
			if (got_warning != NULL)
				report("window %" G_GUINT64_FORMAT ": unexpected warning \"%s\"",
				       window,
				       got_warning);
		} else if (got_warning == NULL ||
			   strstr(got_warning, json_object_get_string(warning)) == NULL) {
			report("window %" G_GUINT64_FORMAT
			       ": warning \"%s\", expected one with \"%s\"",
			       window,
			       got_warning != NULL ? got_warning : "(none)",
			       json_object_get_string(warning));
		} else if (g_strcmp0(json_object_get_string(warning), "unreadable") == 0) {
			g_autofree gchar *count =
				g_strdup_printf("%" G_GUINT64_FORMAT " ", unreadable);
			if (!g_str_has_prefix(got_warning, count))
				report("window %" G_GUINT64_FORMAT
				       ": \"%s\", expected %" G_GUINT64_FORMAT " unreadable blocks",
				       window,
				       got_warning,
				       unreadable);
		}
	}
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

int
main(int argc, char **argv)
{
	static const guint levels[] = { 0, 2, 4, 8, 16, 31 };
	g_autoptr(GPtrArray) fixtures = g_ptr_array_new_with_free_func(fixture_free);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) dir = NULL;
	const gchar *dirname = g_getenv("CRASHDESK_FIXTURES");
	const gchar *name;

	g_test_init(&argc, &argv, NULL);
	/* one broken rule must not hide the others */
	g_test_set_nonfatal_assertions();
	g_assert_nonnull(dirname);

	dir = g_dir_open(dirname, 0, NULL);
	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_prefix(name, "memmap-") && g_str_has_suffix(name, ".json"))
			g_ptr_array_add(names, g_strndup(name, strlen(name) - 5));
	}
	g_ptr_array_sort(names, compare_names);
	/* sparse, static, flatmem, bad layout, a layout for each kernel era from 6.3 to
	 * 6.16...: fewer means a broken build */
	g_assert_cmpuint(names->len, >=, 14);

	for (guint i = 0; i < names->len; i++) {
		const gchar *case_name = g_ptr_array_index(names, i);
		g_autofree gchar *json_path = g_strdup_printf("%s/%s.json", dirname, case_name);
		json_object *root = json_object_from_file(json_path);

		if (root == NULL)
			g_error("%s is not JSON", json_path);
		for (gsize l = 0; l < G_N_ELEMENTS(levels); l++) {
			Fixture *f = g_new0(Fixture, 1);
			g_autofree gchar *path = NULL;

			f->name = g_strdup(case_name);
			f->vmcore = g_strdup_printf("%s/%s.vmcore", dirname, case_name);
			f->level = levels[l];
			f->root = json_object_get(root);
			path = g_strdup_printf("/capture/page-filter/%s/level-%u",
					       case_name,
					       levels[l]);
			g_test_add_data_func(path, f, test_level);
			g_ptr_array_add(fixtures, f);
		}
		json_object_put(root);
	}
	return g_test_run();
}
