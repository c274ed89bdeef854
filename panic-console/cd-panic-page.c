/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdPanicPage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "cd-config.h"
#include "cd-dmesg.h"
#include "cd-error.h"
#include "cd-panic-page.h"
#include "cd-qr.h"
#include "cd-text.h"
#include "cd-vmcore.h"

/* a line drawn or put in the QR code is cut at this many bytes before anything else */
#define CD_PANIC_PAGE_MAX_LINE 512
/* the developer lines: the crash lines, RIP, Comm:, this many frames of the call trace */
#define CD_PANIC_PAGE_MAX_CRASH_LINES 3
#define CD_PANIC_PAGE_MAX_FRAMES      8
/* the log lines offered to the QR code, from the end */
#define CD_PANIC_PAGE_QR_TAIL_LINES 200
/*
 * The densest QR code the page draws: version 20 is 97 modules (858 bytes at level L).
 * Denser codes are legal and fit large screens at 4 pixels a module, but phone cameras
 * fail on them from a few steps away; bigger modules serve better than more lines.
 */
#define CD_PANIC_PAGE_QR_MAX_VERSION 20
/* a wrapped line becomes at most this many screen lines */
#define CD_PANIC_PAGE_MAX_WRAP 8

#define CD_PANIC_PAGE_TITLE "The Linux kernel crashed"

struct _CdPanicPage {
	CdCrashAnalysis *analysis;
	gchar *headline;
	GPtrArray *details; /* gchar*: the developer lines, cleaned */
	gchar *summary;	    /* the start of the QR text */
	GPtrArray *tail;    /* gchar*: the log's last lines, cleaned, oldest first */
	gchar *qr_text;	    /* summary and as many tail lines as the largest code holds */
	gchar *progress;
	guint qr_side;	     /* the square the cached QR text is for; 0: none cached */
	gchar *qr_side_text; /* what cd_panic_page_qr_text_for_side() said for it */
	guint qr_side_version;
	guint32 background;
	guint32 foreground;
};

void
cd_panic_page_free(CdPanicPage *self)
{
	if (self == NULL)
		return;
	g_clear_object(&self->analysis);
	g_free(self->headline);
	g_ptr_array_unref(self->details);
	g_free(self->summary);
	g_ptr_array_unref(self->tail);
	g_free(self->qr_text);
	g_free(self->qr_side_text);
	g_free(self->progress);
	g_free(self);
}

/* a line without prefixes (the analysis's) as the screen shows it: cut, made visible */
static gchar *
cd_panic_page_visible_line(const gchar *line, gsize len, gboolean ascii)
{
	g_autofree gchar *visible = NULL;
	GString *out;

	if (len > CD_PANIC_PAGE_MAX_LINE) {
		/* not inside a character: a cut is no invalid byte */
		len = CD_PANIC_PAGE_MAX_LINE;
		for (guint i = 0; i < 3 && len > 0 && ((guchar)line[len] & 0xc0) == 0x80; i++)
			len--;
	}
	visible = cd_text_make_visible(line, (gssize)len, CD_TEXT_FLAG_KEEP_TABS);
	out = g_string_sized_new(strlen(visible));
	for (const gchar *p = visible; *p != '\0'; p = g_utf8_next_char(p)) {
		guchar c = (guchar)*p;

		if (c == '\t')
			g_string_append_c(out, ' ');
		else if (c < 0x80)
			g_string_append_c(out, (gchar)c);
		else if (ascii)
			g_string_append_c(out, '?');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_strchomp(out->str);
	out->len = strlen(out->str);
	return g_string_free(out, FALSE);
}

/*
 * A log line as the screen shows it: without the time stamp ("[    4.049834] "), the
 * pstore level ("<4>") or caller ("[  T123]"), cut at CD_PANIC_PAGE_MAX_LINE bytes (at a
 * character's start), made visible as everywhere else (cd-text.h: ESC as "\x1b", a C1
 * control or a bidi override as "\u009b", invalid UTF-8 as "\xff"), a tab as a space;
 * @ascii: only printable ASCII, for the QR code, other characters as '?'. The text is the
 * crashed kernel's, often with a task name anyone chose: nothing in it is interpreted.
 */
static gchar *
cd_panic_page_clean_line(const gchar *line, gsize len, gboolean ascii)
{
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= 3 && line[0] == '<' && g_ascii_isdigit(line[1])) {
		const gchar *gt = memchr(line, '>', MIN(len, (gsize)6));
		if (gt != NULL) {
			len -= (gsize)(gt + 1 - line);
			line = gt + 1;
		}
	}
	for (guint i = 0; i < 2 && len > 0 && line[0] == '['; i++) {
		const gchar *rb = memchr(line, ']', MIN(len, (gsize)32));
		if (rb == NULL)
			break;
		len -= (gsize)(rb + 1 - line);
		line = rb + 1;
		if (len > 0 && line[0] == ' ')
			len--, line++;
	}
	return cd_panic_page_visible_line(line, len, ascii);
}

typedef struct {
	const gchar *start;
	gsize len;
} CdPanicLine;

/* the lines of @text, without their newlines; at most CD_PANIC_PAGE_MAX_LOG bytes read */
static GArray *
cd_panic_page_split(const gchar *text, gsize len)
{
	GArray *lines = g_array_new(FALSE, FALSE, sizeof(CdPanicLine));
	const gchar *end = text + len;

	for (const gchar *p = text; p < end;) {
		const gchar *nl = memchr(p, '\n', (gsize)(end - p));
		CdPanicLine line = { p, (gsize)((nl != NULL ? nl : end) - p) };

		g_array_append_val(lines, line);
		p = nl != NULL ? nl + 1 : end;
	}
	return lines;
}

/* no crash report the page knows: the end of the log is what a developer reads first */
static void
cd_panic_page_add_log_end(CdPanicPage *self, GArray *lines)
{
	g_autoptr(GPtrArray) last = g_ptr_array_new_with_free_func(g_free);

	for (guint i = lines->len; i > 0 && last->len < CD_PANIC_PAGE_MAX_FRAMES; i--) {
		CdPanicLine *l = &g_array_index(lines, CdPanicLine, i - 1);
		gchar *clean = cd_panic_page_clean_line(l->start, l->len, FALSE);

		if (clean[0] == '\0') {
			g_free(clean);
			continue;
		}
		g_ptr_array_insert(last, 0, clean);
	}
	if (last->len == 0)
		return;
	g_ptr_array_add(self->details, g_strdup("The log ends with:"));
	for (guint i = 0; i < last->len; i++)
		g_ptr_array_add(self->details,
				g_strdup_printf("  %s", (const gchar *)g_ptr_array_index(last, i)));
}

/*
 * The developer lines, as the analysis read them: the lines that say what happened (but
 * the one the headline says), the task, the instruction, the top of the call trace.
 */
static void
cd_panic_page_find_details(CdPanicPage *self, GArray *lines)
{
	CdCrashAnalysis *a = self->analysis;
	GStrv cause = cd_crash_analysis_get_cause_lines(a);
	GPtrArray *frames = cd_crash_analysis_get_top_frames(a);
	const gchar *task = cd_crash_analysis_get_task_line(a);
	const gchar *ip = cd_crash_analysis_get_ip_line(a);
	const gchar *raw_message = cd_crash_analysis_get_message(a);
	g_autofree gchar *message =
		raw_message != NULL && raw_message[0] != '\0'
			? cd_panic_page_visible_line(raw_message, strlen(raw_message), FALSE)
			: NULL;
	guint shown = 0;

	if (g_strcmp0(cd_crash_analysis_get_kind(a), "unknown") == 0) {
		cd_panic_page_add_log_end(self, lines);
		return;
	}
	for (guint i = 0; cause[i] != NULL && shown < CD_PANIC_PAGE_MAX_CRASH_LINES; i++) {
		g_autofree gchar *clean =
			cd_panic_page_visible_line(cause[i], strlen(cause[i]), FALSE);
		/* the headline already says it */
		if (message != NULL && g_str_has_prefix(clean, message))
			continue;
		g_ptr_array_add(self->details, g_steal_pointer(&clean));
		shown++;
	}
	if (task != NULL)
		g_ptr_array_add(self->details,
				cd_panic_page_visible_line(task, strlen(task), FALSE));
	if (ip != NULL)
		g_ptr_array_add(self->details, cd_panic_page_visible_line(ip, strlen(ip), FALSE));
	if (frames->len > 0)
		g_ptr_array_add(self->details, g_strdup("Call Trace:"));
	for (guint i = 0; i < frames->len && i < CD_PANIC_PAGE_MAX_FRAMES; i++) {
		const CdCrashFrame *frame = g_ptr_array_index(frames, i);
		g_autofree gchar *clean =
			cd_panic_page_visible_line(frame->text, strlen(frame->text), FALSE);
		g_ptr_array_add(self->details, g_strdup_printf("  %s", clean));
	}
}

static void
cd_panic_page_build_summary(CdPanicPage *self)
{
	const gchar *release = cd_crash_analysis_get_release(self->analysis);
	GString *s = g_string_new(NULL);
	const gchar *comm = cd_crash_analysis_get_comm(self->analysis);
	const gchar *panic = cd_crash_analysis_get_panic_message(self->analysis);
	const gchar *message = cd_crash_analysis_get_message(self->analysis);
	g_autofree gchar *headline =
		cd_panic_page_visible_line(self->headline, strlen(self->headline), TRUE);

	g_string_append_printf(s, "%s\n", headline);
	if (panic != NULL && (message == NULL || strstr(message, panic) == NULL)) {
		g_autofree gchar *p = cd_panic_page_visible_line(panic, strlen(panic), TRUE);
		g_string_append_printf(s, "panic: %s\n", p);
	}
	if (release != NULL) {
		g_autofree gchar *r = cd_panic_page_visible_line(release, strlen(release), TRUE);
		g_string_append_printf(s, "kernel: %s\n", r);
	}
	if (comm != NULL) {
		g_autofree gchar *c = cd_panic_page_visible_line(comm, strlen(comm), TRUE);
		g_string_append_printf(s,
				       "task: %s pid %d\n",
				       c,
				       cd_crash_analysis_get_pid(self->analysis));
	}
	g_string_append_printf(s,
			       "signature: %s\n",
			       cd_crash_analysis_get_signature(self->analysis));
	self->summary = g_string_free(s, FALSE);
}

/* the summary, then the last @n tail lines */
static gchar *
cd_panic_page_qr_compose(CdPanicPage *self, guint n)
{
	GString *s = g_string_new(self->summary);

	if (n > 0)
		g_string_append(s, "--\n");
	for (guint i = self->tail->len - n; i < self->tail->len; i++) {
		g_string_append(s, g_ptr_array_index(self->tail, i));
		g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

/**
 * cd_panic_page_qr_text_for_side:
 * @version: (out) (optional): the code's version, 0 when nothing fits
 *
 * The summary and as many of the log's last lines as a code drawn scannably in @side
 * pixels holds (see cd-qr.h); the summary alone cut to fit when even it does not.
 */
gchar *
cd_panic_page_qr_text_for_side(CdPanicPage *self, guint side, guint *version)
{
	guint max_version = MIN(cd_qr_max_version_for_side(side), CD_PANIC_PAGE_QR_MAX_VERSION);
	guint lo = 0;
	guint hi = self->tail->len;
	g_autofree gchar *text = NULL;
	gsize fit;

	if (version != NULL)
		*version = 0;
	if (max_version == 0)
		return g_strdup("");
	/* the most tail lines that fit, by bisection */
	text = cd_panic_page_qr_compose(self, hi);
	if (!cd_qr_fits((const guint8 *)text, strlen(text), max_version)) {
		g_clear_pointer(&text, g_free);
		while (hi - lo > 1) {
			guint mid = lo + (hi - lo) / 2;
			g_autofree gchar *t = cd_panic_page_qr_compose(self, mid);

			if (cd_qr_fits((const guint8 *)t, strlen(t), max_version))
				lo = mid;
			else
				hi = mid;
		}
		text = cd_panic_page_qr_compose(self, lo);
	}
	fit = cd_qr_fit_prefix(text, strlen(text), max_version);
	text[fit] = '\0';
	if (version != NULL && fit > 0) {
		g_autoptr(CdQr) qr = cd_qr_encode((const guint8 *)text, fit, max_version, NULL);
		*version = qr != NULL ? qr->version : 0;
	}
	return g_steal_pointer(&text);
}

CdPanicPage *
cd_panic_page_new(const gchar *dmesg, gsize len)
{
	CdPanicPage *self = g_new0(CdPanicPage, 1);
	g_autoptr(GArray) lines = NULL;
	const gchar *message;
	guint first_tail;

	if (dmesg == NULL)
		len = 0;
	/* the crash is at the end: the last CD_PANIC_PAGE_MAX_LOG bytes, from a line start */
	if (len > CD_PANIC_PAGE_MAX_LOG) {
		const gchar *start = dmesg + len - CD_PANIC_PAGE_MAX_LOG;
		const gchar *nl = memchr(start, '\n', CD_PANIC_PAGE_MAX_LOG);

		if (nl != NULL)
			start = nl + 1;
		len -= (gsize)(start - dmesg);
		dmesg = start;
	}
	self->background = CD_PANIC_PAGE_BACKGROUND;
	self->foreground = CD_PANIC_PAGE_FOREGROUND;
	self->progress = g_strdup("Saving the crash ...");
	self->details = g_ptr_array_new_with_free_func(g_free);
	self->tail = g_ptr_array_new_with_free_func(g_free);
	self->analysis = cd_crash_analysis_new_from_text(len > 0 ? dmesg : "", len);

	message = cd_crash_analysis_get_message(self->analysis);
	if (message == NULL)
		message = cd_crash_analysis_get_panic_message(self->analysis);
	if (message != NULL) {
		g_autofree gchar *m = cd_panic_page_visible_line(message, strlen(message), FALSE);
		const gchar *label = cd_crash_analysis_get_label(self->analysis);

		/* "Kernel panic - not syncing: ..." says its kind itself */
		if (g_ascii_strncasecmp(m, label, strlen(label)) == 0)
			self->headline = g_steal_pointer(&m);
		else
			self->headline = g_strdup_printf("%s: %s", label, m);
	} else {
		self->headline = g_strdup_printf("%s: the log does not say what happened",
						 cd_crash_analysis_get_label(self->analysis));
	}

	lines = cd_panic_page_split(len > 0 ? dmesg : "", len);
	cd_panic_page_find_details(self, lines);
	cd_panic_page_build_summary(self);

	/* the log's last lines for the QR code, empty ones left out */
	first_tail = lines->len > CD_PANIC_PAGE_QR_TAIL_LINES * 2
			     ? lines->len - CD_PANIC_PAGE_QR_TAIL_LINES * 2
			     : 0;
	for (guint i = first_tail; i < lines->len; i++) {
		CdPanicLine *l = &g_array_index(lines, CdPanicLine, i);
		gchar *clean = cd_panic_page_clean_line(l->start, l->len, TRUE);

		if (clean[0] == '\0') {
			g_free(clean);
			continue;
		}
		g_ptr_array_add(self->tail, clean);
	}
	if (self->tail->len > CD_PANIC_PAGE_QR_TAIL_LINES)
		g_ptr_array_remove_range(self->tail,
					 0,
					 self->tail->len - CD_PANIC_PAGE_QR_TAIL_LINES);

	/* the QR text at the largest code there is */
	self->qr_text = cd_panic_page_qr_text_for_side(
		self,
		cd_qr_modules_with_quiet_zone(CD_PANIC_PAGE_QR_MAX_VERSION) * CD_QR_MIN_MODULE_PX,
		NULL);
	return self;
}

CdPanicPage *
cd_panic_page_new_from_vmcore(const gchar *path, GError **error)
{
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) tail = g_string_new(NULL);
	CdDmesgResult result = { .tail_max = CD_PANIC_PAGE_MAX_LOG, .tail = tail };
	gint fd;
	gboolean ok;

	g_return_val_if_fail(path != NULL, NULL);
	vmcore = cd_vmcore_new_from_path(path, error);
	if (vmcore == NULL) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	/* only the end of the log is wanted: the text goes nowhere, the tail is kept */
	fd = g_open("/dev/null", O_WRONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		cd_error_set_from_errno(error, errno, "cannot open /dev/null");
		return NULL;
	}
	ok = cd_dmesg_write(vmcore, fd, CD_DMESG_FLAG_NONE, &result, warnings, error);
	g_close(fd, NULL);
	for (guint i = 0; i < warnings->len; i++)
		g_debug("%s: %s", path, (const gchar *)g_ptr_array_index(warnings, i));
	if (!ok) {
		g_prefix_error(error, "%s: ", path);
		return NULL;
	}
	return cd_panic_page_new(tail->str, tail->len);
}

void
cd_panic_page_set_colors(CdPanicPage *self, guint32 background, guint32 foreground)
{
	g_return_if_fail(self != NULL);
	self->background = background & 0xffffff;
	self->foreground = foreground & 0xffffff;
}

void
cd_panic_page_set_progress(CdPanicPage *self, const gchar *line)
{
	g_return_if_fail(self != NULL);
	g_free(self->progress);
	self->progress = cd_panic_page_clean_line(line != NULL ? line : "",
						  line != NULL ? strlen(line) : 0,
						  FALSE);
}

const gchar *
cd_panic_page_get_title(CdPanicPage *self)
{
	return CD_PANIC_PAGE_TITLE;
}

const gchar *
cd_panic_page_get_progress(CdPanicPage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->progress;
}

const gchar *
cd_panic_page_get_headline(CdPanicPage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->headline;
}

GPtrArray *
cd_panic_page_get_detail_lines(CdPanicPage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->details;
}

const gchar *
cd_panic_page_get_qr_text(CdPanicPage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->qr_text;
}

CdCrashAnalysis *
cd_panic_page_get_analysis(CdPanicPage *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	return self->analysis;
}

/*
 * @line cut into pieces of at most @columns characters, at a space when there is one in
 * the second half of the piece; continuations indented by two; at most @max pieces, the
 * last one ending in "..." when the line was longer.
 */
static void
cd_panic_page_wrap(GPtrArray *out, const gchar *line, guint columns, guint max)
{
	const gchar *p = line;
	guint pieces = 0;

	if (columns == 0 || max == 0)
		return;
	if (*p == '\0') {
		g_ptr_array_add(out, g_strdup(""));
		return;
	}
	while (*p != '\0' && pieces < max) {
		const gchar *indent = pieces > 0 && columns > 8 ? "  " : "";
		guint room = columns - (guint)strlen(indent);
		const gchar *cut = p;
		const gchar *space = NULL;
		guint n = 0;

		while (*cut != '\0' && n < room) {
			if (*cut == ' ' && n >= room / 2)
				space = cut;
			cut = g_utf8_next_char(cut);
			n++;
		}
		if (*cut != '\0' && *cut != ' ' && space != NULL)
			cut = space;
		if (*cut != '\0' && pieces + 1 == max && room > 3) {
			/* the last piece allowed: make room for "..." */
			const gchar *q = p;
			for (guint i = 0; i < room - 3 && *q != '\0'; i++)
				q = g_utf8_next_char(q);
			g_ptr_array_add(out,
					g_strdup_printf("%s%.*s...", indent, (gint)(q - p), p));
			return;
		}
		g_ptr_array_add(out, g_strdup_printf("%s%.*s", indent, (gint)(cut - p), p));
		pieces++;
		p = cut;
		while (*p == ' ')
			p++;
	}
}

/*
 * The body of the page (title, headline, developer lines): the title and the headline
 * wrapped at @big_columns, the rest at @columns. @big_lines, if not NULL, is set to how
 * many lines from the top are the big ones (title, gap, headline).
 */
static GPtrArray *
cd_panic_page_body_at(CdPanicPage *self, guint columns, guint big_columns, guint *big_lines)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	cd_panic_page_wrap(lines, CD_PANIC_PAGE_TITLE, big_columns, 2);
	g_ptr_array_add(lines, g_strdup(""));
	cd_panic_page_wrap(lines, self->headline, big_columns, 4);
	if (big_lines != NULL)
		*big_lines = lines->len;
	if (self->details->len > 0)
		g_ptr_array_add(lines, g_strdup(""));
	for (guint i = 0; i < self->details->len; i++)
		cd_panic_page_wrap(lines, g_ptr_array_index(self->details, i), columns, 3);
	return lines;
}

/* the body wrapped at @columns throughout: the text console's */
static GPtrArray *
cd_panic_page_body(CdPanicPage *self, guint columns)
{
	return cd_panic_page_body_at(self, columns, columns, NULL);
}

GStrv
cd_panic_page_text_lines(CdPanicPage *self, guint columns, guint rows)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GPtrArray) body = NULL;
	g_autoptr(GPtrArray) progress = g_ptr_array_new_with_free_func(g_free);

	g_return_val_if_fail(self != NULL, NULL);
	if (columns == 0 || rows == 0)
		return g_strv_builder_end(builder);
	body = cd_panic_page_body(self, columns);
	cd_panic_page_wrap(progress, self->progress, columns, 1);
	/* the body from the top, the progress line on the bottom row */
	for (guint i = 0; i + 1 < rows; i++)
		g_strv_builder_add(builder, i < body->len ? g_ptr_array_index(body, i) : "");
	g_strv_builder_add(builder, progress->len > 0 ? g_ptr_array_index(progress, 0) : "");
	return g_strv_builder_end(builder);
}

/* the darker of two colours, by luminance: the QR code's dark modules */
static gboolean
cd_panic_page_is_darker(guint32 a, guint32 b)
{
	guint la = 299 * ((a >> 16) & 0xff) + 587 * ((a >> 8) & 0xff) + 114 * (a & 0xff);
	guint lb = 299 * ((b >> 16) & 0xff) + 587 * ((b >> 8) & 0xff) + 114 * (b & 0xff);

	return la < lb;
}

static void
cd_panic_rect_union(CdPanicRect *r, gint x, gint y, gint w, gint h)
{
	gint x1, y1;

	if (r->width == 0) {
		*r = (CdPanicRect){ x, y, w, h };
		return;
	}
	x1 = MAX(r->x + r->width, x + w);
	y1 = MAX(r->y + r->height, y + h);
	r->x = MIN(r->x, x);
	r->y = MIN(r->y, y);
	r->width = x1 - r->x;
	r->height = y1 - r->y;
}

/*
 * The layout, for a W x H canvas and a font of fw x fh:
 *
 * scale: the largest s with W >= 120 * fw * s and H >= 30 * fh * s, at least 1: a 640x480
 * screen gets 80 columns of an 8x16 font at scale 1, 1920x1080 scale 2, 3840x2160 scale 4;
 * big scale, for what must be read across the room (the title, the headline, the progress
 * line): twice the scale where the text still gets 40 columns at it, else the scale;
 * margin: one text row; the progress line on the last row above the bottom margin;
 * the QR code right of the text when that leaves the text 64 columns, else below the
 * text, in what the text leaves (at least 2/5 of the height); never over the text.
 */
void
cd_panic_page_draw_full(CdPanicPage *self, CdCanvas *canvas, CdFont *font, CdPanicLayout *layout)
{
	CdPanicLayout l = { 0 };
	guint fw, fh, cw, ch, bw, bh, margin;
	gint content_top, content_bottom, content_h, inner_w;
	g_autoptr(GPtrArray) body = NULL;
	g_autoptr(GPtrArray) progress = g_ptr_array_new_with_free_func(g_free);
	guint big_lines = 0;
	gint body_h = 0;
	guint32 dark, light;
	gint y;

	g_return_if_fail(self != NULL);
	g_return_if_fail(canvas != NULL);
	g_return_if_fail(font != NULL);

	cd_canvas_fill(canvas, self->background);
	fw = cd_font_get_width(font);
	fh = cd_font_get_height(font);
	l.scale = MAX(1u, MIN(canvas->width / (120 * fw), canvas->height / (30 * fh)));
	cw = fw * l.scale;
	ch = fh * l.scale;
	margin = ch;
	/* a screen too small for the margins still gets the text, from its corner */
	if (canvas->width < 4 * margin || canvas->height < 4 * ch)
		margin = 0;
	inner_w = (gint)canvas->width - 2 * (gint)margin;
	l.big_scale = l.scale;
	if (inner_w > 0 && (guint)inner_w / (2 * cw) >= 40 && canvas->height / (2 * ch) >= 15)
		l.big_scale = 2 * l.scale;
	bw = fw * l.big_scale;
	bh = fh * l.big_scale;

	l.progress = (CdPanicRect){ (gint)margin,
				    (gint)canvas->height - (gint)margin - (gint)bh,
				    inner_w,
				    (gint)bh };
	content_top = (gint)margin;
	content_bottom = l.progress.y - (gint)ch / 2;
	content_h = MAX(content_bottom - content_top, 0);

	/* beside: the QR code a square of the content height, at most 2/5 of the width */
	{
		gint side = MIN(content_h, inner_w * 2 / 5);
		gint text_w = inner_w - side - (gint)cw * 2;

		if (text_w > 0 && (guint)text_w / cw >= 64 &&
		    cd_qr_max_version_for_side((guint)side) > 0) {
			l.qr_beside = TRUE;
			l.qr = (CdPanicRect){ (gint)canvas->width - (gint)margin - side,
					      content_top,
					      side,
					      side };
			l.text = (CdPanicRect){ (gint)margin, content_top, text_w, content_h };
		}
	}
	if (!l.qr_beside)
		l.text = (CdPanicRect){ (gint)margin, content_top, inner_w, content_h };
	l.columns = l.text.width > 0 ? (guint)l.text.width / cw : 0;
	body = cd_panic_page_body_at(self,
				     l.columns,
				     l.text.width > 0 ? (guint)l.text.width / bw : 0,
				     &big_lines);
	for (guint i = 0; i < body->len; i++)
		body_h += (gint)(i < big_lines ? bh : ch);

	if (!l.qr_beside) {
		/* below: the text takes what it needs, leaving the code 2/5 of the height */
		gint qr_min = MAX(content_h * 2 / 5,
				  (gint)(cd_qr_modules_with_quiet_zone(1) * CD_QR_MIN_MODULE_PX));
		gint max_h = MAX(content_h - qr_min - (gint)ch / 2, 0);
		gint side;

		/* at least the first line, whatever the code then gets */
		l.text.height = MIN(l.text.height, MAX(MIN(body_h, max_h), (gint)bh));
		side = MIN(content_h - l.text.height - (gint)ch / 2, inner_w);
		if (side > 0 && cd_qr_max_version_for_side((guint)side) > 0) {
			l.qr = (CdPanicRect){ (gint)canvas->width - (gint)margin - side,
					      content_bottom - side,
					      side,
					      side };
		}
	}

	/* the text, line by line; what does not fit is left out */
	y = l.text.y;
	for (guint i = 0; i < body->len; i++) {
		const gchar *line = g_ptr_array_index(body, i);
		guint scale = i < big_lines ? l.big_scale : l.scale;
		gint line_h = (gint)(fh * scale);
		gint x_end;

		if (y + line_h > l.text.y + l.text.height)
			break;
		x_end = cd_canvas_draw_text(canvas,
					    font,
					    l.text.x,
					    y,
					    scale,
					    self->foreground,
					    line);
		if (x_end > l.text.x)
			cd_panic_rect_union(&l.inked, l.text.x, y, x_end - l.text.x, line_h);
		y += line_h;
	}

	/* the QR code: the darker colour for the dark modules */
	dark = self->background;
	light = self->foreground;
	if (cd_panic_page_is_darker(self->foreground, self->background)) {
		dark = self->foreground;
		light = self->background;
	}
	if (l.qr.width > 0) {
		const gchar *text;
		g_autoptr(CdQr) qr = NULL;

		/* a redraw for new progress must not fit the code again: remember the last fit */
		if (self->qr_side != (guint)l.qr.width) {
			g_free(self->qr_side_text);
			self->qr_side_text = cd_panic_page_qr_text_for_side(self,
									    (guint)l.qr.width,
									    &self->qr_side_version);
			self->qr_side = (guint)l.qr.width;
		}
		text = self->qr_side_text;

		if (text[0] != '\0')
			qr = cd_qr_encode((const guint8 *)text,
					  strlen(text),
					  self->qr_side_version,
					  NULL);
		if (qr != NULL) {
			l.qr_module = cd_qr_draw(qr,
						 canvas,
						 l.qr.x,
						 l.qr.y,
						 (guint)l.qr.width,
						 dark,
						 light);
			l.qr_version = qr->version;
			l.qr_bytes = strlen(text);
		}
		if (l.qr_module == 0)
			l.qr = (CdPanicRect){ 0 };
	}

	/* the progress line, anchored at the bottom */
	cd_panic_page_wrap(progress,
			   self->progress,
			   l.progress.width > 0 ? (guint)l.progress.width / bw : 0,
			   1);
	if (progress->len > 0)
		cd_canvas_draw_text(canvas,
				    font,
				    l.progress.x,
				    l.progress.y,
				    l.big_scale,
				    self->foreground,
				    g_ptr_array_index(progress, 0));
	if (layout != NULL)
		*layout = l;
}

/**
 * cd_panic_page_draw_progress:
 * @layout: what cd_panic_page_draw_full() said for this canvas and font
 *
 * Draws the progress line again, and nothing else: for a new percentage, without
 * drawing the whole page. Returns the row it changed, for a renderer to flush.
 */
CdPanicRect
cd_panic_page_draw_progress(CdPanicPage *self,
			    CdCanvas *canvas,
			    CdFont *font,
			    const CdPanicLayout *layout)
{
	g_autoptr(GPtrArray) progress = g_ptr_array_new_with_free_func(g_free);
	const CdPanicRect *r = &layout->progress;
	guint scale = MAX(layout->big_scale, MAX(layout->scale, 1u));
	guint cw = cd_font_get_width(font) * scale;

	cd_canvas_fill_rect(canvas, r->x, r->y, r->width, r->height, self->background);
	cd_panic_page_wrap(progress, self->progress, r->width > 0 ? (guint)r->width / cw : 0, 1);
	if (progress->len > 0)
		cd_canvas_draw_text(canvas,
				    font,
				    r->x,
				    r->y,
				    scale,
				    self->foreground,
				    g_ptr_array_index(progress, 0));
	return *r;
}

void
cd_panic_page_draw(CdPanicPage *self, CdCanvas *canvas, CdFont *font)
{
	cd_panic_page_draw_full(self, canvas, font, NULL);
}

/**
 * cd_panic_parse_colors:
 *
 * --colors takes what PanicScreenColors= in crashdesk.conf takes
 * (cd_config_parse_colors()): one grammar, with a message that says what it is.
 */
gboolean
cd_panic_parse_colors(const gchar *str, guint32 *foreground, guint32 *background, GError **error)
{
	g_return_val_if_fail(str != NULL, FALSE);
	if (!cd_config_parse_colors(str, foreground, background)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "“%s” is not two colours, the foreground then the background, "
			    "like “#FFFFFF #AA5500”",
			    str);
		return FALSE;
	}
	return TRUE;
}

gboolean
cd_panic_parse_size(const gchar *str, guint *width, guint *height, GError **error)
{
	guint64 w = 0, h = 0;
	const gchar *x;
	g_autofree gchar *ws = NULL;

	g_return_val_if_fail(str != NULL, FALSE);
	x = strchr(str, 'x');
	if (x != NULL) {
		ws = g_strndup(str, (gsize)(x - str));
		if (!g_ascii_string_to_unsigned(ws, 10, 1, CD_CANVAS_MAX_SIDE, &w, NULL) ||
		    !g_ascii_string_to_unsigned(x + 1, 10, 1, CD_CANVAS_MAX_SIDE, &h, NULL))
			x = NULL;
	}
	if (x == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "“%s” is not a size like “1920x1080”, each side 1-%u",
			    str,
			    (guint)CD_CANVAS_MAX_SIDE);
		return FALSE;
	}
	*width = (guint)w;
	*height = (guint)h;
	return TRUE;
}

gboolean
cd_panic_page_render_png(CdPanicPage *self,
			 CdFont *font,
			 guint width,
			 guint height,
			 const gchar *path,
			 GError **error)
{
	g_autoptr(CdCanvas) canvas = cd_canvas_new(width, height);

	if (canvas == NULL) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%ux%u: each side must be 1-%u",
			    width,
			    height,
			    (guint)CD_CANVAS_MAX_SIDE);
		return FALSE;
	}
	cd_panic_page_draw(self, canvas, font);
	return cd_canvas_write_png(canvas, path, error);
}
