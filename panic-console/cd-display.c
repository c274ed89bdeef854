/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdDisplay"

#include "config.h"


#include "cd-display-private.h"
#include "cd-error.h"

static const gchar *const cd_renderer_names[] = { "auto", "drm", "fbdev", "text" };

const gchar *
cd_renderer_to_string(CdRenderer renderer)
{
	if ((guint)renderer >= G_N_ELEMENTS(cd_renderer_names))
		return NULL;
	return cd_renderer_names[renderer];
}

gboolean
cd_renderer_from_string(const gchar *str, CdRenderer *renderer)
{
	for (guint i = 0; i < G_N_ELEMENTS(cd_renderer_names); i++) {
		if (g_strcmp0(str, cd_renderer_names[i]) == 0) {
			*renderer = (CdRenderer)i;
			return TRUE;
		}
	}
	return FALSE;
}

static void
cd_display_output_free(CdDisplayOutput *output)
{
	if (output->priv_free != NULL && output->priv != NULL)
		output->priv_free(output->priv);
	g_clear_pointer(&output->canvas, cd_canvas_free);
	g_free(output->frame_note);
	g_free(output->name);
	g_free(output);
}

CdDisplay *
cd_display_new(CdRenderer renderer, const gchar *device)
{
	CdDisplay *self = g_new0(CdDisplay, 1);

	self->renderer = renderer;
	self->device = g_strdup(device);
	self->outputs = g_ptr_array_new_with_free_func((GDestroyNotify)cd_display_output_free);
	self->text_fd = -1;
	return self;
}

CdDisplayOutput *
cd_display_add_output(CdDisplay *self, const gchar *name, guint width, guint height)
{
	CdDisplayOutput *output = g_new0(CdDisplayOutput, 1);

	output->name = g_strdup(name);
	output->width = width;
	output->height = height;
	g_ptr_array_add(self->outputs, output);
	return output;
}

void
cd_display_free(CdDisplay *self)
{
	if (self->renderer == CD_RENDERER_TEXT)
		cd_render_text_reset(self);
	/* the outputs' buffers first: the device they live on goes with priv */
	g_ptr_array_unref(self->outputs);
	if (self->priv_free != NULL && self->priv != NULL)
		self->priv_free(self->priv);
	g_free(self->device);
	g_free(self);
}

/* "; NOTE" when every output says the same, else "; NAME: NOTE, NAME: NOTE" */
static void
cd_display_describe_frames(CdDisplay *self, GString *str)
{
	gboolean same = TRUE;
	const gchar *first = NULL;

	for (guint i = 0; i < self->outputs->len; i++) {
		CdDisplayOutput *output = g_ptr_array_index(self->outputs, i);
		if (i == 0)
			first = output->frame_note;
		else
			same &= g_strcmp0(first, output->frame_note) == 0;
	}
	if (self->outputs->len == 0 || (same && first == NULL))
		return;
	if (same) {
		g_string_append_printf(str, "; %s", first);
		return;
	}
	for (guint i = 0; i < self->outputs->len; i++) {
		CdDisplayOutput *output = g_ptr_array_index(self->outputs, i);
		g_string_append_printf(str,
				       "%s%s: %s",
				       i == 0 ? "; " : ", ",
				       output->name,
				       output->frame_note != NULL ? output->frame_note
								  : "not drawn");
	}
}

gchar *
cd_display_describe(CdDisplay *self)
{
	g_autoptr(GString) str = g_string_new(self->device);

	g_string_append(str, " (");
	if (self->renderer == CD_RENDERER_TEXT) {
		g_string_append_printf(str, "%ux%u", self->columns, self->rows);
	} else {
		for (guint i = 0; i < self->outputs->len; i++) {
			CdDisplayOutput *output = g_ptr_array_index(self->outputs, i);
			if (i > 0)
				g_string_append(str, i + 1 == self->outputs->len ? " and " : ", ");
			g_string_append_printf(str, "%ux%u", output->width, output->height);
		}
	}
	g_string_append_printf(str, ", %s", cd_renderer_to_string(self->renderer));
	cd_display_describe_frames(self, str);
	g_string_append_c(str, ')');
	return g_string_free(g_steal_pointer(&str), FALSE);
}

/* every output gets its page even when one of them fails: the first failure is told */
static gboolean
cd_display_draw(CdDisplay *self, CdPanicPage *page, CdFont *font, gboolean progress, GError **error)
{
	g_autoptr(GError) first_error = NULL;

	if (self->renderer == CD_RENDERER_TEXT)
		return cd_render_text_show(self, page, progress, error);
	for (guint i = 0; i < self->outputs->len; i++) {
		CdDisplayOutput *output = g_ptr_array_index(self->outputs, i);
		g_autoptr(GError) error_local = NULL;
		guint top = 0;
		guint rows = output->height;

		if (progress && output->canvas != NULL) {
			CdPanicRect row = cd_panic_page_draw_progress(page,
								      output->canvas,
								      font,
								      &output->layout);
			if (row.width <= 0 || row.height <= 0)
				continue;
			/* the page's rectangle is clipped to the canvas before rows are copied */
			top = CLAMP(row.y, 0, (gint)output->height);
			rows = CLAMP(row.y + row.height, 0, (gint)output->height) - top;
		} else {
			if (output->canvas == NULL)
				output->canvas = cd_canvas_new(output->width, output->height);
			if (output->canvas == NULL) {
				g_set_error(&error_local,
					    CD_ERROR,
					    CD_ERROR_NOT_SUPPORTED,
					    "cannot draw at %ux%u",
					    output->width,
					    output->height);
			} else {
				cd_panic_page_draw_full(page,
							output->canvas,
							font,
							&output->layout);
			}
		}
		if (error_local == NULL && rows > 0)
			(void)output->present(output, output->canvas, top, rows, &error_local);
		if (error_local != NULL) {
			g_prefix_error(&error_local, "%s: ", output->name);
			if (first_error == NULL)
				first_error = g_steal_pointer(&error_local);
		}
	}
	if (first_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&first_error));
		return FALSE;
	}
	return TRUE;
}

gboolean
cd_display_show(CdDisplay *self, CdPanicPage *page, CdFont *font, GError **error)
{
	return cd_display_draw(self, page, font, FALSE, error);
}

gboolean
cd_display_show_progress(CdDisplay *self, CdPanicPage *page, CdFont *font, GError **error)
{
	return cd_display_draw(self, page, font, TRUE, error);
}
