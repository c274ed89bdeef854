/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The configuration file, crashdesk.conf(5): a GKeyFile read as root at boot and in the
 * capture kernel, so it must be root's and writable by root only. Every key has a default
 * compiled in; a missing file is the defaults. A bad value is an error naming the file, the
 * line, the group and the key; a key crashdesk does not know is a warning with its line.
 */

/* the largest configuration file read */
#define CD_CONFIG_MAX_SIZE (64 * 1024)

typedef enum {
	CD_FINAL_ACTION_REBOOT,
	CD_FINAL_ACTION_POWEROFF,
	CD_FINAL_ACTION_SHELL,
} CdFinalAction;

typedef enum {
	CD_PANIC_SCREEN_OFF,
	CD_PANIC_SCREEN_BROWN,
	CD_PANIC_SCREEN_TEXT,
} CdPanicScreen;

typedef struct {
	gchar *path; /* the file read; NULL when it does not exist */
	/* [Load] */
	gchar *kernel;		     /* NULL: /boot/vmlinuz-RELEASE of the running kernel */
	gchar *initrd;		     /* NULL: /boot/initrd.img-RELEASE */
	gboolean no_initrd;	     /* Initrd=none */
	gchar **command_line_append; /* words added to the capture kernel's command line */
	gchar **command_line_remove; /* parameter names dropped from it */
	/* [Capture] */
	CdPanicScreen panic_screen;
	guint32 panic_screen_foreground; /* 0x00RRGGBB */
	guint32 panic_screen_background;
	CdFinalAction final_action;
	guint dump_level;
	guint threads;		/* 0: the online CPUs */
	gint64 keep_free;	/* bytes, or -1 */
	gint keep_free_percent; /* of the file system, or -1; both -1: the default rule */
	guint max_reports;	/* 0: no limit */
	guint64 max_total_size; /* 0: no limit */
	GPtrArray *warnings;	/* "FILE:LINE: ..." for keys that were ignored */
} CdConfig;

CdConfig *
cd_config_new(void);
CdConfig *
cd_config_load(const gchar *path, gboolean must_exist, GError **error);
CdConfig *
cd_config_load_from_data(const gchar *name, const gchar *data, gsize len, GError **error);
void
cd_config_free(CdConfig *self);

const gchar *
cd_final_action_to_string(CdFinalAction action);
gboolean
cd_final_action_from_string(const gchar *str, CdFinalAction *action);
const gchar *
cd_panic_screen_to_string(CdPanicScreen screen);
gboolean
cd_panic_screen_from_string(const gchar *str, CdPanicScreen *screen);

gboolean
cd_config_parse_size(const gchar *str, guint64 *bytes);
/* PanicScreenColors=: "#RRGGBB #RRGGBB", the text's colour then the background's */
gboolean
cd_config_parse_colors(const gchar *str, guint32 *foreground, guint32 *background);

/* white on brown, the VGA palette's colour 3 */
#define CD_CONFIG_PANIC_SCREEN_FOREGROUND 0xffffff
#define CD_CONFIG_PANIC_SCREEN_BACKGROUND 0xaa5500

/* the least a dump leaves free on the report's file system, without KeepFree= */
#define CD_CONFIG_KEEP_FREE_MIN	    (1024ULL * 1024 * 1024)
#define CD_CONFIG_KEEP_FREE_PERCENT 5

guint64
cd_config_keep_free_bytes(gint64 keep_free, gint keep_free_percent, guint64 fs_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdConfig, cd_config_free)

G_END_DECLS
