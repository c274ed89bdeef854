/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * What the progress line of the brown screen says, from the messages of the progress
 * protocol (capture/cd-progress.h): the stage and percentage of saving, the report's id or
 * why saving failed, that the saver stopped without saying either, the countdown to the
 * final action and the offer of a shell.
 */

/* longer texts are cut: the line must fit a screen */
#define CD_PANIC_STATUS_MAX_TEXT 160
/* the longest countdown a final message may ask for */
#define CD_PANIC_STATUS_MAX_COUNTDOWN 3600

typedef enum {
	CD_PANIC_STATUS_IGNORED,  /* malformed or unknown: nothing changed */
	CD_PANIC_STATUS_PROGRESS, /* stage, percent, saved or failed */
	CD_PANIC_STATUS_FINAL,	  /* final: start counting down */
} CdPanicStatusEvent;

typedef struct {
	gchar *stage;
	gint percent; /* -1 until a percent message */
	gchar *saved_id;
	gchar *failure;
	gboolean stopped; /* the saver went away mid-way */
	gchar *action;	  /* reboot, poweroff, halt or shell once final came */
	guint countdown;  /* seconds left */
	gboolean shell_offered;
} CdPanicStatus;

void
cd_panic_status_init(CdPanicStatus *self);
void
cd_panic_status_clear(CdPanicStatus *self);

/* one message; the arguments as cd_progress_parse() split them */
CdPanicStatusEvent
cd_panic_status_apply(CdPanicStatus *self, const gchar *verb, const gchar *argument);
/* whether saving came to an end, well or not */
gboolean
cd_panic_status_finished(const CdPanicStatus *self);
/* the saver disconnected: if it had not finished, saving stopped unexpectedly */
void
cd_panic_status_saver_gone(CdPanicStatus *self);

/* the line to show, e.g. "Saved as 2026-...-oops. Rebooting in 8 s" */
gchar *
cd_panic_status_line(const CdPanicStatus *self);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CdPanicStatus, cd_panic_status_clear)

G_END_DECLS
