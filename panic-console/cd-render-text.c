/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdRenderText"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cd-display-private.h"
#include "cd-error.h"

/*
 * The text console of our VT: the Linux console's palette set to the page's colours, the
 * page written as lines sized to the terminal, and afterwards only the rows that change.
 */

typedef struct {
	guint32 background;
	guint32 foreground;
	GStrv shown; /* the lines on the screen, for redraws of the rows that change */
} CdRenderText;

static void
cd_render_text_free(CdRenderText *text)
{
	g_strfreev(text->shown);
	g_free(text);
}

/* a bounded wait for a console that cannot take output (stopped with Ctrl-S) */
#define CD_RENDER_TEXT_WRITE_TIMEOUT_MS 1000

gchar *
cd_render_text_escapes(GStrv lines, guint32 background, guint32 foreground)
{
	GString *str = g_string_new(NULL);

	/* ESC ] P n rrggbb: the Linux console's palette; the attributes then pick the entries */
	g_string_append_printf(str, "\033]P3%06x", background & 0xffffff);
	g_string_append_printf(str, "\033]P7%06x", foreground & 0xffffff);
	g_string_append_printf(str, "\033]PF%06x", foreground & 0xffffff);
	/* bold white on brown, no cursor, the screen cleared in those colours */
	g_string_append(str, "\033[0;1;37;43m\033[?25l\033[H\033[2J");
	for (guint i = 0; lines != NULL && lines[i] != NULL; i++)
		g_string_append_printf(str, "\033[%u;1H%s", i + 1, lines[i]);
	return g_string_free(str, FALSE);
}

static gboolean
cd_render_text_write(gint fd, const gchar *data, gsize len, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + CD_RENDER_TEXT_WRITE_TIMEOUT_MS * 1000;

	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && g_get_monotonic_time() < deadline) {
			g_usleep(10 * 1000);
			continue;
		}
		if (n < 0) {
			cd_error_set_from_errno(error, errno, "cannot write to the console");
			return FALSE;
		}
		data += n;
		len -= n;
	}
	return TRUE;
}

CdDisplay *
cd_render_text_open(gint fd,
		    const gchar *name,
		    guint32 background,
		    guint32 foreground,
		    GError **error)
{
	g_autoptr(CdDisplay) self = cd_display_new(CD_RENDERER_TEXT, name);
	CdRenderText *text = g_new0(CdRenderText, 1);
	struct winsize size = { 0 };

	self->priv = text;
	self->priv_free = (GDestroyNotify)cd_render_text_free;
	text->background = background;
	text->foreground = foreground;
	if (ioctl(fd, TIOCGWINSZ, &size) < 0) {
		cd_error_set_from_errno(error, errno, "%s: TIOCGWINSZ", name);
		return NULL;
	}
	if (size.ws_col == 0 || size.ws_row == 0) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_SUPPORTED, "%s has no size", name);
		return NULL;
	}
	self->text_fd = fd;
	self->columns = size.ws_col;
	self->rows = size.ws_row;
	return g_steal_pointer(&self);
}

void
cd_render_text_reset(CdDisplay *self)
{
	/* the default palette and attributes, the cursor back, the screen cleared */
	static const gchar reset[] = "\033]R\033[0m\033[?25h\033[H\033[2J";

	if (self->text_fd < 0)
		return;
	(void)cd_render_text_write(self->text_fd, reset, strlen(reset), NULL);
	self->text_fd = -1;
}

gchar *
cd_render_text_changes(GStrv shown, GStrv lines)
{
	GString *str = g_string_new("\033[0;1;37;43m");

	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_strcmp0(shown[i], lines[i]) != 0)
			/* the rest of the row erased in the current colours: brown */
			g_string_append_printf(str, "\033[%u;1H%s\033[K", i + 1, lines[i]);
	}
	return g_string_free(str, FALSE);
}

/* the whole screen, or with @changes only the rows that differ from what is shown */
gboolean
cd_render_text_show(CdDisplay *self, CdPanicPage *page, gboolean changes, GError **error)
{
	CdRenderText *text = self->priv;
	g_auto(GStrv) lines = cd_panic_page_text_lines(page, self->columns, self->rows);
	g_autofree gchar *escapes = NULL;

	if (changes && text->shown != NULL && g_strv_length(text->shown) == g_strv_length(lines))
		escapes = cd_render_text_changes(text->shown, lines);
	else
		escapes = cd_render_text_escapes(lines, text->background, text->foreground);
	g_strfreev(text->shown);
	text->shown = NULL;
	if (!cd_render_text_write(self->text_fd, escapes, strlen(escapes), error))
		return FALSE;
	text->shown = g_steal_pointer(&lines);
	return TRUE;
}
