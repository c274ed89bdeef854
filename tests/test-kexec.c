/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib.h>

#include "cd-config.h"
#include "cd-error.h"
#include "cd-kexec.h"

/* the capture kernel's command line, from real command lines of Debian and others */

#define ADDED                                                                                      \
	"irqpoll nr_cpus=1 reset_devices panic=10 noresume udev.children_max=2 "                   \
	"cgroup_disable=memory"
#define UNIT "systemd.unit=crashdesk-capture.target"

static gchar *
capture_cmdline(const gchar *running, const gchar *config_text)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = NULL;
	gchar *cmdline;

	config = cd_config_load_from_data("test.conf",
					  config_text != NULL ? config_text : "",
					  config_text != NULL ? strlen(config_text) : 0,
					  &error);
	g_assert_no_error(error);
	cmdline = cd_kexec_capture_cmdline(running, config, &error);
	g_assert_no_error(error);
	return cmdline;
}

static void
test_kexec_split(void)
{
	g_auto(GStrv) words =
		cd_cmdline_split("  root=UUID=1 dyndbg=\"file x.c +p\" \"a b=c d\"  quiet\n");

	g_assert_cmpuint(g_strv_length(words), ==, 4);
	g_assert_cmpstr(words[0], ==, "root=UUID=1");
	g_assert_cmpstr(words[1], ==, "dyndbg=\"file x.c +p\"");
	g_assert_cmpstr(words[2], ==, "\"a b=c d\"");
	g_assert_cmpstr(words[3], ==, "quiet");
}

static void
test_kexec_param_name(void)
{
	g_assert_true(cd_cmdline_param_name_equal("crashkernel=256M", "crashkernel"));
	g_assert_true(cd_cmdline_param_name_equal("crashkernel", "crashkernel"));
	g_assert_true(cd_cmdline_param_name_equal("\"crashkernel=1G-:256M\"", "crashkernel"));
	g_assert_true(cd_cmdline_param_name_equal("udev.children-max=4", "udev.children_max"));
	g_assert_false(cd_cmdline_param_name_equal("crashkernel_x=1", "crashkernel"));
	g_assert_false(cd_cmdline_param_name_equal("crash=1", "crashkernel"));
	g_assert_true(cd_cmdline_param_name_equal("-s", "-s"));
	g_assert_false(cd_cmdline_param_name_equal("_s", "-s"));
	g_assert_false(cd_cmdline_param_name_equal("s", "-s"));
}

static void
test_kexec_debian(void)
{
	g_autofree gchar *cmdline =
		capture_cmdline("BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=UUID=2f1c ro quiet "
				"crashkernel=1G-4G:256M,4G-:512M resume=UUID=77aa",
				NULL);

	g_assert_cmpstr(cmdline, ==, "root=UUID=2f1c ro " ADDED " " UNIT);
}

static void
test_kexec_dropped(void)
{
	g_autofree gchar *cmdline = capture_cmdline(
		"root=/dev/vda console=tty0 console=ttyS0,115200 systemd.unit=rescue.target single "
		"hugepages=512 default-hugepagesz=1G log_buf_len=16M nr_cpus=8 mem=4G "
		"memmap=64M$0x1000000 panic=0 irqpoll init_on_free=1 rd.break splash "
		"crashkernel=256M,high crashkernel=72M,low",
		NULL);

	g_assert_cmpstr(cmdline,
			==,
			"root=/dev/vda console=tty0 console=ttyS0,115200 init_on_free=1 " ADDED
			" " UNIT);
}

/* crashdesk.* pass through, and the configuration's panic screen only when unset */
static void
test_kexec_panic_screen(void)
{
	g_autofree gchar *passed =
		capture_cmdline("root=/dev/vda crashdesk.panic_screen=text crashdesk.shell=1",
				"[Capture]\nPanicScreen=brown\n");
	g_autofree gchar *configured =
		capture_cmdline("root=/dev/vda", "[Capture]\nPanicScreen=brown\n");
	g_autofree gchar *off = capture_cmdline("root=/dev/vda", "[Capture]\nPanicScreen=off\n");

	g_assert_cmpstr(passed,
			==,
			"root=/dev/vda crashdesk.panic_screen=text crashdesk.shell=1 " ADDED
			" " UNIT);
	g_assert_cmpstr(configured,
			==,
			"root=/dev/vda " ADDED " crashdesk.panic_screen=brown " UNIT);
	g_assert_cmpstr(off, ==, "root=/dev/vda " ADDED " " UNIT);
}

static void
test_kexec_config_words(void)
{
	g_autofree gchar *cmdline =
		capture_cmdline("root=/dev/vda quiet foo=1",
				"[Load]\nCommandLineRemove=irqpoll foo cgroup-disable\n"
				"CommandLineAppend=console=ttyS1 nr_cpus=1 irqpoll\n");
	g_autofree gchar *no_unit =
		capture_cmdline("root=/dev/vda", "[Load]\nCommandLineRemove=systemd.unit\n");

	/* removed from the running kernel's and from the capture's own; appended wins */
	g_assert_cmpstr(cmdline,
			==,
			"root=/dev/vda nr_cpus=1 reset_devices panic=10 noresume "
			"udev.children_max=2 console=ttyS1 irqpoll " UNIT);
	g_assert_cmpstr(no_unit, ==, "root=/dev/vda " ADDED);
}

/* words after "--" belong to init: boot targets go there too, and the rest stays last */
static void
test_kexec_init_args(void)
{
	g_autofree gchar *cmdline =
		capture_cmdline("root=/dev/vda -- single --log-level=debug", NULL);

	g_assert_cmpstr(cmdline, ==, "root=/dev/vda " ADDED " " UNIT " -- --log-level=debug");
}

static void
test_kexec_too_long(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CdConfig) config = cd_config_new();
	g_autoptr(GString) running = g_string_new("root=/dev/vda");
	g_autofree gchar *cmdline = NULL;

	/* different words: the same word twice is kept once */
	for (guint i = 0; running->len < CD_KEXEC_CMDLINE_MAX - 100; i++)
		g_string_append_printf(running, " foo%u=bar", i);
	cmdline = cd_kexec_capture_cmdline(running->str, config, &error);
	g_assert_null(cmdline);
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "more than the 2048 a kernel accepts"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/kexec/split", test_kexec_split);
	g_test_add_func("/kexec/param-name", test_kexec_param_name);
	g_test_add_func("/kexec/debian", test_kexec_debian);
	g_test_add_func("/kexec/dropped", test_kexec_dropped);
	g_test_add_func("/kexec/panic-screen", test_kexec_panic_screen);
	g_test_add_func("/kexec/config-words", test_kexec_config_words);
	g_test_add_func("/kexec/init-args", test_kexec_init_args);
	g_test_add_func("/kexec/too-long", test_kexec_too_long);
	return g_test_run();
}
