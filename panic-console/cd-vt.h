/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A virtual terminal of our own, taken from whatever held the display: a free VT is
 * activated and waited for with a bounded poll of VT_GETSTATE, never an unbounded
 * VT_WAITACTIVE. A process that holds the active VT in VT_PROCESS mode and never answers
 * the release request is overridden: its VT is set back to VT_AUTO and the switch tried
 * again. What happened on the way is kept as notes for the program to log.
 */

/* how long each of the two activation attempts may take by default */
#define CD_VT_TIMEOUT_MS 3000

typedef struct _CdVt CdVt;

/*
 * Opens /dev/tty0 (or @tty0_path), allocates a free VT and activates it. Returns NULL when
 * there is no VT at all (no /dev/tty0, VT_OPENQRY fails). Returns the VT even when it could
 * not be made active within twice @timeout_ms: cd_vt_is_active() says which, the notes why.
 */
CdVt *
cd_vt_take(const gchar *tty0_path, guint timeout_ms, GError **error);

/* the number of our VT (1 for tty1), and the one that was active before */
guint
cd_vt_get_number(CdVt *self);
guint
cd_vt_get_original(CdVt *self);
gboolean
cd_vt_is_active(CdVt *self);
/* our VT's tty, opened read-write */
gint
cd_vt_get_fd(CdVt *self);
/* one line per thing worth logging: an overridden VT_PROCESS holder, a timeout */
GPtrArray *
cd_vt_get_notes(CdVt *self);

/* KD_GRAPHICS while pixels are shown (the console stops drawing), KD_TEXT otherwise */
gboolean
cd_vt_set_graphics(CdVt *self, gboolean graphics, GError **error);

/*
 * Puts back what cd_vt_take() changed: KD_TEXT on our VT, the original VT active. Safe to
 * call more than once; cd_vt_free() calls it.
 */
void
cd_vt_restore(CdVt *self);
void
cd_vt_free(CdVt *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdVt, cd_vt_free)

G_END_DECLS
