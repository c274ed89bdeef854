/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCrashAnalysis"

#include "config.h"

#include <string.h>

#include "cd-crash-analysis.h"
#include "cd-text.h"

/* What killed the kernel, read from its log as text: vmcore-dmesg's "[ 1.000000] text"
 * lines, or pstore's "<4>[ 1.000000][ T1] text" records under a "Panic#1 Part1" header.
 *
 * One pass over the lines notes where each kind of report last started ("events") and,
 * at every "Kernel panic - not syncing", which reports came before it. The panic's own
 * text then says which report caused it ("Fatal exception" an oops, "panic_on_warn set"
 * a WARN...); without a panic line (kdump jumps to the capture kernel straight from the
 * oops) the last oops is the crash. The details are then read from that report's lines
 * only, with the panic's lines for whatever the report lacks.
 *
 * The text is untrusted: every line is looked at through its first CD_CRASH_LINE_MAX
 * bytes, a report through its first CD_CRASH_BLOCK_LINES lines, and nothing is read twice
 * except those bounded reports; nothing recurses. */

/* a record holds at most 1 KiB of text; vmcore-dmesg's \xNN escapes can make it 4 KiB */
#define CD_CRASH_LINE_MAX 4096
/* enough for registers, a long trace with IRQ and NMI stacks, and the modules */
#define CD_CRASH_BLOCK_LINES 512
/* the "Oops:" line follows the "BUG: ..." one after the #PF lines or arm64's abort info */
#define CD_CRASH_DIE_WINDOW  40
#define CD_CRASH_FRAMES_MAX  256
#define CD_CRASH_MODULES_MAX 1024
#define CD_CRASH_SYMBOL_MAX  256
/* MODULE_NAME_LEN is 56 with the NUL */
#define CD_CRASH_MODULE_NAME_MAX 64
#define CD_CRASH_COMM_MAX	 64
/* G and 19 flags in 6.x; a few more to spare, not enough to run into the release */
#define CD_CRASH_TAINT_MAX	  24
#define CD_CRASH_SIGNATURE_FRAMES 5
/* __NEW_UTS_LEN */
#define CD_CRASH_RELEASE_MAX 64

typedef enum {
	CD_CRASH_EV_PANIC,
	CD_CRASH_EV_OOPS,
	CD_CRASH_EV_BUG,
	CD_CRASH_EV_GPF,
	CD_CRASH_EV_DIVIDE_ERROR,
	CD_CRASH_EV_WARN,
	CD_CRASH_EV_SOFTLOCKUP,
	CD_CRASH_EV_HARDLOCKUP,
	CD_CRASH_EV_HUNG_TASK,
	CD_CRASH_EV_OOM,
	CD_CRASH_EV_MCE,
	CD_CRASH_EV_NMI,
	CD_CRASH_EV_LAST,
	/* lines that matter without starting a report of their own */
	CD_CRASH_EV_NONE,
	CD_CRASH_EV_DIE,     /* "Oops: 0002 [#1] ...": the second line of an oops, or one alone */
	CD_CRASH_EV_DIE_BUG, /* "Internal error: Oops - BUG: ... [#1]" */
	CD_CRASH_EV_BOUNDARY,
	CD_CRASH_EV_SYSRQ, /* "sysrq: Trigger a crash" */
} CdCrashEv;

/* indexed by CdCrashEv up to CD_CRASH_EV_LAST */
static const gchar *cd_crash_kinds[] = {
	"panic",      "oops",	    "bug",	 "gpf", "divide_error", "warn",
	"softlockup", "hardlockup", "hung_task", "oom", "mce",		"nmi",
};

typedef struct {
	const gchar *start; /* the report's first line in the text, prefixes included */
	const gchar *end;   /* where the report stops: the next report or an end marker */
	CdCrashEv kind;
	gboolean valid;
	gboolean die_line; /* the first line is "...: 0000 [#1] ...", its message ends at " [#" */
	gboolean after_sysrq; /* just after "sysrq: Trigger a crash" */
	const gchar *second;  /* the "Oops: 0002 [#1]" line of a "BUG: ..." report, or %NULL */
} CdCrashEvent;

typedef struct {
	const gchar *raw;  /* the line's start in the text */
	const gchar *next; /* the next line's start */
	const gchar *str;  /* the message, after level, time stamp and caller id */
	gsize len;	   /* its length, at most CD_CRASH_LINE_MAX, without the newline */
	gdouble ts;	   /* seconds since boot, or -1 */
} CdCrashLine;

struct _CdCrashAnalysis {
	GObject parent_instance;
	const gchar *kind; /* static */
	gchar *message;
	gchar *panic_message;
	gchar *taint;
	GStrv taint_words;
	gint cpu;
	gint pid;
	gchar *comm;
	gchar *ip_symbol;
	GStrv modules;
	GPtrArray *backtrace; /* of CdCrashFrame */
	gdouble uptime;
	gchar *signature;
	/* what a screen shows: the lines as printed, made visible like every field */
	gchar *release;
	GStrv cause_lines;
	gsize cause_start;
	gsize cause_end;
	gchar *task_line;
	gchar *ip_line;
	GPtrArray *top_frames; /* of CdCrashFrame, owned by backtrace */
	/* the first frame after the registers an exception or NMI frame printed in the
	 * trace: the interrupted context's; G_MAXUINT if the trace crossed none */
	guint trace_regs_frame;
	/* which fields a report has settled, so the panic's lines do not override them */
	gboolean have_task;
	gboolean have_taint;
	gboolean have_modules;
};

G_DEFINE_TYPE(CdCrashAnalysis, cd_crash_analysis, G_TYPE_OBJECT)

/**
 * cd_crash_frame_free:
 * @frame: (nullable): a frame of cd_crash_analysis_get_backtrace()'s kind
 */
void
cd_crash_frame_free(CdCrashFrame *frame)
{
	if (frame == NULL)
		return;
	g_free(frame->symbol);
	g_free(frame->module);
	g_free(frame->text);
	g_free(frame);
}

static void
cd_crash_analysis_finalize(GObject *object)
{
	CdCrashAnalysis *self = CD_CRASH_ANALYSIS(object);
	g_free(self->message);
	g_free(self->panic_message);
	g_free(self->taint);
	g_strfreev(self->taint_words);
	g_free(self->comm);
	g_free(self->ip_symbol);
	g_strfreev(self->modules);
	g_ptr_array_unref(self->backtrace);
	g_free(self->signature);
	g_free(self->release);
	g_strfreev(self->cause_lines);
	g_free(self->task_line);
	g_free(self->ip_line);
	g_ptr_array_unref(self->top_frames);
	G_OBJECT_CLASS(cd_crash_analysis_parent_class)->finalize(object);
}

static void
cd_crash_analysis_class_init(CdCrashAnalysisClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_crash_analysis_finalize;
}

static void
cd_crash_analysis_init(CdCrashAnalysis *self)
{
	self->kind = "unknown";
	self->cpu = -1;
	self->pid = -1;
	self->uptime = -1;
	self->backtrace = g_ptr_array_new_with_free_func((GDestroyNotify)cd_crash_frame_free);
	self->top_frames = g_ptr_array_new();
	self->trace_regs_frame = G_MAXUINT;
}

/* plain search; the needles are fixed strings that do not overlap themselves, so the
 * work stays linear in the (capped) line length */
static const gchar *
cd_crash_find(const gchar *hay, gsize len, const gchar *needle)
{
	gsize nlen = strlen(needle);
	const gchar *end = hay + len;

	if (nlen == 0 || nlen > len)
		return NULL;
	for (const gchar *p = hay; (gsize)(end - p) >= nlen;) {
		const gchar *hit = memchr(p, needle[0], (end - p) - nlen + 1);
		if (hit == NULL)
			return NULL;
		if (memcmp(hit, needle, nlen) == 0)
			return hit;
		p = hit + 1;
	}
	return NULL;
}

static gboolean
cd_crash_has_prefix(const gchar *str, gsize len, const gchar *prefix)
{
	gsize plen = strlen(prefix);
	return len >= plen && memcmp(str, prefix, plen) == 0;
}

static gboolean
cd_crash_line_has_prefix(const CdCrashLine *line, const gchar *prefix)
{
	return cd_crash_has_prefix(line->str, line->len, prefix);
}

static const gchar *
cd_crash_line_find(const CdCrashLine *line, const gchar *needle)
{
	return cd_crash_find(line->str, line->len, needle);
}

static const gchar *
cd_crash_line_end(const CdCrashLine *line)
{
	return line->str + line->len;
}

/*
 * A copy without the surrounding blanks, made visible: every text field of the analysis
 * is made here, and a task name is anyone's to choose (prctl(PR_SET_NAME)), so a control
 * character, a bidi control or a byte that is not UTF-8 is written out as \xNN or \uNNNN
 * (cd-text.h). The record rings reach the analysis already escaped by vmcore-dmesg's
 * rule (ESC as "\x1b"), the plain ring and pstore raw; both give the same fields, and
 * as the signature is computed from the fields, the same signature.
 */
static gchar *
cd_crash_dup(const gchar *p, const gchar *end)
{
	/* a raw text ends at a NUL: the padding of a pstore record, or of a cut buffer */
	const gchar *nul = memchr(p, '\0', end - p);

	if (nul != NULL)
		end = nul;
	while (p < end && g_ascii_isspace(*p))
		p++;
	while (end > p && g_ascii_isspace(end[-1]))
		end--;
	return cd_text_make_visible(p, end - p, CD_TEXT_FLAG_NONE);
}

/* a non-negative decimal of at most 9 digits, so that it fits a gint */
static gboolean
cd_crash_parse_int(const gchar *p, const gchar *end, gint *out)
{
	gint value = 0;
	guint n = 0;

	while (p < end && g_ascii_isdigit(*p)) {
		if (++n > 9)
			return FALSE;
		value = value * 10 + (*p - '0');
		p++;
	}
	if (n == 0)
		return FALSE;
	*out = value;
	return TRUE;
}

/* "Panic#1 Part1", "Oops#2 Part3": the header pstore puts above each dmesg record */
static gboolean
cd_crash_is_pstore_header(const gchar *p, const gchar *end)
{
	const gchar *q = p;

	while (q < end && g_ascii_isalpha(*q))
		q++;
	if (q == p || q >= end || *q++ != '#')
		return FALSE;
	if (q >= end || !g_ascii_isdigit(*q))
		return FALSE;
	while (q < end && g_ascii_isdigit(*q))
		q++;
	if (!cd_crash_has_prefix(q, end - q, " Part"))
		return FALSE;
	q += 5;
	if (q >= end || !g_ascii_isdigit(*q))
		return FALSE;
	while (q < end && g_ascii_isdigit(*q))
		q++;
	return q == end;
}

/* skips "<4>", "[  123.456789]" and "[  T123]" or "[    C1]", as printk writes them */
static const gchar *
cd_crash_strip_prefix(const gchar *p, const gchar *end, gdouble *ts)
{
	gboolean stripped = FALSE;
	const gchar *q;

	/* the syslog level pstore and /dev/kmsg keep, with the facility if any */
	if (p < end && *p == '<') {
		q = p + 1;
		while (q < end && q - p <= 4 && g_ascii_isdigit(*q))
			q++;
		if (q > p + 1 && q < end && *q == '>') {
			p = q + 1;
			stripped = TRUE;
		}
	}
	if (p < end && *p == '[') {
		guint64 sec = 0;
		guint64 frac = 0;
		guint sec_digits = 0;
		guint frac_digits = 0;

		q = p + 1;
		while (q < end && *q == ' ' && q - p < 16)
			q++;
		while (q < end && g_ascii_isdigit(*q) && sec_digits < 12) {
			sec = sec * 10 + (guint64)(*q - '0');
			sec_digits++;
			q++;
		}
		if (sec_digits > 0 && q < end && *q == '.') {
			q++;
			while (q < end && g_ascii_isdigit(*q) && frac_digits < 9) {
				frac = frac * 10 + (guint64)(*q - '0');
				frac_digits++;
				q++;
			}
			if (frac_digits > 0 && q < end && *q == ']') {
				gdouble scale = 1;
				for (guint i = 0; i < frac_digits; i++)
					scale *= 10;
				*ts = (gdouble)sec + (gdouble)frac / scale;
				p = q + 1;
				stripped = TRUE;

				/* CONFIG_PRINTK_CALLER: a task id or a CPU, right after the time */
				q = p;
				if (q < end && *q == '[') {
					q++;
					while (q < end && *q == ' ' && q - p < 12)
						q++;
					if (q < end && (*q == 'T' || *q == 'C')) {
						const gchar *digits = ++q;
						while (q < end && g_ascii_isdigit(*q) &&
						       q - digits < 10)
							q++;
						if (q > digits && q < end && *q == ']')
							p = q + 1;
					}
				}
			}
		}
	}
	if (stripped && p < end && *p == ' ')
		p++;
	return p;
}

static gboolean
cd_crash_line_next(const gchar **pos, const gchar *end, CdCrashLine *line)
{
	const gchar *p = *pos;
	const gchar *eol;

	if (p >= end)
		return FALSE;
	eol = memchr(p, '\n', end - p);
	line->raw = p;
	line->next = eol != NULL ? eol + 1 : end;
	if (eol == NULL)
		eol = end;
	*pos = line->next;

	/* a serial console capture has CRLF */
	if (eol > p && eol[-1] == '\r')
		eol--;
	line->ts = -1;
	line->str = cd_crash_strip_prefix(p, eol, &line->ts);
	line->len = MIN((gsize)(eol - line->str), CD_CRASH_LINE_MAX);
	if (line->ts < 0 && cd_crash_is_pstore_header(line->str, line->str + line->len))
		line->len = 0;
	return TRUE;
}

/* "...: 0002 [#1] PREEMPT SMP": how __die_header() and arm64's die() start an oops;
 * @msg_len is set to the length before " [#" */
static gboolean
cd_crash_is_die_line(const CdCrashLine *line, gsize *msg_len)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *hash = cd_crash_line_find(line, " [#");
	const gchar *p;
	guint nhex = 0;

	if (hash == NULL)
		return FALSE;
	p = hash + 3;
	if (p >= end || !g_ascii_isdigit(*p))
		return FALSE;
	while (p < end && g_ascii_isdigit(*p))
		p++;
	if (p >= end || *p != ']')
		return FALSE;

	/* the error code: 4 hex digits on x86, 16 on arm64 */
	p = hash;
	while (p > line->str && g_ascii_isxdigit(p[-1]) && nhex < 16) {
		p--;
		nhex++;
	}
	if (nhex == 0 || p - line->str < 2 || p[-1] != ' ' || p[-2] != ':')
		return FALSE;
	*msg_len = hash - line->str;
	return TRUE;
}

static CdCrashEv
cd_crash_classify(const CdCrashLine *line)
{
	static const gchar *boundaries[] = {
		"---[ end ", /* "---[ end trace ... ]---" and "---[ end Kernel panic ..." */
		"Kernel Offset: ", "NMI backtrace for cpu ", "Sending NMI from CPU ",
		"Rebooting in ",   "Dumping ftrace buffer:",
	};
	const gchar *s = line->str;
	gsize msg_len = 0;

	/* frames, registers of arm64 and other indented lines never start a report */
	if (line->len == 0 || s[0] == ' ' || s[0] == '\t')
		return CD_CRASH_EV_NONE;

	if (cd_crash_line_has_prefix(line, "Kernel panic - not syncing"))
		return CD_CRASH_EV_PANIC;
	for (guint i = 0; i < G_N_ELEMENTS(boundaries); i++) {
		if (cd_crash_line_has_prefix(line, boundaries[i]))
			return CD_CRASH_EV_BOUNDARY;
	}
	if ((cd_crash_line_has_prefix(line, "sysrq") || cd_crash_line_has_prefix(line, "SysRq")) &&
	    cd_crash_line_find(line, "Trigger a crash") != NULL)
		return CD_CRASH_EV_SYSRQ;

	/* page faults: x86 since 4.20, x86 before, arm and arm64 */
	if (cd_crash_line_has_prefix(line, "BUG: kernel NULL pointer dereference") ||
	    cd_crash_line_has_prefix(line, "BUG: unable to handle ") ||
	    cd_crash_line_has_prefix(line, "Unable to handle kernel "))
		return CD_CRASH_EV_OOPS;
	if (cd_crash_line_has_prefix(line, "BUG: ") &&
	    cd_crash_line_find(line, "stack guard page was hit") != NULL)
		return CD_CRASH_EV_OOPS;
	if (cd_crash_line_has_prefix(line, "kernel BUG at "))
		return CD_CRASH_EV_BUG;

	/* "watchdog: " since 4.15, "NMI watchdog: " before, nothing in 3.x */
	if (cd_crash_find(s, MIN(line->len, 40), "BUG: soft lockup - CPU#") != NULL)
		return CD_CRASH_EV_SOFTLOCKUP;
	if (cd_crash_line_find(line, "Watchdog detected hard LOCKUP") != NULL)
		return CD_CRASH_EV_HARDLOCKUP;
	if (cd_crash_line_has_prefix(line, "INFO: task ") &&
	    cd_crash_line_find(line, " blocked for more than ") != NULL)
		return CD_CRASH_EV_HUNG_TASK;
	if (cd_crash_line_find(line, " invoked oom-killer: ") != NULL)
		return CD_CRASH_EV_OOM;
	/* "mce: [Hardware Error]: CPU 2: Machine Check Exception: 5 Bank 4: ..." */
	if (cd_crash_line_find(line, "[Hardware Error]: CPU ") != NULL &&
	    cd_crash_line_find(line, ": Machine Check") != NULL)
		return CD_CRASH_EV_MCE;
	/* arch/x86/kernel/nmi.c: an NMI no handler claimed (QEMU's "nmi", a button), a
	 * PCI SERR or an I/O check; with unknown_nmi_panic or panic_on_unrecovered_nmi
	 * nmi_panic() follows with "NMI: Not continuing" */
	if (cd_crash_line_has_prefix(line, "Uhhuh. NMI received for unknown reason") ||
	    cd_crash_line_has_prefix(line, "NMI: PCI system error") ||
	    cd_crash_line_has_prefix(line, "NMI: IOCK error"))
		return CD_CRASH_EV_NMI;

	if (cd_crash_is_die_line(line, &msg_len)) {
		const gchar *what = s;
		gsize what_len = msg_len;
		/* arm64 starts with "Internal error: ", x86 with "Oops: " since 6.9 */
		if (cd_crash_has_prefix(what, what_len, "Internal error: ")) {
			what += 16;
			what_len -= 16;
		}
		if (cd_crash_has_prefix(what, what_len, "Oops: ")) {
			what += 6;
			what_len -= 6;
		}
		if (cd_crash_has_prefix(what, what_len, "general protection fault"))
			return CD_CRASH_EV_GPF;
		if (cd_crash_has_prefix(what, what_len, "divide error"))
			return CD_CRASH_EV_DIVIDE_ERROR;
		if (cd_crash_find(what, what_len, "BUG") != NULL)
			return CD_CRASH_EV_DIE_BUG;
		return CD_CRASH_EV_DIE;
	}

	/* what panic_on_warn turns into a panic: WARN(), KASAN, UBSAN and the other
	 * "BUG: " reports that do not stop the kernel by themselves */
	if (cd_crash_line_has_prefix(line, "WARNING: ") ||
	    cd_crash_line_has_prefix(line, "BUG: ") || cd_crash_line_has_prefix(line, "UBSAN: "))
		return CD_CRASH_EV_WARN;
	return CD_CRASH_EV_NONE;
}

static gboolean
cd_crash_is_oops_class(CdCrashEv kind)
{
	return kind == CD_CRASH_EV_OOPS || kind == CD_CRASH_EV_BUG || kind == CD_CRASH_EV_GPF ||
	       kind == CD_CRASH_EV_DIVIDE_ERROR;
}

/* the event that started last among @kinds, or %NULL */
static const CdCrashEvent *
cd_crash_latest(const CdCrashEvent *events, const CdCrashEv *kinds, guint n)
{
	const CdCrashEvent *best = NULL;
	for (guint i = 0; i < n; i++) {
		const CdCrashEvent *ev = &events[kinds[i]];
		if (ev->valid && (best == NULL || ev->start > best->start))
			best = ev;
	}
	return best;
}

static const CdCrashEv cd_crash_oops_kinds[] = {
	CD_CRASH_EV_OOPS,
	CD_CRASH_EV_BUG,
	CD_CRASH_EV_GPF,
	CD_CRASH_EV_DIVIDE_ERROR,
};
static const CdCrashEv cd_crash_other_kinds[] = {
	CD_CRASH_EV_WARN,      CD_CRASH_EV_SOFTLOCKUP, CD_CRASH_EV_HARDLOCKUP,
	CD_CRASH_EV_HUNG_TASK, CD_CRASH_EV_OOM,	       CD_CRASH_EV_MCE,
};

/* the first line of @ev */
static void
cd_crash_event_line(const CdCrashEvent *ev, CdCrashLine *line)
{
	const gchar *pos = ev->start;
	cd_crash_line_next(&pos, ev->end, line);
}

static gchar *
cd_crash_event_message(const CdCrashEvent *ev)
{
	CdCrashLine line;
	gsize msg_len = 0;

	cd_crash_event_line(ev, &line);
	if (ev->die_line && cd_crash_is_die_line(&line, &msg_len))
		return cd_crash_dup(line.str, line.str + msg_len);
	return cd_crash_dup(line.str, cd_crash_line_end(&line));
}

/* a task name is 15 bytes, 63 for the kernel threads of recent kernels; an empty or
 * longer one is not a task name */
static void
cd_crash_set_comm(CdCrashAnalysis *self, const gchar *comm, const gchar *comm_end)
{
	g_autofree gchar *value = NULL;

	if (comm_end - comm > CD_CRASH_COMM_MAX)
		return;
	value = cd_crash_dup(comm, comm_end);
	if (value[0] == '\0')
		return;
	g_free(self->comm);
	self->comm = g_steal_pointer(&value);
}

/* "CPU: 0 PID: 86 ...", with "UID: 0 " after the CPU since 6.11 */
static gboolean
cd_crash_parse_cpu_pid(const CdCrashLine *line, gint *cpu_value, gint *pid_value)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *pid;

	if (!cd_crash_line_has_prefix(line, "CPU: "))
		return FALSE;
	pid = cd_crash_line_find(line, " PID: ");
	return pid != NULL && cd_crash_parse_int(line->str + 5, end, cpu_value) &&
	       cd_crash_parse_int(pid + 6, end, pid_value);
}

/* "CPU: 0 PID: 86 Comm: insmod Kdump: loaded Tainted: G  OE  6.1.0 #1" */
static gboolean
cd_crash_parse_task_line(CdCrashAnalysis *self, const CdCrashLine *line)
{
	static const gchar *after_comm[] = { " Kdump: ", " Tainted: ", " Not tainted" };
	const gchar *end = cd_crash_line_end(line);
	const gchar *comm;
	gint cpu_value = -1;
	gint pid_value = -1;

	if (!cd_crash_parse_cpu_pid(line, &cpu_value, &pid_value))
		return FALSE;
	self->cpu = cpu_value;
	self->pid = pid_value;
	g_free(self->task_line);
	self->task_line = cd_crash_dup(line->str, end);
	comm = cd_crash_line_find(line, " Comm: ");
	if (comm != NULL) {
		const gchar *comm_end = NULL;
		comm += 7;
		for (guint i = 0; i < G_N_ELEMENTS(after_comm); i++) {
			const gchar *hit = cd_crash_find(comm, end - comm, after_comm[i]);
			if (hit != NULL && (comm_end == NULL || hit < comm_end))
				comm_end = hit;
		}
		if (comm_end == NULL) {
			comm_end = memchr(comm, ' ', end - comm);
			if (comm_end == NULL)
				comm_end = end;
		}
		cd_crash_set_comm(self, comm, comm_end);
	}
	return TRUE;
}

/* "WARNING: CPU: 0 PID: 86 at ...", for a WARN whose CPU line is missing */
static void
cd_crash_parse_warning_line(CdCrashAnalysis *self, const CdCrashLine *line)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *pid = cd_crash_line_find(line, " PID: ");
	gint cpu_value;
	gint pid_value;

	if (!cd_crash_line_has_prefix(line, "WARNING: CPU: ") || pid == NULL)
		return;
	if (!cd_crash_parse_int(line->str + 14, end, &cpu_value) ||
	    !cd_crash_parse_int(pid + 6, end, &pid_value))
		return;
	self->cpu = cpu_value;
	self->pid = pid_value;
}

/* "INFO: task insmod:86 blocked for more than 120 seconds.": the comm may hold ':' */
static void
cd_crash_parse_hung_task_line(CdCrashAnalysis *self, const CdCrashLine *line)
{
	const gchar *comm = line->str + 11;
	const gchar *blocked = cd_crash_line_find(line, " blocked for more than ");
	const gchar *colon = NULL;
	gint pid_value;

	if (blocked == NULL)
		return;
	for (const gchar *p = comm; p < blocked; p++) {
		if (*p == ':')
			colon = p;
	}
	if (colon == NULL || !cd_crash_parse_int(colon + 1, blocked, &pid_value))
		return;
	self->pid = pid_value;
	cd_crash_set_comm(self, comm, colon);
}

static const struct {
	gchar letter;
	const gchar *word;
} cd_crash_taint_words[] = {
	/* Documentation/admin-guide/tainted-kernels.rst, in bit order */
	{ 'P', "proprietary module" },	  { 'F', "forced module load" },
	{ 'S', "out-of-spec system" },	  { 'R', "forced module unload" },
	{ 'M', "machine check" },	  { 'B', "bad page" },
	{ 'U', "userspace taint" },	  { 'D', "died (oops)" },
	{ 'A', "ACPI table overridden" }, { 'W', "warning" },
	{ 'C', "staging driver" },	  { 'I', "firmware workaround" },
	{ 'O', "out-of-tree module" },	  { 'E', "unsigned module" },
	{ 'L', "soft lockup" },		  { 'K', "live patched" },
	{ 'X', "auxiliary taint" },	  { 'T', "struct randomization" },
	{ 'N', "in-kernel test" },	  { 'J', "fwctl debug write" },
};

static GStrv
cd_crash_decode_taint(const gchar *taint)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (const gchar *p = taint; p != NULL && *p != '\0'; p++) {
		gboolean known = FALSE;
		/* 'G' is the absence of 'P', spaces the absence of the others */
		if (*p == 'G' || *p == ' ')
			continue;
		for (guint i = 0; i < G_N_ELEMENTS(cd_crash_taint_words); i++) {
			if (cd_crash_taint_words[i].letter == *p) {
				g_strv_builder_add(builder, cd_crash_taint_words[i].word);
				known = TRUE;
				break;
			}
		}
		if (!known) {
			g_autofree gchar *word = g_strdup_printf("unknown (%c)", *p);
			g_strv_builder_add(builder, word);
		}
	}
	return g_strv_builder_end(builder);
}

/* "Tainted: G           OE      6.1.0-56-amd64" or "Not tainted 6.1.0-56-amd64": the
 * flags are one column each, so keep them as printed; 6.11's extra line
 * "Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE" says the same in words */
static gboolean
cd_crash_parse_taint(CdCrashAnalysis *self, const CdCrashLine *line)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *tainted = cd_crash_line_find(line, "Tainted: ");
	const gchar *p;
	const gchar *flags_end;

	if (tainted == NULL) {
		if (cd_crash_line_find(line, "Not tainted") == NULL)
			return FALSE;
		self->have_taint = TRUE;
		return TRUE;
	}
	p = tainted + 9;
	if (p >= end || *p == '[' || !g_ascii_isupper(*p))
		return FALSE;
	flags_end = p;
	while (flags_end < end && flags_end - p < CD_CRASH_TAINT_MAX &&
	       (g_ascii_isupper(*flags_end) || *flags_end == ' '))
		flags_end++;
	g_free(self->taint);
	self->taint = cd_crash_dup(p, flags_end);
	g_strfreev(self->taint_words);
	self->taint_words = cd_crash_decode_taint(self->taint);
	self->have_taint = TRUE;
	return TRUE;
}

static gboolean
cd_crash_is_module_name(const gchar *p, gsize len)
{
	if (len == 0 || len > CD_CRASH_MODULE_NAME_MAX)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(p[i]) && p[i] != '_' && p[i] != '-')
			return FALSE;
	}
	return TRUE;
}

/* "Modules linked in: a(OE+) b c [last unloaded: d]" */
static void
cd_crash_parse_modules(CdCrashAnalysis *self, const CdCrashLine *line)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	const gchar *end = cd_crash_line_end(line);
	const gchar *p = line->str + strlen("Modules linked in:");
	guint n = 0;

	while (p < end && n < CD_CRASH_MODULES_MAX) {
		const gchar *tok;
		const gchar *name_end;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || *p == '[')
			break;
		tok = p;
		while (p < end && *p != ' ')
			p++;
		/* the flags: "(OE+)", "(P)" */
		name_end = memchr(tok, '(', p - tok);
		if (name_end == NULL)
			name_end = p;
		if (cd_crash_is_module_name(tok, name_end - tok)) {
			g_autofree gchar *name = g_strndup(tok, name_end - tok);
			g_strv_builder_add(builder, name);
			n++;
		}
	}
	g_strfreev(self->modules);
	self->modules = g_strv_builder_end(builder);
	self->have_modules = TRUE;
}

/* drops the "[<ffffffff81000000>]" of 4.x and older traces and register lines */
static const gchar *
cd_crash_skip_address_tokens(const gchar *p, const gchar *end)
{
	for (;;) {
		const gchar *q;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '[' || p[1] != '<')
			return p;
		q = p + 2;
		while (q < end && g_ascii_isxdigit(*q) && q - p < 24)
			q++;
		if (end - q < 2 || q[0] != '>' || q[1] != ']')
			return p;
		p = q + 2;
	}
}

/* "crashdesk_test_init+0x83/0x1000 [crashdesk_test]" from the line that names where the
 * kernel was: x86's "RIP: 0010:..." and 4.x "IP: ...", arm64's "pc : ...", arm's
 * "PC is at ...", or the "{...}" of an MCE's "RIP !INEXACT! 10:<...> {...}" */
static gboolean
cd_crash_parse_ip(CdCrashAnalysis *self, const CdCrashLine *line)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *p = NULL;
	const gchar *value_end = end;
	const gchar *rsp;

	if (cd_crash_line_has_prefix(line, "RIP: ") || cd_crash_line_has_prefix(line, "EIP: ")) {
		p = line->str + 5;
		/* the code segment: 0010 (0060 on i386) is the kernel, 0033 user space */
		if (end - p >= 5 && g_ascii_isxdigit(p[0]) && p[4] == ':') {
			if (!cd_crash_has_prefix(p, end - p, "0010:") &&
			    !cd_crash_has_prefix(p, end - p, "0060:"))
				return FALSE;
			p += 5;
		}
	} else if (cd_crash_line_has_prefix(line, "IP: ")) {
		p = line->str + 4;
	} else if (cd_crash_line_has_prefix(line, "pc : ")) {
		p = line->str + 5;
	} else if (cd_crash_line_has_prefix(line, "PC is at ")) {
		p = line->str + 9;
	} else if (cd_crash_line_find(line, "[Hardware Error]: RIP") != NULL) {
		p = cd_crash_line_find(line, "{");
		if (p == NULL)
			return FALSE;
		p++;
		value_end = memchr(p, '}', end - p);
		if (value_end == NULL)
			return FALSE;
	} else {
		return FALSE;
	}
	p = cd_crash_skip_address_tokens(p, value_end);
	/* the summary after a 4.x trace: "RIP: foo+0x1/0x2 [mod] RSP: ffff..." */
	rsp = cd_crash_find(p, value_end - p, " RSP: ");
	if (rsp != NULL)
		value_end = rsp;
	/* an address the kernel could not name is no symbol */
	if (cd_crash_has_prefix(p, value_end - p, "0x") ||
	    cd_crash_find(p, value_end - p, "+0x") == NULL)
		return FALSE;
	self->ip_symbol = cd_crash_dup(p, value_end);
	g_free(self->ip_line);
	self->ip_line = cd_crash_dup(line->str, end);
	return TRUE;
}

static gboolean
cd_crash_is_symbol_char(gchar c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '.' || c == '$';
}

/* " ? do_one_initcall+0x59/0x220", " foo+0x1/0x2 [mod 8ea1...]", " <TASK>",
 * " [<ffffffff81002144>] ? bar+0x54/0x1b0"; %FALSE if the line is none of these */
static gboolean
cd_crash_parse_frame(const CdCrashLine *line, CdCrashFrame **frame)
{
	const gchar *end = cd_crash_line_end(line);
	const gchar *p = line->str;
	const gchar *sym;
	const gchar *sym_end;
	gboolean reliable = TRUE;
	g_autoptr(CdCrashFrame) result = NULL;

	*frame = NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* <TASK>, </TASK>, <IRQ>, </IRQ>, <NMI>, <EOI>, <SOFTIRQ>... */
	if (p < end && *p == '<') {
		const gchar *q = p + 1;
		if (q < end && *q == '/')
			q++;
		while (q < end && g_ascii_isupper(*q) && q - p < 16)
			q++;
		if (q < end && *q == '>' && q > p + 1) {
			for (q++; q < end && *q == ' '; q++)
				;
			return q == end;
		}
		return FALSE;
	}
	p = cd_crash_skip_address_tokens(p, end);
	if (end - p >= 2 && p[0] == '?' && p[1] == ' ') {
		reliable = FALSE;
		p += 2;
	}
	sym = p;
	while (p < end && cd_crash_is_symbol_char(*p) && p - sym <= CD_CRASH_SYMBOL_MAX)
		p++;
	sym_end = p;
	if (sym_end == sym || sym_end - sym > CD_CRASH_SYMBOL_MAX)
		return FALSE;
	if (cd_crash_has_prefix(sym, sym_end - sym, "0x")) {
		/* an address without a name, as code of a module being loaded */
		for (const gchar *q = sym + 2; q < sym_end; q++) {
			if (!g_ascii_isxdigit(*q))
				return FALSE;
		}
	} else {
		/* a symbol always comes with "+0xoff/0xlen" */
		if (!cd_crash_has_prefix(p, end - p, "+0x"))
			return FALSE;
		while (p < end && *p != ' ')
			p++;
	}
	result = g_new0(CdCrashFrame, 1);
	result->symbol = g_strndup(sym, sym_end - sym);
	result->reliable = reliable;
	result->text = cd_crash_dup(sym, end);

	/* " [crashdesk_test]", or " [crashdesk_test 8ea1...]" with CONFIG_STACKTRACE_BUILD_ID */
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '[') {
		const gchar *name = p + 1;
		const gchar *name_end = name;
		while (name_end < end && *name_end != ']' && *name_end != ' ')
			name_end++;
		if (name_end < end && cd_crash_is_module_name(name, name_end - name) &&
		    !cd_crash_has_prefix(name, name_end - name, "inline"))
			result->module = g_strndup(name, name_end - name);
	}
	*frame = g_steal_pointer(&result);
	return TRUE;
}

/* x86 prints the registers of an exception frame inside the trace it crosses */
static gboolean
cd_crash_is_register_line(const CdCrashLine *line)
{
	static const gchar *prefixes[] = {
		"RIP: ", "RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ",  "R13: ",	 "FS: ",
		"CS: ",	 "CR2: ", "DR0: ", "DR3: ", "DR6: ", "PKRU: ", "Code: ", "EIP: ",
		"EAX: ", "ESI: ", "DS: ",  "CR0: ", "IP: ",  "RIP  ",  "Stack:",
	};
	for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		if (cd_crash_line_has_prefix(line, prefixes[i]))
			return TRUE;
	}
	return FALSE;
}

/* the frames after "Call Trace:" up to the first line that is neither a frame, a stack
 * marker nor a register dump */
static void
cd_crash_parse_trace(CdCrashAnalysis *self, const gchar **pos, const gchar *end, guint *lines)
{
	CdCrashLine line;

	self->trace_regs_frame = G_MAXUINT;
	while (*lines < CD_CRASH_BLOCK_LINES && cd_crash_line_next(pos, end, &line)) {
		CdCrashFrame *frame = NULL;
		if (line.len == 0) {
			(*lines)++;
			continue;
		}
		if (cd_crash_parse_frame(&line, &frame)) {
			(*lines)++;
			if (frame != NULL && self->backtrace->len < CD_CRASH_FRAMES_MAX)
				g_ptr_array_add(self->backtrace, frame);
			else
				cd_crash_frame_free(frame);
			continue;
		}
		if (cd_crash_is_register_line(&line)) {
			/* the registers of the frame the trace crossed: an NMI's is where the
			 * CPU was, the one instruction a report without its own RIP has */
			if (cd_crash_line_has_prefix(&line, "RIP: ") &&
			    self->trace_regs_frame == G_MAXUINT) {
				self->trace_regs_frame = self->backtrace->len;
				if (self->ip_symbol == NULL)
					cd_crash_parse_ip(self, &line);
			}
			(*lines)++;
			continue;
		}
		/* the caller looks at this line again: "Modules linked in:" often follows */
		*pos = line.raw;
		break;
	}
}

typedef enum {
	CD_CRASH_READ_TASK = 1 << 0,
	CD_CRASH_READ_HW_CPU = 1 << 1, /* "CPU 2: Machine Check" */
} CdCrashReadFlags;

/* fills what is not known yet from the lines of one report */
static void
cd_crash_analysis_read_event(CdCrashAnalysis *self, const CdCrashEvent *ev, guint flags)
{
	const gchar *pos = ev->start;
	gboolean want_task = (flags & CD_CRASH_READ_TASK) && !self->have_task;
	gboolean want_taint = !self->have_taint;
	gboolean want_modules = !self->have_modules;
	gboolean want_ip = self->ip_symbol == NULL;
	gboolean want_trace = self->backtrace->len == 0;
	guint lines = 0;
	CdCrashLine line;

	while (lines < CD_CRASH_BLOCK_LINES && cd_crash_line_next(&pos, ev->end, &line)) {
		lines++;
		if (line.len == 0)
			continue;
		if (want_task && cd_crash_parse_task_line(self, &line)) {
			self->have_task = TRUE;
			want_task = FALSE;
		}
		if (want_taint && cd_crash_parse_taint(self, &line))
			want_taint = FALSE;
		if (want_modules && cd_crash_line_has_prefix(&line, "Modules linked in:")) {
			cd_crash_parse_modules(self, &line);
			want_modules = FALSE;
		}
		if (want_ip && self->ip_symbol == NULL && cd_crash_parse_ip(self, &line))
			want_ip = FALSE;
		if (want_trace && (cd_crash_line_has_prefix(&line, "Call Trace:") ||
				   cd_crash_line_has_prefix(&line, "Call trace:"))) {
			cd_crash_parse_trace(self, &pos, ev->end, &lines);
			want_trace = FALSE;
		}
	}

	/* the report's own first line, where it is all there is */
	if ((flags & CD_CRASH_READ_TASK) && !self->have_task) {
		cd_crash_event_line(ev, &line);
		cd_crash_parse_warning_line(self, &line);
	}
	if ((flags & CD_CRASH_READ_HW_CPU) && self->cpu < 0) {
		const gchar *cpu;
		cd_crash_event_line(ev, &line);
		cpu = cd_crash_line_find(&line, "[Hardware Error]: CPU ");
		if (cpu != NULL)
			cd_crash_parse_int(cpu + 22, cd_crash_line_end(&line), &self->cpu);
	}
}

/* the pid of the task a report is about, or -1 */
static gint
cd_crash_event_pid(const CdCrashEvent *ev)
{
	const gchar *pos = ev->start;
	guint lines = 0;
	CdCrashLine line;

	while (lines++ < CD_CRASH_BLOCK_LINES && cd_crash_line_next(&pos, ev->end, &line)) {
		gint cpu_value;
		gint pid_value;
		if (cd_crash_parse_cpu_pid(&line, &cpu_value, &pid_value))
			return pid_value;
	}
	return -1;
}

/* "Machine check: Processor context corrupt", the reason mce_panic() gives */
static gchar *
cd_crash_mce_reason(const CdCrashEvent *ev)
{
	const gchar *pos = ev->start;
	guint lines = 0;
	CdCrashLine line;

	while (lines++ < CD_CRASH_BLOCK_LINES && cd_crash_line_next(&pos, ev->end, &line)) {
		const gchar *hw = cd_crash_line_find(&line, "[Hardware Error]: Machine check: ");
		if (hw != NULL)
			return cd_crash_dup(hw + 18, cd_crash_line_end(&line));
	}
	return NULL;
}

/* frames that print the report rather than cause it */
static const gchar *cd_crash_reporting_frames[] = {
	"dump_stack",
	"dump_stack_lvl",
	"__dump_stack",
	"show_stack",
	"dump_backtrace",
	"show_trace_log_lvl",
	"panic",
	"vpanic",
	"nmi_panic",
	"__warn",
	"__warn_printk",
	"warn_slowpath_fmt",
	"warn_slowpath_null",
	"report_bug",
	"handle_bug",
	"exc_invalid_op",
	"asm_exc_invalid_op",
	"invalid_op",
	"do_trap",
	"do_error_trap",
	"die",
	"__die",
	"oops_end",
	"check_panic_on_warn",
	"dump_header",
	"print_report",
	"print_address_description",
};

/* the sanitizers' checks and reports: "__asan_load8", "kasan_report", "ubsan_epilogue" */
static const gchar *cd_crash_reporting_prefixes[] = {
	"__asan_", "__kasan_", "kasan_", "__ubsan_", "ubsan_", "__kfence_", "kfence_",
};

/* x86's NMI entry and handlers, when the trace of an NMI's panic has no register dump
 * that says where they end */
static const gchar *cd_crash_nmi_frames[] = {
	"asm_exc_nmi",	  "exc_nmi", "end_repeat_nmi",	  "repeat_nmi",	    "nmi_handle",
	"default_do_nmi", "do_nmi",  "unknown_nmi_error", "pci_serr_error", "io_check_error",
};

/* where every blocked task waits: the report is about what it waits for */
static const gchar *cd_crash_waiting_frames[] = {
	"__schedule",
	"schedule",
	"schedule_timeout",
	"schedule_preempt_disabled",
	"io_schedule",
	"io_schedule_timeout",
	"__mutex_lock",
	"__mutex_lock_slowpath",
	"mutex_lock",
	"__down",
	"__down_common",
	"down",
	"rwsem_down_read_slowpath",
	"rwsem_down_write_slowpath",
	"down_read",
	"down_write",
	"do_wait_for_common",
	"__wait_for_common",
	"wait_for_common",
	"wait_for_completion",
	"bit_wait",
	"bit_wait_io",
	"__wait_on_bit",
	"__wait_on_bit_lock",
	"out_of_line_wait_on_bit",
};

static gboolean
cd_crash_in_list(const gchar *name, const gchar **list, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (g_strcmp0(name, list[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
cd_crash_has_list_prefix(const gchar *name, const gchar **list, guint n)
{
	for (guint i = 0; i < n; i++) {
		if (g_str_has_prefix(name, list[i]))
			return TRUE;
	}
	return FALSE;
}

/* "foo.isra.0+0x1/0x2 [mod]" -> "foo": the clone suffixes follow the compiler */
static gchar *
cd_crash_function_name(const gchar *symbol)
{
	gsize n = 0;
	while (symbol[n] != '\0' && symbol[n] != '+' && symbol[n] != '.' && symbol[n] != ' ')
		n++;
	return g_strndup(symbol, n);
}

/* the message without what changes from one boot or machine to the next: numbers,
 * addresses, hex, build directories, and the task names of lockup reports */
static void
cd_crash_append_normalized(GString *out, const gchar *message, const gchar *kind)
{
	const gchar *start = message;
	const gchar *end = message + strlen(message);
	gboolean space = FALSE;

	/* 6.9 added "Oops: " before the x86 die reasons */
	if (g_str_has_prefix(start, "Oops: "))
		start += 6;
	if (g_strcmp0(kind, "softlockup") == 0) {
		/* "... stuck for 22s! [kworker/0:1:12]" */
		const gchar *task = g_strrstr(start, " [");
		if (task != NULL)
			end = task;
	}
	if (g_strcmp0(kind, "hung_task") == 0 && g_str_has_prefix(start, "INFO: task ")) {
		/* "INFO: task kworker/u8:2:123 blocked for more than 120 seconds." */
		const gchar *blocked = strstr(start, " blocked for more than ");
		if (blocked != NULL) {
			g_string_append(out, "INFO: task");
			start = blocked;
		}
	}

	for (const gchar *p = start; p < end;) {
		/* "/home/me/build/foo.c:12": the directory is where it was built */
		if (*p == '/' && (p == start || p[-1] == ' ')) {
			const gchar *base = p + 1;
			const gchar *q = p;
			while (q < end && *q != ' ') {
				if (*q == '/')
					base = q + 1;
				q++;
			}
			p = base;
			continue;
		}
		if (g_ascii_isspace(*p)) {
			space = TRUE;
			p++;
			continue;
		}
		if (space && out->len > 0 && out->str[out->len - 1] != '\n')
			g_string_append_c(out, ' ');
		space = FALSE;
		if (p[0] == '0' && end - p > 2 && (p[1] == 'x' || p[1] == 'X') &&
		    g_ascii_isxdigit(p[2])) {
			for (p += 2; p < end && g_ascii_isxdigit(*p); p++)
				;
			continue;
		}
		if (g_ascii_isalnum(*p)) {
			const gchar *word = p;
			gboolean all_hex = TRUE;
			gboolean has_digit = FALSE;
			for (; p < end && g_ascii_isalnum(*p); p++) {
				all_hex = all_hex && g_ascii_isxdigit(*p);
				has_digit = has_digit || g_ascii_isdigit(*p);
			}
			/* an address or a hash ("0000000000000000", "72cbafd4ca55f40a") */
			if (all_hex && (has_digit || p - word >= 8))
				continue;
			for (const gchar *q = word; q < p; q++) {
				if (!g_ascii_isdigit(*q))
					g_string_append_c(out, *q);
			}
			continue;
		}
		g_string_append_c(out, *p);
		p++;
	}
	g_string_append_c(out, '\n');
}

/* the frames that say where the kernel was: named, reliable, none of the machinery that
 * printed the report or, for an NMI, took the interrupt */
static void
cd_crash_analysis_find_top_frames(CdCrashAnalysis *self)
{
	gboolean nmi = g_strcmp0(self->kind, "nmi") == 0;

	for (guint i = 0; i < self->backtrace->len; i++) {
		CdCrashFrame *frame = g_ptr_array_index(self->backtrace, i);
		g_autofree gchar *name = NULL;
		if (!frame->reliable || g_str_has_prefix(frame->symbol, "0x"))
			continue;
		name = cd_crash_function_name(frame->symbol);
		if (cd_crash_in_list(name,
				     cd_crash_reporting_frames,
				     G_N_ELEMENTS(cd_crash_reporting_frames)) ||
		    cd_crash_has_list_prefix(name,
					     cd_crash_reporting_prefixes,
					     G_N_ELEMENTS(cd_crash_reporting_prefixes)))
			continue;
		if (nmi &&
		    cd_crash_in_list(name, cd_crash_nmi_frames, G_N_ELEMENTS(cd_crash_nmi_frames)))
			continue;
		g_ptr_array_add(self->top_frames, frame);
	}
}

static gchar *
cd_crash_analysis_compute_signature(CdCrashAnalysis *self)
{
	g_autoptr(GString) str = g_string_new(NULL);
	gboolean hung_task = g_strcmp0(self->kind, "hung_task") == 0;
	guint n = 0;

	g_string_append_printf(str, "%s\n", self->kind);
	cd_crash_append_normalized(str, self->message != NULL ? self->message : "", self->kind);
	/* two bugs reached through the same callers differ in where they stopped */
	if (self->ip_symbol != NULL) {
		g_autofree gchar *name = cd_crash_function_name(self->ip_symbol);
		g_string_append_printf(str, "ip %s\n", name);
	}
	for (guint i = 0; i < self->top_frames->len && n < CD_CRASH_SIGNATURE_FRAMES; i++) {
		CdCrashFrame *frame = g_ptr_array_index(self->top_frames, i);
		g_autofree gchar *name = cd_crash_function_name(frame->symbol);
		if (hung_task && cd_crash_in_list(name,
						  cd_crash_waiting_frames,
						  G_N_ELEMENTS(cd_crash_waiting_frames)))
			continue;
		g_string_append_printf(str, "%s\n", name);
		n++;
	}
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, str->str, (gssize)str->len);
}

/* the lines from @first to @second (or @first alone) as the cause a screen shows */
static void
cd_crash_analysis_set_cause(CdCrashAnalysis *self,
			    const gchar *text,
			    const gchar *end,
			    const gchar *first,
			    const gchar *second)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	const gchar *starts[] = { first, second };
	CdCrashLine line = { 0 };

	for (guint i = 0; i < G_N_ELEMENTS(starts) && starts[i] != NULL; i++) {
		const gchar *pos = starts[i];
		g_autofree gchar *str = NULL;
		if (!cd_crash_line_next(&pos, end, &line))
			break;
		str = cd_crash_dup(line.str, cd_crash_line_end(&line));
		g_strv_builder_add(builder, str);
	}
	g_strfreev(self->cause_lines);
	self->cause_lines = g_strv_builder_end(builder);
	self->cause_start = (gsize)(first - text);
	self->cause_end = (gsize)(line.next - text);
}

/* "6.1.0-56-amd64" from "CPU: 0 PID: 86 Comm: insmod Tainted: G OE 6.1.0-56-amd64 #1":
 * the word before the first that starts with '#' */
static gchar *
cd_crash_release_from_task_line(const gchar *line)
{
	g_auto(GStrv) words = g_strsplit(line, " ", -1);

	for (guint i = 0; words[i] != NULL && words[i + 1] != NULL; i++) {
		if (g_ascii_isdigit(words[i][0]) && strchr(words[i], '.') != NULL &&
		    words[i + 1][0] == '#')
			return g_strdup(words[i]);
	}
	return NULL;
}

/* what every reading ends with, whatever it found: the cause's lines, the release, the
 * frames a screen and the signature use */
static void
cd_crash_analysis_finish(CdCrashAnalysis *self,
			 const gchar *text,
			 const gchar *end,
			 const gchar *first,
			 const gchar *second,
			 const gchar *banner)
{
	/* the frames before an NMI's registers are the NMI's own handling: the crash is
	 * where it interrupted the CPU */
	if (g_strcmp0(self->kind, "nmi") == 0 && self->trace_regs_frame != G_MAXUINT &&
	    self->trace_regs_frame < self->backtrace->len)
		g_ptr_array_remove_range(self->backtrace, 0, self->trace_regs_frame);
	if (first != NULL)
		cd_crash_analysis_set_cause(self, text, end, first, second);
	/* "Linux version 6.1.0-56-amd64 (debian-kernel@...) ...", else the task's line */
	if (banner != NULL) {
		const gchar *pos = banner;
		CdCrashLine line;
		if (cd_crash_line_next(&pos, end, &line)) {
			const gchar *p = line.str + 14;
			const gchar *line_end = cd_crash_line_end(&line);
			const gchar *space = memchr(p, ' ', line_end - p);
			if (space != NULL)
				line_end = space;
			if (line_end > p && line_end - p <= CD_CRASH_RELEASE_MAX)
				self->release = cd_crash_dup(p, line_end);
		}
	}
	if (self->release == NULL && self->task_line != NULL)
		self->release = cd_crash_release_from_task_line(self->task_line);
	cd_crash_analysis_find_top_frames(self);
	self->signature = cd_crash_analysis_compute_signature(self);
}

/* which report a "Kernel panic - not syncing: @msg" is the end of */
static CdCrashEv
cd_crash_panic_cause(const gchar *msg, const CdCrashEvent *cause)
{
	if (strstr(msg, "Fatal exception") != NULL)
		return CD_CRASH_EV_OOPS;
	if (strstr(msg, "panic_on_warn") != NULL)
		return CD_CRASH_EV_WARN;
	if (strstr(msg, "softlockup") != NULL)
		return CD_CRASH_EV_SOFTLOCKUP;
	if (strstr(msg, "hard LOCKUP") != NULL || strstr(msg, "Hard LOCKUP") != NULL)
		return CD_CRASH_EV_HARDLOCKUP;
	if (g_str_has_prefix(msg, "hung_task"))
		return CD_CRASH_EV_HUNG_TASK;
	/* "NMI: Not continuing", "NMI IOCK error: Not continuing" */
	if (g_str_has_prefix(msg, "NMI") && strstr(msg, "Not continuing") != NULL)
		return CD_CRASH_EV_NMI;
	if (g_str_has_prefix(msg, "Out of memory") || strstr(msg, "deadlocked on memory") != NULL)
		return CD_CRASH_EV_OOM;
	/* "Fatal machine check", "Fatal local machine check", "Machine check from unknown
	 * source", or a rendezvous "Timeout: ..." right after the MCE lines */
	if (strstr(msg, "achine check") != NULL ||
	    (g_str_has_prefix(msg, "Timeout: ") && cause[CD_CRASH_EV_MCE].valid))
		return CD_CRASH_EV_MCE;
	return CD_CRASH_EV_PANIC;
}

/**
 * cd_crash_analysis_new_from_text:
 * @text: the crashed kernel's log, as vmcore-dmesg or pstore give it; need not end in NUL
 * @len: its length in bytes
 *
 * Finds the report that killed the kernel and reads it. Never fails: a text without
 * one gives kind "unknown".
 *
 * Returns: (transfer full): the analysis
 */
CdCrashAnalysis *
cd_crash_analysis_new_from_text(const gchar *text, gsize len)
{
	CdCrashAnalysis *self = g_object_new(CD_TYPE_CRASH_ANALYSIS, NULL);
	CdCrashEvent last[CD_CRASH_EV_LAST] = { 0 };
	CdCrashEvent cause[CD_CRASH_EV_LAST] = { 0 };
	const CdCrashEvent *primary = NULL;
	const CdCrashEvent *panic = NULL;
	CdCrashEvent *open = NULL;
	CdCrashEvent *pending_die = NULL;
	guint open_lines = 0;
	guint64 lineno = 0;
	guint64 pending_die_line = 0;
	guint64 sysrq_line = 0;
	gboolean have_sysrq = FALSE;
	const gchar *sysrq_raw = NULL;
	const gchar *banner = NULL;
	const gchar *pos;
	const gchar *end;
	guint flags = CD_CRASH_READ_TASK;
	CdCrashLine line;

	if (text == NULL) {
		text = "";
		len = 0;
	}
	pos = text;
	end = text + len;

	while (cd_crash_line_next(&pos, end, &line)) {
		CdCrashEv kind = cd_crash_classify(&line);
		gboolean die_line = FALSE;

		lineno++;
		if (open != NULL && ++open_lines > CD_CRASH_BLOCK_LINES) {
			open->end = line.raw;
			open = NULL;
		}
		switch (kind) {
		case CD_CRASH_EV_NONE:
			if (cd_crash_line_has_prefix(&line, "Linux version "))
				banner = line.raw;
			continue;
		case CD_CRASH_EV_SYSRQ:
			sysrq_line = lineno;
			sysrq_raw = line.raw;
			have_sysrq = TRUE;
			continue;
		case CD_CRASH_EV_BOUNDARY:
			if (open != NULL)
				open->end = line.raw;
			open = NULL;
			pending_die = NULL;
			continue;
		case CD_CRASH_EV_DIE:
		case CD_CRASH_EV_DIE_BUG:
			/* the second line of the oops that just started */
			if (pending_die != NULL &&
			    lineno - pending_die_line <= CD_CRASH_DIE_WINDOW) {
				pending_die->second = line.raw;
				pending_die = NULL;
				continue;
			}
			kind = kind == CD_CRASH_EV_DIE_BUG ? CD_CRASH_EV_BUG : CD_CRASH_EV_OOPS;
			die_line = TRUE;
			break;
		case CD_CRASH_EV_GPF:
		case CD_CRASH_EV_DIVIDE_ERROR:
			die_line = TRUE;
			break;
		default:
			break;
		}

		if (open != NULL)
			open->end = line.raw;
		open = &last[kind];
		open_lines = 0;
		open->start = line.raw;
		open->end = end;
		open->kind = kind;
		open->valid = TRUE;
		open->die_line = die_line;
		open->after_sysrq = have_sysrq && lineno - sysrq_line <= 3;
		open->second = NULL;
		pending_die = NULL;
		if ((kind == CD_CRASH_EV_OOPS || kind == CD_CRASH_EV_BUG) && !die_line) {
			pending_die = open;
			pending_die_line = lineno;
		}
		/* what had happened when the kernel gave up */
		if (kind == CD_CRASH_EV_PANIC)
			memcpy(cause, last, sizeof(cause));
	}

	if (last[CD_CRASH_EV_PANIC].valid) {
		CdCrashLine panic_line;
		CdCrashEv cause_kind;

		panic = &last[CD_CRASH_EV_PANIC];
		cd_crash_event_line(panic, &panic_line);
		self->panic_message =
			cd_crash_dup(panic_line.str + 26, cd_crash_line_end(&panic_line));
		/* "Kernel panic - not syncing: msg" */
		if (self->panic_message[0] == ':') {
			gchar *tmp =
				cd_crash_dup(self->panic_message + 1,
					     self->panic_message + strlen(self->panic_message));
			g_free(self->panic_message);
			self->panic_message = tmp;
		}
		cause_kind = cd_crash_panic_cause(self->panic_message, cause);
		switch (cause_kind) {
		case CD_CRASH_EV_OOPS:
			primary = cd_crash_latest(cause,
						  cd_crash_oops_kinds,
						  G_N_ELEMENTS(cd_crash_oops_kinds));
			self->kind = primary != NULL ? cd_crash_kinds[primary->kind] : "oops";
			break;
		case CD_CRASH_EV_PANIC:
			primary = cd_crash_latest(cause,
						  cd_crash_oops_kinds,
						  G_N_ELEMENTS(cd_crash_oops_kinds));
			if (g_str_has_prefix(self->panic_message, "sysrq triggered crash")) {
				self->kind = "sysrq";
				self->message = g_strdup(self->panic_message);
				primary = NULL;
			} else if (primary != NULL &&
				   g_str_has_prefix(self->panic_message,
						    "Attempted to kill init") &&
				   cd_crash_event_pid(primary) == 1) {
				/* the oops killed init, and init's death the kernel */
				self->kind = cd_crash_kinds[primary->kind];
			} else {
				self->kind = "panic";
				primary = NULL;
			}
			break;
		default:
			primary = cause[cause_kind].valid ? &cause[cause_kind] : NULL;
			self->kind = cd_crash_kinds[cause_kind];
			break;
		}
		if (cause_kind == CD_CRASH_EV_OOM || primary == NULL) {
			if (self->message == NULL)
				self->message = cd_crash_dup(panic_line.str,
							     cd_crash_line_end(&panic_line));
		}
	} else {
		primary = cd_crash_latest(last,
					  cd_crash_oops_kinds,
					  G_N_ELEMENTS(cd_crash_oops_kinds));
		if (primary == NULL)
			primary = cd_crash_latest(last,
						  cd_crash_other_kinds,
						  G_N_ELEMENTS(cd_crash_other_kinds));
		if (primary == NULL) {
			/* callers file the report under its signature whatever it is */
			cd_crash_analysis_finish(self, text, end, NULL, NULL, banner);
			return self;
		}
		self->kind = cd_crash_kinds[primary->kind];
	}

	if (primary != NULL) {
		CdCrashLine first;
		if (primary->kind == CD_CRASH_EV_MCE && self->message == NULL)
			self->message = cd_crash_mce_reason(primary);
		if (self->message == NULL)
			self->message = cd_crash_event_message(primary);
		if (primary->kind == CD_CRASH_EV_HUNG_TASK) {
			/* the blocked task, not khungtaskd nor the CPUs dumped after it */
			cd_crash_event_line(primary, &first);
			cd_crash_parse_hung_task_line(self, &first);
			self->have_task = TRUE;
		}
		if (primary->kind == CD_CRASH_EV_MCE)
			flags |= CD_CRASH_READ_HW_CPU;
		cd_crash_analysis_read_event(self, primary, flags);
		if (primary->kind == CD_CRASH_EV_HARDLOCKUP) {
			/* "Watchdog detected hard LOCKUP on cpu 3": the buddy detector reports
			 * another CPU than its own */
			const gchar *on_cpu;
			cd_crash_event_line(primary, &first);
			on_cpu = cd_crash_line_find(&first, "on cpu ");
			if (on_cpu != NULL)
				cd_crash_parse_int(on_cpu + 7,
						   cd_crash_line_end(&first),
						   &self->cpu);
		}
		cd_crash_event_line(primary, &first);
		self->uptime = first.ts;
	}
	if (panic != NULL && panic != primary) {
		if (primary != NULL && primary->kind == CD_CRASH_EV_HUNG_TASK)
			flags &= ~(guint)CD_CRASH_READ_TASK;
		cd_crash_analysis_read_event(self, panic, flags);
		if (self->uptime < 0) {
			CdCrashLine first;
			cd_crash_event_line(panic, &first);
			self->uptime = first.ts;
		}
	}

	/* a NULL dereference in sysrq_handle_crash() was how sysrq-c crashed before 4.18 */
	if (primary != NULL && cd_crash_is_oops_class(primary->kind) &&
	    (primary->after_sysrq ||
	     (self->ip_symbol != NULL && g_str_has_prefix(self->ip_symbol, "sysrq_handle_crash"))))
		self->kind = "sysrq";

	cd_crash_analysis_finish(self,
				 text,
				 end,
				 primary != NULL ? primary->start
				 : panic != NULL ? panic->start
						 : NULL,
				 primary != NULL ? primary->second : NULL,
				 banner);
	/* the line that asked for the crash, which the panic follows */
	if (primary == NULL && sysrq_raw != NULL && g_strcmp0(self->kind, "sysrq") == 0)
		cd_crash_analysis_set_cause(self, text, end, sysrq_raw, NULL);
	return self;
}

/**
 * cd_crash_analysis_get_kind:
 *
 * Returns: "oops", "bug", "panic", "sysrq", "warn", "softlockup", "hardlockup", "nmi",
 * "hung_task", "oom", "mce", "gpf", "divide_error" or "unknown"
 */
const gchar *
cd_crash_analysis_get_kind(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->kind;
}

/**
 * cd_crash_analysis_get_message:
 *
 * Returns: the line that says what happened, e.g. "kernel BUG at fs/ext4/inode.c:123!",
 * or %NULL for kind "unknown"
 */
const gchar *
cd_crash_analysis_get_message(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->message;
}

/**
 * cd_crash_analysis_get_panic_message:
 *
 * Returns: what follows "Kernel panic - not syncing: " in the last panic, or %NULL
 */
const gchar *
cd_crash_analysis_get_panic_message(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->panic_message;
}

/**
 * cd_crash_analysis_get_taint:
 *
 * Returns: the taint flags as printed, e.g. "G           OE", or %NULL if the kernel
 * was not tainted or the report does not say
 */
const gchar *
cd_crash_analysis_get_taint(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->taint;
}

/**
 * cd_crash_analysis_get_taint_words:
 *
 * Returns: (transfer none): the flags in words, e.g. "out-of-tree module"; never %NULL
 */
GStrv
cd_crash_analysis_get_taint_words(CdCrashAnalysis *self)
{
	static gchar *empty[] = { NULL };
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->taint_words != NULL ? self->taint_words : empty;
}

/**
 * cd_crash_analysis_get_cpu:
 *
 * Returns: the CPU the report came from, or -1
 */
gint
cd_crash_analysis_get_cpu(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), -1);
	return self->cpu;
}

/**
 * cd_crash_analysis_get_pid:
 *
 * Returns: the task's pid (the blocked task's for hung_task), or -1
 */
gint
cd_crash_analysis_get_pid(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), -1);
	return self->pid;
}

/**
 * cd_crash_analysis_get_comm:
 *
 * Returns: the task's name, e.g. "insmod" or "kworker/3:2", or %NULL
 */
const gchar *
cd_crash_analysis_get_comm(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->comm;
}

/**
 * cd_crash_analysis_get_ip_symbol:
 *
 * Returns: where the kernel was, e.g. "crashdesk_test_init+0x83/0x1000 [crashdesk_test]",
 * or %NULL if the report has no named kernel instruction pointer
 */
const gchar *
cd_crash_analysis_get_ip_symbol(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->ip_symbol;
}

/**
 * cd_crash_analysis_get_modules:
 *
 * Returns: (transfer none): the loaded modules without their flags; never %NULL
 */
GStrv
cd_crash_analysis_get_modules(CdCrashAnalysis *self)
{
	static gchar *empty[] = { NULL };
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->modules != NULL ? self->modules : empty;
}

/**
 * cd_crash_analysis_get_backtrace:
 *
 * Returns: (transfer none) (element-type CdCrashFrame): the report's stack trace,
 * innermost first, without the <TASK>/<IRQ> markers
 */
GPtrArray *
cd_crash_analysis_get_backtrace(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->backtrace;
}

/**
 * cd_crash_analysis_get_uptime:
 *
 * Returns: the time stamp of the report's first line in seconds since boot, or -1
 */
gdouble
cd_crash_analysis_get_uptime(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), -1);
	return self->uptime;
}

/**
 * cd_crash_analysis_get_signature:
 *
 * The same bug gives the same signature on every boot and machine: SHA-256 of the kind,
 * the message without numbers, addresses and task names, the function the kernel was in
 * and the first reliable frames of the trace, without the frames that only print it.
 *
 * Returns: 64 lower case hex digits; never %NULL, the same for every text of kind
 * "unknown"
 */
const gchar *
cd_crash_analysis_get_signature(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->signature;
}

/**
 * cd_crash_analysis_get_label:
 *
 * Returns: the kind in words for a screen's headline, e.g. "Oops", "Crash requested with
 * SysRq", "Kernel crash" for kind "unknown"
 */
const gchar *
cd_crash_analysis_get_label(CdCrashAnalysis *self)
{
	static const struct {
		const gchar *kind;
		const gchar *label;
	} labels[] = {
		{ "oops", "Oops" },
		{ "bug", "Kernel BUG" },
		{ "panic", "Kernel panic" },
		{ "sysrq", "Crash requested with SysRq" },
		{ "warn", "Warning, and panic_on_warn" },
		{ "softlockup", "Soft lockup" },
		{ "hardlockup", "Hard lockup" },
		{ "hung_task", "Hung task" },
		{ "oom", "Out of memory" },
		{ "mce", "Machine check" },
		{ "nmi", "Non-maskable interrupt" },
		{ "gpf", "General protection fault" },
		{ "divide_error", "Divide error" },
	};

	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	for (guint i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (g_strcmp0(self->kind, labels[i].kind) == 0)
			return labels[i].label;
	}
	return "Kernel crash";
}

/**
 * cd_crash_analysis_get_release:
 *
 * Returns: the crashed kernel's release, e.g. "6.1.0-56-amd64", from the last
 * "Linux version" banner, else from the report's task line; or %NULL
 */
const gchar *
cd_crash_analysis_get_release(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->release;
}

/**
 * cd_crash_analysis_get_cause_range:
 * @start: (out) (optional): the offset of the cause's first line in the text
 * @end: (out) (optional): the offset just after its last line
 *
 * Where the lines of cd_crash_analysis_get_cause_lines() are in the text the analysis
 * was made from.
 *
 * Returns: %FALSE for kind "unknown"
 */
gboolean
cd_crash_analysis_get_cause_range(CdCrashAnalysis *self, gsize *start, gsize *end)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), FALSE);
	if (self->cause_lines == NULL)
		return FALSE;
	if (start != NULL)
		*start = self->cause_start;
	if (end != NULL)
		*end = self->cause_end;
	return TRUE;
}

/**
 * cd_crash_analysis_get_cause_lines:
 *
 * Returns: (transfer none): the lines that say what happened, without time stamps: the
 * report's first line and the "Oops: 0002 [#1] ..." after it, the "sysrq: Trigger a
 * crash" line, or the panic's line; empty for kind "unknown", never %NULL
 */
GStrv
cd_crash_analysis_get_cause_lines(CdCrashAnalysis *self)
{
	static gchar *empty[] = { NULL };
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->cause_lines != NULL ? self->cause_lines : empty;
}

/**
 * cd_crash_analysis_get_task_line:
 *
 * Returns: the line the task was read from, e.g. "CPU: 0 PID: 86 Comm: insmod Not
 * tainted 6.1.0-56-amd64 #1", or %NULL
 */
const gchar *
cd_crash_analysis_get_task_line(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->task_line;
}

/**
 * cd_crash_analysis_get_ip_line:
 *
 * Returns: the line cd_crash_analysis_get_ip_symbol() was read from, e.g.
 * "RIP: 0010:crashdesk_test_init+0x83/0x1000 [crashdesk_test]", or %NULL
 */
const gchar *
cd_crash_analysis_get_ip_line(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->ip_line;
}

/**
 * cd_crash_analysis_get_top_frames:
 *
 * Returns: (transfer none) (element-type CdCrashFrame): the frames of the backtrace that
 * say where the kernel was, innermost first: named and reliable, without the functions
 * that print a report or panic (and, for kind "nmi", take the NMI). The signature is
 * made of the first of them.
 */
GPtrArray *
cd_crash_analysis_get_top_frames(CdCrashAnalysis *self)
{
	g_return_val_if_fail(CD_IS_CRASH_ANALYSIS(self), NULL);
	return self->top_frames;
}
