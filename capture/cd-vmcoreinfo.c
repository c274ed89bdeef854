/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdVmcoreinfo"

#include "config.h"

#include "cd-error.h"

#include "cd-text.h"
#include "cd-vmcoreinfo.h"

/* VMCOREINFO is the kernel's own description of itself, written at boot into the note
 * the capture kernel exports: "KEY=VALUE" lines. SYMBOL() values are hex without 0x,
 * SIZE/OFFSET/LENGTH unsigned decimal, NUMBER signed decimal (a few are hex with 0x),
 * KERNELOFFSET hex, and CRASHTIME is appended at panic, often without a final newline. */

struct _CdVmcoreinfo {
	GObject parent_instance;
	GHashTable *values; /* key -> value, both owned */
	GBytes *data;	    /* the text as the kernel wrote it, up to the first NUL */
};

G_DEFINE_TYPE(CdVmcoreinfo, cd_vmcoreinfo, G_TYPE_OBJECT)

static void
cd_vmcoreinfo_finalize(GObject *object)
{
	CdVmcoreinfo *self = CD_VMCOREINFO(object);
	g_hash_table_unref(self->values);
	if (self->data != NULL)
		g_bytes_unref(self->data);
	G_OBJECT_CLASS(cd_vmcoreinfo_parent_class)->finalize(object);
}

static void
cd_vmcoreinfo_class_init(CdVmcoreinfoClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cd_vmcoreinfo_finalize;
}

static void
cd_vmcoreinfo_init(CdVmcoreinfo *self)
{
	self->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static gboolean
cd_vmcoreinfo_key_valid(const gchar *key, gsize len)
{
	if (len == 0)
		return FALSE;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isgraph(key[i]))
			return FALSE;
	}
	return TRUE;
}

/**
 * cd_vmcoreinfo_new_from_data:
 * @data: the note's descriptor bytes, not NUL-terminated
 * @len: their length
 *
 * Parses VMCOREINFO text. Lines that are not `KEY=VALUE` with a printable key are
 * ignored, as the kernel's consumers do; a NUL ends the text (the note is padded).
 *
 * Returns: (transfer full): the parsed table, or %NULL if @len is over the limit
 */
CdVmcoreinfo *
cd_vmcoreinfo_new_from_data(const gchar *data, gsize len, GError **error)
{
	g_autoptr(CdVmcoreinfo) self = g_object_new(CD_TYPE_VMCOREINFO, NULL);
	const gchar *end;
	const gchar *nul;

	g_return_val_if_fail(data != NULL || len == 0, NULL);

	if (len > CD_VMCOREINFO_MAX_SIZE) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO is %" G_GSIZE_FORMAT
			    " bytes, more than the %u a kernel writes",
			    len,
			    (guint)CD_VMCOREINFO_MAX_SIZE);
		return NULL;
	}
	nul = memchr(data, '\0', len);
	end = nul != NULL ? nul : data + len;
	self->data = g_bytes_new(data, end - data);

	for (const gchar *line = data; line < end;) {
		const gchar *eol = memchr(line, '\n', end - line);
		const gchar *line_end = eol != NULL ? eol : end;
		const gchar *eq = memchr(line, '=', line_end - line);

		if (eq != NULL && cd_vmcoreinfo_key_valid(line, eq - line)) {
			g_hash_table_replace(self->values,
					     g_strndup(line, eq - line),
					     g_strndup(eq + 1, line_end - eq - 1));
		}
		line = eol != NULL ? eol + 1 : end;
	}
	return g_steal_pointer(&self);
}

/**
 * cd_vmcoreinfo_get_data:
 *
 * Returns: (transfer none): the text as the kernel wrote it, without the padding, for
 * copying into a dump
 */
GBytes *
cd_vmcoreinfo_get_data(CdVmcoreinfo *self)
{
	g_return_val_if_fail(CD_IS_VMCOREINFO(self), NULL);
	return self->data;
}

/**
 * cd_vmcoreinfo_lookup:
 * @key: a whole key such as `SYMBOL(prb)` or `OSRELEASE`
 *
 * Returns: the raw value, or %NULL if the key is absent
 */
const gchar *
cd_vmcoreinfo_lookup(CdVmcoreinfo *self, const gchar *key)
{
	g_return_val_if_fail(CD_IS_VMCOREINFO(self), NULL);
	return g_hash_table_lookup(self->values, key);
}

gboolean
cd_vmcoreinfo_has(CdVmcoreinfo *self, const gchar *key)
{
	return cd_vmcoreinfo_lookup(self, key) != NULL;
}

/* a value as an error message shows it: the dump's bytes, so cut and made visible */
static gchar *
cd_vmcoreinfo_show_value(const gchar *value)
{
	return cd_text_make_visible(value,
				    (gssize)MIN(strlen(value), (gsize)64),
				    CD_TEXT_FLAG_NONE);
}

static gboolean
cd_vmcoreinfo_parse_unsigned(const gchar *key,
			     const gchar *value,
			     guint base,
			     guint64 *out,
			     GError **error)
{
	const gchar *digits = value;

	if (base == 16 && (g_str_has_prefix(value, "0x") || g_str_has_prefix(value, "0X")))
		digits += 2;
	/* g_ascii_string_to_unsigned() refuses signs, spaces, empty strings and overflow */
	if (!g_ascii_string_to_unsigned(digits, base, 0, G_MAXUINT64, out, NULL)) {
		g_autofree gchar *shown = cd_vmcoreinfo_show_value(value);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO has an invalid value for %s: \"%s\"",
			    key,
			    shown);
		return FALSE;
	}
	return TRUE;
}

static gboolean
cd_vmcoreinfo_get_unsigned(CdVmcoreinfo *self,
			   const gchar *kind,
			   const gchar *name,
			   guint base,
			   guint64 *out,
			   GError **error)
{
	g_autofree gchar *key = g_strdup_printf("%s(%s)", kind, name);
	const gchar *value;

	g_return_val_if_fail(CD_IS_VMCOREINFO(self), FALSE);

	value = cd_vmcoreinfo_lookup(self, key);
	if (value == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "VMCOREINFO lacks %s", key);
		return FALSE;
	}
	return cd_vmcoreinfo_parse_unsigned(key, value, base, out, error);
}

/**
 * cd_vmcoreinfo_get_symbol:
 * @name: the symbol, e.g. `prb`
 * @addr: (out): its kernel virtual address
 *
 * Returns: %FALSE with %CD_ERROR_NOT_FOUND if absent, %CD_ERROR_INVALID_DATA if malformed
 */
gboolean
cd_vmcoreinfo_get_symbol(CdVmcoreinfo *self, const gchar *name, guint64 *addr, GError **error)
{
	return cd_vmcoreinfo_get_unsigned(self, "SYMBOL", name, 16, addr, error);
}

gboolean
cd_vmcoreinfo_get_size(CdVmcoreinfo *self, const gchar *type, guint64 *value, GError **error)
{
	return cd_vmcoreinfo_get_unsigned(self, "SIZE", type, 10, value, error);
}

gboolean
cd_vmcoreinfo_get_offset(CdVmcoreinfo *self,
			 const gchar *type_member,
			 guint64 *value,
			 GError **error)
{
	return cd_vmcoreinfo_get_unsigned(self, "OFFSET", type_member, 10, value, error);
}

gboolean
cd_vmcoreinfo_get_length(CdVmcoreinfo *self, const gchar *name, guint64 *value, GError **error)
{
	return cd_vmcoreinfo_get_unsigned(self, "LENGTH", name, 10, value, error);
}

/**
 * cd_vmcoreinfo_get_number:
 * @name: e.g. `PAGE_OFFSET`
 * @value: (out): the value; hex when written with `0x`, else signed decimal
 */
gboolean
cd_vmcoreinfo_get_number(CdVmcoreinfo *self, const gchar *name, gint64 *value, GError **error)
{
	g_autofree gchar *key = g_strdup_printf("NUMBER(%s)", name);
	const gchar *raw;

	g_return_val_if_fail(CD_IS_VMCOREINFO(self), FALSE);

	raw = cd_vmcoreinfo_lookup(self, key);
	if (raw == NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_NOT_FOUND, "VMCOREINFO lacks %s", key);
		return FALSE;
	}
	if (g_str_has_prefix(raw, "0x") || g_str_has_prefix(raw, "0X")) {
		guint64 tmp;
		/* addresses such as PAGE_OFFSET use the whole 64 bits: keep the bit pattern */
		if (!cd_vmcoreinfo_parse_unsigned(key, raw, 16, &tmp, error))
			return FALSE;
		*value = (gint64)tmp;
		return TRUE;
	}
	if (!g_ascii_string_to_signed(raw, 10, G_MININT64, G_MAXINT64, value, NULL)) {
		g_autofree gchar *shown = cd_vmcoreinfo_show_value(raw);
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO has an invalid value for %s: \"%s\"",
			    key,
			    shown);
		return FALSE;
	}
	return TRUE;
}

/**
 * cd_vmcoreinfo_get_osrelease:
 *
 * Returns: the crashed kernel's release (`uname -r`), or %NULL if absent or not a
 * release: empty, longer than a utsname field, or with a character outside printable
 * ASCII (the value goes into reports and onto terminals as it is)
 */
const gchar *
cd_vmcoreinfo_get_osrelease(CdVmcoreinfo *self)
{
	const gchar *raw = cd_vmcoreinfo_lookup(self, "OSRELEASE");
	gsize len;

	if (raw == NULL)
		return NULL;
	len = strlen(raw);
	/* __NEW_UTS_LEN */
	if (len == 0 || len > 64)
		return NULL;
	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isprint(raw[i]))
			return NULL;
	}
	return raw;
}

/**
 * cd_vmcoreinfo_get_page_size:
 *
 * Returns: PAGESIZE if present and a power of two between 4 KiB and 1 MiB, else 0
 */
guint64
cd_vmcoreinfo_get_page_size(CdVmcoreinfo *self)
{
	const gchar *raw = cd_vmcoreinfo_lookup(self, "PAGESIZE");
	guint64 value = 0;

	if (raw == NULL || !g_ascii_string_to_unsigned(raw, 10, 4096, 1024 * 1024, &value, NULL))
		return 0;
	if ((value & (value - 1)) != 0)
		return 0;
	return value;
}

gboolean
cd_vmcoreinfo_get_kernel_offset(CdVmcoreinfo *self, guint64 *value)
{
	const gchar *raw = cd_vmcoreinfo_lookup(self, "KERNELOFFSET");
	if (raw == NULL)
		return FALSE;
	return cd_vmcoreinfo_parse_unsigned("KERNELOFFSET", raw, 16, value, NULL);
}

/**
 * cd_vmcoreinfo_read_crash_time:
 * @value: (out): seconds since the epoch at which the kernel panicked
 *
 * CRASHTIME is the crashed kernel's clock, which may be wrong or damaged: only a time
 * from 1970 to the end of 9999 (%CD_VMCOREINFO_CRASH_TIME_MAX), which GDateTime and a
 * report id can hold, is a crash time.
 *
 * Returns: %FALSE with %CD_ERROR_NOT_FOUND when VMCOREINFO has no CRASHTIME, or
 * %CD_ERROR_INVALID_DATA, saying what is wrong, for a value that is no such time
 */
gboolean
cd_vmcoreinfo_read_crash_time(CdVmcoreinfo *self, gint64 *value, GError **error)
{
	const gchar *raw = cd_vmcoreinfo_lookup(self, "CRASHTIME");
	g_autofree gchar *shown = NULL;
	gint64 seconds = 0;

	if (raw == NULL) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "VMCOREINFO lacks CRASHTIME");
		return FALSE;
	}
	if (g_ascii_string_to_signed(raw, 10, 0, CD_VMCOREINFO_CRASH_TIME_MAX, &seconds, NULL)) {
		*value = seconds;
		return TRUE;
	}
	/* the value is the crashed kernel's: shown cut and visible, never as it is */
	shown = cd_vmcoreinfo_show_value(raw);
	if (g_ascii_string_to_signed(raw, 10, G_MININT64, G_MAXINT64, &seconds, NULL) &&
	    seconds > 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO's CRASHTIME %s is after the year 9999",
			    shown);
	} else if (seconds < 0) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO's CRASHTIME %s is before 1970",
			    shown);
	} else {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO's CRASHTIME \"%s\" is not a number of seconds",
			    shown);
	}
	return FALSE;
}

/**
 * cd_vmcoreinfo_get_crash_time:
 * @value: (out): seconds since the epoch at which the kernel panicked
 *
 * Returns: %TRUE if CRASHTIME is there and a time cd_vmcoreinfo_read_crash_time()
 * accepts
 */
gboolean
cd_vmcoreinfo_get_crash_time(CdVmcoreinfo *self, gint64 *value)
{
	return cd_vmcoreinfo_read_crash_time(self, value, NULL);
}
