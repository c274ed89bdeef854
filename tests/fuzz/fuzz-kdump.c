/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "config.h"

#include <sys/mman.h>
#include <unistd.h>

#include "cd-dmesg.h"
#include "cd-kdump-file.h"

/* libFuzzer target: the bytes are a kdump-compressed file; open it as a vmcore and
 * read the log, then open it alone and read its first pages, the last one, and ranges
 * across them */

#define FUZZ_KDUMP_MAX_PFNS 512

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

static gint
fuzz_memfd(const guint8 *data, gsize size)
{
	gint fd = memfd_create("fuzz-kdump", MFD_CLOEXEC);
	gsize done = 0;

	g_assert(fd >= 0);
	while (done < size) {
		gssize n = write(fd, data + done, size - done);
		g_assert(n > 0);
		done += (gsize)n;
	}
	return fd;
}

static gboolean
fuzz_record(const CdPrintkRecord *record, gpointer user_data, GError **error)
{
	GString *out = user_data;

	cd_dmesg_append_record(out, record, CD_DMESG_FLAG_CALLER_ID);
	g_string_truncate(out, 0);
	return TRUE;
}

static void
fuzz_pages(CdKdumpFile *kdump)
{
	guint64 bs = cd_kdump_file_get_block_size(kdump);
	guint64 max_pfn = cd_kdump_file_get_max_pfn(kdump);
	guint64 n = MIN(max_pfn, FUZZ_KDUMP_MAX_PFNS);
	g_autofree guint8 *buf = g_malloc(2 * bs);

	for (guint64 pfn = 0; pfn < n; pfn++) {
		CdKdumpPageState state;
		if (!cd_kdump_file_get_page_state(kdump, pfn, &state, NULL))
			continue;
		if (state == CD_KDUMP_PAGE_STORED)
			cd_kdump_file_read_paddr(kdump, pfn * bs + bs / 2, buf, bs, NULL);
	}
	cd_kdump_file_read_paddr(kdump, (max_pfn - 1) * bs, buf, bs, NULL);
	cd_kdump_file_check_paddr_range(kdump, 0, n * bs, CD_KDUMP_RANGE_MEMORY, NULL);
	cd_kdump_file_check_paddr_range(kdump, 0, n * bs, CD_KDUMP_RANGE_STORED, NULL);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	g_autoptr(CdVmcore) vmcore = NULL;
	g_autoptr(CdKdumpFile) kdump = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

	vmcore = cd_vmcore_new_from_fd(fuzz_memfd(data, size), "fuzz", NULL);
	if (vmcore != NULL)
		cd_printk_foreach(vmcore, fuzz_record, out, warnings, NULL);
	kdump = cd_kdump_file_new_from_fd(fuzz_memfd(data, size), "fuzz", NULL);
	if (kdump != NULL)
		fuzz_pages(kdump);
	return 0;
}
