/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <string.h>

#include "cd-crash-analysis.h"
#include "cd-text.h"

/* Each tests/crash-texts/NAME.txt is a crashed kernel's log and NAME.expected what the
 * analysis must find in it; see tests/crash-texts/README.md for the keys. */

static const gchar *cd_kinds[] = {
	"oops",	     "bug", "panic", "sysrq", "warn", "softlockup",   "hardlockup",
	"hung_task", "oom", "mce",   "nmi",   "gpf",  "divide_error", "unknown",
};

static gchar *
cd_test_corpus_path(const gchar *name, const gchar *suffix)
{
	g_autofree gchar *base = g_strconcat(name, suffix, NULL);
	return g_test_build_filename(G_TEST_DIST, "crash-texts", base, NULL);
}

static gchar *
cd_test_read(const gchar *name, const gchar *suffix, gsize *len)
{
	g_autofree gchar *path = cd_test_corpus_path(name, suffix);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;

	g_file_get_contents(path, &data, len, &error);
	g_assert_no_error(error);
	return data;
}

/* "key: value" lines; '#' starts a comment line; a value keeps its inner spaces */
static GHashTable *
cd_test_read_expected(const gchar *name)
{
	g_autofree gchar *data = cd_test_read(name, ".expected", NULL);
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	GHashTable *expected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

	for (guint i = 0; lines[i] != NULL; i++) {
		gchar *line = lines[i];
		gchar *colon;
		gchar *value;

		g_strchomp(line);
		if (line[0] == '\0' || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		g_assert_nonnull(colon);
		*colon = '\0';
		value = colon + 1;
		if (*value == ' ')
			value++;
		g_assert_false(g_hash_table_contains(expected, line));
		g_hash_table_insert(expected, g_strdup(line), g_strdup(value));
	}
	return expected;
}

/* an absent or empty value means none */
static const gchar *
cd_test_expected_str(GHashTable *expected, const gchar *key)
{
	const gchar *value = g_hash_table_lookup(expected, key);
	return value != NULL && value[0] != '\0' ? value : NULL;
}

static gchar *
cd_test_frames_to_string(GPtrArray *frames)
{
	g_autoptr(GString) str = g_string_new(NULL);

	for (guint i = 0; i < frames->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(frames, i);
		if (i > 0)
			g_string_append_c(str, ',');
		if (!frame->reliable)
			g_string_append_c(str, '?');
		g_string_append(str, frame->symbol);
		if (frame->module != NULL)
			g_string_append_printf(str, " [%s]", frame->module);
	}
	return g_string_free(g_steal_pointer(&str), FALSE);
}

static gboolean
cd_test_is_kind(const gchar *kind)
{
	return g_strv_contains(cd_kinds, kind);
}

static void
cd_test_check_signature_shape(CdCrashAnalysis *analysis)
{
	const gchar *signature = cd_crash_analysis_get_signature(analysis);

	/* never NULL: reports are filed under it */
	g_assert_nonnull(signature);
	g_assert_cmpuint(strlen(signature), ==, 64);
	for (const gchar *p = signature; *p != '\0'; p++)
		g_assert_true(g_ascii_isxdigit(*p) && !g_ascii_isupper(*p));
	if (g_strcmp0(cd_crash_analysis_get_kind(analysis), "unknown") == 0)
		g_assert_null(cd_crash_analysis_get_message(analysis));
	else
		g_assert_nonnull(cd_crash_analysis_get_message(analysis));
}

/* text from the crashed kernel reaches meta.json, report.crash and screens only visible:
 * no control character, bidi control or invalid UTF-8 in any field (cd-text.h) */
static void
cd_test_assert_visible(const gchar *field, const gchar *value)
{
	if (value != NULL && !cd_text_is_visible(value, CD_TEXT_FLAG_NONE)) {
		g_autofree gchar *shown = cd_text_make_visible(value, -1, CD_TEXT_FLAG_NONE);
		g_test_fail_printf("%s is not visible: %s", field, shown);
	}
}

static void
cd_test_check_visible(CdCrashAnalysis *a)
{
	GPtrArray *frames = cd_crash_analysis_get_backtrace(a);
	GStrv modules = cd_crash_analysis_get_modules(a);
	GStrv words = cd_crash_analysis_get_taint_words(a);

	cd_test_assert_visible("message", cd_crash_analysis_get_message(a));
	cd_test_assert_visible("panic_message", cd_crash_analysis_get_panic_message(a));
	cd_test_assert_visible("taint", cd_crash_analysis_get_taint(a));
	cd_test_assert_visible("comm", cd_crash_analysis_get_comm(a));
	cd_test_assert_visible("ip_symbol", cd_crash_analysis_get_ip_symbol(a));
	for (guint i = 0; modules[i] != NULL; i++)
		cd_test_assert_visible("module", modules[i]);
	for (guint i = 0; words[i] != NULL; i++)
		cd_test_assert_visible("taint word", words[i]);
	for (guint i = 0; i < frames->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(frames, i);
		cd_test_assert_visible("frame", frame->symbol);
		cd_test_assert_visible("frame module", frame->module);
	}
}

static void
test_crash_analysis_case(gconstpointer user_data)
{
	const gchar *name = user_data;
	gsize len = 0;
	g_autofree gchar *text = cd_test_read(name, ".txt", &len);
	g_autoptr(GHashTable) expected = cd_test_read_expected(name);
	g_autoptr(CdCrashAnalysis) analysis = cd_crash_analysis_new_from_text(text, len);
	g_autofree gchar *taint_words = NULL;
	g_autofree gchar *modules = NULL;
	g_autofree gchar *backtrace = NULL;
	const gchar *value;
	gdouble uptime = -1;
	gint64 number;

	g_assert_cmpstr(cd_crash_analysis_get_kind(analysis),
			==,
			cd_test_expected_str(expected, "kind"));
	g_assert_cmpstr(cd_crash_analysis_get_message(analysis),
			==,
			cd_test_expected_str(expected, "message"));
	g_assert_cmpstr(cd_crash_analysis_get_panic_message(analysis),
			==,
			cd_test_expected_str(expected, "panic_message"));
	g_assert_cmpstr(cd_crash_analysis_get_taint(analysis),
			==,
			cd_test_expected_str(expected, "taint"));
	taint_words = g_strjoinv(",", cd_crash_analysis_get_taint_words(analysis));
	g_assert_cmpstr(taint_words, ==, g_hash_table_lookup(expected, "taint_words") ?: "");

	value = cd_test_expected_str(expected, "cpu");
	number = value != NULL ? g_ascii_strtoll(value, NULL, 10) : -1;
	g_assert_cmpint(cd_crash_analysis_get_cpu(analysis), ==, number);
	value = cd_test_expected_str(expected, "pid");
	number = value != NULL ? g_ascii_strtoll(value, NULL, 10) : -1;
	g_assert_cmpint(cd_crash_analysis_get_pid(analysis), ==, number);
	g_assert_cmpstr(cd_crash_analysis_get_comm(analysis),
			==,
			cd_test_expected_str(expected, "comm"));
	g_assert_cmpstr(cd_crash_analysis_get_ip_symbol(analysis),
			==,
			cd_test_expected_str(expected, "ip_symbol"));

	modules = g_strjoinv(",", cd_crash_analysis_get_modules(analysis));
	g_assert_cmpstr(modules, ==, g_hash_table_lookup(expected, "modules") ?: "");
	backtrace = cd_test_frames_to_string(cd_crash_analysis_get_backtrace(analysis));
	g_assert_cmpstr(backtrace, ==, g_hash_table_lookup(expected, "backtrace") ?: "");

	value = cd_test_expected_str(expected, "uptime");
	if (value != NULL)
		uptime = g_ascii_strtod(value, NULL);
	g_assert_cmpfloat_with_epsilon(cd_crash_analysis_get_uptime(analysis), uptime, 1e-7);

	cd_test_check_signature_shape(analysis);
	cd_test_check_visible(analysis);
}

/* g_ptr_array_sort() hands pointers to the elements */
static gint
cd_test_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the corpus cases, sorted, from the NAME.expected files */
static GPtrArray *
cd_test_list_cases(void)
{
	g_autofree gchar *dir_path = g_test_build_filename(G_TEST_DIST, "crash-texts", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const gchar *entry;

	g_assert_no_error(error);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		if (g_str_has_suffix(entry, ".expected"))
			g_ptr_array_add(names, g_strndup(entry, strlen(entry) - 9));
	}
	g_ptr_array_sort(names, cd_test_compare_names);
	return names;
}

static gchar *
cd_test_rotate_hex(const gchar *match)
{
	static const gchar digits[] = "0123456789abcdef";
	gchar *out = g_strdup(match);
	for (gchar *p = out + (g_str_has_prefix(out, "0x") ? 2 : 0); *p != '\0'; p++) {
		gint v = g_ascii_xdigit_value(*p);
		if (v >= 0)
			*p = digits[(v + 7) % 16];
	}
	return out;
}

static gboolean
cd_test_mutate_cb(const GMatchInfo *info, GString *res, gpointer user_data G_GNUC_UNUSED)
{
	g_autofree gchar *all = g_match_info_fetch(info, 0);
	g_autofree gchar *what = g_match_info_fetch_named(info, "what");
	g_autofree gchar *hex = g_match_info_fetch_named(info, "hex");
	g_autofree gchar *sec = g_match_info_fetch_named(info, "sec");

	if (sec != NULL && sec[0] != '\0') {
		/* another boot, later */
		g_autofree gchar *usec = g_match_info_fetch_named(info, "usec");
		g_string_append_printf(res,
				       "[%5" G_GINT64_FORMAT ".%s]",
				       g_ascii_strtoll(sec, NULL, 10) + 1234,
				       usec);
	} else if (hex != NULL && hex[0] != '\0') {
		g_autofree gchar *rotated = cd_test_rotate_hex(hex);
		g_string_append(res, rotated);
	} else if (what != NULL && what[0] != '\0') {
		/* another task, CPU or duration */
		g_string_append_printf(res, "%s%d", what, 7);
	} else {
		g_string_append(res, all);
	}
	return FALSE;
}

/* the same crash on another boot or machine: other time stamps, addresses (KASLR and
 * the heap), pids, CPUs, durations and task names */
static gchar *
cd_test_mutate(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GRegex) regex = NULL;
	g_autoptr(GRegex) comm = NULL;
	g_autoptr(GRegex) hung = NULL;
	g_autofree gchar *step1 = NULL;
	g_autofree gchar *step2 = NULL;

	/* bytes, not UTF-8: the hostile cases hold bytes that are not text */
	regex = g_regex_new(
		"\\[\\s*(?<sec>\\d+)\\.(?<usec>\\d{6})\\]"
		"|(?<hex>0x[0-9a-f]+|\\b[0-9a-f]{8,}\\b)"
		"|(?<what>PID: |CPU: |CPU#|CPU |pid:|on cpu |stuck for |Comm: \\S*?|for more than )"
		"\\d+",
		G_REGEX_MULTILINE | G_REGEX_RAW,
		0,
		&error);
	g_assert_no_error(error);
	step1 = g_regex_replace_eval(regex, text, -1, 0, 0, cd_test_mutate_cb, NULL, &error);
	g_assert_no_error(error);
	/* the task in a soft lockup message: "[kworker/2:1:143]" */
	comm = g_regex_new("! \\[[^\\]]*\\]$", G_REGEX_MULTILINE | G_REGEX_RAW, 0, &error);
	g_assert_no_error(error);
	step2 = g_regex_replace_literal(comm, step1, -1, 0, "! [other/3:0:4242]", 0, &error);
	g_assert_no_error(error);
	/* the blocked task of a hung task report */
	/* bytes, not UTF-8: the hostile cases hold bytes that are not text */
	hung = g_regex_new("INFO: task \\S+ blocked", G_REGEX_RAW, 0, &error);
	g_assert_no_error(error);
	return g_regex_replace_literal(hung,
				       step2,
				       -1,
				       0,
				       "INFO: task kworker/u8:0:77 blocked",
				       0,
				       &error);
}

static void
test_crash_analysis_signature_stable(void)
{
	g_autoptr(GPtrArray) names = cd_test_list_cases();

	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gsize len = 0;
		g_autofree gchar *text = cd_test_read(name, ".txt", &len);
		g_autofree gchar *other = NULL;
		g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, len);
		g_autoptr(CdCrashAnalysis) b = NULL;

		if (g_strcmp0(cd_crash_analysis_get_kind(a), "unknown") == 0)
			continue;
		other = cd_test_mutate(text);
		g_assert_cmpstr(other, !=, text);
		b = cd_crash_analysis_new_from_text(other, strlen(other));
		g_test_message("%s: %s", name, cd_crash_analysis_get_signature(a));
		g_assert_cmpstr(cd_crash_analysis_get_kind(b), ==, cd_crash_analysis_get_kind(a));
		g_assert_cmpstr(cd_crash_analysis_get_signature(b),
				==,
				cd_crash_analysis_get_signature(a));
		/* the mutation did reach what the analysis reads */
		if (cd_crash_analysis_get_uptime(a) >= 0)
			g_assert_cmpfloat(cd_crash_analysis_get_uptime(b),
					  >,
					  cd_crash_analysis_get_uptime(a) + 1000);
	}
}

/* cases with the same "signature_group" are the same bug; every other pair differs */
static void
test_crash_analysis_signature_distinct(void)
{
	g_autoptr(GPtrArray) names = cd_test_list_cases();
	g_autoptr(GPtrArray) signatures = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		gsize len = 0;
		g_autofree gchar *text = cd_test_read(name, ".txt", &len);
		g_autoptr(GHashTable) expected = cd_test_read_expected(name);
		g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, len);

		g_ptr_array_add(signatures, g_strdup(cd_crash_analysis_get_signature(a)));
		g_ptr_array_add(groups,
				g_strdup(cd_test_expected_str(expected, "signature_group")));
	}
	for (guint i = 0; i < names->len; i++) {
		for (guint j = i + 1; j < names->len; j++) {
			const gchar *gi = g_ptr_array_index(groups, i);
			const gchar *gj = g_ptr_array_index(groups, j);
			const gchar *si = g_ptr_array_index(signatures, i);
			const gchar *sj = g_ptr_array_index(signatures, j);
			gboolean same_group = gi != NULL && g_strcmp0(gi, gj) == 0;
			if (si == NULL || sj == NULL)
				continue;
			if (same_group != (g_strcmp0(si, sj) == 0)) {
				g_test_fail_printf("%s and %s: signatures %s and %s",
						   (const gchar *)g_ptr_array_index(names, i),
						   (const gchar *)g_ptr_array_index(names, j),
						   si,
						   sj);
			}
		}
	}
}

static gchar *
cd_test_replace(const gchar *text, const gchar *from, const gchar *to)
{
	g_auto(GStrv) parts = g_strsplit(text, from, -1);
	g_assert_cmpuint(g_strv_length(parts), >, 1);
	return g_strjoinv(to, parts);
}

static const gchar *
cd_test_signature_of(const gchar *text, GPtrArray *keep)
{
	CdCrashAnalysis *a = cd_crash_analysis_new_from_text(text, strlen(text));
	g_ptr_array_add(keep, a);
	return cd_crash_analysis_get_signature(a);
}

/* one change that makes it another bug, one at a time */
static void
test_crash_analysis_signature_changes(void)
{
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *text = cd_test_read("real-6.1-oops", ".txt", NULL);
	g_autofree gchar *other_ip = NULL;
	g_autofree gchar *other_fault = NULL;
	g_autofree gchar *other_caller = NULL;
	g_autofree gchar *same_module_rebuilt = NULL;
	const gchar *base = cd_test_signature_of(text, keep);

	/* another function faulted, reached the same way */
	other_ip = cd_test_replace(text,
				   "RIP: 0010:crashdesk_test_init+",
				   "RIP: 0010:crashdesk_test_probe+");
	g_assert_cmpstr(cd_test_signature_of(other_ip, keep), !=, base);

	/* another kind of fault in the same place */
	other_fault = cd_test_replace(text,
				      "BUG: kernel NULL pointer dereference, address:",
				      "BUG: unable to handle page fault for address:");
	g_assert_cmpstr(cd_test_signature_of(other_fault, keep), !=, base);

	/* the same fault reached from elsewhere */
	other_caller = cd_test_replace(text, " do_init_module+", " do_init_module_other+");
	g_assert_cmpstr(cd_test_signature_of(other_caller, keep), !=, base);

	/* offsets, module lengths and unreliable frames change with the build: same bug */
	same_module_rebuilt = cd_test_replace(text, "+0x83/0x1000", "+0x9b/0x2000");
	g_free(g_steal_pointer(&other_ip));
	other_ip = cd_test_replace(same_module_rebuilt,
				   " ? do_fault+0x1a7/0x410",
				   " ? something_else+0x1/0x2");
	g_assert_cmpstr(cd_test_signature_of(other_ip, keep), ==, base);
}

/* the frames a screen shows and the signature is made of, as "a,b,c" */
static gchar *
cd_test_top_frames(CdCrashAnalysis *a)
{
	g_autoptr(GString) str = g_string_new(NULL);
	GPtrArray *frames = cd_crash_analysis_get_top_frames(a);

	for (guint i = 0; i < frames->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(frames, i);
		g_string_append_printf(str, "%s%s", i > 0 ? "," : "", frame->symbol);
	}
	return g_string_free(g_steal_pointer(&str), FALSE);
}

/* an NMI no handler claimed, panicking with kernel.unknown_nmi_panic=1: the report is
 * about where the NMI found the CPU, not about nmi_panic() and the NMI handlers */
static void
test_crash_analysis_nmi(void)
{
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *text = cd_test_read("nmi-unknown-6.1", ".txt", NULL);
	g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, strlen(text));
	g_autofree gchar *top = cd_test_top_frames(a);
	g_autofree gchar *no_uhhuh = NULL;
	g_autofree gchar *no_regs = NULL;
	g_autofree gchar *other_guess = NULL;
	g_autofree gchar *other_cpu_work = NULL;
	g_autofree gchar *iock = NULL;
	const gchar *base = cd_test_signature_of(text, keep);
	GPtrArray *frames = cd_crash_analysis_get_backtrace(a);

	g_assert_cmpstr(cd_crash_analysis_get_label(a), ==, "Non-maskable interrupt");
	g_assert_cmpstr(cd_crash_analysis_get_ip_line(a),
			==,
			"RIP: 0010:native_safe_halt+0xb/0x10");
	g_assert_cmpstr(top,
			==,
			"default_idle,default_idle_call,do_idle,cpu_startup_entry,rest_init,"
			"arch_call_rest_init,start_kernel,secondary_startup_64_no_verify");
	/* meta.json's backtrace is the interrupted context's, from its first guess on */
	g_assert_cmpuint(frames->len, ==, 10);
	for (guint i = 0; i < frames->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(frames, i);
		g_assert_false(g_str_has_suffix(frame->symbol, "nmi"));
		g_assert_cmpstr(frame->symbol, !=, "panic");
		g_assert_cmpstr(frame->symbol, !=, "default_do_nmi");
	}

	/* the "Uhhuh" line is ratelimited: the panic's own line says it then */
	no_uhhuh = cd_test_replace(text,
				   "Uhhuh. NMI received for unknown reason 20 on CPU 0.",
				   "random: crng init done");
	g_clear_object(&a);
	a = cd_crash_analysis_new_from_text(no_uhhuh, strlen(no_uhhuh));
	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "nmi");
	g_assert_cmpstr(cd_crash_analysis_get_message(a),
			==,
			"Kernel panic - not syncing: NMI: Not continuing");
	g_assert_cmpstr(cd_crash_analysis_get_ip_symbol(a), ==, "native_safe_halt+0xb/0x10");

	/* a trace without the registers of the interrupted context: the NMI handlers are
	 * still no frame of the crash */
	no_regs = cd_test_replace(text, "RIP: 0010:native_safe_halt+0xb/0x10", "Stack:");
	g_clear_object(&a);
	a = cd_crash_analysis_new_from_text(no_regs, strlen(no_regs));
	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "nmi");
	g_assert_null(cd_crash_analysis_get_ip_symbol(a));
	g_clear_pointer(&top, g_free);
	top = cd_test_top_frames(a);
	g_assert_true(g_str_has_prefix(top, "default_idle,default_idle_call,"));

	/* the unwinder's guesses are no part of the bug */
	other_guess = cd_test_replace(text,
				      " ? native_safe_halt+0xb/0x10",
				      " ? acpi_idle_do_entry+0x1/0x2");
	g_assert_cmpstr(cd_test_signature_of(other_guess, keep), ==, base);
	/* but where the CPU was is */
	other_cpu_work = cd_test_replace(text, " do_idle+", " do_other_work+");
	g_assert_cmpstr(cd_test_signature_of(other_cpu_work, keep), !=, base);

	/* an I/O check NMI with panic_on_unrecovered_nmi */
	iock = cd_test_replace(text,
			       "Uhhuh. NMI received for unknown reason 20 on CPU 0.",
			       "NMI: IOCK error (debug interrupt?) for reason 60 on CPU 0.");
	g_free(g_steal_pointer(&no_uhhuh));
	no_uhhuh = cd_test_replace(iock, "NMI: Not continuing", "NMI IOCK error: Not continuing");
	g_clear_object(&a);
	a = cd_crash_analysis_new_from_text(no_uhhuh, strlen(no_uhhuh));
	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "nmi");
	g_assert_cmpstr(cd_crash_analysis_get_message(a),
			==,
			"NMI: IOCK error (debug interrupt?) for reason 60 on CPU 0.");

	/* the hard lockup detector panics from an NMI too, and stays a hard lockup */
	g_clear_pointer(&text, g_free);
	text = cd_test_read("hardlockup-6.1", ".txt", NULL);
	g_clear_object(&a);
	a = cd_crash_analysis_new_from_text(text, strlen(text));
	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "hardlockup");
}

/* what the brown screen shows, from the analysis */
static void
test_crash_analysis_screen(void)
{
	const struct {
		const gchar *name;
		const gchar *label;
		const gchar *cause; /* the lines joined with '|' */
		const gchar *task_line;
		const gchar *ip_line;
		const gchar *release;
		const gchar *top; /* the first three top frames */
	} cases[] = {
		{ "real-6.1-oops",
		  "Oops",
		  "BUG: kernel NULL pointer dereference, address: 0000000000000000|"
		  "Oops: 0002 [#1] PREEMPT SMP NOPTI",
		  "CPU: 0 PID: 86 Comm: insmod Kdump: loaded Tainted: G           OE      "
		  "6.1.0-56-amd64 #1  Debian 6.1.192-2",
		  "RIP: 0010:crashdesk_test_init+0x83/0x1000 [crashdesk_test]",
		  "6.1.0-56-amd64",
		  "do_one_initcall,do_init_module,__do_sys_finit_module" },
		{ "real-6.1-sysrq",
		  "Crash requested with SysRq",
		  "sysrq: Trigger a crash",
		  "CPU: 0 PID: 1 Comm: init Kdump: loaded Tainted: G           OE      "
		  "6.1.0-56-amd64 #1  Debian 6.1.192-2",
		  NULL,
		  "6.1.0-56-amd64",
		  "sysrq_handle_crash,__handle_sysrq.cold,write_sysrq_trigger" },
		{ "panic-vfs-root-6.1",
		  "Kernel panic",
		  "Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)",
		  "CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-18-amd64 #1  Debian 6.1.76-1",
		  NULL,
		  "6.1.0-18-amd64",
		  "mount_block_root,prepare_namespace,kernel_init_freeable" },
		{ "oom-panic-on-oom-6.1",
		  "Out of memory",
		  "stress-ng-vm invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|"
		  "__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=1000",
		  "CPU: 0 PID: 1203 Comm: stress-ng-vm Not tainted 6.1.0-18-amd64 #1  Debian "
		  "6.1.76-1",
		  NULL,
		  "6.1.0-18-amd64",
		  "out_of_memory,__alloc_pages_slowpath.constprop.0,__alloc_pages" },
		{ "mce-6.1",
		  "Machine check",
		  "mce: [Hardware Error]: CPU 3: Machine Check Exception: 5 Bank 1: "
		  "b200000000000151",
		  NULL,
		  "mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffffa0c0b567> "
		  "{intel_idle+0x77/0x130}",
		  NULL,
		  "" },
		{ "nmi-unknown-6.1",
		  "Non-maskable interrupt",
		  "Uhhuh. NMI received for unknown reason 20 on CPU 0.",
		  "CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0-57-amd64 #1  Debian 6.1.192-3",
		  "RIP: 0010:native_safe_halt+0xb/0x10",
		  "6.1.0-57-amd64",
		  "default_idle,default_idle_call,do_idle" },
		{ "garbage", "Kernel crash", "", NULL, NULL, NULL, "" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gsize len = 0;
		g_autofree gchar *text = cd_test_read(cases[i].name, ".txt", &len);
		g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, len);
		g_autofree gchar *cause = g_strjoinv("|", cd_crash_analysis_get_cause_lines(a));
		g_autofree gchar *top = cd_test_top_frames(a);
		g_auto(GStrv) top3 = g_strsplit(top, ",", 4);
		g_autofree gchar *first3 = NULL;
		gsize start = 0;
		gsize end = 0;

		g_test_message("%s", cases[i].name);
		if (g_strv_length(top3) > 3)
			g_clear_pointer(&top3[3], g_free);
		first3 = g_strjoinv(",", top3);
		g_assert_cmpstr(cd_crash_analysis_get_label(a), ==, cases[i].label);
		g_assert_cmpstr(cause, ==, cases[i].cause);
		g_assert_cmpstr(cd_crash_analysis_get_task_line(a), ==, cases[i].task_line);
		g_assert_cmpstr(cd_crash_analysis_get_ip_line(a), ==, cases[i].ip_line);
		g_assert_cmpstr(cd_crash_analysis_get_release(a), ==, cases[i].release);
		g_assert_cmpstr(first3, ==, cases[i].top);

		/* the range holds the cause's lines, and only whole lines */
		if (cases[i].cause[0] == '\0') {
			g_assert_false(cd_crash_analysis_get_cause_range(a, &start, &end));
			continue;
		}
		g_assert_true(cd_crash_analysis_get_cause_range(a, &start, &end));
		g_assert_cmpuint(start, <, end);
		g_assert_cmpuint(end, <=, len);
		g_assert_true(start == 0 || text[start - 1] == '\n');
		g_assert_true(end == len || text[end - 1] == '\n');
		for (GStrv l = cd_crash_analysis_get_cause_lines(a); *l != NULL; l++) {
			g_autofree gchar *range = g_strndup(text + start, end - start);
			g_assert_nonnull(strstr(range, *l));
		}
	}
}

static void
test_crash_analysis_empty(void)
{
	g_autoptr(CdCrashAnalysis) null_text = cd_crash_analysis_new_from_text(NULL, 0);
	g_autoptr(CdCrashAnalysis) empty = cd_crash_analysis_new_from_text("", 0);

	g_assert_cmpstr(cd_crash_analysis_get_kind(null_text), ==, "unknown");
	g_assert_cmpstr(cd_crash_analysis_get_kind(empty), ==, "unknown");
	g_assert_cmpstr(cd_crash_analysis_get_signature(empty),
			==,
			cd_crash_analysis_get_signature(null_text));
	g_assert_null(cd_crash_analysis_get_panic_message(empty));
	g_assert_null(cd_crash_analysis_get_taint(empty));
	g_assert_nonnull(cd_crash_analysis_get_taint_words(empty));
	g_assert_null(cd_crash_analysis_get_taint_words(empty)[0]);
	g_assert_nonnull(cd_crash_analysis_get_modules(empty));
	g_assert_null(cd_crash_analysis_get_modules(empty)[0]);
	g_assert_cmpuint(cd_crash_analysis_get_backtrace(empty)->len, ==, 0);
	g_assert_cmpint(cd_crash_analysis_get_cpu(empty), ==, -1);
	g_assert_cmpint(cd_crash_analysis_get_pid(empty), ==, -1);
	g_assert_cmpfloat(cd_crash_analysis_get_uptime(empty), ==, -1);
}

/* every flag of Documentation/admin-guide/tainted-kernels.rst, and one it lacks */
static void
test_crash_analysis_taint_words(void)
{
	static const gchar text[] =
		"[   10.000000] Kernel panic - not syncing: test\n"
		"[   10.000001] CPU: 0 PID: 1 Comm: init Tainted: PFSRMBUDAWCIOELKXTNJ 6.16.0 #1\n"
		"[   10.000002] Kernel panic - not syncing: test\n"
		"[   10.000003] CPU: 0 PID: 1 Comm: init Tainted: G      Q 6.16.0 #1\n";
	g_autoptr(CdCrashAnalysis) all =
		cd_crash_analysis_new_from_text(text, strstr(text, "[   10.000002]") - text);
	g_autoptr(CdCrashAnalysis) unknown =
		cd_crash_analysis_new_from_text(text, sizeof(text) - 1);
	g_autofree gchar *words = NULL;
	g_autofree gchar *unknown_words = NULL;

	g_assert_cmpstr(cd_crash_analysis_get_kind(all), ==, "panic");
	g_assert_cmpstr(cd_crash_analysis_get_taint(all), ==, "PFSRMBUDAWCIOELKXTNJ");
	words = g_strjoinv(",", cd_crash_analysis_get_taint_words(all));
	g_assert_cmpstr(words,
			==,
			"proprietary module,forced module load,out-of-spec system,"
			"forced module unload,machine check,bad page,userspace taint,died (oops),"
			"ACPI table overridden,warning,staging driver,firmware workaround,"
			"out-of-tree module,unsigned module,soft lockup,live patched,"
			"auxiliary taint,struct randomization,in-kernel test,fwctl debug write");

	/* the last panic wins */
	g_assert_cmpfloat_with_epsilon(cd_crash_analysis_get_uptime(unknown), 10.000002, 1e-9);
	g_assert_cmpstr(cd_crash_analysis_get_taint(unknown), ==, "G      Q");
	unknown_words = g_strjoinv(",", cd_crash_analysis_get_taint_words(unknown));
	g_assert_cmpstr(unknown_words, ==, "unknown (Q)");
}

/* the stack markers and prefixes of the formats not in the corpus */
static void
test_crash_analysis_formats(void)
{
	static const gchar text[] =
		/* console with CRLF and a caller id of a CPU context */
		"[  5.000100][    C0] BUG: kernel NULL pointer dereference, address: "
		"0000000000000000\r\n"
		"[  5.000101][    C0] Oops: 0000 [#1] SMP\r\n"
		"[  5.000102][    C0] CPU: 0 PID: 0 Comm: swapper/0 Not tainted 6.1.0 #1\r\n"
		"[  5.000103][    C0] RIP: 0010:foo_irq+0x10/0x20 [foo 0123456789abcdef0123]\r\n"
		"[  5.000104][    C0] Call Trace:\r\n"
		"[  5.000105][    C0]  <IRQ>\r\n"
		"[  5.000106][    C0]  foo_irq+0x10/0x20 [foo 0123456789abcdef0123]\r\n"
		"[  5.000107][    C0]  __handle_irq_event_percpu+0x4a/0x180\r\n"
		"[  5.000108][    C0]  </IRQ>\r\n"
		"[  5.000109][    C0]  <TASK>\r\n"
		"[  5.000110][    C0]  [<ffffffff81002144>] ? old_style+0x54/0x1b0\r\n"
		"[  5.000111][    C0]  </TASK>\r\n"
		"[  5.000112][    C0] ---[ end trace 0000000000000000 ]---\r\n";
	g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, sizeof(text) - 1);
	g_autofree gchar *frames = NULL;

	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "oops");
	g_assert_cmpstr(cd_crash_analysis_get_message(a),
			==,
			"BUG: kernel NULL pointer dereference, address: 0000000000000000");
	g_assert_cmpstr(cd_crash_analysis_get_comm(a), ==, "swapper/0");
	g_assert_cmpstr(cd_crash_analysis_get_ip_symbol(a),
			==,
			"foo_irq+0x10/0x20 [foo 0123456789abcdef0123]");
	frames = cd_test_frames_to_string(cd_crash_analysis_get_backtrace(a));
	g_assert_cmpstr(frames, ==, "foo_irq [foo],__handle_irq_event_percpu,?old_style");
	g_assert_cmpfloat_with_epsilon(cd_crash_analysis_get_uptime(a), 5.0001, 1e-9);
}

/* an oops that sysrq-c caused before 4.18 made it call panic() */
static void
test_crash_analysis_old_sysrq(void)
{
	static const gchar text[] =
		"[  100.000000] SysRq : Trigger a crash\n"
		"[  100.000100] BUG: unable to handle kernel NULL pointer dereference at           "
		"(null)\n"
		"[  100.000200] IP: sysrq_handle_crash+0x16/0x20\n"
		"[  100.000300] Oops: 0002 [#1] SMP\n";
	g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, sizeof(text) - 1);

	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "sysrq");
	g_assert_cmpstr(cd_crash_analysis_get_ip_symbol(a), ==, "sysrq_handle_crash+0x16/0x20");
}

/* an oops in init without panic_on_oops: the kernel dies as init exits */
static void
test_crash_analysis_kill_init(void)
{
	static const gchar text[] =
		"[    9.000000] BUG: kernel NULL pointer dereference, address: 0000000000000000\n"
		"[    9.000001] Oops: 0000 [#1] PREEMPT SMP NOPTI\n"
		"[    9.000002] CPU: 1 PID: 1 Comm: systemd Not tainted 6.1.0-18-amd64 #1\n"
		"[    9.000003] RIP: 0010:ep_poll_callback+0x21/0x2b0\n"
		"[    9.000004] ---[ end trace 0000000000000000 ]---\n"
		"[    9.000005] Kernel panic - not syncing: Attempted to kill init! "
		"exitcode=0x00000009\n"
		"[    9.000006] Kernel Offset: disabled\n";
	g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, sizeof(text) - 1);
	g_autofree gchar *other_task = NULL;
	g_autoptr(CdCrashAnalysis) b = NULL;

	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "oops");
	g_assert_cmpstr(cd_crash_analysis_get_ip_symbol(a), ==, "ep_poll_callback+0x21/0x2b0");
	g_assert_cmpstr(cd_crash_analysis_get_panic_message(a),
			==,
			"Attempted to kill init! exitcode=0x00000009");
	g_assert_cmpint(cd_crash_analysis_get_pid(a), ==, 1);

	/* an oops of another task does not explain init's death */
	other_task = cd_test_replace(text, "PID: 1 Comm: systemd", "PID: 812 Comm: Xorg");
	b = cd_crash_analysis_new_from_text(other_task, strlen(other_task));
	g_assert_cmpstr(cd_crash_analysis_get_kind(b), ==, "panic");
	g_assert_cmpstr(cd_crash_analysis_get_message(b),
			==,
			"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000009");
	g_assert_null(cd_crash_analysis_get_ip_symbol(b));
}

/* KASAN reports count as warnings for panic_on_warn */
static void
test_crash_analysis_kasan(void)
{
	static const gchar text[] =
		"[   30.000000] "
		"==================================================================\n"
		"[   30.000001] BUG: KASAN: slab-use-after-free in foo_release+0x2c/0x90 [foo]\n"
		"[   30.000002] Read of size 8 at addr ffff888012345678 by task bar/812\n"
		"[   30.000003] \n"
		"[   30.000004] CPU: 3 PID: 812 Comm: bar Tainted: G           O       6.1.0 #1\n"
		"[   30.000005] Call Trace:\n"
		"[   30.000006]  <TASK>\n"
		"[   30.000007]  dump_stack_lvl+0x44/0x5c\n"
		"[   30.000008]  print_report+0x171/0x4a0\n"
		"[   30.000009]  kasan_report+0xad/0x130\n"
		"[   30.000010]  foo_release+0x2c/0x90 [foo]\n"
		"[   30.000011]  __fput+0xe7/0x2a0\n"
		"[   30.000012]  </TASK>\n"
		"[   30.000013] \n"
		"[   30.000014] Allocated by task 812:\n"
		"[   30.000015] "
		"==================================================================\n"
		"[   30.000016] Kernel panic - not syncing: KASAN: panic_on_warn set ...\n";
	g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(text, sizeof(text) - 1);
	g_autofree gchar *frames = NULL;

	g_assert_cmpstr(cd_crash_analysis_get_kind(a), ==, "warn");
	g_assert_cmpstr(cd_crash_analysis_get_message(a),
			==,
			"BUG: KASAN: slab-use-after-free in foo_release+0x2c/0x90 [foo]");
	g_assert_cmpstr(cd_crash_analysis_get_comm(a), ==, "bar");
	frames = cd_test_frames_to_string(cd_crash_analysis_get_backtrace(a));
	g_assert_cmpstr(frames,
			==,
			"dump_stack_lvl,print_report,kasan_report,foo_release [foo],__fput");
}

static void
test_crash_analysis_bounded(void)
{
	g_autoptr(GString) str = g_string_new(NULL);
	g_autoptr(CdCrashAnalysis) long_line = NULL;
	g_autoptr(CdCrashAnalysis) long_trace = NULL;
	g_autoptr(CdCrashAnalysis) many = NULL;
	gint64 start = g_get_monotonic_time();

	/* a 16 MiB line, then a panic */
	for (guint i = 0; i < 16 * 1024 * 1024 / 64; i++)
		g_string_append(str,
				"Kernel panic - not syncing: Fatal exception [#1] Call Trace: ");
	g_string_append(str, "\n[    1.000000] Kernel panic - not syncing: end\n");
	long_line = cd_crash_analysis_new_from_text(str->str, str->len);
	g_assert_cmpstr(cd_crash_analysis_get_kind(long_line), ==, "panic");
	g_assert_cmpstr(cd_crash_analysis_get_panic_message(long_line), ==, "end");

	/* a trace of 100,000 frames is cut */
	g_string_truncate(str, 0);
	g_string_append(str, "Kernel panic - not syncing: x\nCall Trace:\n");
	for (guint i = 0; i < 100000; i++)
		g_string_append(str, " frame+0x1/0x2 [m]\n");
	long_trace = cd_crash_analysis_new_from_text(str->str, str->len);
	g_assert_cmpuint(cd_crash_analysis_get_backtrace(long_trace)->len, <=, 512);
	g_assert_cmpuint(cd_crash_analysis_get_backtrace(long_trace)->len, >, 0);

	/* 200,000 reports, each with its second line */
	g_string_truncate(str, 0);
	for (guint i = 0; i < 200000; i++) {
		g_string_append_printf(
			str,
			"[%5u.000000] BUG: kernel NULL pointer dereference, address: 0\n"
			"Oops: 0000 [#%u] SMP\n",
			i,
			i);
	}
	many = cd_crash_analysis_new_from_text(str->str, str->len);
	g_assert_cmpstr(cd_crash_analysis_get_kind(many), ==, "oops");
	g_assert_cmpfloat(cd_crash_analysis_get_uptime(many), ==, 199999);

	/* linear: well under the time a quadratic scan of these would take */
	g_assert_cmpint(g_get_monotonic_time() - start, <, 20 * G_USEC_PER_SEC);
}

static void
cd_test_check_invariants(CdCrashAnalysis *a)
{
	GPtrArray *frames = cd_crash_analysis_get_backtrace(a);

	g_assert_true(cd_test_is_kind(cd_crash_analysis_get_kind(a)));
	cd_test_check_signature_shape(a);
	cd_test_check_visible(a);
	g_assert_nonnull(cd_crash_analysis_get_modules(a));
	g_assert_nonnull(cd_crash_analysis_get_taint_words(a));
	g_assert_cmpint(cd_crash_analysis_get_cpu(a), >=, -1);
	g_assert_cmpint(cd_crash_analysis_get_pid(a), >=, -1);
	for (guint i = 0; i < frames->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(frames, i);
		g_assert_nonnull(frame->symbol);
		g_assert_true(g_utf8_validate(frame->symbol, -1, NULL));
	}
	if (cd_crash_analysis_get_message(a) != NULL)
		g_assert_true(g_utf8_validate(cd_crash_analysis_get_message(a), -1, NULL));
	if (cd_crash_analysis_get_comm(a) != NULL)
		g_assert_true(g_utf8_validate(cd_crash_analysis_get_comm(a), -1, NULL));
}

/* random bytes, and the corpus cut, shuffled and corrupted */
static void
test_crash_analysis_garbage(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20260101);
	g_autoptr(GPtrArray) names = cd_test_list_cases();
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < names->len; i++) {
		gsize len = 0;
		g_autofree gchar *text = cd_test_read(g_ptr_array_index(names, i), ".txt", &len);
		g_auto(GStrv) split = g_strsplit(text, "\n", -1);

		/* every cut of every case */
		for (gsize cut = 0; cut <= len; cut += 1 + len / 97) {
			g_autofree gchar *copy = g_memdup2(text, cut);
			g_autoptr(CdCrashAnalysis) a = cd_crash_analysis_new_from_text(copy, cut);
			cd_test_check_invariants(a);
		}
		for (guint j = 0; split[j] != NULL; j++)
			g_ptr_array_add(lines, g_strdup(split[j]));
	}

	for (guint round = 0; round < 2000; round++) {
		g_autoptr(GString) str = g_string_new(NULL);
		g_autoptr(CdCrashAnalysis) a = NULL;
		guint n = g_rand_int_range(rand, 0, 300);

		for (guint i = 0; i < n; i++) {
			const gchar *line =
				g_ptr_array_index(lines, g_rand_int_range(rand, 0, lines->len));
			g_string_append(str, line);
			g_string_append_c(str, '\n');
		}
		/* flip, cut and NUL some bytes */
		for (guint i = 0; str->len > 0 && i < 20; i++) {
			gsize at = g_rand_int_range(rand, 0, str->len);
			switch (g_rand_int_range(rand, 0, 4)) {
			case 0:
				str->str[at] = (gchar)g_rand_int_range(rand, 0, 256);
				break;
			case 1:
				str->str[at] = '\0';
				break;
			case 2:
				str->str[at] = '\n';
				break;
			default:
				g_string_truncate(str, at);
				break;
			}
		}
		a = cd_crash_analysis_new_from_text(str->str, str->len);
		cd_test_check_invariants(a);
	}

	for (guint round = 0; round < 500; round++) {
		gsize len = g_rand_int_range(rand, 0, 8192);
		g_autofree guint8 *bytes = g_malloc(len + 1);
		g_autoptr(CdCrashAnalysis) a = NULL;
		for (gsize i = 0; i < len; i++)
			bytes[i] = (guint8)g_rand_int_range(rand, 0, 256);
		a = cd_crash_analysis_new_from_text((const gchar *)bytes, len);
		cd_test_check_invariants(a);
	}
}

int
main(int argc, char **argv)
{
	g_autoptr(GPtrArray) names = NULL;

	g_test_init(&argc, &argv, NULL);
	names = cd_test_list_cases();
	for (guint i = 0; i < names->len; i++) {
		const gchar *name = g_ptr_array_index(names, i);
		g_autofree gchar *path = g_strdup_printf("/capture/analysis/%s", name);
		g_test_add_data_func_full(path, g_strdup(name), test_crash_analysis_case, g_free);
	}
	g_test_add_func("/capture/analysis/signature/stable", test_crash_analysis_signature_stable);
	g_test_add_func("/capture/analysis/signature/distinct",
			test_crash_analysis_signature_distinct);
	g_test_add_func("/capture/analysis/signature/changes",
			test_crash_analysis_signature_changes);
	g_test_add_func("/capture/analysis/null-and-empty", test_crash_analysis_empty);
	g_test_add_func("/capture/analysis/nmi", test_crash_analysis_nmi);
	g_test_add_func("/capture/analysis/screen", test_crash_analysis_screen);
	g_test_add_func("/capture/analysis/taint-words", test_crash_analysis_taint_words);
	g_test_add_func("/capture/analysis/formats", test_crash_analysis_formats);
	g_test_add_func("/capture/analysis/old-sysrq", test_crash_analysis_old_sysrq);
	g_test_add_func("/capture/analysis/kill-init", test_crash_analysis_kill_init);
	g_test_add_func("/capture/analysis/kasan", test_crash_analysis_kasan);
	g_test_add_func("/capture/analysis/bounded", test_crash_analysis_bounded);
	g_test_add_func("/capture/analysis/mangled", test_crash_analysis_garbage);
	return g_test_run();
}
