/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPanicStatus"

#include "config.h"

#include <string.h>

#include "cd-config.h"
#include "cd-panic-status.h"
#include "cd-text.h"

void
cd_panic_status_init(CdPanicStatus *self)
{
	memset(self, 0, sizeof(*self));
	self->percent = -1;
}

void
cd_panic_status_clear(CdPanicStatus *self)
{
	g_free(self->stage);
	g_free(self->saved_id);
	g_free(self->failure);
	g_free(self->action);
	cd_panic_status_init(self);
}

/*
 * The text as it may go on a screen and into a text console: valid UTF-8 (else it is
 * no status), made visible as all text on the screen is (cd-text.h: an escape sequence
 * shows as "\x1b[2J", never reaches the console), a tab as a space, cut to a length;
 * NULL when nothing is left.
 */
static gchar *
cd_panic_status_text(const gchar *text)
{
	g_autofree gchar *visible = NULL;
	g_autofree gchar *cut = NULL;

	if (text == NULL || !g_utf8_validate(text, -1, NULL))
		return NULL;
	visible = cd_text_make_visible(text, -1, CD_TEXT_FLAG_KEEP_TABS);
	g_strdelimit(visible, "\t", ' ');
	cut = g_utf8_substring(visible,
			       0,
			       MIN(g_utf8_strlen(visible, -1), (glong)CD_PANIC_STATUS_MAX_TEXT));
	g_strstrip(cut);
	if (cut[0] == '\0')
		return NULL;
	return g_strdup(cut);
}

/* a decimal number from @min to @max, nothing else */
static gboolean
cd_panic_status_number(const gchar *text, guint64 min, guint64 max, guint64 *value)
{
	return text != NULL && g_ascii_string_to_unsigned(text, 10, min, max, value, NULL) &&
	       g_ascii_isdigit(text[0]);
}

static gboolean
cd_panic_status_final(CdPanicStatus *self, const gchar *argument)
{
	g_auto(GStrv) words = NULL;
	CdFinalAction action;
	guint64 seconds;

	if (argument == NULL)
		return FALSE;
	words = g_strsplit(argument, " ", -1);
	/* the actions final-action takes: FinalAction='s names */
	if (g_strv_length(words) != 2 || !cd_final_action_from_string(words[0], &action) ||
	    !cd_panic_status_number(words[1], 0, CD_PANIC_STATUS_MAX_COUNTDOWN, &seconds))
		return FALSE;
	g_free(self->action);
	self->action = g_strdup(words[0]);
	self->countdown = seconds;
	return TRUE;
}

CdPanicStatusEvent
cd_panic_status_apply(CdPanicStatus *self, const gchar *verb, const gchar *argument)
{
	if (g_strcmp0(verb, "final") == 0)
		return cd_panic_status_final(self, argument) ? CD_PANIC_STATUS_FINAL
							     : CD_PANIC_STATUS_IGNORED;
	if (g_strcmp0(verb, "percent") == 0) {
		guint64 percent;
		if (!cd_panic_status_number(argument, 0, 100, &percent))
			return CD_PANIC_STATUS_IGNORED;
		self->percent = percent;
		return CD_PANIC_STATUS_PROGRESS;
	}
	if (g_strcmp0(verb, "stage") == 0 || g_strcmp0(verb, "saved") == 0 ||
	    g_strcmp0(verb, "failed") == 0) {
		gchar *text = cd_panic_status_text(argument);
		if (text == NULL)
			return CD_PANIC_STATUS_IGNORED;
		if (verb[1] == 't') {
			g_free(self->stage);
			self->stage = text;
			/* a new stage's percentage is its own */
			self->percent = -1;
		} else if (verb[0] == 's') {
			g_free(self->saved_id);
			self->saved_id = text;
		} else {
			g_free(self->failure);
			self->failure = text;
		}
		self->stopped = FALSE;
		return CD_PANIC_STATUS_PROGRESS;
	}
	return CD_PANIC_STATUS_IGNORED;
}

gboolean
cd_panic_status_finished(const CdPanicStatus *self)
{
	return self->saved_id != NULL || self->failure != NULL;
}

void
cd_panic_status_saver_gone(CdPanicStatus *self)
{
	if (!cd_panic_status_finished(self))
		self->stopped = TRUE;
}

static const gchar *
cd_panic_status_action_text(const gchar *action)
{
	if (g_strcmp0(action, "poweroff") == 0)
		return "Powering off";
	if (g_strcmp0(action, "shell") == 0)
		return "Starting a shell";
	return "Rebooting";
}

gchar *
cd_panic_status_line(const CdPanicStatus *self)
{
	GString *str = g_string_new(NULL);

	if (self->failure != NULL) {
		g_string_append_printf(str, "Saving failed: %s.", self->failure);
	} else if (self->saved_id != NULL) {
		g_string_append_printf(str, "Saved as %s.", self->saved_id);
	} else if (self->stopped) {
		g_string_append(str, "Saving stopped unexpectedly");
		if (self->stage != NULL)
			g_string_append_printf(str, " during: %s", self->stage);
		g_string_append_c(str, '.');
	} else if (self->stage != NULL) {
		g_string_append(str, self->stage);
		if (self->percent >= 0)
			g_string_append_printf(str, ": %d%%", self->percent);
	} else if (self->action == NULL) {
		g_string_append(str, "Waiting for the crash to be saved");
	}
	if (self->action != NULL) {
		if (str->len > 0)
			g_string_append_c(str, ' ');
		g_string_append_printf(str,
				       "%s in %u s.",
				       cd_panic_status_action_text(self->action),
				       self->countdown);
		if (self->shell_offered)
			g_string_append(str, " Press Enter for a shell.");
	}
	return g_string_free(str, FALSE);
}
