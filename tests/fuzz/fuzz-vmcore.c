/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "cd-dmesg.h"

/* libFuzzer target: the bytes are a vmcore; read its headers, notes and VMCOREINFO,
 * walk whichever printk ring it names, and format every record */

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

static gboolean
fuzz_record(const CdPrintkRecord *record, gpointer user_data, GError **error)
{
	GString *out = user_data;

	cd_dmesg_append_record(out, record, CD_DMESG_FLAG_CALLER_ID);
	g_string_truncate(out, 0);
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
	gint fd = memfd_create("fuzz-vmcore", MFD_CLOEXEC);
	gsize done = 0;

	g_assert(fd >= 0);
	while (done < size) {
		gssize n = write(fd, data + done, size - done);
		g_assert(n > 0);
		done += (gsize)n;
	}
	vmcore = cd_vmcore_new_from_fd(fd, "fuzz", NULL);
	if (vmcore == NULL)
		return 0;
	cd_printk_foreach(vmcore, fuzz_record, out, warnings, NULL);
	return 0;
}
