/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdDmesg"

#include "config.h"

#include <errno.h>
#include "cd-error.h"
#include <string.h>
#include <unistd.h>

#include "cd-dmesg.h"

/* The crashed kernel's log as text, byte for byte as kexec-tools' vmcore-dmesg prints
 * it, so that tools and people comparing the two see no difference: that is what a
 * report's dmesg.txt holds, as evidence. vmcore-dmesg writes the records' control
 * characters as \xNN but keeps C's isspace() (\t \n \v \f \r), and the plain ring of
 * kernels before 3.5 as it is, ESC included. For a person (CD_DMESG_FLAG_VISIBLE, what
 * `crashdesk dmesg` prints unless asked for --raw) the same rule covers every ring and
 * keeps only '\n' and '\t': nothing a terminal would act on is left. */

#define CD_DMESG_FLUSH_SIZE (64 * 1024)

typedef struct {
	GString *buf;
	gint fd;
	CdDmesgFlags flags;
	CdDmesgResult *result;
} CdDmesgWriter;

/* vmcore-dmesg keeps what C's isprint() or isspace() accept in the "C" locale; a person
 * gets only what moves no cursor back nor down a page */
static gboolean
cd_dmesg_byte_is_plain(guint8 c, CdDmesgFlags flags)
{
	if (flags & CD_DMESG_FLAG_VISIBLE)
		return (c >= 0x20 && c <= 0x7e) || c == '\t' || c == '\n';
	return (c >= 0x20 && c <= 0x7e) || (c >= '\t' && c <= '\r');
}

static void
cd_dmesg_append_escaped(GString *out, const guint8 *text, gsize len, CdDmesgFlags flags)
{
	static const gchar hex[] = "0123456789abcdef";

	for (gsize i = 0; i < len; i++) {
		guint8 c = text[i];
		if (cd_dmesg_byte_is_plain(c, flags)) {
			g_string_append_c(out, (gchar)c);
		} else {
			g_string_append(out, "\\x");
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 0xf]);
		}
	}
}

/**
 * cd_dmesg_append_record:
 * @out: where the line is appended
 *
 * Formats one record: `[%5lu.%06lu] ` from its time stamp, then its text with bytes
 * outside printable ASCII written as `\xNN`, then a newline. The plain ring of old
 * kernels has neither records nor time stamps: its text is copied unchanged, or with
 * %CD_DMESG_FLAG_VISIBLE escaped like the records' text.
 */
void
cd_dmesg_append_record(GString *out, const CdPrintkRecord *record, CdDmesgFlags flags)
{
	if (!record->has_timestamp) {
		if (flags & CD_DMESG_FLAG_VISIBLE)
			cd_dmesg_append_escaped(out, record->text, record->text_len, flags);
		else
			g_string_append_len(out,
					    (const gchar *)record->text,
					    (gssize)record->text_len);
		return;
	}
	g_string_append_printf(out,
			       "[%5" G_GUINT64_FORMAT ".%06" G_GUINT64_FORMAT "]",
			       record->ts_nsec / 1000000000,
			       (record->ts_nsec % 1000000000) / 1000);
	if ((flags & CD_DMESG_FLAG_CALLER_ID) && record->has_caller_id) {
		/* the kernel's own format: bit 31 set for a CPU context, else a task id */
		gchar caller[16];
		g_snprintf(caller,
			   sizeof(caller),
			   "%c%u",
			   (record->caller_id & 0x80000000u) ? 'C' : 'T',
			   record->caller_id & ~0x80000000u);
		g_string_append_printf(out, "[%6s]", caller);
	}
	g_string_append_c(out, ' ');
	cd_dmesg_append_escaped(out, record->text, record->text_len, flags);
	g_string_append_c(out, '\n');
}

/* keeps the last tail_max bytes, from a line start, so that the tail reads as a log */
static void
cd_dmesg_keep_tail(CdDmesgResult *result, const gchar *data, gsize len)
{
	GString *tail = result->tail;
	gchar before_cut = '\n';

	if (len > result->tail_max) {
		before_cut = data[len - result->tail_max - 1];
		g_string_truncate(tail, 0);
		g_string_append_len(tail, data + len - result->tail_max, (gssize)result->tail_max);
	} else {
		g_string_append_len(tail, data, (gssize)len);
		if (tail->len > result->tail_max) {
			gsize excess = tail->len - result->tail_max;
			before_cut = tail->str[excess - 1];
			g_string_erase(tail, 0, (gssize)excess);
		}
	}
	/* cut inside a line: drop the rest of it */
	if (before_cut != '\n') {
		const gchar *nl = memchr(tail->str, '\n', tail->len);
		g_string_erase(tail, 0, nl != NULL ? (gssize)(nl + 1 - tail->str) : -1);
	}
}

static gboolean
cd_dmesg_flush(CdDmesgWriter *writer, GError **error)
{
	gsize done = 0;

	if (writer->result != NULL) {
		CdDmesgResult *result = writer->result;
		for (gsize i = 0; i < writer->buf->len; i++)
			result->lines += writer->buf->str[i] == '\n';
		result->bytes += writer->buf->len;
		if (result->tail != NULL && result->tail_max > 0)
			cd_dmesg_keep_tail(result, writer->buf->str, writer->buf->len);
	}

	while (done < writer->buf->len) {
		gssize n = write(writer->fd, writer->buf->str + done, writer->buf->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cd_error_set_from_errno(error, errno, "cannot write the log");
			return FALSE;
		}
		done += (gsize)n;
	}
	g_string_truncate(writer->buf, 0);
	return TRUE;
}

static gboolean
cd_dmesg_write_record(const CdPrintkRecord *record, gpointer user_data, GError **error)
{
	CdDmesgWriter *writer = user_data;

	cd_dmesg_append_record(writer->buf, record, writer->flags);
	if (writer->buf->len >= CD_DMESG_FLUSH_SIZE)
		return cd_dmesg_flush(writer, error);
	return TRUE;
}

/**
 * cd_dmesg_write:
 * @fd: where the text goes
 * @result: (nullable): counts, and the end of the text if asked for
 * @warnings: (nullable): receives a message for each part of the log that was lost
 *
 * Writes the crashed kernel's log as text, in bounded memory whatever its size.
 */
gboolean
cd_dmesg_write(CdVmcore *vmcore,
	       gint fd,
	       CdDmesgFlags flags,
	       CdDmesgResult *result,
	       GPtrArray *warnings,
	       GError **error)
{
	g_autoptr(GString) buf = g_string_sized_new(CD_DMESG_FLUSH_SIZE + 1024);
	CdDmesgWriter writer = { .buf = buf, .fd = fd, .flags = flags, .result = result };

	if (!cd_printk_foreach(vmcore, cd_dmesg_write_record, &writer, warnings, error)) {
		/* what was read before the failure is still worth having */
		cd_dmesg_flush(&writer, NULL);
		return FALSE;
	}
	return cd_dmesg_flush(&writer, error);
}
