/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <string.h>

#include "cd-panic-status.h"
#include "cd-progress.h"

/*
 * libFuzzer target: the bytes are what senders wrote to the panic console's socket, one
 * packet per line; each goes through the parser and into the progress line, as the
 * console does with what it receives.
 */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_auto(CdPanicStatus) status = { 0 };
	g_autofree gchar *line = NULL;
	const guint8 *end = data + size;

	cd_panic_status_init(&status);
	while (data < end) {
		const guint8 *nl = memchr(data, '\n', end - data);
		gsize len = (nl != NULL ? nl : end) - data;
		g_autofree gchar *verb = NULL;
		g_autofree gchar *argument = NULL;

		if (cd_progress_parse((const gchar *)data, len, &verb, &argument))
			(void)cd_panic_status_apply(&status, verb, argument);
		else if (len == 0)
			cd_panic_status_saver_gone(&status);
		data += len + (nl != NULL ? 1 : 0);
	}
	line = cd_panic_status_line(&status);
	/* what reaches a console: valid UTF-8 without a control character */
	g_assert_true(g_utf8_validate(line, -1, NULL));
	for (const gchar *p = line; *p != '\0'; p++)
		g_assert_false((guchar)*p < 0x20 || *p == 0x7f);
	g_assert_cmpuint(status.countdown, <=, CD_PANIC_STATUS_MAX_COUNTDOWN);
	g_assert_true(status.percent >= -1 && status.percent <= 100);
	return 0;
}
