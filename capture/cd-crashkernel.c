/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCrashkernel"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cd-cmdline.h"
#include "cd-crashkernel.h"
#include "cd-error.h"
#include "cd-file.h"
#include "cd-size.h"

/* ranges in one option: the kernel has no limit, real options have two to six */
#define CD_CRASHKERNEL_MAX_RANGES 64
/* how much of a bad value an error message quotes */
#define CD_CRASHKERNEL_QUOTE_MAX 32

typedef struct {
	guint64 start;
	guint64 end; /* G_MAXUINT64: no end */
	guint64 size;
	gchar *text; /* "1G-4G" as written */
} CdCrashkernelRange;

struct _CdCrashkernel {
	gchar *text; /* the value, without "crashkernel=" */
	CdCrashkernelKind kind;
	guint64 size; /* the size of a plain, ,high, ,low or ,cma value without ranges */
	GArray *ranges;
	gboolean has_offset;
	guint64 offset;
};

static const gchar *const cd_crashkernel_suffixes[] = {
	[CD_CRASHKERNEL_KIND_PLAIN] = NULL,
	[CD_CRASHKERNEL_KIND_HIGH] = ",high",
	[CD_CRASHKERNEL_KIND_LOW] = ",low",
	[CD_CRASHKERNEL_KIND_CMA] = ",cma",
};

static void
cd_crashkernel_range_clear(gpointer data)
{
	CdCrashkernelRange *range = data;
	g_free(range->text);
}

void
cd_crashkernel_free(CdCrashkernel *ck)
{
	if (ck == NULL)
		return;
	g_free(ck->text);
	if (ck->ranges != NULL)
		g_array_unref(ck->ranges);
	g_free(ck);
}

/* the kind of a word, by its end, as the kernel's get_last_crashkernel() tells it */
static CdCrashkernelKind
cd_crashkernel_kind_of(const gchar *value, gsize len)
{
	for (guint i = CD_CRASHKERNEL_KIND_HIGH; i < G_N_ELEMENTS(cd_crashkernel_suffixes); i++) {
		gsize n = strlen(cd_crashkernel_suffixes[i]);
		if (len >= n && memcmp(value + len - n, cd_crashkernel_suffixes[i], n) == 0)
			return (CdCrashkernelKind)i;
	}
	return CD_CRASHKERNEL_KIND_PLAIN;
}

/* at most CD_CRASHKERNEL_QUOTE_MAX characters of @p, for a message */
static gchar *
cd_crashkernel_quote(const gchar *p, gsize len)
{
	if (len > CD_CRASHKERNEL_QUOTE_MAX)
		return g_strdup_printf("%.*s...", CD_CRASHKERNEL_QUOTE_MAX, p);
	return g_strndup(p, len);
}

static void
cd_crashkernel_set_error(GError **error, const gchar *value, const gchar *format, ...)
	G_GNUC_PRINTF(3, 4);

static void
cd_crashkernel_set_error(GError **error, const gchar *value, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *what = NULL;
	g_autofree gchar *quoted = cd_crashkernel_quote(value, strlen(value));

	va_start(args, format);
	what = g_strdup_vprintf(format, args);
	va_end(args);
	g_set_error(error,
		    CD_ERROR,
		    CD_ERROR_INVALID_DATA,
		    CD_CRASHKERNEL_PREFIX "%s: %s",
		    quoted,
		    what);
}

/*
 * The kernel's memparse(): simple_strtoull() with base 0, then one of K M G T P E in
 * either case. @missing is the message when no number starts at @p. Unlike the kernel,
 * an overflow, an unknown suffix, a digit 8 or 9 in an octal number, and a letter after
 * the suffix ("256MB") are errors.
 *
 * Returns: the position after the size, or NULL with @error set
 */
static const gchar *
cd_crashkernel_memparse(const gchar *value,
			const gchar *p,
			const gchar *missing,
			guint64 *out,
			GError **error)
{
	const gchar *begin = p;
	guint base = 10;
	guint shift = 0;
	guint64 v = 0;
	g_autofree gchar *token = NULL;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && g_ascii_isxdigit(p[2])) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	if (!g_ascii_isdigit(*p)) {
		cd_crashkernel_set_error(error, value, "%s", missing);
		return NULL;
	}
	for (;; p++) {
		guint d;
		if (g_ascii_isdigit(*p))
			d = (guint)(*p - '0');
		else if (base == 16 && g_ascii_isxdigit(*p))
			d = (guint)g_ascii_xdigit_value(*p);
		else
			break;
		if (d >= base) {
			token = cd_crashkernel_quote(begin, strspn(begin, "0123456789"));
			cd_crashkernel_set_error(error,
						 value,
						 "'%s' is not an octal number (a leading 0 means "
						 "octal, as for the kernel)",
						 token);
			return NULL;
		}
		if (v > (G_MAXUINT64 - d) / base) {
			token = cd_crashkernel_quote(begin,
						     strspn(begin, "0123456789abcdefxABCDEFX"));
			cd_crashkernel_set_error(error, value, "'%s' is too large", token);
			return NULL;
		}
		v = v * base + d;
	}
	switch (g_ascii_tolower(*p)) {
	case 'k':
		shift = 10;
		break;
	case 'm':
		shift = 20;
		break;
	case 'g':
		shift = 30;
		break;
	case 't':
		shift = 40;
		break;
	case 'p':
		shift = 50;
		break;
	case 'e':
		shift = 60;
		break;
	default:
		if (g_ascii_isalpha(*p)) {
			token = cd_crashkernel_quote(begin, (gsize)(p - begin) + 1);
			cd_crashkernel_set_error(
				error,
				value,
				"unknown size suffix '%c' in '%s' (K, M, G, T, P or E)",
				*p,
				token);
			return NULL;
		}
		*out = v;
		return p;
	}
	p++;
	token = cd_crashkernel_quote(begin, (gsize)(p - begin));
	if (shift > 0 && v > (G_MAXUINT64 >> shift)) {
		cd_crashkernel_set_error(error, value, "'%s' is too large", token);
		return NULL;
	}
	if (g_ascii_isalpha(*p)) {
		cd_crashkernel_set_error(error,
					 value,
					 "unexpected '%c' after '%s' (the suffix is one letter, "
					 "as in 256M)",
					 *p,
					 token);
		return NULL;
	}
	*out = v << shift;
	return p;
}

/* "@OFFSET" at @p, if any; then the end of the value */
static gboolean
cd_crashkernel_parse_tail(CdCrashkernel *ck,
			  const gchar *value,
			  const gchar *p,
			  const gchar *after,
			  GError **error)
{
	if (*p == '@') {
		p = cd_crashkernel_memparse(value,
					    p + 1,
					    "no offset after '@'",
					    &ck->offset,
					    error);
		if (p == NULL)
			return FALSE;
		ck->has_offset = TRUE;
		after = "the offset";
	}
	if (*p != '\0') {
		g_autofree gchar *rest = cd_crashkernel_quote(p, strlen(p));
		cd_crashkernel_set_error(error, value, "unexpected '%s' after %s", rest, after);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_crashkernel_parse_ranges(CdCrashkernel *ck, const gchar *value, GError **error)
{
	const gchar *p = value;
	g_autofree gchar *after = NULL;

	ck->ranges = g_array_new(FALSE, TRUE, sizeof(CdCrashkernelRange));
	g_array_set_clear_func(ck->ranges, cd_crashkernel_range_clear);
	for (guint n = 1;; n++) {
		CdCrashkernelRange range = { .end = G_MAXUINT64 };
		const gchar *begin = p;
		g_autofree gchar *missing = NULL;

		if (n > CD_CRASHKERNEL_MAX_RANGES) {
			cd_crashkernel_set_error(error,
						 value,
						 "more than %u ranges",
						 (guint)CD_CRASHKERNEL_MAX_RANGES);
			return FALSE;
		}
		missing = g_strdup_printf("range %u has no start", n);
		p = cd_crashkernel_memparse(value, p, missing, &range.start, error);
		if (p == NULL)
			return FALSE;
		if (*p != '-') {
			cd_crashkernel_set_error(error,
						 value,
						 "range %u: '-' expected after its start",
						 n);
			return FALSE;
		}
		p++;
		if (*p != ':') {
			g_free(missing);
			missing = g_strdup_printf("range %u: an end or ':' expected after '-'", n);
			p = cd_crashkernel_memparse(value, p, missing, &range.end, error);
			if (p == NULL)
				return FALSE;
			if (range.end <= range.start) {
				g_autofree gchar *text =
					cd_crashkernel_quote(begin, (gsize)(p - begin));
				cd_crashkernel_set_error(
					error,
					value,
					"range %u (%s): the start is not below the end",
					n,
					text);
				return FALSE;
			}
		}
		if (*p != ':') {
			cd_crashkernel_set_error(error,
						 value,
						 "range %u: ':' expected after its end",
						 n);
			return FALSE;
		}
		range.text = g_strndup(begin, (gsize)(p - begin));
		p++;
		g_free(missing);
		missing = g_strdup_printf("range %u has no size", n);
		p = cd_crashkernel_memparse(value, p, missing, &range.size, error);
		if (p == NULL) {
			g_free(range.text);
			return FALSE;
		}
		if (ck->ranges->len > 0) {
			const CdCrashkernelRange *prev =
				&g_array_index(ck->ranges, CdCrashkernelRange, ck->ranges->len - 1);
			if (prev->end == G_MAXUINT64) {
				cd_crashkernel_set_error(
					error,
					value,
					"range %u (%s) follows range %u (%s), which "
					"has no end",
					n,
					range.text,
					n - 1,
					prev->text);
				g_free(range.text);
				return FALSE;
			}
			if (range.start < prev->end) {
				cd_crashkernel_set_error(
					error,
					value,
					"range %u (%s) overlaps or comes before range "
					"%u (%s): ranges go up, without overlap",
					n,
					range.text,
					n - 1,
					prev->text);
				g_free(range.text);
				return FALSE;
			}
		}
		g_array_append_val(ck->ranges, range);
		if (*p != ',')
			break;
		p++;
	}
	after = g_strdup_printf("range %u", ck->ranges->len);
	return cd_crashkernel_parse_tail(ck, value, p, after, error);
}

/**
 * cd_crashkernel_parse:
 * @value: one crashkernel= value, with or without the "crashkernel=" in front
 *
 * Reads one value in any of the kernel's forms (see the top of cd-crashkernel.h).
 * Errors are %CD_ERROR_INVALID_DATA and read "crashkernel=VALUE: the problem", e.g.
 * "crashkernel=1G-:: range 1 has no size".
 *
 * Returns: (transfer full): the option, or NULL with @error set
 */
CdCrashkernel *
cd_crashkernel_parse(const gchar *value, GError **error)
{
	g_autoptr(CdCrashkernel) ck = g_new0(CdCrashkernel, 1);
	const gchar *p;
	gsize len;

	g_return_val_if_fail(value != NULL, NULL);

	if (g_str_has_prefix(value, CD_CRASHKERNEL_PREFIX))
		value += strlen(CD_CRASHKERNEL_PREFIX);
	ck->text = g_strdup(value);
	len = strlen(value);
	for (p = value; *p != '\0'; p++) {
		if (g_ascii_isspace(*p) || !g_ascii_isprint(*p)) {
			cd_crashkernel_set_error(error,
						 value,
						 "a value is one word, without spaces or control "
						 "characters");
			return NULL;
		}
	}
	ck->kind = cd_crashkernel_kind_of(value, len);
	if (ck->kind != CD_CRASHKERNEL_KIND_PLAIN) {
		const gchar *suffix = cd_crashkernel_suffixes[ck->kind];
		const gchar *end = value + len - strlen(suffix);

		p = cd_crashkernel_memparse(value,
					    value,
					    "no size before the suffix",
					    &ck->size,
					    error);
		if (p == NULL)
			return NULL;
		if (p != end) {
			g_autofree gchar *rest = cd_crashkernel_quote(p, (gsize)(end - p));
			cd_crashkernel_set_error(
				error,
				value,
				"unexpected '%s' before '%s' (SIZE%s takes one size, "
				"no ranges or offset)",
				rest,
				suffix,
				suffix);
			return NULL;
		}
		return g_steal_pointer(&ck);
	}
	if (strchr(value, ':') != NULL) {
		if (!cd_crashkernel_parse_ranges(ck, value, error))
			return NULL;
		return g_steal_pointer(&ck);
	}
	p = cd_crashkernel_memparse(value, value, "no size", &ck->size, error);
	if (p == NULL)
		return NULL;
	if (!cd_crashkernel_parse_tail(ck, value, p, "the size", error))
		return NULL;
	return g_steal_pointer(&ck);
}

/* calls @func for each crashkernel= word of @cmdline, cut as next_arg() cuts them (the
 * kernel finds the option anywhere, even after "--": so does this) */
static void
cd_crashkernel_foreach_word(const gchar *cmdline,
			    void (*func)(const gchar *word, gsize len, gpointer user_data),
			    gpointer user_data)
{
	g_auto(GStrv) words = cd_cmdline_split(cmdline);

	for (guint i = 0; words[i] != NULL; i++) {
		if (g_str_has_prefix(words[i], CD_CRASHKERNEL_PREFIX))
			func(words[i], strlen(words[i]), user_data);
	}
}

static void
cd_crashkernel_collect_word(const gchar *word, gsize len, gpointer user_data)
{
	g_ptr_array_add(user_data, g_strndup(word, len));
}

static GPtrArray *
cd_crashkernel_cmdline_words(const gchar *cmdline)
{
	GPtrArray *words = g_ptr_array_new_with_free_func(g_free);
	cd_crashkernel_foreach_word(cmdline, cd_crashkernel_collect_word, words);
	return words;
}

/**
 * cd_crashkernel_parse_cmdline:
 * @cmdline: a kernel command line, as /proc/cmdline holds it
 *
 * Reads every crashkernel= word, in order; see cd_crashkernel_select() for the ones
 * the kernel acts on.
 *
 * Returns: (transfer container) (element-type CdCrashkernel): the options, an empty
 *	array if there is none, or NULL with @error set by the first bad one
 */
GPtrArray *
cd_crashkernel_parse_cmdline(const gchar *cmdline, GError **error)
{
	g_autoptr(GPtrArray) words = cd_crashkernel_cmdline_words(cmdline);
	g_autoptr(GPtrArray) options =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_crashkernel_free);

	for (guint i = 0; i < words->len; i++) {
		CdCrashkernel *ck = cd_crashkernel_parse(g_ptr_array_index(words, i), error);
		if (ck == NULL)
			return NULL;
		g_ptr_array_add(options, ck);
	}
	return g_steal_pointer(&options);
}

/* which of @n words of the given kinds the kernel acts on, as its parse_crashkernel() */
static void
cd_crashkernel_select_kinds(const CdCrashkernelKind *kinds, guint n, gint *main, gint *low)
{
	gint plain = -1;
	gint high = -1;
	gint low_last = -1;

	for (guint i = 0; i < n; i++) {
		if (kinds[i] == CD_CRASHKERNEL_KIND_PLAIN)
			plain = (gint)i;
		else if (kinds[i] == CD_CRASHKERNEL_KIND_HIGH)
			high = (gint)i;
		else if (kinds[i] == CD_CRASHKERNEL_KIND_LOW)
			low_last = (gint)i;
	}
	*main = plain >= 0 ? plain : high;
	*low = plain < 0 && high >= 0 ? low_last : -1;
}

/**
 * cd_crashkernel_select:
 * @options: (element-type CdCrashkernel): from cd_crashkernel_parse_cmdline()
 * @main: (out): the last plain option or, without one, the last ,high one; or NULL
 * @low: (out): with a ,high @main, the last ,low option; else NULL
 *
 * The options the kernel acts on; the others it ignores.
 */
void
cd_crashkernel_select(GPtrArray *options, const CdCrashkernel **main, const CdCrashkernel **low)
{
	g_autofree CdCrashkernelKind *kinds = g_new0(CdCrashkernelKind, MAX(options->len, 1));
	gint m;
	gint l;

	for (guint i = 0; i < options->len; i++)
		kinds[i] = ((const CdCrashkernel *)g_ptr_array_index(options, i))->kind;
	cd_crashkernel_select_kinds(kinds, options->len, &m, &l);
	*main = m >= 0 ? g_ptr_array_index(options, (guint)m) : NULL;
	*low = l >= 0 ? g_ptr_array_index(options, (guint)l) : NULL;
}

const gchar *
cd_crashkernel_get_text(const CdCrashkernel *ck)
{
	return ck->text;
}

CdCrashkernelKind
cd_crashkernel_get_kind(const CdCrashkernel *ck)
{
	return ck->kind;
}

/* 0: a single size */
guint
cd_crashkernel_get_range_count(const CdCrashkernel *ck)
{
	return ck->ranges != NULL ? ck->ranges->len : 0;
}

/**
 * cd_crashkernel_get_range:
 * @end: (out) (optional): G_MAXUINT64 for a range without end
 * @text: (out) (optional): the range as written, "1G-4G"
 *
 * Returns: FALSE if @idx is past the last range
 */
gboolean
cd_crashkernel_get_range(const CdCrashkernel *ck,
			 guint idx,
			 guint64 *start,
			 guint64 *end,
			 guint64 *size,
			 const gchar **text)
{
	const CdCrashkernelRange *range;

	if (ck->ranges == NULL || idx >= ck->ranges->len)
		return FALSE;
	range = &g_array_index(ck->ranges, CdCrashkernelRange, idx);
	if (start != NULL)
		*start = range->start;
	if (end != NULL)
		*end = range->end;
	if (size != NULL)
		*size = range->size;
	if (text != NULL)
		*text = range->text;
	return TRUE;
}

/* Returns: whether the option has "@OFFSET" */
gboolean
cd_crashkernel_get_offset(const CdCrashkernel *ck, guint64 *offset)
{
	if (offset != NULL)
		*offset = ck->offset;
	return ck->has_offset;
}

static guint64
cd_crashkernel_round_ram(guint64 system_ram)
{
	if (system_ram > G_MAXUINT64 - (CD_CRASHKERNEL_RAM_ROUND - 1))
		return G_MAXUINT64 & ~(CD_CRASHKERNEL_RAM_ROUND - 1);
	return (system_ram + CD_CRASHKERNEL_RAM_ROUND - 1) & ~(CD_CRASHKERNEL_RAM_ROUND - 1);
}

/* the range the kernel takes, -1 for none; *refused when it refuses the option */
static gint
cd_crashkernel_match(const CdCrashkernel *ck, guint64 system_ram, gboolean *refused)
{
	guint64 total = cd_crashkernel_round_ram(system_ram);

	*refused = FALSE;
	for (guint i = 0; ck->ranges != NULL && i < ck->ranges->len; i++) {
		const CdCrashkernelRange *range = &g_array_index(ck->ranges, CdCrashkernelRange, i);
		/* parse_crashkernel_mem(): "invalid size", for each range up to the match */
		if (range->size >= total) {
			*refused = TRUE;
			return -1;
		}
		if (total >= range->start && total < range->end)
			return (gint)i;
	}
	return -1;
}

/**
 * cd_crashkernel_get_range_for_ram:
 * @system_ram: the RAM, in bytes, as the kernel counts it (memblock's total)
 *
 * Returns: the index of the range that applies to @system_ram, or -1: no range
 *	matches, the kernel refuses the option on this RAM, or the option has no ranges
 */
gint
cd_crashkernel_get_range_for_ram(const CdCrashkernel *ck, guint64 system_ram)
{
	gboolean refused;
	return cd_crashkernel_match(ck, system_ram, &refused);
}

/**
 * cd_crashkernel_get_size_for_ram:
 * @system_ram: the RAM, in bytes, as the kernel counts it (memblock's total)
 *
 * What the option asks the kernel to reserve on a machine with @system_ram: its size,
 * or that of the range that applies. 0 when no range matches, or when the kernel refuses
 * the option on this RAM (a size not below the RAM).
 *
 * Returns: bytes
 */
guint64
cd_crashkernel_get_size_for_ram(const CdCrashkernel *ck, guint64 system_ram)
{
	guint64 size = ck->size;

	if (ck->ranges != NULL) {
		gboolean refused;
		gint idx = cd_crashkernel_match(ck, system_ram, &refused);
		if (idx < 0)
			return 0;
		size = g_array_index(ck->ranges, CdCrashkernelRange, idx).size;
	}
	/* parse_crashkernel(): a size not below the RAM is refused */
	if (size >= system_ram)
		return 0;
	return size;
}

/**
 * cd_crashkernel_suggest_size:
 * @kernel_image_bytes: the kernel image's file size
 * @initrd_bytes: the initramfs's file size, 0 without one
 * @system_ram: the RAM of the machine
 *
 * The formula and its constants are at CD_CRASHKERNEL_SUGGEST_* in the header.
 *
 * Returns: bytes, a multiple of 16 MiB, at least 256 MiB
 */
guint64
cd_crashkernel_suggest_size(guint64 kernel_image_bytes, guint64 initrd_bytes, guint64 system_ram)
{
	guint64 size;

	/* file sizes beyond a TiB are not images: keep the sum from overflowing */
	kernel_image_bytes = MIN(kernel_image_bytes, 1ULL << 40);
	initrd_bytes = MIN(initrd_bytes, 1ULL << 40);
	size = CD_CRASHKERNEL_SUGGEST_KERNEL_FACTOR * kernel_image_bytes +
	       CD_CRASHKERNEL_SUGGEST_INITRD_FACTOR * initrd_bytes + CD_CRASHKERNEL_SUGGEST_FLOOR +
	       system_ram / CD_CRASHKERNEL_SUGGEST_RAM_DIVISOR;
	size = (size + CD_CRASHKERNEL_SUGGEST_ROUND - 1) / CD_CRASHKERNEL_SUGGEST_ROUND *
	       CD_CRASHKERNEL_SUGGEST_ROUND;
	return MAX(size, CD_CRASHKERNEL_SUGGEST_MIN);
}

/**
 * cd_crashkernel_suggest_option:
 * @size: from cd_crashkernel_suggest_size()
 *
 * The plain form, "crashkernel=384M", not a range list: the size comes from this
 * machine's kernel, initramfs and RAM, and a range list would only add guesses for other
 * machines (the RAM term is small, and crashdesk says when a later kernel or more RAM
 * needs more). The plain form also lets x86_64 and arm64 fall back above 4 GiB, with a
 * low part, when low memory is short.
 *
 * Returns: (transfer full): the option text
 */
gchar *
cd_crashkernel_suggest_option(guint64 size)
{
	if (size % (1024ULL * 1024 * 1024) == 0 && size > 0)
		return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%" G_GUINT64_FORMAT "G", size >> 30);
	if (size % (1024 * 1024) == 0)
		return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%" G_GUINT64_FORMAT "M", size >> 20);
	return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%" G_GUINT64_FORMAT, size);
}

/**
 * cd_crashkernel_read_file:
 * @root: the root prefix, "/" for this machine
 * @path: an absolute path below it
 * @max_size: the most that is read; a larger file is an error
 * @contents: (out): the text, NUL-terminated; NULL when the file does not exist or
 *	cannot be read by this user (a normal answer here)
 *
 * Returns: FALSE with @error for anything else: not a regular file, too large, I/O
 */
gboolean
cd_crashkernel_read_file(const gchar *root,
			 const gchar *path,
			 gsize max_size,
			 gchar **contents,
			 GError **error)
{
	g_autofree gchar *full = g_build_filename(root, path, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gint fd = cd_file_open_regular(AT_FDCWD, full, CD_FILE_OPEN_NONE, NULL, &error_local);

	*contents = NULL;
	if (fd < 0) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_PERM))
			return TRUE;
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    full,
			    error_local->message);
		return FALSE;
	}
	/* /proc and sysfs files say size 0: cd_file_read_fd_text reads to the end */
	text = cd_file_read_fd_text(fd, max_size, &len, &error_local);
	g_close(fd, NULL);
	if (text == NULL) {
		/* a file this user may open but not read is no answer either */
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_PERM))
			return TRUE;
		if (g_error_matches(error_local, CD_ERROR, CD_ERROR_INVALID_DATA)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than the %" G_GSIZE_FORMAT " bytes expected",
				    full,
				    max_size);
			return FALSE;
		}
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    full,
			    error_local->message);
		return FALSE;
	}
	if (memchr(text, '\0', len) != NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "%s: not a text file", full);
		return FALSE;
	}
	*contents = g_steal_pointer(&text);
	return TRUE;
}

/* a decimal or hexadecimal number alone on the first line of a sysfs file */
static gboolean
cd_crashkernel_read_number(const gchar *root,
			   const gchar *path,
			   guint base,
			   gboolean *found,
			   guint64 *value,
			   GError **error)
{
	g_autofree gchar *text = NULL;

	*found = FALSE;
	if (!cd_crashkernel_read_file(root, path, CD_CRASHKERNEL_MAX_SYSFS, &text, error))
		return FALSE;
	if (text == NULL)
		return TRUE;
	g_strstrip(text);
	if (!g_ascii_string_to_unsigned(text, base, 0, G_MAXUINT64, value, NULL)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: '%s' is not a number",
			    path,
			    text);
		return FALSE;
	}
	*found = TRUE;
	return TRUE;
}

typedef struct {
	guint64 ram;	     /* top-level "System RAM" */
	gboolean readable;   /* addresses shown (root), not zeros */
	guint64 crash;	     /* "Crash kernel" regions */
	guint crash_regions; /* counted even when their addresses are zeros */
} CdIomem;

/* /proc/iomem: "start-end : name", nested regions indented by two spaces per level */
static gboolean
cd_crashkernel_parse_iomem(const gchar *text, CdIomem *iomem, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	memset(iomem, 0, sizeof(*iomem));
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = lines[i];
		gsize indent = strspn(line, " ");
		const gchar *p = line + indent;
		const gchar *name;
		gchar *end = NULL;
		guint64 start;
		guint64 last;

		if (*p == '\0')
			continue;
		start = g_ascii_strtoull(p, &end, 16);
		if (end == p || *end != '-')
			goto bad;
		p = end + 1;
		last = g_ascii_strtoull(p, &end, 16);
		if (end == p || !g_str_has_prefix(end, " : ") || last < start)
			goto bad;
		name = end + 3;
		if (last != 0)
			iomem->readable = TRUE;
		if (indent == 0 && g_strcmp0(name, "System RAM") == 0) {
			if (last - start == G_MAXUINT64 ||
			    iomem->ram > G_MAXUINT64 - (last - start + 1))
				goto bad;
			iomem->ram += last - start + 1;
		} else if (g_strcmp0(name, "Crash kernel") == 0) {
			iomem->crash_regions++;
			if (last != 0 && iomem->crash <= G_MAXUINT64 - (last - start + 1))
				iomem->crash += last - start + 1;
		}
		continue;
	bad:
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "/proc/iomem: line %u is not 'start-end : name'",
			    i + 1);
		return FALSE;
	}
	return TRUE;
}

/* online memory blocks times their size; FALSE in *found without the directory */
static gboolean
cd_crashkernel_read_memory_blocks(const gchar *root, gboolean *found, guint64 *ram, GError **error)
{
	g_autofree gchar *dirname = g_build_filename(root, "/sys/devices/system/memory", NULL);
	g_autoptr(GDir) dir = NULL;
	const gchar *name;
	guint64 block_size = 0;
	guint64 online = 0;
	guint seen = 0;
	gboolean have_size = FALSE;

	*found = FALSE;
	if (!cd_crashkernel_read_number(root,
					"/sys/devices/system/memory/block_size_bytes",
					16,
					&have_size,
					&block_size,
					error))
		return FALSE;
	if (!have_size || block_size == 0)
		return TRUE;
	dir = g_dir_open(dirname, 0, NULL);
	if (dir == NULL)
		return TRUE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = NULL;
		gboolean have = FALSE;
		guint64 value = 0;

		if (!g_str_has_prefix(name, "memory") || !g_ascii_isdigit(name[6]))
			continue;
		if (++seen > CD_CRASHKERNEL_MAX_BLOCKS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than %u memory blocks",
				    dirname,
				    (guint)CD_CRASHKERNEL_MAX_BLOCKS);
			return FALSE;
		}
		path = g_build_filename("/sys/devices/system/memory", name, "online", NULL);
		if (!cd_crashkernel_read_number(root, path, 10, &have, &value, error))
			return FALSE;
		if (have && value == 1)
			online++;
	}
	if (online == 0)
		return TRUE;
	if (online > G_MAXUINT64 / block_size) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "%s: too many blocks", dirname);
		return FALSE;
	}
	*ram = online * block_size;
	*found = TRUE;
	return TRUE;
}

/* one "Key:   N kB" line of /proc/meminfo, in bytes */
static gboolean
cd_crashkernel_meminfo_total(const gchar *text, guint64 *bytes)
{
	const gchar *p = strstr(text, "MemTotal:");
	guint64 kib;
	gchar *end = NULL;

	if (p == NULL || (p != text && p[-1] != '\n'))
		return FALSE;
	p += strlen("MemTotal:");
	while (*p == ' ' || *p == '\t')
		p++;
	kib = g_ascii_strtoull(p, &end, 10);
	if (end == p || kib > G_MAXUINT64 / 1024)
		return FALSE;
	*bytes = kib * 1024;
	return TRUE;
}

const gchar *
cd_crashkernel_verdict_to_string(CdCrashkernelVerdict verdict)
{
	switch (verdict) {
	case CD_CRASHKERNEL_VERDICT_OK:
		return "ok";
	case CD_CRASHKERNEL_VERDICT_NO_OPTION:
		return "no_option";
	case CD_CRASHKERNEL_VERDICT_NOT_RESERVED:
		return "not_reserved";
	case CD_CRASHKERNEL_VERDICT_TOO_SMALL:
		return "too_small";
	case CD_CRASHKERNEL_VERDICT_NO_KEXEC:
		return "no_kexec";
	default:
		return "unknown";
	}
}

const gchar *
cd_crashkernel_ram_source_to_string(CdCrashkernelRamSource source)
{
	switch (source) {
	case CD_CRASHKERNEL_RAM_SOURCE_IOMEM:
		return "iomem";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS:
		return "memory_blocks";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMINFO:
		return "meminfo";
	case CD_CRASHKERNEL_RAM_SOURCE_NONE:
	default:
		return NULL;
	}
}

const gchar *
cd_bootloader_kind_to_string(CdBootloaderKind kind)
{
	switch (kind) {
	case CD_BOOTLOADER_GRUB:
		return "grub";
	case CD_BOOTLOADER_KERNEL_INSTALL:
		return "kernel-install";
	case CD_BOOTLOADER_NONE:
	default:
		return "none";
	}
}

/* the file in /proc the RAM source reads, for the text */
static const gchar *
cd_crashkernel_ram_source_describe(CdCrashkernelRamSource source)
{
	switch (source) {
	case CD_CRASHKERNEL_RAM_SOURCE_IOMEM:
		return "/proc/iomem";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS:
		return "the online memory blocks";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMINFO:
		return "MemTotal of /proc/meminfo and the reservation";
	case CD_CRASHKERNEL_RAM_SOURCE_NONE:
	default:
		return "nothing readable";
	}
}

void
cd_crashkernel_state_free(CdCrashkernelState *state)
{
	if (state == NULL)
		return;
	if (state->options != NULL)
		g_ptr_array_unref(state->options);
	g_free(state->option_error);
	cd_crashkernel_free(state->main);
	cd_crashkernel_free(state->low);
	g_free(state->matched_range);
	g_free(state->suggested_option);
	cd_bootloader_advice_clear(&state->bootloader);
	g_free(state);
}

/* the options on @cmdline the kernel acts on, parsed; a bad one is an answer, not an error */
static void
cd_crashkernel_state_set_options(CdCrashkernelState *state, const gchar *cmdline)
{
	g_autofree CdCrashkernelKind *kinds = NULL;
	g_autoptr(GError) error = NULL;
	gint main_idx;
	gint low_idx;

	state->options = cd_crashkernel_cmdline_words(cmdline);
	kinds = g_new0(CdCrashkernelKind, MAX(state->options->len, 1));
	for (guint i = 0; i < state->options->len; i++) {
		const gchar *word = g_ptr_array_index(state->options, i);
		const gchar *value = word + strlen(CD_CRASHKERNEL_PREFIX);
		kinds[i] = cd_crashkernel_kind_of(value, strlen(value));
	}
	cd_crashkernel_select_kinds(kinds, state->options->len, &main_idx, &low_idx);
	if (main_idx >= 0) {
		state->main =
			cd_crashkernel_parse(g_ptr_array_index(state->options, (guint)main_idx),
					     &error);
		if (state->main == NULL) {
			state->option_error = g_strdup(error->message);
			return;
		}
	}
	if (low_idx >= 0) {
		state->low = cd_crashkernel_parse(g_ptr_array_index(state->options, (guint)low_idx),
						  &error);
		/* the kernel then refuses the ,high reservation too */
		if (state->low == NULL)
			state->option_error = g_strdup(error->message);
	}
}

/* the size of an image below @root: @file if given (absolute), else /boot/@name */
static void
cd_crashkernel_image_size(const gchar *root,
			  const gchar *file,
			  const gchar *name,
			  guint64 *size,
			  gboolean *assumed)
{
	g_autofree gchar *path = file != NULL ? g_build_filename(root, file, NULL)
					      : g_build_filename(root, "boot", name, NULL);
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		*size = (guint64)st.st_size;
		return;
	}
	*size = 0;
	*assumed = TRUE;
}

/**
 * cd_crashkernel_state_read:
 * @root: the root prefix, "/" for this machine, a fixture tree in the tests
 * @release: the kernel release whose /boot/vmlinuz-RELEASE and /boot/initrd.img-RELEASE
 *	size the suggestion, NULL for the running kernel
 * @kernel: the capture kernel's image if not that one (an absolute path below @root), or NULL
 * @initrd: its initrd if not that one, or NULL; "" for none
 *
 * Reads /proc/cmdline, /proc/iomem, /proc/meminfo, /sys/kernel/kexec_crash_size and
 * kexec_crash_loaded, the memory blocks and the boot loader's configuration below @root,
 * every file size-limited; a missing file is an answer, never an error.
 *
 * Returns: (transfer full): the state, or NULL with @error when a file is unreadable
 *	for another reason or malformed
 */
CdCrashkernelState *
cd_crashkernel_state_read(const gchar *root,
			  const gchar *release,
			  const gchar *kernel,
			  const gchar *initrd_file,
			  GError **error)
{
	g_autoptr(CdCrashkernelState) state = g_new0(CdCrashkernelState, 1);
	g_autofree gchar *cmdline = NULL;
	g_autofree gchar *iomem_text = NULL;
	g_autofree gchar *meminfo = NULL;
	g_autofree gchar *vmlinuz = NULL;
	g_autofree gchar *initrd = NULL;
	CdIomem iomem = { 0 };
	struct utsname uts;
	guint64 value = 0;
	gboolean found = FALSE;

	if (release == NULL) {
		if (uname(&uts) < 0) {
			cd_error_set_from_errno(error, errno, "uname");
			return NULL;
		}
		release = uts.release;
	}

	/* the options */
	if (!cd_crashkernel_read_file(root,
				      "/proc/cmdline",
				      CD_CRASHKERNEL_MAX_CMDLINE,
				      &cmdline,
				      error))
		return NULL;
	cd_crashkernel_state_set_options(state, cmdline != NULL ? cmdline : "");

	/* the reservation */
	if (!cd_crashkernel_read_file(root,
				      "/proc/iomem",
				      CD_CRASHKERNEL_MAX_IOMEM,
				      &iomem_text,
				      error))
		return NULL;
	if (iomem_text != NULL && !cd_crashkernel_parse_iomem(iomem_text, &iomem, error))
		return NULL;
	if (!cd_crashkernel_read_number(root,
					"/sys/kernel/kexec_crash_size",
					10,
					&state->kexec,
					&value,
					error))
		return NULL;
	if (iomem.readable)
		state->reserved_bytes = iomem.crash;
	else if (state->kexec)
		state->reserved_bytes = value;
	if (!cd_crashkernel_read_number(root,
					"/sys/kernel/kexec_crash_loaded",
					10,
					&found,
					&value,
					error))
		return NULL;
	state->loaded = found && value == 1;

	/* the RAM, as the kernel's memblock counts it */
	if (iomem.readable && iomem.ram > 0) {
		state->system_ram = iomem.ram;
		state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_IOMEM;
	} else {
		if (!cd_crashkernel_read_memory_blocks(root, &found, &value, error))
			return NULL;
		if (found) {
			state->system_ram = value;
			state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS;
		} else {
			if (!cd_crashkernel_read_file(root,
						      "/proc/meminfo",
						      CD_CRASHKERNEL_MAX_MEMINFO,
						      &meminfo,
						      error))
				return NULL;
			if (meminfo != NULL && cd_crashkernel_meminfo_total(meminfo, &value)) {
				/* the reservation is not in MemTotal */
				state->system_ram = value + state->reserved_bytes;
				state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_MEMINFO;
			}
		}
	}

	/* what the option means here */
	if (state->main != NULL) {
		gint idx = cd_crashkernel_get_range_for_ram(state->main, state->system_ram);
		state->applies_bytes =
			cd_crashkernel_get_size_for_ram(state->main, state->system_ram);
		if (idx >= 0) {
			const gchar *text = NULL;
			cd_crashkernel_get_range(state->main, (guint)idx, NULL, NULL, NULL, &text);
			state->matched_range = g_strdup(text);
		}
	}

	/* the suggestion */
	vmlinuz = g_strdup_printf("vmlinuz-%s", release);
	initrd = g_strdup_printf("initrd.img-%s", release);
	cd_crashkernel_image_size(root,
				  kernel,
				  vmlinuz,
				  &state->kernel_image_bytes,
				  &state->images_assumed);
	if (g_strcmp0(initrd_file, "") != 0)
		cd_crashkernel_image_size(root,
					  initrd_file,
					  initrd,
					  &state->initrd_bytes,
					  &state->images_assumed);
	if (state->kernel_image_bytes == 0)
		state->kernel_image_bytes = CD_CRASHKERNEL_SUGGEST_DEFAULT_KERNEL;
	if (state->initrd_bytes == 0 && g_strcmp0(initrd_file, "") != 0)
		state->initrd_bytes = CD_CRASHKERNEL_SUGGEST_DEFAULT_INITRD;
	state->suggested_bytes = cd_crashkernel_suggest_size(state->kernel_image_bytes,
							     state->initrd_bytes,
							     state->system_ram);
	state->suggested_option = cd_crashkernel_suggest_option(state->suggested_bytes);

	/* the verdict */
	if (!state->kexec && iomem.crash_regions == 0)
		state->verdict = CD_CRASHKERNEL_VERDICT_NO_KEXEC;
	else if (state->reserved_bytes == 0)
		state->verdict = state->options->len == 0 ? CD_CRASHKERNEL_VERDICT_NO_OPTION
							  : CD_CRASHKERNEL_VERDICT_NOT_RESERVED;
	else if (state->reserved_bytes < state->suggested_bytes)
		state->verdict = CD_CRASHKERNEL_VERDICT_TOO_SMALL;
	else
		state->verdict = CD_CRASHKERNEL_VERDICT_OK;

	if (!cd_bootloader_advise(root,
				  state->suggested_option,
				  cmdline != NULL ? cmdline : "",
				  &state->bootloader,
				  error))
		return NULL;
	return g_steal_pointer(&state);
}

/* the boot loader's configuration */

#define CD_GRUB_DEFAULT		  "/etc/default/grub"
#define CD_GRUB_DROPIN_DIR	  "/etc/default/grub.d"
#define CD_GRUB_DROPIN		  CD_GRUB_DROPIN_DIR "/crashdesk.cfg"
#define CD_GRUB_DROPIN_NAME	  "crashdesk.cfg"
#define CD_GRUB_VAR_DEFAULT	  "GRUB_CMDLINE_LINUX_DEFAULT"
#define CD_GRUB_VAR_LINUX	  "GRUB_CMDLINE_LINUX"
#define CD_KERNEL_CMDLINE	  "/etc/kernel/cmdline"
#define CD_KERNEL_INSTALL_COMMAND "kernel-install add \"$(uname -r)\" \"/boot/vmlinuz-$(uname -r)\""

void
cd_bootloader_advice_clear(CdBootloaderAdvice *advice)
{
	g_clear_pointer(&advice->file, g_free);
	g_clear_pointer(&advice->current, g_free);
	g_clear_pointer(&advice->replacement, g_free);
	g_clear_pointer(&advice->command, g_free);
	advice->kind = CD_BOOTLOADER_NONE;
	advice->line = 0;
}

static gboolean
cd_crashkernel_is_word(const gchar *word)
{
	return g_str_has_prefix(word, CD_CRASHKERNEL_PREFIX);
}

/* @value's words with the crashkernel= ones replaced by @option: in the place of the
 * first, the others dropped, or @option added at the end */
static gchar *
cd_crashkernel_replace_words(const gchar *value, const gchar *option, gboolean drop_boot)
{
	g_auto(GStrv) words = cd_cmdline_split(value);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	gboolean placed = FALSE;

	for (guint i = 0; words[i] != NULL; i++) {
		if (words[i][0] == '\0')
			continue;
		/* what the boot loader adds itself, when /proc/cmdline becomes a config file */
		if (drop_boot && (g_str_has_prefix(words[i], "BOOT_IMAGE=") ||
				  g_str_has_prefix(words[i], "initrd=")))
			continue;
		if (cd_crashkernel_is_word(words[i])) {
			if (!placed)
				g_ptr_array_add(out, (gpointer)option);
			placed = TRUE;
			continue;
		}
		g_ptr_array_add(out, words[i]);
	}
	if (!placed)
		g_ptr_array_add(out, (gpointer)option);
	g_ptr_array_add(out, NULL);
	return g_strjoinv(" ", (gchar **)out->pdata);
}

static gboolean
cd_crashkernel_has_word(const gchar *value)
{
	g_auto(GStrv) words = cd_cmdline_split(value);
	for (guint i = 0; words[i] != NULL; i++) {
		if (cd_crashkernel_is_word(words[i]))
			return TRUE;
	}
	return FALSE;
}

/* "$NAME" or "${NAME}" in @value, not as the start of a longer name */
static gboolean
cd_grub_refers_to(const gchar *value, const gchar *name)
{
	g_autofree gchar *braced = g_strdup_printf("${%s}", name);
	gsize len = strlen(name);

	if (strstr(value, braced) != NULL)
		return TRUE;
	for (const gchar *p = strchr(value, '$'); p != NULL; p = strchr(p + 1, '$')) {
		if (strncmp(p + 1, name, len) == 0 && !g_ascii_isalnum(p[1 + len]) &&
		    p[1 + len] != '_')
			return TRUE;
	}
	return FALSE;
}

typedef struct {
	gchar *file;	    /* as on the machine */
	gchar *dropin_name; /* the name in grub.d, NULL for /etc/default/grub */
	guint line;
	gboolean is_default; /* GRUB_CMDLINE_LINUX_DEFAULT, else GRUB_CMDLINE_LINUX */
	gchar *text;
	gchar *prefix; /* up to the value's quote */
	gchar *value;  /* without quotes */
	gchar quote;   /* the quote, or 0 */
	gchar *suffix; /* after the closing quote */
	gboolean self; /* the value refers to the variable's earlier value */
	gboolean crashkernel;
	gboolean effective; /* not overridden by a later assignment */
} CdGrubAssignment;

static void
cd_grub_assignment_free(CdGrubAssignment *a)
{
	g_free(a->file);
	g_free(a->dropin_name);
	g_free(a->text);
	g_free(a->prefix);
	g_free(a->value);
	g_free(a->suffix);
	g_free(a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdGrubAssignment, cd_grub_assignment_free)

/* NAME=value, NAME="value" or NAME='value', maybe after "export", maybe a comment after;
 * a value spanning lines or anything else is not an assignment we can edit */
static CdGrubAssignment *
cd_grub_parse_line(const gchar *line)
{
	g_autoptr(CdGrubAssignment) a = g_new0(CdGrubAssignment, 1);
	const gchar *p = line + strspn(line, " \t");
	const gchar *name;
	const gchar *value;
	const gchar *end;

	if (g_str_has_prefix(p, "export") && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	name = p;
	if (g_str_has_prefix(p, CD_GRUB_VAR_DEFAULT "=")) {
		a->is_default = TRUE;
		p += strlen(CD_GRUB_VAR_DEFAULT "=");
	} else if (g_str_has_prefix(p, CD_GRUB_VAR_LINUX "=")) {
		p += strlen(CD_GRUB_VAR_LINUX "=");
	} else {
		return NULL;
	}
	(void)name;
	if (*p == '"' || *p == '\'') {
		a->quote = *p;
		value = p + 1;
		end = value;
		while (*end != '\0' && *end != a->quote) {
			if (a->quote == '"' && *end == '\\' && end[1] != '\0')
				end++;
			end++;
		}
		if (*end == '\0')
			return NULL;
		a->prefix = g_strndup(line, (gsize)(p - line));
		a->value = g_strndup(value, (gsize)(end - value));
		a->suffix = g_strdup(end + 1);
	} else {
		value = p;
		end = value + strcspn(value, " \t;#");
		a->prefix = g_strndup(line, (gsize)(p - line));
		a->value = g_strndup(value, (gsize)(end - value));
		a->suffix = g_strdup(end);
	}
	a->text = g_strdup(line);
	a->self = cd_grub_refers_to(a->value,
				    a->is_default ? CD_GRUB_VAR_DEFAULT : CD_GRUB_VAR_LINUX);
	a->crashkernel = cd_crashkernel_has_word(a->value);
	return g_steal_pointer(&a);
}

static gboolean
cd_grub_read_file(const gchar *root,
		  const gchar *path,
		  const gchar *dropin_name,
		  GPtrArray *assignments,
		  GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!cd_crashkernel_read_file(root, path, CD_CRASHKERNEL_MAX_CONFIG, &text, error))
		return FALSE;
	if (text == NULL)
		return TRUE;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		CdGrubAssignment *a = cd_grub_parse_line(lines[i]);
		if (a == NULL)
			continue;
		a->file = g_strdup(path);
		a->dropin_name = g_strdup(dropin_name);
		a->line = i + 1;
		g_ptr_array_add(assignments, a);
	}
	return TRUE;
}

static gint
cd_grub_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* /etc/default/grub, then /etc/default/grub.d/ *.cfg in order, as update-grub sources them */
static GPtrArray *
cd_grub_read_assignments(const gchar *root, GError **error)
{
	g_autoptr(GPtrArray) assignments =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_grub_assignment_free);
	g_autofree gchar *dirname = g_build_filename(root, CD_GRUB_DROPIN_DIR, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) dir = g_dir_open(dirname, 0, NULL);
	const gchar *name;

	if (!cd_grub_read_file(root, CD_GRUB_DEFAULT, NULL, assignments, error))
		return NULL;
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (!g_str_has_suffix(name, ".cfg"))
			continue;
		if (names->len >= CD_CRASHKERNEL_MAX_DROPINS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than %u files",
				    dirname,
				    (guint)CD_CRASHKERNEL_MAX_DROPINS);
			return NULL;
		}
		g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, cd_grub_compare_names);
	for (guint i = 0; i < names->len; i++) {
		const gchar *dropin = g_ptr_array_index(names, i);
		g_autofree gchar *path = g_build_filename(CD_GRUB_DROPIN_DIR, dropin, NULL);
		if (!cd_grub_read_file(root, path, dropin, assignments, error))
			return NULL;
	}

	/* an assignment that does not refer to the old value overrides all before it */
	for (guint i = 0; i < assignments->len; i++) {
		CdGrubAssignment *a = g_ptr_array_index(assignments, i);
		a->effective = TRUE;
		if (a->self)
			continue;
		for (guint j = 0; j < i; j++) {
			CdGrubAssignment *b = g_ptr_array_index(assignments, j);
			if (b->is_default == a->is_default)
				b->effective = FALSE;
		}
	}
	return g_steal_pointer(&assignments);
}

static gchar *
cd_grub_replacement_line(const CdGrubAssignment *a, const gchar *option)
{
	g_autofree gchar *value = cd_crashkernel_replace_words(a->value, option, FALSE);
	gchar quote = a->quote != 0 ? a->quote : '"';
	return g_strdup_printf("%s%c%s%c%s", a->prefix, quote, value, quote, a->suffix);
}

static void
cd_grub_advise_line(CdBootloaderAdvice *advice, const CdGrubAssignment *a, const gchar *option)
{
	advice->file = g_strdup(a->file);
	advice->line = a->line;
	advice->current = g_strdup(a->text);
	advice->replacement = cd_grub_replacement_line(a, option);
}

static gboolean
cd_grub_advise(const gchar *root, const gchar *option, CdBootloaderAdvice *advice, GError **error)
{
	g_autoptr(GPtrArray) assignments = cd_grub_read_assignments(root, error);
	const CdGrubAssignment *with_option = NULL;
	const CdGrubAssignment *last_default = NULL;
	gboolean dropin_overridden = FALSE;

	if (assignments == NULL)
		return FALSE;
	advice->kind = CD_BOOTLOADER_GRUB;
	advice->command = g_strdup("update-grub");
	for (guint i = 0; i < assignments->len; i++) {
		const CdGrubAssignment *a = g_ptr_array_index(assignments, i);
		if (a->effective && a->crashkernel)
			with_option = a;
		if (a->is_default && a->effective)
			last_default = a;
		/* a later drop-in that sets the variable afresh would undo crashdesk.cfg */
		if (a->is_default && !a->self && a->dropin_name != NULL &&
		    g_strcmp0(a->dropin_name, CD_GRUB_DROPIN_NAME) > 0)
			dropin_overridden = TRUE;
	}
	/* an option already there is changed where it is, never added a second time */
	if (with_option != NULL) {
		cd_grub_advise_line(advice, with_option, option);
		return TRUE;
	}
	if (dropin_overridden && last_default != NULL) {
		cd_grub_advise_line(advice, last_default, option);
		return TRUE;
	}
	/* as kdump-tools does: a drop-in of its own, which package upgrades leave alone */
	advice->file = g_strdup(CD_GRUB_DROPIN);
	advice->line = 0;
	advice->replacement =
		g_strdup_printf(CD_GRUB_VAR_DEFAULT "=\"$" CD_GRUB_VAR_DEFAULT " %s\"", option);
	return TRUE;
}

/* /etc/kernel/cmdline: the whole file is the command line kernel-install uses */
static gboolean
cd_kernel_install_advise(const gchar *root,
			 const gchar *option,
			 const gchar *cmdline,
			 CdBootloaderAdvice *advice,
			 GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint line = 0;

	if (!cd_crashkernel_read_file(root,
				      CD_KERNEL_CMDLINE,
				      CD_CRASHKERNEL_MAX_CMDLINE,
				      &text,
				      error))
		return FALSE;
	advice->kind = CD_BOOTLOADER_KERNEL_INSTALL;
	advice->file = g_strdup(CD_KERNEL_CMDLINE);
	advice->command = g_strdup(CD_KERNEL_INSTALL_COMMAND);
	if (text == NULL) {
		/* systemd-boot without it: kernel-install falls back to /proc/cmdline */
		advice->line = 0;
		advice->replacement = cd_crashkernel_replace_words(cmdline, option, TRUE);
		return TRUE;
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (cd_crashkernel_has_word(lines[i]))
			line = i + 1;
	}
	for (guint i = 0; line == 0 && lines[i] != NULL; i++) {
		if (lines[i][strspn(lines[i], " \t")] != '\0')
			line = i + 1;
	}
	if (line == 0)
		line = 1;
	advice->line = line;
	advice->current = g_strdup(lines[line - 1]);
	advice->replacement = cd_crashkernel_replace_words(lines[line - 1], option, FALSE);
	return TRUE;
}

static gboolean
cd_crashkernel_exists(const gchar *root, const gchar *path)
{
	g_autofree gchar *full = g_build_filename(root, path, NULL);
	return g_file_test(full, G_FILE_TEST_EXISTS);
}

/**
 * cd_bootloader_advise:
 * @root: the root prefix
 * @option: the option to set, "crashkernel=384M"
 * @cmdline: the running kernel's command line, for a systemd-boot machine that has no
 *	/etc/kernel/cmdline yet
 * @advice: (out caller-allocates): cleared with cd_bootloader_advice_clear()
 *
 * Where the kernel command line is configured and what to change there. GRUB: the
 * effective assignment of GRUB_CMDLINE_LINUX_DEFAULT or GRUB_CMDLINE_LINUX that holds a
 * crashkernel= word, across /etc/default/grub and the /etc/default/grub.d/ *.cfg files
 * update-grub sources after it; without one, a new /etc/default/grub.d/crashdesk.cfg
 * that appends to GRUB_CMDLINE_LINUX_DEFAULT, unless a later drop-in would override it,
 * in which case that drop-in's line. kernel-install (systemd-boot): /etc/kernel/cmdline.
 *
 * Returns: FALSE with @error when a configuration file is unreadable or too large
 */
gboolean
cd_bootloader_advise(const gchar *root,
		     const gchar *option,
		     const gchar *cmdline,
		     CdBootloaderAdvice *advice,
		     GError **error)
{
	gboolean grub = cd_crashkernel_exists(root, CD_GRUB_DEFAULT);
	gboolean grub_in_use = grub && cd_crashkernel_exists(root, "/boot/grub/grub.cfg");
	gboolean kernel_cmdline = cd_crashkernel_exists(root, CD_KERNEL_CMDLINE);
	gboolean sd_boot = cd_crashkernel_exists(root, "/boot/efi/loader/loader.conf") ||
			   cd_crashkernel_exists(root, "/efi/loader/loader.conf") ||
			   cd_crashkernel_exists(root, "/boot/loader/loader.conf");

	memset(advice, 0, sizeof(*advice));
	if (kernel_cmdline && !grub_in_use)
		return cd_kernel_install_advise(root, option, cmdline, advice, error);
	if (grub)
		return cd_grub_advise(root, option, advice, error);
	if (kernel_cmdline || sd_boot)
		return cd_kernel_install_advise(root, option, cmdline, advice, error);
	advice->kind = CD_BOOTLOADER_NONE;
	return TRUE;
}

/* text and JSON */

static void
cd_lines_add(GPtrArray *lines, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
cd_lines_add(GPtrArray *lines, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(lines, g_strdup_vprintf(format, args));
	va_end(args);
}

/* "crashkernel=X" or "crashkernel=X,high crashkernel=Y,low" */
static gchar *
cd_crashkernel_state_options_text(const CdCrashkernelState *state)
{
	if (state->low != NULL)
		return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%s " CD_CRASHKERNEL_PREFIX "%s",
				       state->main->text,
				       state->low->text);
	return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%s", state->main->text);
}

static void
cd_crashkernel_state_append_nothing_reserved(const CdCrashkernelState *state, GPtrArray *lines)
{
	g_autofree gchar *ram = cd_size_format(state->system_ram);
	g_autofree gchar *options = NULL;
	gboolean refused = FALSE;

	if (state->option_error != NULL) {
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: the kernel cannot read "
			     "%s.",
			     state->option_error);
		return;
	}
	if (state->main == NULL) {
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: a crashkernel=SIZE,low "
			     "or SIZE,cma option reserves nothing without crashkernel=SIZE or "
			     "crashkernel=SIZE,high.");
		return;
	}
	options = cd_crashkernel_state_options_text(state);
	if (state->main->ranges != NULL)
		cd_crashkernel_match(state->main, state->system_ram, &refused);
	if (state->main->ranges != NULL && state->matched_range == NULL && !refused) {
		cd_lines_add(lines,
			     "%s: this machine has %s of RAM, in none of its ranges: no memory is "
			     "reserved for a capture kernel.",
			     options,
			     ram);
	} else if (state->applies_bytes == 0) {
		cd_lines_add(lines,
			     "%s: the kernel refuses it on this machine's %s of RAM (a size of 0, "
			     "or not below the RAM): no memory is reserved for a capture kernel.",
			     options,
			     ram);
	} else {
		g_autofree gchar *size = cd_size_format(state->applies_bytes);
		cd_lines_add(lines,
			     "%s asks for %s, but no memory is reserved for a capture kernel: the "
			     "kernel could not find it%s (see 'journalctl -k -g crashkernel').",
			     options,
			     size,
			     state->main->has_offset ? " at the given offset" : "");
	}
}

static void
cd_crashkernel_state_append_reserved(const CdCrashkernelState *state, GPtrArray *lines)
{
	g_autofree gchar *ram = cd_size_format(state->system_ram);
	g_autofree gchar *reserved = cd_size_format(state->reserved_bytes);
	g_autofree gchar *options = NULL;

	if (state->main == NULL) {
		cd_lines_add(lines, "%s is reserved for a capture kernel.", reserved);
		return;
	}
	options = cd_crashkernel_state_options_text(state);
	if (state->matched_range != NULL)
		cd_lines_add(lines,
			     "%s: this machine has %s of RAM, in range %s: %s reserved.",
			     options,
			     ram,
			     state->matched_range,
			     reserved);
	else
		cd_lines_add(lines, "%s: %s reserved.", options, reserved);
}

static void
cd_crashkernel_state_append_fix(const CdCrashkernelState *state, GPtrArray *lines)
{
	const CdBootloaderAdvice *advice = &state->bootloader;
	g_autofree gchar *kernel = cd_size_format(state->kernel_image_bytes);
	g_autofree gchar *initrd = cd_size_format(state->initrd_bytes);
	g_autofree gchar *ram = cd_size_format(state->system_ram);

	cd_lines_add(lines,
		     "Suggested: %s (for a kernel image of %s and an initramfs of %s%s, and %s "
		     "of RAM from %s).",
		     state->suggested_option,
		     kernel,
		     initrd,
		     state->images_assumed
			     ? " (Debian's usual sizes: this kernel's are not in /boot)"
			     : "",
		     ram,
		     cd_crashkernel_ram_source_describe(state->ram_source));
	switch (advice->kind) {
	case CD_BOOTLOADER_GRUB:
	case CD_BOOTLOADER_KERNEL_INSTALL:
		if (advice->line > 0) {
			cd_lines_add(lines, "In %s, line %u, change", advice->file, advice->line);
			cd_lines_add(lines, "    %s", advice->current);
			cd_lines_add(lines, "to");
		} else {
			cd_lines_add(lines, "Create %s with the line", advice->file);
		}
		cd_lines_add(lines, "    %s", advice->replacement);
		cd_lines_add(lines, "then run %s and reboot.", advice->command);
		break;
	case CD_BOOTLOADER_NONE:
	default:
		cd_lines_add(lines,
			     "Add %s to the kernel command line in the boot loader's "
			     "configuration, then reboot.",
			     state->suggested_option);
		break;
	}
}

/**
 * cd_crashkernel_state_append_text:
 * @lines: (element-type utf8): where lines are added, without newlines
 *
 * Explains @state for people: what is reserved and why, and when that is wrong, the
 * suggested option, the file and line to change, and how to apply it.
 */
void
cd_crashkernel_state_append_text(const CdCrashkernelState *state, GPtrArray *lines)
{
	switch (state->verdict) {
	case CD_CRASHKERNEL_VERDICT_NO_KEXEC:
		cd_lines_add(lines,
			     "No capture kernel can be loaded: this kernel has no kexec or crash "
			     "dump support (there is no /sys/kernel/kexec_crash_size).");
		cd_lines_add(lines,
			     "Boot a kernel built with CONFIG_KEXEC and CONFIG_CRASH_DUMP, such as "
			     "Debian's linux-image-amd64.");
		return;
	case CD_CRASHKERNEL_VERDICT_NO_OPTION:
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: the kernel command line "
			     "has no crashkernel= option.");
		break;
	case CD_CRASHKERNEL_VERDICT_NOT_RESERVED:
		cd_crashkernel_state_append_nothing_reserved(state, lines);
		break;
	case CD_CRASHKERNEL_VERDICT_TOO_SMALL: {
		g_autofree gchar *suggested = cd_size_format(state->suggested_bytes);
		cd_crashkernel_state_append_reserved(state, lines);
		cd_lines_add(lines,
			     "That is less than the %s suggested for this machine: the capture "
			     "kernel may run out of memory before the dump is saved.",
			     suggested);
		break;
	}
	case CD_CRASHKERNEL_VERDICT_OK:
	default:
		cd_crashkernel_state_append_reserved(state, lines);
		break;
	}
	if (state->verdict == CD_CRASHKERNEL_VERDICT_OK ||
	    state->verdict == CD_CRASHKERNEL_VERDICT_TOO_SMALL) {
		cd_lines_add(lines,
			     state->loaded ? "A capture kernel is loaded."
					   : "No capture kernel is loaded into it.");
	}
	if (state->verdict != CD_CRASHKERNEL_VERDICT_OK)
		cd_crashkernel_state_append_fix(state, lines);
}

static json_object *
cd_json_string_or_null(const gchar *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/**
 * cd_crashkernel_state_to_json:
 * @obj: a JSON object the keys are added to
 *
 * The same facts as the text: options, option_error, system_ram_bytes,
 * system_ram_source, applies_bytes, matched_range, kexec, reserved_bytes, loaded,
 * verdict, kernel_image_bytes, initrd_bytes, images_assumed, suggested_bytes,
 * suggested_option and bootloader {kind, file, line, current, replacement, command};
 * what is unknown or absent is null.
 */
void
cd_crashkernel_state_to_json(const CdCrashkernelState *state, json_object *obj)
{
	json_object *options = json_object_new_array();
	json_object *bootloader = json_object_new_object();
	const CdBootloaderAdvice *advice = &state->bootloader;

	for (guint i = 0; i < state->options->len; i++)
		json_object_array_add(options,
				      json_object_new_string(g_ptr_array_index(state->options, i)));
	json_object_object_add(obj, "options", options);
	json_object_object_add(obj, "option_error", cd_json_string_or_null(state->option_error));
	json_object_object_add(obj,
			       "system_ram_bytes",
			       json_object_new_int64((gint64)state->system_ram));
	json_object_object_add(
		obj,
		"system_ram_source",
		cd_json_string_or_null(cd_crashkernel_ram_source_to_string(state->ram_source)));
	json_object_object_add(obj,
			       "applies_bytes",
			       json_object_new_int64((gint64)state->applies_bytes));
	json_object_object_add(obj, "matched_range", cd_json_string_or_null(state->matched_range));
	json_object_object_add(obj, "kexec", json_object_new_boolean(state->kexec));
	json_object_object_add(obj,
			       "reserved_bytes",
			       json_object_new_int64((gint64)state->reserved_bytes));
	json_object_object_add(obj, "loaded", json_object_new_boolean(state->loaded));
	json_object_object_add(
		obj,
		"verdict",
		json_object_new_string(cd_crashkernel_verdict_to_string(state->verdict)));
	json_object_object_add(obj,
			       "kernel_image_bytes",
			       json_object_new_int64((gint64)state->kernel_image_bytes));
	json_object_object_add(obj,
			       "initrd_bytes",
			       json_object_new_int64((gint64)state->initrd_bytes));
	json_object_object_add(obj,
			       "images_assumed",
			       json_object_new_boolean(state->images_assumed));
	json_object_object_add(obj,
			       "suggested_bytes",
			       json_object_new_int64((gint64)state->suggested_bytes));
	json_object_object_add(obj,
			       "suggested_option",
			       json_object_new_string(state->suggested_option));
	json_object_object_add(bootloader,
			       "kind",
			       json_object_new_string(cd_bootloader_kind_to_string(advice->kind)));
	json_object_object_add(bootloader, "file", cd_json_string_or_null(advice->file));
	json_object_object_add(bootloader,
			       "line",
			       advice->line > 0 ? json_object_new_int((gint)advice->line) : NULL);
	json_object_object_add(bootloader, "current", cd_json_string_or_null(advice->current));
	json_object_object_add(bootloader,
			       "replacement",
			       cd_json_string_or_null(advice->replacement));
	json_object_object_add(bootloader, "command", cd_json_string_or_null(advice->command));
	json_object_object_add(obj, "bootloader", bootloader);
}
