/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* one line of a stack trace as the kernel printed it */
typedef struct {
	gchar *symbol;	   /* "do_one_initcall", without +offset/length; "0x..." if unnamed */
	gchar *module;	   /* "crashdesk_test", or %NULL for the kernel itself */
	gboolean reliable; /* %FALSE for the frames the unwinder marks with "? " */
	gchar *text;	   /* the frame as printed, "do_one_initcall+0x59/0x220 [mod]" */
} CdCrashFrame;

void
cd_crash_frame_free(CdCrashFrame *frame);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCrashFrame, cd_crash_frame_free)

#define CD_TYPE_CRASH_ANALYSIS (cd_crash_analysis_get_type())
G_DECLARE_FINAL_TYPE(CdCrashAnalysis, cd_crash_analysis, CD, CRASH_ANALYSIS, GObject)

CdCrashAnalysis *
cd_crash_analysis_new_from_text(const gchar *text, gsize len);

const gchar *
cd_crash_analysis_get_kind(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_message(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_panic_message(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_taint(CdCrashAnalysis *self);
GStrv
cd_crash_analysis_get_taint_words(CdCrashAnalysis *self);
gint
cd_crash_analysis_get_cpu(CdCrashAnalysis *self);
gint
cd_crash_analysis_get_pid(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_comm(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_ip_symbol(CdCrashAnalysis *self);
GStrv
cd_crash_analysis_get_modules(CdCrashAnalysis *self);
GPtrArray *
cd_crash_analysis_get_backtrace(CdCrashAnalysis *self);
gdouble
cd_crash_analysis_get_uptime(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_signature(CdCrashAnalysis *self);

/* what a screen shows of the crash, as the same reading found it */
const gchar *
cd_crash_analysis_get_label(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_release(CdCrashAnalysis *self);
gboolean
cd_crash_analysis_get_cause_range(CdCrashAnalysis *self, gsize *start, gsize *end);
GStrv
cd_crash_analysis_get_cause_lines(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_task_line(CdCrashAnalysis *self);
const gchar *
cd_crash_analysis_get_ip_line(CdCrashAnalysis *self);
GPtrArray *
cd_crash_analysis_get_top_frames(CdCrashAnalysis *self);

G_END_DECLS
