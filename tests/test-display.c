/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <drm.h>
#include <glib.h>
#include <string.h>

#include "cd-display-private.h"
#include "cd-error.h"

/*
 * What the renderers accept of what a display reports, and what they write: the
 * framebuffer's geometry and pixel formats, DRM's dumb buffers, the text console's escapes.
 */

static void
fb_set_field(struct fb_bitfield *field, guint offset, guint length)
{
	field->offset = offset;
	field->length = length;
	field->msb_right = 0;
}

/* a 1024x768 framebuffer of @bpp, laid out as efifb and DRM's fbdev emulation do */
static void
fb_make(guint bpp, struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	memset(var, 0, sizeof(*var));
	memset(fix, 0, sizeof(*fix));
	var->xres = var->xres_virtual = 1024;
	var->yres = var->yres_virtual = 768;
	var->bits_per_pixel = bpp;
	if (bpp == 16) {
		fb_set_field(&var->red, 11, 5);
		fb_set_field(&var->green, 5, 6);
		fb_set_field(&var->blue, 0, 5);
	} else {
		fb_set_field(&var->red, 16, 8);
		fb_set_field(&var->green, 8, 8);
		fb_set_field(&var->blue, 0, 8);
	}
	fix->type = FB_TYPE_PACKED_PIXELS;
	fix->visual = FB_VISUAL_TRUECOLOR;
	fix->line_length = 1024 * (bpp / 8);
	fix->smem_len = fix->line_length * 768;
}

static void
test_fbdev_formats(void)
{
	const guint32 brown = 0xaa5500;

	for (guint bpp = 16; bpp <= 32; bpp += 8) {
		g_autoptr(GError) error = NULL;
		struct fb_var_screeninfo var;
		struct fb_fix_screeninfo fix;
		CdPixelFormat format;
		guint8 out[8] = { 0 };
		guint32 value = 0;
		gsize start = 99;

		fb_make(bpp, &var, &fix);
		g_assert_true(cd_fbdev_check(&var, &fix, &format, &start, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(start, ==, 0);
		g_assert_cmpuint(format.bytes, ==, bpp / 8);

		cd_pixel_format_convert_row(&format, &brown, out, 1);
		memcpy(&value, out, format.bytes);
		if (bpp == 16)
			/* 0xaa >> 3 = 21, 0x55 >> 2 = 21, 0 */
			g_assert_cmphex(value, ==, (21u << 11) | (21u << 5));
		else
			g_assert_cmphex(value, ==, 0xaa5500);
		/* nothing written past the pixel */
		g_assert_cmpuint(out[format.bytes], ==, 0);
	}
}

static void
test_fbdev_bgr(void)
{
	g_autoptr(GError) error = NULL;
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	CdPixelFormat format;
	const guint32 pixels[2] = { 0xff0000, 0x0000ff };
	guint32 out[2];
	gsize start;

	fb_make(32, &var, &fix);
	fb_set_field(&var.red, 0, 8);
	fb_set_field(&var.blue, 16, 8);
	g_assert_true(cd_fbdev_check(&var, &fix, &format, &start, &error));
	cd_pixel_format_convert_row(&format, pixels, (guint8 *)out, 2);
	g_assert_cmphex(out[0], ==, 0x0000ff);
	g_assert_cmphex(out[1], ==, 0xff0000);
}

static void
test_fbdev_pan(void)
{
	g_autoptr(GError) error = NULL;
	struct fb_var_screeninfo var;
	struct fb_fix_screeninfo fix;
	CdPixelFormat format;
	gsize start;

	/* double buffered, showing the second half */
	fb_make(32, &var, &fix);
	var.yres_virtual = 1536;
	var.yoffset = 768;
	fix.smem_len *= 2;
	g_assert_true(cd_fbdev_check(&var, &fix, &format, &start, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(start, ==, (gsize)768 * 4096);
}

typedef void (*FbBreak)(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix);

static void
break_bpp(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->bits_per_pixel = 8;
}

static void
break_visual(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	fix->visual = FB_VISUAL_PSEUDOCOLOR;
}

static void
break_field(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	fb_set_field(&var->red, 28, 8);
}

static void
break_length(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	fb_set_field(&var->green, 8, 0);
}

static void
break_overlap(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	fb_set_field(&var->green, 12, 8);
}

static void
break_msb_right(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->blue.msb_right = 1;
}

/* a mode inherited through kexec: the line is shorter than the visible width */
static void
break_line(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->xres = var->xres_virtual = 1280;
}

static void
break_memory(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	fix->smem_len -= 1;
}

static void
break_yoffset(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->yoffset = 1;
}

static void
break_xoffset(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->xres_virtual = 1100;
	var->xoffset = 50;
}

static void
break_overflow(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	/* line_length * yres_virtual wraps in 32 bits */
	var->yres_virtual = G_MAXUINT32;
}

static void
break_size(struct fb_var_screeninfo *var, struct fb_fix_screeninfo *fix)
{
	var->yres = 0;
}

static void
test_fbdev_refused(void)
{
	const struct {
		const gchar *name;
		FbBreak apply;
		const gchar *reason;
	} cases[] = {
		{ "8 bpp", break_bpp, "only 16, 24 and 32" },
		{ "pseudocolor", break_visual, "not a packed truecolor" },
		{ "red outside the pixel", break_field, "red field" },
		{ "no green", break_length, "green field" },
		{ "overlap", break_overlap, "overlap" },
		{ "msb right", break_msb_right, "most significant bit right" },
		{ "short line", break_line, "too short" },
		{ "small memory", break_memory, "do not fit" },
		{ "panned past the end", break_yoffset, "outside the virtual" },
		{ "panned right", break_xoffset, "too short" },
		{ "overflowing pan", break_overflow, "do not fit" },
		{ "empty", break_size, "visible area" },
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		struct fb_var_screeninfo var;
		struct fb_fix_screeninfo fix;
		CdPixelFormat format;
		gsize start;

		fb_make(32, &var, &fix);
		cases[i].apply(&var, &fix);
		g_test_message("%s", cases[i].name);
		g_assert_false(cd_fbdev_check(&var, &fix, &format, &start, &error));
		g_assert_nonnull(error);
		g_assert_nonnull(strstr(error->message, cases[i].reason));
	}
}

static void
test_drm_dumb(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(cd_drm_check_dumb(1024, 768, 4096, 4096 * 768, NULL));
	/* padded lines, rounded-up size: as drivers do */
	g_assert_true(cd_drm_check_dumb(1366, 768, 5504, 5504 * 768 + 4096, NULL));
	g_assert_false(cd_drm_check_dumb(1024, 768, 4092, 4096 * 768, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(cd_drm_check_dumb(1024, 768, 4096, 4096 * 767, &error));
	g_assert_error(error, CD_ERROR, CD_ERROR_INVALID_DATA);
	g_clear_error(&error);
	g_assert_false(cd_drm_check_dumb(1024, 768, 4096, G_MAXUINT64, &error));
	g_clear_error(&error);
	/* pitch * height overflowing 32 bits must not pass */
	g_assert_false(cd_drm_check_dumb(8192, 8192, G_MAXUINT32 & ~3u, 1u << 20, &error));
}

static void
test_text_escapes(void)
{
	const gchar *lines[] = { "Kernel panic", "", "line \xc3\xa9", NULL };
	g_autofree gchar *out = cd_render_text_escapes((GStrv)lines, 0xaa5500, 0xffffff);

	g_assert_true(g_str_has_prefix(out, "\033]P3aa5500\033]P7ffffff\033]PFffffff"));
	g_assert_nonnull(strstr(out, "\033[0;1;37;43m"));
	g_assert_nonnull(strstr(out, "\033[2J"));
	g_assert_nonnull(strstr(out, "\033[1;1HKernel panic\033[2;1H\033[3;1Hline \xc3\xa9"));
}

static void
test_text_changes(void)
{
	const gchar *shown[] = { "Kernel panic", "", "Saving: 10%", NULL };
	const gchar *lines[] = { "Kernel panic", "", "Saving: 20%", NULL };
	g_autofree gchar *out = cd_render_text_changes((GStrv)shown, (GStrv)lines);

	/* only the row that changed, rewritten and the rest of it erased, in the page's colours */
	g_assert_cmpstr(out, ==, "\033[0;1;37;43m\033[3;1HSaving: 20%\033[K");
}

/* a display whose output records what it was asked to copy */
typedef struct {
	guint calls;
	guint top;
	guint rows;
} FakeOutput;

static gboolean
fake_present(CdDisplayOutput *output, const CdCanvas *canvas, guint top, guint rows, GError **error)
{
	FakeOutput *fake = output->priv;

	g_assert_true(canvas == output->canvas);
	fake->calls++;
	fake->top = top;
	fake->rows = rows;
	return TRUE;
}

static const gchar fake_log[] =
	"[  100.000000] sysrq: Trigger a crash\n"
	"[  100.000000] Kernel panic - not syncing: sysrq triggered crash\n";

static void
test_progress_redraw(void)
{
	g_autoptr(CdDisplay) display = cd_display_new(CD_RENDERER_DRM, "card0");
	g_autoptr(CdPanicPage) page = cd_panic_page_new(fake_log, strlen(fake_log));
	g_autoptr(CdPanicPage) fresh = cd_panic_page_new(fake_log, strlen(fake_log));
	g_autoptr(CdFont) font = cd_font_new_builtin();
	g_autoptr(CdCanvas) expected = cd_canvas_new(1024, 768);
	g_autoptr(GError) error = NULL;
	FakeOutput fake = { 0 };
	CdDisplayOutput *output = cd_display_add_output(display, "Virtual-1", 1024, 768);

	output->present = fake_present;
	output->priv = &fake;
	cd_panic_page_set_progress(page, "Writing the dump: 10%");
	g_assert_true(cd_display_show(display, page, font, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fake.calls, ==, 1);
	g_assert_cmpuint(fake.top, ==, 0);
	g_assert_cmpuint(fake.rows, ==, 768);

	/* a new progress line: its row alone is copied, and the page is as if drawn anew */
	cd_panic_page_set_progress(page, "Saved as 20261122-212346-7a4840eb. Rebooting in 9 s.");
	g_assert_true(cd_display_show_progress(display, page, font, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fake.calls, ==, 2);
	g_assert_cmpuint(fake.rows, >, 0);
	g_assert_cmpuint(fake.rows, <, 768 / 4);
	g_assert_cmpuint(fake.top + fake.rows, <=, 768);
	cd_panic_page_set_progress(fresh, "Saved as 20261122-212346-7a4840eb. Rebooting in 9 s.");
	cd_panic_page_draw(fresh, expected, font);
	g_assert_cmpmem(output->canvas->pixels,
			(gsize)1024 * 768 * 4,
			expected->pixels,
			(gsize)1024 * 768 * 4);
}

static void
test_renderer_names(void)
{
	CdRenderer renderer = CD_RENDERER_AUTO;

	g_assert_true(cd_renderer_from_string("fbdev", &renderer));
	g_assert_cmpint(renderer, ==, CD_RENDERER_FBDEV);
	g_assert_cmpstr(cd_renderer_to_string(CD_RENDERER_TEXT), ==, "text");
	g_assert_false(cd_renderer_from_string("vga", &renderer));
	g_assert_cmpint(renderer, ==, CD_RENDERER_FBDEV);
}

static void
test_describe(void)
{
	g_autoptr(CdDisplay) display = cd_display_new(CD_RENDERER_DRM, "card0");
	g_autofree gchar *one = NULL;
	g_autofree gchar *three = NULL;

	cd_display_add_output(display, "Virtual-1", 1024, 768);
	one = cd_display_describe(display);
	g_assert_cmpstr(one, ==, "card0 (1024x768, drm)");
	cd_display_add_output(display, "HDMI-A-1", 1920, 1080);
	cd_display_add_output(display, "DP-1", 3840, 2160);
	three = cd_display_describe(display);
	g_assert_cmpstr(three, ==, "card0 (1024x768, 1920x1080 and 3840x2160, drm)");
}

/* what the devices said of the first frame: once when all agree, else output by output */
static void
test_describe_frames(void)
{
	g_autoptr(CdDisplay) display = cd_display_new(CD_RENDERER_DRM, "card0");
	CdDisplayOutput *first = cd_display_add_output(display, "Virtual-1", 1024, 768);
	CdDisplayOutput *second = cd_display_add_output(display, "Virtual-2", 800, 600);
	g_autofree gchar *agreed = NULL;
	g_autofree gchar *differ = NULL;

	first->frame_note = g_strdup("the driver confirmed the frame");
	second->frame_note = g_strdup("the driver confirmed the frame");
	agreed = cd_display_describe(display);
	g_assert_cmpstr(agreed,
			==,
			"card0 (1024x768 and 800x600, drm; the driver confirmed the frame)");
	g_free(second->frame_note);
	second->frame_note = NULL;
	differ = cd_display_describe(display);
	g_assert_cmpstr(differ,
			==,
			"card0 (1024x768 and 800x600, drm; Virtual-1: the driver confirmed the "
			"frame, Virtual-2: not drawn)");
}

/* a vblank event as the kernel writes it, @length as claimed */
static gsize
drm_event_put(guint8 *buf, guint32 type, guint32 length, guint64 user_data)
{
	struct drm_event_vblank event = { 0 };

	event.base.type = type;
	event.base.length = length;
	event.user_data = user_data;
	memcpy(buf, &event, sizeof(event));
	return sizeof(event);
}

/* the flip's completion found among the events read, lengths checked */
static void
test_drm_flip_events(void)
{
	guint64 storage[64] = { 0 };
	guint8 *buf = (guint8 *)storage;
	gsize len = 0;

	/* a vblank event, then the flip of another CRTC, then ours */
	len += drm_event_put(buf + len, DRM_EVENT_VBLANK, sizeof(struct drm_event_vblank), 41);
	len += drm_event_put(buf + len,
			     DRM_EVENT_FLIP_COMPLETE,
			     sizeof(struct drm_event_vblank),
			     40);
	g_assert_false(cd_drm_events_have_flip(buf, len, 41));
	len += drm_event_put(buf + len,
			     DRM_EVENT_FLIP_COMPLETE,
			     sizeof(struct drm_event_vblank),
			     41);
	g_assert_true(cd_drm_events_have_flip(buf, len, 41));
	/* cut short: the last event is not whole */
	g_assert_false(cd_drm_events_have_flip(buf, len - 1, 41));
	/* a length of 0 would never end, one past the read bytes would read beyond them */
	drm_event_put(buf, DRM_EVENT_FLIP_COMPLETE, 0, 41);
	g_assert_false(cd_drm_events_have_flip(buf, len, 41));
	drm_event_put(buf, DRM_EVENT_FLIP_COMPLETE, (guint32)len + 1, 41);
	g_assert_false(cd_drm_events_have_flip(buf, len, 41));
	/* a flip event too short to carry its user data is not taken for ours */
	drm_event_put(buf, DRM_EVENT_FLIP_COMPLETE, sizeof(struct drm_event), 41);
	g_assert_false(cd_drm_events_have_flip(buf, sizeof(struct drm_event), 41));
	g_assert_false(cd_drm_events_have_flip(buf, 0, 41));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/panic-console/fbdev/formats", test_fbdev_formats);
	g_test_add_func("/panic-console/fbdev/bgr", test_fbdev_bgr);
	g_test_add_func("/panic-console/fbdev/pan", test_fbdev_pan);
	g_test_add_func("/panic-console/fbdev/refused", test_fbdev_refused);
	g_test_add_func("/panic-console/drm/dumb", test_drm_dumb);
	g_test_add_func("/panic-console/text/escapes", test_text_escapes);
	g_test_add_func("/panic-console/text/changes", test_text_changes);
	g_test_add_func("/panic-console/display/progress-redraw", test_progress_redraw);
	g_test_add_func("/panic-console/display/renderer-names", test_renderer_names);
	g_test_add_func("/panic-console/display/describe", test_describe);
	g_test_add_func("/panic-console/display/describe-frames", test_describe_frames);
	g_test_add_func("/panic-console/drm/flip-events", test_drm_flip_events);
	return g_test_run();
}
