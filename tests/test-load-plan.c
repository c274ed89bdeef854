/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>
#include <string.h>

#include "cd-kexec.h"
#include "cd-load-plan.h"
#include "cd-test-util.h"

/*
 * What crashdesk load would load, and the reservation status and load read, tested in
 * the CLI's library itself (not through the program): the images from the options, the
 * configuration or the running kernel, the command line's bound, and the reservation of
 * machine trees with and without kexec.
 */

static void
test_load_plan_options(void)
{
	g_autoptr(CdConfig) config = cd_config_new();
	g_auto(CdLoadPlan) plan = { NULL };
	g_auto(CdLoadPlan) from_config = { NULL };
	g_auto(CdLoadPlan) no_initrd = { NULL };
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) append = g_strsplit("crashdesk.panic_screen=brown loglevel=7", " ", -1);

	/* the options win, and what --append adds comes last, in order */
	g_assert_true(cd_load_plan_make(config,
					"/boot/vmlinuz-test",
					"/boot/initrd-test",
					FALSE,
					"root=/dev/vda irqpoll",
					append,
					&plan,
					&error));
	g_assert_no_error(error);
	g_assert_cmpstr(plan.kernel, ==, "/boot/vmlinuz-test");
	g_assert_cmpstr(plan.initrd, ==, "/boot/initrd-test");
	g_assert_cmpstr(plan.cmdline,
			==,
			"root=/dev/vda irqpoll crashdesk.panic_screen=brown loglevel=7");

	/* the configuration's images, else the running kernel's from /boot */
	config->kernel = g_strdup("/srv/capture/vmlinuz");
	g_assert_true(
		cd_load_plan_make(config, NULL, NULL, FALSE, "quiet", NULL, &from_config, &error));
	g_assert_cmpstr(from_config.kernel, ==, "/srv/capture/vmlinuz");
	g_assert_true(g_str_has_prefix(from_config.initrd, "/boot/initrd.img-"));
	g_assert_true(
		cd_load_plan_make(config, NULL, NULL, TRUE, "quiet", NULL, &no_initrd, &error));
	g_assert_null(no_initrd.initrd);
}

/* a command line the kernel would refuse is refused before any load, with its size */
static void
test_load_plan_cmdline_bound(void)
{
	g_autoptr(CdConfig) config = cd_config_new();
	g_autoptr(GString) longest = g_string_new(NULL);
	g_auto(CdLoadPlan) fits = { NULL };
	g_auto(CdLoadPlan) too_long = { NULL };
	g_autoptr(GError) error = NULL;

	/* the bound counts the final NUL */
	while (longest->len + 1 < CD_KEXEC_CMDLINE_MAX)
		g_string_append_c(longest, 'x');
	g_assert_true(
		cd_load_plan_make(config, "/k", "/i", FALSE, longest->str, NULL, &fits, &error));
	g_assert_no_error(error);
	g_string_append_c(longest, 'x');
	g_assert_false(cd_load_plan_make(config,
					 "/k",
					 "/i",
					 FALSE,
					 longest->str,
					 NULL,
					 &too_long,
					 &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, "more than the"));
}

static void
test_load_plan_reservation(void)
{
	for (guint kexec = 0; kexec < 2; kexec++) {
		g_autofree gchar *root = cd_test_machine_tree_new(kexec);
		g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(CdCrashkernelState) state =
			cd_load_plan_read_reservation(root, NULL, lines);

		g_assert_nonnull(state);
		g_assert_cmpint(state->verdict,
				==,
				kexec ? CD_CRASHKERNEL_VERDICT_NO_OPTION
				      : CD_CRASHKERNEL_VERDICT_NO_KEXEC);
		g_assert_cmpuint(state->reserved_bytes, ==, 0);
		g_assert_cmpuint(lines->len, >, 0);
		cd_test_rm_rf(root);
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/capture/load-plan/options", test_load_plan_options);
	g_test_add_func("/capture/load-plan/cmdline-bound", test_load_plan_cmdline_bound);
	g_test_add_func("/capture/load-plan/reservation", test_load_plan_reservation);
	return g_test_run();
}
