/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include "cd-config.h"

G_BEGIN_DECLS

/*
 * Whether, and how, the capture kernel shows the panic: crashdesk.panic_screen= and
 * crashdesk.shell= on the kernel command line win over PanicScreen= and the colours of
 * PanicScreenColors= in crashdesk.conf; off by default. A configuration that cannot be read
 * counts as the defaults (with a warning): the screen must never cost the capture.
 */

typedef struct {
	CdPanicScreen screen; /* off, brown (pixels) or text (the text console) */
	gboolean shell;	      /* crashdesk.shell=1: offer an emergency shell after saving */
	guint32 background;   /* 0x00RRGGBB */
	guint32 foreground;
} CdPanicOptions;

/* @cmdline_path: normally /proc/cmdline; @config_path: normally CD_CONFIG_FILE */
void
cd_panic_options_read(const gchar *cmdline_path,
		      const gchar *config_path,
		      CdPanicOptions *options);

G_END_DECLS
