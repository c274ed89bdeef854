/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cd-progress.h"
#include "cd-test-util.h"

/* the progress protocol between save, final-action and the panic console, over a real
 * SOCK_SEQPACKET socket: what a sender sends is what the console parses, nothing a sender
 * does blocks or fails when the console is missing or gone */

typedef struct {
	gchar *dir;
	gchar *path;
	gint listen_fd;
} Fixture;

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("crashdesk-progress-XXXXXX", &error);
	g_assert_no_error(error);
	f->path = g_build_filename(f->dir, "console.socket", NULL);
	g_assert_cmpuint(strlen(f->path), <, sizeof(addr.sun_path));
	strcpy(addr.sun_path, f->path);
	f->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	g_assert_cmpint(f->listen_fd, >=, 0);
	g_assert_cmpint(bind(f->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(f->listen_fd, 4), ==, 0);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
	if (f->listen_fd >= 0)
		close(f->listen_fd);
	cd_test_rm_rf(f->dir);
	g_free(f->path);
	g_free(f->dir);
}

/* the next packet on @fd, parsed; fails the test on anything else */
static void
expect_packet(gint fd, const gchar *verb, const gchar *argument)
{
	gchar buf[CD_PROGRESS_MAX_MESSAGE + 16];
	g_autofree gchar *got_verb = NULL;
	g_autofree gchar *got_argument = NULL;
	gssize n = recv(fd, buf, sizeof(buf), 0);

	g_assert_cmpint(n, >, 0);
	g_assert_cmpint(n, <=, CD_PROGRESS_MAX_MESSAGE);
	g_assert_true(cd_progress_parse(buf, (gsize)n, &got_verb, &got_argument));
	g_assert_cmpstr(got_verb, ==, verb);
	g_assert_cmpstr(got_argument, ==, argument);
}

static void
test_progress_messages(Fixture *f, gconstpointer data)
{
	g_autoptr(CdProgress) progress = cd_progress_connect(f->path);
	g_autofree gchar *long_arg = NULL;
	g_autoptr(GString) utf8 = g_string_new(NULL);
	gchar buf[CD_PROGRESS_MAX_MESSAGE + 16];
	gssize n;
	gint fd;

	g_assert_nonnull(progress);
	fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);

	cd_progress_send(progress, "stage", "Writing the memory dump");
	expect_packet(fd, "stage", "Writing the memory dump");
	cd_progress_send(progress, "percent", "%d", 42);
	expect_packet(fd, "percent", "42");
	cd_progress_send(progress, "saved", "%s", "20261122-141530-3f2a9c1e");
	expect_packet(fd, "saved", "20261122-141530-3f2a9c1e");

	/* a line break or a control character in an error message stays on one line */
	cd_progress_send(progress, "failed", "%s", "no space\nleft\ton\x1b[2Jdevice");
	expect_packet(fd, "failed", "no space left on [2Jdevice");

	/* invalid UTF-8 is made valid, not passed on */
	cd_progress_send(progress, "failed", "%s", "bad \xff byte");
	expect_packet(fd, "failed", "bad \xef\xbf\xbd byte");

	/* too long: cut at the limit, at a character boundary */
	for (guint i = 0; i < 400; i++)
		g_string_append(utf8, "\xc3\xa9"); /* é, two bytes */
	cd_progress_send(progress, "stage", "%s", utf8->str);
	n = recv(fd, buf, sizeof(buf), 0);
	g_assert_cmpint(n, <=, CD_PROGRESS_MAX_MESSAGE);
	g_assert_cmpint(n, >=, CD_PROGRESS_MAX_MESSAGE - 1);
	g_assert_true(g_utf8_validate(buf, n, NULL));
	long_arg = g_strnfill(2000, 'x');
	cd_progress_send(progress, "stage", "%s", long_arg);
	n = recv(fd, buf, sizeof(buf), 0);
	g_assert_cmpint(n, ==, CD_PROGRESS_MAX_MESSAGE);
	close(fd);
}

static void
test_progress_no_console(void)
{
	g_autoptr(CdProgress) progress = NULL;
	g_autofree gchar *long_path = g_strnfill(200, 'p');

	progress = cd_progress_connect("/nonexistent/crashdesk/panic-console.socket");
	g_assert_null(progress);
	g_assert_null(cd_progress_connect(long_path));
	/* a sender without a console does nothing, and does not crash */
	cd_progress_send(NULL, "stage", "nobody listens");
	g_assert_false(cd_progress_wait_go(NULL, 10));
}

static void
test_progress_console_gone(Fixture *f, gconstpointer data)
{
	g_autoptr(CdProgress) progress = cd_progress_connect(f->path);
	gint fd;

	g_assert_nonnull(progress);
	fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	close(fd);
	/* EPIPE is not a signal that kills the sender, and later sends are no-ops */
	for (guint i = 0; i < 3; i++)
		cd_progress_send(progress, "percent", "%u", i);
	g_assert_false(cd_progress_wait_go(progress, 1000));
}

static void
test_progress_wait_go(Fixture *f, gconstpointer data)
{
	g_autoptr(CdProgress) progress = cd_progress_connect(f->path);
	gint64 start;
	pid_t child;
	gint status;
	gint fd;

	g_assert_nonnull(progress);
	fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	cd_progress_send(progress, "final", "reboot %d", 3);
	expect_packet(fd, "final", "reboot 3");

	/* no answer: the wait ends at its timeout */
	start = g_get_monotonic_time();
	g_assert_false(cd_progress_wait_go(progress, 200));
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 190 * 1000);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 5 * G_USEC_PER_SEC);

	/* noise and unknown verbs are skipped; "go" ends the wait */
	g_assert_cmpint(send(fd, "percent 5", 9, 0), ==, 9);
	g_assert_cmpint(send(fd, "launch missiles", 15, 0), ==, 15);
	g_assert_cmpint(send(fd, "go", 2, 0), ==, 2);
	g_assert_true(cd_progress_wait_go(progress, 2000));

	/* "hold" lifts the timeout: the answer may come after it */
	g_assert_cmpint(send(fd, "hold", 4, 0), ==, 4);
	start = g_get_monotonic_time();
	child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		g_usleep(400 * 1000);
		_exit(send(fd, "go", 2, 0) == 2 ? 0 : 1);
	}
	g_assert_true(cd_progress_wait_go(progress, 100));
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 350 * 1000);
	g_assert_cmpint(waitpid(child, &status, 0), ==, child);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

static void
test_progress_parse(void)
{
	const struct {
		const gchar *packet;
		gsize len;
		const gchar *verb; /* NULL: refused */
		const gchar *argument;
	} cases[] = {
		{ "stage Reading", 13, "stage", "Reading" },
		{ "go", 2, "go", "" },
		{ "percent ", 8, "percent", "" },
		{ "", 0, NULL, NULL },
		{ "stage a\0b", 9, NULL, NULL },
		{ "stage a\nb", 9, NULL, NULL },
		{ "stage \xff", 7, NULL, NULL },
		{ "Stage x", 7, NULL, NULL },
		{ "reboot now", 10, NULL, NULL },
		{ " stage x", 8, NULL, NULL },
	};
	g_autofree gchar *too_long = g_strnfill(CD_PROGRESS_MAX_MESSAGE + 1, 'x');
	g_autofree gchar *verb = NULL;
	g_autofree gchar *argument = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *v = NULL;
		g_autofree gchar *a = NULL;
		gboolean ok = cd_progress_parse(cases[i].packet, cases[i].len, &v, &a);

		g_assert_cmpint(ok, ==, cases[i].verb != NULL);
		g_assert_cmpstr(v, ==, cases[i].verb);
		g_assert_cmpstr(a, ==, cases[i].argument);
	}
	memcpy(too_long, "stage ", 6);
	g_assert_false(cd_progress_parse(too_long, strlen(too_long), &verb, &argument));
}

static void
test_progress_socket_path(void)
{
	g_unsetenv(CD_PROGRESS_SOCKET_ENV);
	g_assert_cmpstr(cd_progress_socket_path(), ==, CD_PROGRESS_SOCKET);
	g_setenv(CD_PROGRESS_SOCKET_ENV, "", TRUE);
	g_assert_cmpstr(cd_progress_socket_path(), ==, CD_PROGRESS_SOCKET);
	g_setenv(CD_PROGRESS_SOCKET_ENV, "/tmp/test.socket", TRUE);
	g_assert_cmpstr(cd_progress_socket_path(), ==, "/tmp/test.socket");
	g_unsetenv(CD_PROGRESS_SOCKET_ENV);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/progress/messages", Fixture, NULL, fixture_set_up, test_progress_messages,
		   fixture_tear_down);
	g_test_add("/progress/console-gone", Fixture, NULL, fixture_set_up,
		   test_progress_console_gone, fixture_tear_down);
	g_test_add("/progress/wait-go", Fixture, NULL, fixture_set_up, test_progress_wait_go,
		   fixture_tear_down);
	g_test_add_func("/progress/no-console", test_progress_no_console);
	g_test_add_func("/progress/parse", test_progress_parse);
	g_test_add_func("/progress/socket-path", test_progress_socket_path);
	return g_test_run();
}
