/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "cd-panic-status.h"

/* the progress line of the brown screen, message by message */

static gchar *
line_of(CdPanicStatus *status)
{
	return cd_panic_status_line(status);
}

static void
assert_line(CdPanicStatus *status, const gchar *expected)
{
	g_autofree gchar *line = line_of(status);
	g_assert_cmpstr(line, ==, expected);
}

static void
test_status_saved(void)
{
	g_auto(CdPanicStatus) status = { 0 };

	cd_panic_status_init(&status);
	assert_line(&status, "Waiting for the crash to be saved");
	g_assert_cmpint(cd_panic_status_apply(&status, "stage", "Writing the dump"),
			==,
			CD_PANIC_STATUS_PROGRESS);
	assert_line(&status, "Writing the dump");
	g_assert_cmpint(cd_panic_status_apply(&status, "percent", "42"),
			==,
			CD_PANIC_STATUS_PROGRESS);
	assert_line(&status, "Writing the dump: 42%");
	/* a new stage starts without the last one's percentage */
	cd_panic_status_apply(&status, "stage", "Writing the report");
	assert_line(&status, "Writing the report");
	g_assert_false(cd_panic_status_finished(&status));
	cd_panic_status_apply(&status, "saved", "2026-11-22-21:00:00-oops");
	g_assert_true(cd_panic_status_finished(&status));
	assert_line(&status, "Saved as 2026-11-22-21:00:00-oops.");
	/* save exiting after it said so is no news */
	cd_panic_status_saver_gone(&status);
	assert_line(&status, "Saved as 2026-11-22-21:00:00-oops.");
	g_assert_cmpint(cd_panic_status_apply(&status, "final", "reboot 10"),
			==,
			CD_PANIC_STATUS_FINAL);
	g_assert_cmpuint(status.countdown, ==, 10);
	assert_line(&status, "Saved as 2026-11-22-21:00:00-oops. Rebooting in 10 s.");
	status.shell_offered = TRUE;
	status.countdown = 3;
	assert_line(
		&status,
		"Saved as 2026-11-22-21:00:00-oops. Rebooting in 3 s. Press Enter for a shell.");
}

static void
test_status_failed(void)
{
	g_auto(CdPanicStatus) status = { 0 };

	cd_panic_status_init(&status);
	cd_panic_status_apply(&status, "stage", "Writing the dump");
	cd_panic_status_apply(&status, "failed", "No space left on device");
	assert_line(&status, "Saving failed: No space left on device.");
	cd_panic_status_apply(&status, "final", "poweroff 5");
	assert_line(&status, "Saving failed: No space left on device. Powering off in 5 s.");
}

static void
test_status_stopped(void)
{
	g_auto(CdPanicStatus) status = { 0 };

	cd_panic_status_init(&status);
	cd_panic_status_apply(&status, "stage", "Writing the dump");
	cd_panic_status_apply(&status, "percent", "7");
	cd_panic_status_saver_gone(&status);
	assert_line(&status, "Saving stopped unexpectedly during: Writing the dump.");
	cd_panic_status_apply(&status, "final", "reboot 2");
	assert_line(&status,
		    "Saving stopped unexpectedly during: Writing the dump. Rebooting in 2 s.");
}

static void
test_status_ignored(void)
{
	const struct {
		const gchar *verb;
		const gchar *argument;
	} bad[] = {
		{ "percent", "101" },	   { "percent", "-1" },		{ "percent", "+5" },
		{ "percent", "5%" },	   { "percent", "" },		{ "stage", "" },
		{ "stage", "   " },	   { "saved", "\xff\xfe" },	{ "final", "reboot" },
		{ "final", "reboot -1" },  { "final", "reboot 99999" }, { "final", "explode 5" },
		{ "final", "reboot 5 6" }, { "hello", "world" },	{ "go", "" },
	};
	g_auto(CdPanicStatus) status = { 0 };

	cd_panic_status_init(&status);
	cd_panic_status_apply(&status, "stage", "Reading the log");
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		/* escaped: the TAP output must stay valid UTF-8 */
		g_autofree gchar *shown = g_strescape(bad[i].argument, NULL);

		g_test_message("%s %s", bad[i].verb, shown);
		g_assert_cmpint(cd_panic_status_apply(&status, bad[i].verb, bad[i].argument),
				==,
				CD_PANIC_STATUS_IGNORED);
		assert_line(&status, "Reading the log");
	}
}

/* nothing a sender writes reaches the console as an escape sequence, nor overflows a line */
static void
test_status_sanitised(void)
{
	g_autofree gchar *long_text = g_strnfill(1000, 'x');
	g_autofree gchar *line = NULL;
	g_auto(CdPanicStatus) status = { 0 };

	cd_panic_status_init(&status);
	cd_panic_status_apply(&status, "stage", "a\033[2Jb\tc");
	assert_line(&status, "a\\x1b[2Jb c");
	cd_panic_status_apply(&status, "stage", long_text);
	line = line_of(&status);
	g_assert_cmpuint(strlen(line), ==, CD_PANIC_STATUS_MAX_TEXT);
	/* a C1 CSI and a bidi override, shown as everywhere else (cd-text.h) */
	cd_panic_status_apply(&status,
			      "failed",
			      "x\xc2\x9b"
			      "2J\xe2\x80\xae"
			      "y");
	g_assert_cmpstr(status.failure, ==, "x\\u009b2J\\u202ey");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/panic-console/status/saved", test_status_saved);
	g_test_add_func("/panic-console/status/failed", test_status_failed);
	g_test_add_func("/panic-console/status/stopped", test_status_stopped);
	g_test_add_func("/panic-console/status/ignored", test_status_ignored);
	g_test_add_func("/panic-console/status/sanitised", test_status_sanitised);
	return g_test_run();
}
