/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCrashkernel"

#include "config.h"

#include "cd-cmdline.h"
#include "cd-crashkernel-private.h"
#include "cd-crashkernel.h"
#include "cd-file.h"

/* ranges in one option: the kernel has no limit, real options have two to six */
#define CD_CRASHKERNEL_MAX_RANGES 64
/* how much of a bad value an error message quotes */
#define CD_CRASHKERNEL_QUOTE_MAX 32

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
CdCrashkernelKind
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

GPtrArray *
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
void
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
gint
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
