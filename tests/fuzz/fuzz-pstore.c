/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

#include "cd-pstore.h"

/* libFuzzer target: the bytes are a pstore directory. They are cut into records at
 * each "\n@@" marker; each record's first byte picks its name (backend, part of an
 * efi id, compression), the rest is its content. Then the directory is read as
 * crashdesk pstore reads /sys/fs/pstore. */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

#define FUZZ_MAX_RECORDS 16

/* name prefix and suffix; the id between them is made like efi-pstore's */
static const gchar *const fuzz_names[][2] = {
	{ "dmesg-efi-", "" },	    { "dmesg-efi_pstore-", "" }, { "dmesg-ramoops-", "" },
	{ "dmesg-erst-", "" },	    { "dmesg-efi-", ".enc.z" },	 { "dmesg-ramoops-", ".enc.z" },
	{ "console-ramoops-", "" }, { "dmesg-", "-x" },
};

static void
fuzz_clear(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		g_unlink(path);
	}
}

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	static gchar *dir = NULL;
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) crashes = NULL;
	gsize pos = 0;

	if (dir == NULL)
		dir = g_dir_make_tmp("fuzz-pstore-XXXXXX", NULL);
	g_assert_nonnull(dir);
	fuzz_clear(dir);
	for (guint n = 0; pos < size && n < FUZZ_MAX_RECORDS; n++) {
		const guint8 *end = memmem(data + pos, size - pos, "\n@@", 3);
		gsize len = (end != NULL ? (gsize)(end - data) : size) - pos;
		g_autofree gchar *name = NULL;
		g_autofree gchar *path = NULL;
		guint8 pick = len > 0 ? data[pos] : 0;

		guint64 id = ((1700000000u + (guint64)(pick >> 3)) * 100 + n % 4) * 1000 + 1;
		const gchar *const *parts = fuzz_names[pick % G_N_ELEMENTS(fuzz_names)];

		name = g_strdup_printf("%s%" G_GUINT64_FORMAT "%s", parts[0], id, parts[1]);
		path = g_build_filename(dir, name, NULL);
		g_file_set_contents(path,
				    len > 0 ? (const gchar *)data + pos + 1 : "",
				    len > 0 ? (gssize)len - 1 : 0,
				    NULL);
		pos += len + 3;
	}
	crashes = cd_pstore_read(dir, warnings, NULL);
	for (guint i = 0; crashes != NULL && i < crashes->len; i++) {
		const CdPstoreCrash *crash = g_ptr_array_index(crashes, i);
		g_assert_nonnull(crash->text);
	}
	return 0;
}
