/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdDmesg"

#include "config.h"

#include <errno.h>
#include "cd-error.h"
#include <unistd.h>

#include "cd-dmesg.h"

/* The crashed kernel's log as text, byte for byte as kexec-tools' vmcore-dmesg prints
 * it, so that tools and people comparing the two see no difference. */

#define CD_DMESG_FLUSH_SIZE (64 * 1024)

typedef struct {
	GString *buf;
	gint fd;
	CdDmesgFlags flags;
} CdDmesgWriter;

/* vmcore-dmesg keeps what C's isprint() or isspace() accept in the "C" locale */
static gboolean
cd_dmesg_byte_is_plain(guint8 c)
{
	return (c >= 0x20 && c <= 0x7e) || (c >= '\t' && c <= '\r');
}

/**
 * cd_dmesg_append_record:
 * @out: where the line is appended
 *
 * Formats one record: `[%5lu.%06lu] ` from its time stamp, then its text with bytes
 * outside printable ASCII written as `\xNN`, then a newline. The plain ring of old
 * kernels has neither records nor time stamps: its text is copied unchanged.
 */
void
cd_dmesg_append_record(GString *out, const CdPrintkRecord *record, CdDmesgFlags flags)
{
	static const gchar hex[] = "0123456789abcdef";

	if (!record->has_timestamp) {
		g_string_append_len(out, (const gchar *)record->text, (gssize)record->text_len);
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
	for (gsize i = 0; i < record->text_len; i++) {
		guint8 c = record->text[i];
		if (cd_dmesg_byte_is_plain(c)) {
			g_string_append_c(out, (gchar)c);
		} else {
			g_string_append(out, "\\x");
			g_string_append_c(out, hex[c >> 4]);
			g_string_append_c(out, hex[c & 0xf]);
		}
	}
	g_string_append_c(out, '\n');
}

static gboolean
cd_dmesg_flush(CdDmesgWriter *writer, GError **error)
{
	gsize done = 0;

	while (done < writer->buf->len) {
		gssize n = write(writer->fd, writer->buf->str + done, writer->buf->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error,
				    G_FILE_ERROR,
				    g_file_error_from_errno(errno),
				    "cannot write the log: %s",
				    g_strerror(errno));
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
 * @warnings: (nullable): receives a message for each part of the log that was lost
 *
 * Writes the crashed kernel's log as text, in bounded memory whatever its size.
 */
gboolean
cd_dmesg_write(CdVmcore *vmcore, gint fd, CdDmesgFlags flags, GPtrArray *warnings, GError **error)
{
	g_autoptr(GString) buf = g_string_sized_new(CD_DMESG_FLUSH_SIZE + 1024);
	CdDmesgWriter writer = { .buf = buf, .fd = fd, .flags = flags };

	if (!cd_printk_foreach(vmcore, cd_dmesg_write_record, &writer, warnings, error)) {
		/* what was read before the failure is still worth having */
		cd_dmesg_flush(&writer, NULL);
		return FALSE;
	}
	return cd_dmesg_flush(&writer, error);
}
