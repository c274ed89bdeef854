/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-display.h"
#include "cd-vt.h"

G_BEGIN_DECLS

/*
 * The live mode of crashdesk-panic-console, in the capture kernel: when the administrator
 * turned the screen on, take a VT and the display, draw the crashed kernel's panic, and
 * keep its progress line current from the progress socket until the final action.
 */

/* how long the capture kernel's display driver may take to appear as /dev/dri/card0 (or
 * /dev/fb0 for the framebuffer renderer) */
#define CD_PANIC_CONSOLE_DISPLAY_WAIT_MS 5000
/* while udev still has events queued (its workers load the drivers), the wait goes on, up to
 * this many times the above: a slow machine's display driver may come later */
#define CD_PANIC_CONSOLE_DISPLAY_WAIT_BUSY_FACTOR 3
/* the file udev keeps while its event queue is not empty (what `udevadm settle` waits on) */
#define CD_PANIC_CONSOLE_UDEV_QUEUE "/run/udev/queue"
/* the framebuffer renderer's device */
#define CD_PANIC_CONSOLE_FBDEV "/dev/fb0"

typedef struct {
	const gchar *cmdline_path; /* /proc/cmdline */
	const gchar *config_path;  /* CD_CONFIG_FILE */
	const gchar *input;	   /* the vmcore: /proc/vmcore */
	const gchar *font_path;	   /* NULL: a Debian console font or the built-in one */
	gboolean builtin_font;
	CdRenderer renderer;
	guint vt_timeout_ms;
	guint display_wait_ms;
	const gchar *udev_queue_path; /* CD_PANIC_CONSOLE_UDEV_QUEUE */
	const gchar *fbdev_path;      /* CD_PANIC_CONSOLE_FBDEV */
} CdPanicConsoleSettings;

void
cd_panic_console_settings_init(CdPanicConsoleSettings *settings);

/* exit status for --check: 0 when the screen is on, 1 when off */
gint
cd_panic_console_check(const CdPanicConsoleSettings *settings);

/* the whole live mode; returns the exit status, having restored the display on every path */
gint
cd_panic_console_run(const CdPanicConsoleSettings *settings);

G_END_DECLS
