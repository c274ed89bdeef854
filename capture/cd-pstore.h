/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* where systemd and the kernel's documentation mount the pstore filesystem */
#define CD_PSTORE_DIR "/sys/fs/pstore"

/* directory entries looked at; a backend holds tens of records, efivars a few hundred */
#define CD_PSTORE_MAX_FILES 4096
/* one record as read: efivars 1 KiB by default, ERST a few KiB, ramoops its record_size */
#define CD_PSTORE_MAX_FILE_SIZE (4 * 1024 * 1024)
/* one record once inflated: the kernel compresses at most bufsize * 100 / 60 bytes */
#define CD_PSTORE_MAX_INFLATED_SIZE (16 * 1024 * 1024)
/* the bytes of every record held at once, read and inflated */
#define CD_PSTORE_MAX_TOTAL_SIZE (64 * 1024 * 1024)
/* seconds between two records of one dump: pstore_dump() writes all parts in one loop */
#define CD_PSTORE_DUMP_SPAN 10
/* __NEW_UTS_LEN: a release or version longer than this is not one */
#define CD_PSTORE_UTS_MAX 64

/**
 * CdPstoreCrash:
 * @backend: the pstore backend that kept the dump: `efi`, `efi_pstore`, `erst`, `ramoops`...
 * @reason: the kmsg_dump reason from the dump's header line: `Panic`, `Oops`,
 *	`Emergency`, `Shutdown`..., or `Unknown` for a record without a header line
 * @count: the dump's number in the boot that wrote it (`Panic#2` is 2), 0 if unknown
 * @files: (element-type filename): paths of the records that make the dump, oldest
 *	chunk first, to delete with cd_pstore_crash_remove_files() once a report is durable
 * @text: the log as the kernel dumped it, oldest line first, part headers removed.
 *	Lines keep their syslog prefix (`<6>[    1.234567] text`) and every byte but NUL,
 *	which is written as the four characters `\x00` so that the text is a C string.
 *	Untrusted: a task name in it can hold any byte but NUL.
 * @time: the modification time of the newest record, in seconds since the epoch; the
 *	kernel sets it to the time the record was written when the backend kept one
 * @release: (nullable): the crashed kernel's release (`uname -r`), from the log's
 *	`Linux version` banner, else from its `CPU: ... Comm: ...` line
 * @version: (nullable): its version: the banner's `uname -v`, else what the `CPU:`
 *	line shows of it (`#1 Debian 6.1.192-3`)
 * @text_warnings: (element-type utf8): what @text lacks, each a sentence: the start of
 *	the log (pstore keeps its end), a part that is missing; empty when it is whole
 *
 * One kernel crash assembled from the pstore records it was split into: one dump, or
 * the dump of an oops and that of the panic it led to (see cd-pstore.c).
 */
typedef struct {
	gchar *backend;
	gchar *reason;
	guint count;
	GPtrArray *files;
	gchar *text;
	gint64 time;
	gchar *release;
	gchar *version;
	GPtrArray *text_warnings;
} CdPstoreCrash;

void
cd_pstore_crash_free(CdPstoreCrash *crash);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdPstoreCrash, cd_pstore_crash_free)

GPtrArray *
cd_pstore_read(const gchar *dir, GPtrArray *warnings, GError **error);
gboolean
cd_pstore_crash_remove_files(const CdPstoreCrash *crash, GError **error);

G_END_DECLS
