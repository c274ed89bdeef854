/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <elf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cd-test-run.h"
#include "cd-test-util.h"

/* the crashdesk command as a user meets it: usage errors, paths that are not vmcores */

static const gchar *crashdesk;

/* crashdesk with @args */
static void
run(CdTestRun *r, const gchar *const *args)
{
	cd_test_run(r, crashdesk, args);
}

static void
test_cli_usage(void)
{
	g_auto(CdTestRun) none = { 0 };
	g_auto(CdTestRun) unknown = { 0 };
	g_auto(CdTestRun) two = { 0 };
	g_auto(CdTestRun) help = { 0 };
	g_auto(CdTestRun) version = { 0 };

	run(&none, (const gchar *[]){ NULL });
	g_assert_cmpint(none.status, ==, 64);
	g_assert_nonnull(strstr(none.err, "Usage: crashdesk COMMAND"));

	run(&unknown, (const gchar *[]){ "frobnicate", NULL });
	g_assert_cmpint(unknown.status, ==, 64);
	g_assert_nonnull(strstr(unknown.err, "unknown command 'frobnicate'"));

	run(&two, (const gchar *[]){ "dmesg", "a", "b", NULL });
	g_assert_cmpint(two.status, ==, 64);
	g_assert_nonnull(strstr(two.err, "one FILE at a time"));

	run(&help, (const gchar *[]){ "dmesg", "--help", NULL });
	g_assert_cmpint(help.status, ==, 0);
	g_assert_nonnull(strstr(help.out, "--caller-id"));

	run(&version, (const gchar *[]){ "--version", NULL });
	g_assert_cmpint(version.status, ==, 0);
	g_assert_cmpstr(version.out, ==, "crashdesk " PACKAGE_VERSION "\n");
}

static void
test_cli_not_a_vmcore(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *missing = g_build_filename(dir, "missing", NULL);
	g_autofree gchar *fifo = g_build_filename(dir, "fifo", NULL);
	const struct {
		const gchar *path;
		const gchar *message;
	} cases[] = {
		{ missing, "cannot open: No such file or directory" },
		{ dir, "not a regular file" },
		{ fifo, "not a regular file" },
	};

	g_assert_nonnull(dir);
	g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(CdTestRun) r = { 0 };
		g_autofree gchar *expected =
			g_strdup_printf("%s: %s\n", cases[i].path, cases[i].message);

		/* a FIFO must not block: the check comes before any read */
		run(&r, (const gchar *[]){ "dmesg", cases[i].path, NULL });
		g_assert_cmpint(r.status, ==, 1);
		g_assert_cmpstr(r.out, ==, "");
		g_assert_cmpstr(r.err, ==, expected);
	}
	g_unlink(fifo);
	g_rmdir(dir);
}

static gchar *
read_report_file(const gchar *root, const gchar *name, gsize *len)
{
	g_autoptr(GDir) dir = g_dir_open(root, 0, NULL);
	const gchar *id = dir != NULL ? g_dir_read_name(dir) : NULL;
	g_autofree gchar *path = NULL;
	gchar *data = NULL;

	g_assert_nonnull(id);
	path = g_build_filename(root, id, name, NULL);
	g_assert_true(g_file_get_contents(path, &data, len, NULL));
	return data;
}

/* a dump written with one thread or several is the same, byte for byte, and its log
 * reads back as the vmcore's; the fixture translates its direct map without PT_LOADs
 * (NUMBER(PAGE_OFFSET)), as a kdump file must */
static void
test_cli_save_dump(void)
{
	const gchar *fixtures = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *vmcore =
		g_build_filename(fixtures, "lockless-direct-map-fallback.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *one = g_build_filename(tmp, "one", NULL);
	g_autofree gchar *four = g_build_filename(tmp, "four", NULL);
	g_autofree gchar *dump_one = NULL;
	g_autofree gchar *dump_four = NULL;
	g_autofree gchar *dump_path = NULL;
	g_autoptr(GDir) dir = NULL;
	gsize len_one = 0;
	gsize len_four = 0;
	g_auto(CdTestRun) save_one = { 0 };
	g_auto(CdTestRun) save_four = { 0 };
	g_auto(CdTestRun) from_vmcore = { 0 };
	g_auto(CdTestRun) from_dump = { 0 };
	g_autofree gchar *argv_one = NULL;

	run(&save_one,
	    (const gchar *[]){ "save",
			       "--input",
			       vmcore,
			       "--dir",
			       one,
			       "--keep-free",
			       "0",
			       "--threads",
			       "1",
			       NULL });
	g_assert_cmpint(save_one.status, ==, 0);
	run(&save_four,
	    (const gchar *[]){ "save",
			       "--input",
			       vmcore,
			       "--dir",
			       four,
			       "--keep-free",
			       "0",
			       "--threads",
			       "4",
			       NULL });
	g_assert_cmpint(save_four.status, ==, 0);
	dump_one = read_report_file(one, "dump.kdump", &len_one);
	dump_four = read_report_file(four, "dump.kdump", &len_four);
	g_assert_cmpmem(dump_one, len_one, dump_four, len_four);
	g_assert_cmpmem(dump_one, 8, "KDUMP   ", 8);

	dir = g_dir_open(one, 0, NULL);
	dump_path = g_build_filename(one, g_dir_read_name(dir), "dump.kdump", NULL);
	run(&from_vmcore, (const gchar *[]){ "dmesg", vmcore, NULL });
	run(&from_dump, (const gchar *[]){ "dmesg", dump_path, NULL });
	/* both read the log, and the dump's is the vmcore's: an empty or failed pair
	 * would agree as well */
	g_assert_cmpint(from_vmcore.status, ==, 0);
	g_assert_cmpint(from_dump.status, ==, 0);
	g_assert_nonnull(strstr(from_vmcore.out, "\n"));
	g_assert_cmpstr(from_dump.out, ==, from_vmcore.out);

	g_assert_true(g_spawn_command_line_sync((argv_one = g_strdup_printf("rm -rf %s", tmp)),
						NULL,
						NULL,
						NULL,
						NULL));
}

/* a console's side of the progress socket: every packet until the sender goes */
static gpointer
progress_collect(gpointer data)
{
	gint listen_fd = GPOINTER_TO_INT(data);
	GPtrArray *packets = g_ptr_array_new_with_free_func(g_free);
	gint fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	for (;;) {
		gchar buf[1024];
		gssize n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		g_ptr_array_add(packets, g_strndup(buf, (gsize)n));
		/* a slow console: progress may be dropped, the outcome must not */
		g_usleep(2000);
	}
	close(fd);
	return packets;
}

static gint
progress_listen(const gchar *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	gint fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(strlen(path), <, sizeof(addr.sun_path));
	strcpy(addr.sun_path, path);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(fd, 4), ==, 0);
	return fd;
}

/* save tells a panic console what it does, and how it ended: saved under its id, or failed
 * and why */
static void
test_cli_save_progress(void)
{
	const gchar *fixtures = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *vmcore = g_build_filename(fixtures, "lockless-basic.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *root = g_build_filename(tmp, "reports", NULL);
	g_autofree gchar *socket_path = g_build_filename(tmp, "console.socket", NULL);
	g_autofree gchar *rm = g_strdup_printf("rm -rf %s", tmp);
	g_autoptr(GPtrArray) packets = NULL;
	g_autoptr(GPtrArray) failed = NULL;
	g_autoptr(GDir) dir = NULL;
	g_auto(CdTestRun) save = { 0 };
	g_auto(CdTestRun) broken = { 0 };
	const gchar *last;
	GThread *thread;
	gint listen_fd = progress_listen(socket_path);
	gboolean stage_dump = FALSE;
	gint last_percent = -1;

	g_setenv("CRASHDESK_PANIC_CONSOLE_SOCKET", socket_path, TRUE);
	thread = g_thread_new("console", progress_collect, GINT_TO_POINTER(listen_fd));
	run(&save,
	    (const gchar
		     *[]){ "save", "--input", vmcore, "--dir", root, "--keep-free", "0", NULL });
	packets = g_thread_join(thread);
	g_assert_cmpint(save.status, ==, 0);
	g_assert_cmpuint(packets->len, >=, 3);
	g_assert_cmpstr(g_ptr_array_index(packets, 0),
			==,
			"stage Reading the crashed kernel's memory");
	for (guint i = 0; i < packets->len; i++) {
		const gchar *p = g_ptr_array_index(packets, i);

		stage_dump |= g_strcmp0(p, "stage Writing the memory dump") == 0;
		if (g_str_has_prefix(p, "percent ")) {
			gint percent = atoi(p + 8);

			g_assert_cmpint(percent, >, last_percent);
			g_assert_cmpint(percent, <=, 100);
			last_percent = percent;
		}
	}
	g_assert_true(stage_dump);
	dir = g_dir_open(root, 0, NULL);
	g_assert_nonnull(dir);
	last = g_ptr_array_index(packets, packets->len - 1);
	g_assert_true(g_str_has_prefix(last, "saved "));
	g_assert_cmpstr(last + 6, ==, g_dir_read_name(dir));

	/* a vmcore that cannot be read: the console hears why */
	thread = g_thread_new("console", progress_collect, GINT_TO_POINTER(listen_fd));
	run(&broken, (const gchar *[]){ "save", "--input", socket_path, "--dir", root, NULL });
	failed = g_thread_join(thread);
	g_assert_cmpint(broken.status, ==, 1);
	g_assert_cmpuint(failed->len, ==, 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(failed, 1), "failed "));
	g_assert_nonnull(strstr(g_ptr_array_index(failed, 1), socket_path));

	g_unsetenv("CRASHDESK_PANIC_CONSOLE_SOCKET");
	close(listen_fd);
	g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
}

/* a vmcore whose PT_LOAD claims 2^50 bytes: the report is kept, the dump refused with a
 * reason, never a header whose 32-bit bitmap size wrapped */
static void
test_cli_save_dump_huge(void)
{
	const gchar *fixtures = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *vmcore = g_build_filename(fixtures, "lockless-basic.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *huge = g_build_filename(tmp, "huge.vmcore", NULL);
	g_autofree gchar *root = g_build_filename(tmp, "root", NULL);
	g_autofree gchar *data = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *rm = NULL;
	g_auto(CdTestRun) save = { 0 };
	Elf64_Ehdr ehdr;
	Elf64_Phdr phdr;
	gsize len = 0;
	gsize meta_len = 0;

	g_assert_true(g_file_get_contents(vmcore, &data, &len, NULL));
	memcpy(&ehdr, data, sizeof(ehdr));
	for (guint i = 0; i < ehdr.e_phnum; i++) {
		gsize at = ehdr.e_phoff + i * sizeof(phdr);
		memcpy(&phdr, data + at, sizeof(phdr));
		if (phdr.p_type != PT_LOAD)
			continue;
		phdr.p_memsz = G_GUINT64_CONSTANT(1) << 50;
		memcpy(data + at, &phdr, sizeof(phdr));
		break;
	}
	g_assert_true(g_file_set_contents(huge, data, len, NULL));

	run(&save,
	    (const gchar *[]){ "save", "--input", huge, "--dir", root, "--keep-free", "0", NULL });
	g_assert_cmpint(save.status, ==, 2);
	g_assert_nonnull(strstr(save.err,
				"no dump: the vmcore cannot be dumped: the vmcore "
				"describes memory up to pfn 0x"));
	meta = read_report_file(root, "meta.json", &meta_len);
	g_assert_nonnull(strstr(meta, "\"file\": null"));
	g_assert_nonnull(strstr(meta, "\"omitted_reason\": \"the vmcore cannot be dumped"));

	g_assert_true(g_spawn_command_line_sync((rm = g_strdup_printf("rm -rf %s", tmp)),
						NULL,
						NULL,
						NULL,
						NULL));
}

/*
 * status on a machine with no reservation, from a tree of its /proc and /sys, with kexec
 * support and without: it must say what is missing and how to fix it, and exit 3; JSON
 * says the same.
 */
static void
test_cli_status_unreserved(void)
{
	g_auto(CdTestRun) text = { 0 };

	run(&text, (const gchar *[]){ "status", "--config", "/nonexistent/crashdesk.conf", NULL });
	/* a named configuration that is missing is an error */
	g_assert_cmpint(text.status, ==, 1);
	g_assert_nonnull(strstr(text.err, "/nonexistent/crashdesk.conf: cannot open"));

	for (guint kexec = 0; kexec < 2; kexec++) {
		g_autofree gchar *tree = cd_test_machine_tree_new(kexec);
		g_autofree gchar *rm = g_strdup_printf("rm -rf %s", tree);
		g_auto(CdTestRun) plain = { 0 };
		g_auto(CdTestRun) json = { 0 };

		run(&plain, (const gchar *[]){ "status", "--sysroot", tree, NULL });
		g_assert_cmpint(plain.status, ==, 3);
		g_assert_true(g_str_has_prefix(plain.out,
					       "Not ready: a kernel crash now would be lost."));
		g_assert_nonnull(strstr(plain.out, "What to change\n  1. "));
		if (!kexec) {
			g_assert_nonnull(strstr(plain.out,
						"this kernel has no kexec or crash dump support"));
			g_assert_nonnull(
				strstr(plain.out, "Boot a kernel built with CONFIG_KEXEC"));
		} else {
			g_assert_nonnull(
				strstr(plain.out, "No memory is reserved for a capture kernel"));
			g_assert_nonnull(strstr(plain.out, "Suggested: crashkernel="));
			g_assert_true(strstr(plain.out, "then run update-grub and reboot") !=
					      NULL ||
				      strstr(plain.out, "to the kernel command line in the boot") !=
					      NULL);
		}
		g_assert_nonnull(strstr(plain.out, "systemd.unit=crashdesk-capture.target"));

		run(&json, (const gchar *[]){ "status", "--json", "--sysroot", tree, NULL });
		g_assert_cmpint(json.status, ==, 3);
		g_assert_nonnull(strstr(json.out, "\"ready\":false"));
		g_assert_nonnull(
			strstr(json.out,
			       kexec ? "\"verdict\":\"no_option\"" : "\"verdict\":\"no_kexec\""));
		g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
	}

	/* the panic screen the capture kernel would get, from the configuration */
	{
		g_auto(CdTestRun) screen = { 0 };
		g_autofree gchar *tree = cd_test_machine_tree_new(TRUE);
		g_autofree gchar *rm = g_strdup_printf("rm -rf %s", tree);
		g_autofree gchar *conf = g_build_filename(tree, "crashdesk.conf", NULL);

		g_assert_true(
			g_file_set_contents(conf,
					    "[Capture]\nPanicScreen=text\nFinalAction=shell\n",
					    -1,
					    NULL));
		g_assert_cmpint(chmod(conf, 0644), ==, 0);
		run(&screen,
		    (const gchar *[]){ "status", "--config", conf, "--sysroot", tree, NULL });
		g_assert_cmpint(screen.status, ==, 3);
		g_assert_nonnull(strstr(screen.out, "  Panic screen:    text\n"));
		g_assert_nonnull(strstr(screen.out, "  After saving:    shell\n"));
		g_assert_nonnull(strstr(screen.out, " crashdesk.panic_screen=text "));
		g_assert_true(g_spawn_command_line_sync(rm, NULL, NULL, NULL, NULL));
	}
}

/* load and test-crash refuse before touching the kernel, and say why */
static void
test_cli_load_refusals(void)
{
	g_autofree gchar *dir = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *conf = g_build_filename(dir, "bad.conf", NULL);
	g_autofree gchar *expected =
		g_strdup_printf("%s:3: [Load] Kernel=vmlinuz: not an absolute path", conf);
	g_auto(CdTestRun) bad = { 0 };
	g_auto(CdTestRun) missing = { 0 };
	g_auto(CdTestRun) crash = { 0 };
	g_auto(CdTestRun) dry = { 0 };

	g_assert_true(g_file_set_contents(conf, "[Load]\n# the image\nKernel=vmlinuz\n", -1, NULL));
	g_assert_cmpint(chmod(conf, 0644), ==, 0);
	run(&bad, (const gchar *[]){ "load", "--config", conf, NULL });
	g_assert_cmpint(bad.status, ==, 1);
	g_assert_nonnull(strstr(bad.err, expected));

	run(&dry,
	    (const gchar *[]){ "load",
			       "--dry-run",
			       "--kernel",
			       "/boot/x",
			       "--no-initrd",
			       "--command-line",
			       "root=/dev/vda",
			       "--append",
			       "a=1",
			       NULL });
	g_assert_cmpint(dry.status, ==, 0);
	g_assert_cmpstr(dry.out,
			==,
			"kernel: /boot/x\ninitrd: none\ncommand line: root=/dev/vda a=1\n");

	run(&missing, (const gchar *[]){ "load", "--kernel", "/nonexistent/vmlinuz", NULL });
	g_assert_cmpint(missing.status, ==, 1);
	if (geteuid() == 0) {
		g_assert_nonnull(
			strstr(missing.err,
			       "/nonexistent/vmlinuz: cannot open: No such file or directory"));
		g_assert_nonnull(strstr(missing.err, "choose another with Kernel="));
	} else {
		g_assert_nonnull(strstr(missing.err, "only root can load a capture kernel"));
	}

	run(&crash, (const gchar *[]){ "test-crash", "--yes", NULL });
	g_assert_cmpint(crash.status, ==, 1);
	g_assert_nonnull(strstr(crash.err,
				geteuid() == 0 ? "no capture kernel is loaded"
					       : "only root can crash the kernel"));
	g_unlink(conf);
	g_rmdir(dir);
}

/* what a hostile task name (prctl(PR_SET_NAME)) or an older crashdesk left in a report:
 * SGR 8 that hides text, an OSC 0 title, an OSC 52 clipboard write, C1 CSI, DEL and
 * bytes that are not UTF-8 */
#define HOSTILE                                                                                    \
	"\x1b[8mhidden\x1b[0m \x1b]0;owned title\x07 \x1b]52;c;ZXZpbA==\x07 \xc2\x9b"              \
	"31mred \x7f \xff\xfe end"

/* the first byte of @data, of @len, that a terminal would act on, or -1 */
static gssize
first_hidden(const gchar *data, gsize len)
{
	const gchar *end = NULL;

	if (!g_utf8_validate(data, (gssize)len, &end))
		return end - data;
	for (const gchar *p = data; p < data + len; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if ((c < 0x20 && c != '\n') || (c >= 0x7f && c <= 0x9f))
			return p - data;
	}
	return -1;
}

static void
assert_visible(const CdTestRun *r)
{
	gssize at = first_hidden(r->out, strlen(r->out));

	/* escaped in the message, or the failure would reach the terminal itself */
	if (at >= 0) {
		g_autofree gchar *shown = g_strescape(r->out, NULL);
		g_error("a control character at byte %" G_GSSIZE_FORMAT " of: %s", at, shown);
	}
	g_assert_cmpint(first_hidden(r->err, strlen(r->err)), ==, -1);
}

/* list and show print every text of a report made visible, whatever the report holds */
static void
test_cli_show_hostile(void)
{
	const gchar *fixtures = g_getenv("CRASHDESK_FIXTURES");
	g_autofree gchar *vmcore = g_build_filename(fixtures, "lockless-basic.vmcore", NULL);
	g_autofree gchar *tmp = g_dir_make_tmp("crashdesk-cli-XXXXXX", NULL);
	g_autofree gchar *root = g_build_filename(tmp, "kernel", NULL);
	g_autofree gchar *meta_path = NULL;
	g_autofree gchar *dmesg_path = NULL;
	g_autofree gchar *meta = NULL;
	g_autofree gchar *dmesg = NULL;
	g_autofree gchar *dmesg_after = NULL;
	g_autofree gchar *id = NULL;
	g_autoptr(GString) hostile = NULL;
	g_autoptr(GString) log = NULL;
	g_auto(CdTestRun) save = { 0 };
	g_auto(CdTestRun) list = { 0 };
	g_auto(CdTestRun) show = { 0 };
	g_auto(CdTestRun) json = { 0 };
	const gchar *keys[] = { "\"message\": \"", "\"panic_message\": \"", "\"comm\": \"" };

	run(&save,
	    (const gchar *[]){ "save", "--no-dump", "--input", vmcore, "--dir", root, NULL });
	g_assert_cmpint(save.status, ==, 0);
	id = g_path_get_basename(g_strstrip(save.out));
	meta_path = g_build_filename(root, id, "meta.json", NULL);
	dmesg_path = g_build_filename(root, id, "dmesg.txt", NULL);
	g_assert_true(g_file_get_contents(meta_path, &meta, NULL, NULL));
	hostile = g_string_new(meta);
	for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
		const gchar *at = strstr(hostile->str, keys[i]);
		g_assert_nonnull(at);
		g_string_insert(hostile, at - hostile->str + strlen(keys[i]), HOSTILE " ");
	}
	g_assert_true(g_file_set_contents(meta_path, hostile->str, (gssize)hostile->len, NULL));
	g_assert_true(g_file_get_contents(dmesg_path, &dmesg, NULL, NULL));
	log = g_string_new(dmesg);
	g_string_append(log, "[  100.5] Comm: " HOSTILE "\n");
	g_assert_true(g_file_set_contents(dmesg_path, log->str, (gssize)log->len, NULL));

	run(&list, (const gchar *[]){ "list", "--dir", root, NULL });
	run(&show, (const gchar *[]){ "show", "--dir", root, id, NULL });
	run(&json, (const gchar *[]){ "show", "--json", "--dir", root, id, NULL });
	g_assert_cmpint(list.status, ==, 0);
	g_assert_cmpint(show.status, ==, 0);
	g_assert_cmpint(json.status, ==, 0);
	assert_visible(&list);
	assert_visible(&show);
	assert_visible(&json);
	g_assert_nonnull(strstr(list.out, "\\x1b[8mhidden\\x1b[0m \\x1b]0;owned title\\x07"));
	g_assert_nonnull(strstr(show.out, "Process      \\x1b[8mhidden"));
	g_assert_nonnull(strstr(show.out,
				"Comm: \\x1b[8mhidden\\x1b[0m \\x1b]0;owned title\\x07 "
				"\\x1b]52;c;ZXZpbA==\\x07 \\u009b31mred \\x7f \\xff\\xfe end\n"));
	/* in JSON the backslash of \x1b is escaped in turn */
	g_assert_nonnull(strstr(json.out, "\"comm\":\"\\\\x1b[8mhidden"));
	/* the report's own files stay as they were: the evidence */
	g_assert_true(g_file_get_contents(dmesg_path, &dmesg_after, NULL, NULL));
	g_assert_nonnull(strstr(dmesg_after, "Comm: " HOSTILE "\n"));
	cd_test_rm_rf(tmp);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	crashdesk = g_getenv("CRASHDESK");
	g_assert_nonnull(crashdesk);
	g_test_add_func("/capture/cli/usage", test_cli_usage);
	g_test_add_func("/capture/cli/not-a-vmcore", test_cli_not_a_vmcore);
	g_test_add_func("/capture/cli/save-dump", test_cli_save_dump);
	g_test_add_func("/capture/cli/save-dump-huge", test_cli_save_dump_huge);
	g_test_add_func("/capture/cli/save-progress", test_cli_save_progress);
	g_test_add_func("/capture/cli/status-unreserved", test_cli_status_unreserved);
	g_test_add_func("/capture/cli/load-refusals", test_cli_load_refusals);
	g_test_add_func("/capture/cli/show-hostile", test_cli_show_hostile);
	return g_test_run();
}
