/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <gio/gio.h>

#include "cd-test-run.h"

/**
 * cd_test_run:
 * @r: (out caller-allocates): what the command did
 * @program: the program's path
 * @args: its arguments, %NULL-terminated
 *
 * Runs @program to its end; its output is kept as bytes, since it may hold a NUL or a
 * control character that a test must see.
 */
void
cd_test_run(CdTestRun *r, const gchar *program, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GBytes) err = NULL;

	g_ptr_array_add(argv, (gpointer)program);
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	proc = g_subprocess_newv((const gchar *const *)argv->pdata,
				 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
				 &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate(proc, NULL, NULL, &out, &err, &error));
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	r->status = g_subprocess_get_exit_status(proc);
	r->out = g_bytes_unref_to_data(g_steal_pointer(&out), &r->out_len);
	r->out = g_realloc(r->out, r->out_len + 1);
	r->out[r->out_len] = '\0';
	/* an empty GBytes may hold no data at all: "" then, never NULL */
	r->err = g_bytes_get_size(err) > 0
			 ? g_strndup(g_bytes_get_data(err, NULL), g_bytes_get_size(err))
			 : g_strdup("");
	g_test_message("%s %s: exit %d, stderr: %s",
		       program,
		       args[0] != NULL ? args[0] : "",
		       r->status,
		       r->err);
}

void
cd_test_run_clear(CdTestRun *r)
{
	g_clear_pointer(&r->out, g_free);
	g_clear_pointer(&r->err, g_free);
}
