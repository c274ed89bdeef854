/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk-panic-console"

#include "config.h"

#include <glib.h>
#include <locale.h>

#include "cd-file.h"
#include "cd-panic-console.h"
#include "cd-panic-page.h"

/*
 * crashdesk-panic-console --render FILE.png --size WxH (--input VMCORE | --dmesg FILE)
 *     [--font PSF | --builtin-font] [--progress TEXT] [--colors "#FFFFFF #AA5500"]
 *
 * Draws what the brown screen shows at that size into a PNG. Exit 0, 1 when something
 * fails (the message names the file), 2 for a usage error.
 *
 * crashdesk-panic-console [--check] [--input VMCORE] [--renderer auto|drm|fbdev|text]
 *     [--vt-timeout MS] [--display-wait MS] [--font PSF | --builtin-font] [--config FILE]
 *
 * The live mode, in the capture kernel (cd-panic-console.c): shows the panic on the display
 * and its progress from the socket until stopped. --check exits 0 when the screen is on
 * and 1 when it is off, for the unit's ExecCondition=.
 */

#define CD_PANIC_EXIT_OK      0
#define CD_PANIC_EXIT_FAILURE 1
#define CD_PANIC_EXIT_USAGE   2

/* a dmesg text file larger than this is refused; the page reads its end only */
#define CD_PANIC_MAX_DMESG_FILE (256 * 1024 * 1024)

static gint
cd_panic_usage_error(const gchar *message)
{
	g_printerr("%s: %s\n", g_get_prgname(), message);
	g_printerr("Try “%s --help”.\n", g_get_prgname());
	return CD_PANIC_EXIT_USAGE;
}

gint
main(gint argc, gchar **argv)
{
	g_autofree gchar *render = NULL;
	g_autofree gchar *size = NULL;
	g_autofree gchar *input = NULL;
	g_autofree gchar *dmesg = NULL;
	g_autofree gchar *font_path = NULL;
	g_autofree gchar *progress = NULL;
	g_autofree gchar *colors = NULL;
	gboolean builtin_font = FALSE;
	gboolean check = FALSE;
	g_autofree gchar *renderer = NULL;
	g_autofree gchar *cmdline = NULL;
	g_autofree gchar *config = NULL;
	g_autofree gchar *udev_queue = NULL;
	g_autofree gchar *fbdev = NULL;
	gint vt_timeout = CD_VT_TIMEOUT_MS;
	gint display_wait = CD_PANIC_CONSOLE_DISPLAY_WAIT_MS;
	const GOptionEntry entries[] = {
		{ "render",
		  0,
		  0,
		  G_OPTION_ARG_FILENAME,
		  &render,
		  "Draw the screen into FILE.png instead of on the display",
		  "FILE.png" },
		{ "size", 0, 0, G_OPTION_ARG_STRING, &size, "The screen's size in pixels", "WxH" },
		{ "input",
		  0,
		  0,
		  G_OPTION_ARG_FILENAME,
		  &input,
		  "Read the crashed kernel's log from VMCORE",
		  "VMCORE" },
		{ "dmesg",
		  0,
		  0,
		  G_OPTION_ARG_FILENAME,
		  &dmesg,
		  "Read the crashed kernel's log from a text FILE",
		  "FILE" },
		{ "font",
		  0,
		  0,
		  G_OPTION_ARG_FILENAME,
		  &font_path,
		  "Draw with the PSF font FILE (default: Debian's console fonts, else the built-in "
		  "font)",
		  "PSF" },
		{ "builtin-font",
		  0,
		  0,
		  G_OPTION_ARG_NONE,
		  &builtin_font,
		  "Draw with the font built into the program",
		  NULL },
		{ "progress",
		  0,
		  0,
		  G_OPTION_ARG_STRING,
		  &progress,
		  "The progress line at the bottom",
		  "TEXT" },
		{ "colors",
		  0,
		  0,
		  G_OPTION_ARG_STRING,
		  &colors,
		  "The foreground and background colours (default: “#FFFFFF #AA5500”)",
		  "\"FG BG\"" },
		{ "check",
		  0,
		  0,
		  G_OPTION_ARG_NONE,
		  &check,
		  "Exit 0 if the panic screen is turned on, 1 if not",
		  NULL },
		{ "renderer",
		  0,
		  0,
		  G_OPTION_ARG_STRING,
		  &renderer,
		  "Show the panic with this renderer only (default: auto, DRM then fbdev then "
		  "text)",
		  "auto|drm|fbdev|text" },
		{ "vt-timeout",
		  0,
		  0,
		  G_OPTION_ARG_INT,
		  &vt_timeout,
		  "How long the active VT may take to hand over, twice at most (default: 3000)",
		  "MS" },
		{ "display-wait",
		  0,
		  0,
		  G_OPTION_ARG_INT,
		  &display_wait,
		  "How long to wait for /dev/dri/card0 (or /dev/fb0) to appear (default: 5000; "
		  "up to 3 times as long while udev has events queued)",
		  "MS" },
		{ "cmdline",
		  0,
		  G_OPTION_FLAG_HIDDEN,
		  G_OPTION_ARG_FILENAME,
		  &cmdline,
		  "Read the kernel command line from FILE, not /proc/cmdline (for tests)",
		  "FILE" },
		{ "udev-queue",
		  0,
		  G_OPTION_FLAG_HIDDEN,
		  G_OPTION_ARG_FILENAME,
		  &udev_queue,
		  "Take FILE's existence for udev's busy queue, not " CD_PANIC_CONSOLE_UDEV_QUEUE
		  " (for tests)",
		  "FILE" },
		{ "fbdev",
		  0,
		  G_OPTION_FLAG_HIDDEN,
		  G_OPTION_ARG_FILENAME,
		  &fbdev,
		  "Take FILE for the framebuffer device, not " CD_PANIC_CONSOLE_FBDEV
		  " (for tests)",
		  "FILE" },
		{ "config",
		  0,
		  0,
		  G_OPTION_ARG_FILENAME,
		  &config,
		  "Read the configuration from FILE, not " CD_CONFIG_FILE,
		  "FILE" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- show the kernel crash on the screen");
	g_autoptr(GError) error = NULL;
	g_autoptr(CdPanicPage) page = NULL;
	g_autoptr(CdFont) font = NULL;
	guint width = 0, height = 0;
	guint32 fg = CD_PANIC_PAGE_FOREGROUND, bg = CD_PANIC_PAGE_BACKGROUND;

	setlocale(LC_ALL, "");
	g_set_prgname("crashdesk-panic-console");
	g_option_context_set_summary(ctx,
				     "Shows the crashed kernel's panic in white on brown while the "
				     "crash is saved.\nWith --render, draws the screen into a PNG "
				     "file instead.");
	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error))
		return cd_panic_usage_error(error->message);
	if (argc > 1)
		return cd_panic_usage_error("no arguments expected");
	if (render == NULL) {
		CdPanicConsoleSettings settings;

		if (size != NULL || dmesg != NULL || progress != NULL || colors != NULL)
			return cd_panic_usage_error(
				"--size, --dmesg, --progress and --colors go with --render");
		if (font_path != NULL && builtin_font)
			return cd_panic_usage_error("--font and --builtin-font exclude each other");
		if (vt_timeout < 0 || display_wait < 0)
			return cd_panic_usage_error("a time cannot be negative");
		cd_panic_console_settings_init(&settings);
		if (renderer != NULL && !cd_renderer_from_string(renderer, &settings.renderer))
			return cd_panic_usage_error("--renderer: one of auto, drm, fbdev and text");
		if (cmdline != NULL)
			settings.cmdline_path = cmdline;
		if (config != NULL)
			settings.config_path = config;
		if (udev_queue != NULL)
			settings.udev_queue_path = udev_queue;
		if (fbdev != NULL)
			settings.fbdev_path = fbdev;
		if (input != NULL)
			settings.input = input;
		settings.font_path = font_path;
		settings.builtin_font = builtin_font;
		settings.vt_timeout_ms = vt_timeout;
		settings.display_wait_ms = display_wait;
		if (check)
			return cd_panic_console_check(&settings);
		return cd_panic_console_run(&settings);
	}
	if (check || renderer != NULL || cmdline != NULL || config != NULL || udev_queue != NULL ||
	    fbdev != NULL)
		return cd_panic_usage_error(
			"--check, --renderer, --cmdline, --config, --udev-queue "
			"and --fbdev are for the live mode, not --render");
	if (size == NULL)
		return cd_panic_usage_error("--render needs --size WxH");
	if ((input == NULL) == (dmesg == NULL))
		return cd_panic_usage_error("one of --input VMCORE and --dmesg FILE is needed");
	if (font_path != NULL && builtin_font)
		return cd_panic_usage_error("--font and --builtin-font exclude each other");
	if (!cd_panic_parse_size(size, &width, &height, &error))
		return cd_panic_usage_error(error->message);
	if (colors != NULL && !cd_panic_parse_colors(colors, &fg, &bg, &error))
		return cd_panic_usage_error(error->message);

	if (input != NULL) {
		page = cd_panic_page_new_from_vmcore(input, &error);
	} else {
		gsize len = 0;
		g_autofree gchar *text =
			cd_file_read_text(dmesg, CD_PANIC_MAX_DMESG_FILE, &len, &error);

		if (text == NULL)
			g_prefix_error(&error, "%s: ", dmesg);
		else
			page = cd_panic_page_new(text, len);
	}
	if (page == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_PANIC_EXIT_FAILURE;
	}
	cd_panic_page_set_colors(page, bg, fg);
	if (progress != NULL)
		cd_panic_page_set_progress(page, progress);

	/* a font asked for by name must load: a typo is not silently the built-in font */
	if (builtin_font) {
		font = cd_font_new_builtin();
	} else if (font_path != NULL) {
		font = cd_font_new_from_file(font_path, &error);
		if (font == NULL) {
			g_printerr("%s: %s\n", g_get_prgname(), error->message);
			return CD_PANIC_EXIT_FAILURE;
		}
	} else {
		font = cd_font_new_default(NULL);
	}

	if (!cd_panic_page_render_png(page, font, width, height, render, &error)) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_PANIC_EXIT_FAILURE;
	}
	return CD_PANIC_EXIT_OK;
}
