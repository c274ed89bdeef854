/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * How crashdesk save and crashdesk final-action tell the panic console what they are doing
 * (panic-console/PROGRESS.md). The console listens on a SOCK_SEQPACKET unix socket; each
 * packet is one message of at most CD_PROGRESS_MAX_MESSAGE bytes of UTF-8, a verb, a space,
 * its argument:
 *
 *   stage TEXT        what save is doing now ("Reading the crashed kernel's log")
 *   percent N         of the dump written, 0 to 100
 *   saved ID          the report is in place under its id
 *   failed TEXT       saving failed, and why
 *   final ACTION N    final-action will reboot, poweroff or shell in N seconds
 *
 * The console must not fall behind by more than the socket's queue (net.unix.max_dgram_qlen
 * packets): a sender drops progress it cannot send at once, and waits a little only for
 * the outcome. To "final" the console answers "go" once it has counted N seconds down. When it runs the
 * emergency shell it offered (crashdesk.shell=1), it first answers "hold", and "go" once the
 * shell has exited: only then does the wait have no end. A sender never waits on the console except for
 * that answer, and never fails because the console is missing, slow or gone: progress is
 * a courtesy, saving the crash is the job.
 */

#define CD_PROGRESS_SOCKET	"/run/crashdesk/panic-console.socket"
/* tests point save, final-action and the console at a socket of their own */
#define CD_PROGRESS_SOCKET_ENV	"CRASHDESK_PANIC_CONSOLE_SOCKET"
#define CD_PROGRESS_MAX_MESSAGE 512
/* how long final-action lets the console show the outcome before it acts, by default */
#define CD_PROGRESS_FINAL_SECONDS 10

typedef struct _CdProgress CdProgress;

/* the socket to use: $CRASHDESK_PANIC_CONSOLE_SOCKET, else CD_PROGRESS_SOCKET */
const gchar *
cd_progress_socket_path(void);

/* NULL, silently, when no console listens */
CdProgress *
cd_progress_connect(const gchar *path);
void
cd_progress_free(CdProgress *self);

/* a "stage" or "percent" the console cannot take now is dropped; for "saved", "failed" and
 * "final" the sender waits up to 2 s for room */
void
cd_progress_send(CdProgress *self, const gchar *verb, const gchar *format, ...)
    G_GNUC_PRINTF(3, 4);
/* waits at most @timeout_ms for "go", without end after "hold"; %TRUE if it came, %FALSE on
 * timeout or a gone console */
gboolean
cd_progress_wait_go(CdProgress *self, gint timeout_ms);

/* for the console: splits a received packet; %FALSE for anything malformed */
gboolean
cd_progress_parse(const gchar *packet, gsize len, gchar **verb, gchar **argument);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdProgress, cd_progress_free)

G_END_DECLS
