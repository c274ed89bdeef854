/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdDumpEstimate"

#include "config.h"

#include <errno.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "cd-dump-estimate.h"
#include "cd-error.h"
#include "cd-kdump-format.h"

/* the kdump file's fixed part: headers, VMCOREINFO, the ELF notes; 64 KiB is ample */
#define CD_DUMP_ESTIMATE_HEADERS (64 * 1024)
/* a page descriptor of the kdump format: offset, size, flags, page flags */
#define CD_DUMP_ESTIMATE_DESC_SIZE 24
/* the page size the estimate counts in */
#define CD_DUMP_ESTIMATE_PAGE_SIZE 4096

/* "Key:    N kB" or, for HugePages_Total, "Key:    N" */
static gboolean
cd_meminfo_parse_line(const gchar *line, const gchar *key, guint64 *value, gboolean *kb)
{
	gsize len = strlen(key);
	const gchar *p;
	gchar *end = NULL;
	guint64 v;

	if (strncmp(line, key, len) != 0 || line[len] != ':')
		return FALSE;
	p = line + len + 1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!g_ascii_isdigit(*p))
		return FALSE;
	errno = 0;
	v = g_ascii_strtoull(p, &end, 10);
	if (errno != 0)
		return FALSE;
	while (*end == ' ')
		end++;
	*kb = g_str_has_prefix(end, "kB");
	if (*kb && v > G_MAXUINT64 / 1024)
		return FALSE;
	*value = *kb ? v * 1024 : v;
	return TRUE;
}

/**
 * cd_meminfo_parse:
 * @text: /proc/meminfo
 * @mi: (out): its figures in bytes, G_MAXUINT64 for those absent
 *
 * Returns: FALSE with @error if MemTotal or MemFree is missing
 */
gboolean
cd_meminfo_parse(const gchar *text, CdMeminfo *mi, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	guint64 pages = G_MAXUINT64;
	guint64 page_size = G_MAXUINT64;
	const struct {
		const gchar *key;
		guint64 *value;
	} keys[] = {
		{ "MemTotal", &mi->mem_total },	    { "MemFree", &mi->mem_free },
		{ "Buffers", &mi->buffers },	    { "Cached", &mi->cached },
		{ "SwapCached", &mi->swap_cached }, { "Shmem", &mi->shmem },
		{ "AnonPages", &mi->anon_pages },   { "Hugetlb", &mi->hugetlb },
		{ "HugePages_Total", &pages },	    { "Hugepagesize", &page_size },
	};

	for (gsize k = 0; k < G_N_ELEMENTS(keys); k++)
		*keys[k].value = G_MAXUINT64;
	for (guint i = 0; lines[i] != NULL; i++) {
		for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
			gboolean kb = FALSE;
			if (cd_meminfo_parse_line(lines[i], keys[k].key, keys[k].value, &kb))
				break;
		}
	}
	if (mi->mem_total == G_MAXUINT64 || mi->mem_free == G_MAXUINT64) {
		g_set_error_literal(error,
				    CD_ERROR,
				    CD_ERROR_NOT_FOUND,
				    "/proc/meminfo: no MemTotal or MemFree");
		return FALSE;
	}
	/* Hugetlb came with Linux 5.16; before, the default size's pool is all there is */
	if (mi->hugetlb == G_MAXUINT64 && pages != G_MAXUINT64 && page_size != G_MAXUINT64 &&
	    (page_size == 0 || pages <= G_MAXUINT64 / page_size))
		mi->hugetlb = pages * page_size;
	return TRUE;
}

static guint64
cd_meminfo_value(guint64 value)
{
	return value == G_MAXUINT64 ? 0 : value;
}

/**
 * cd_dump_estimate:
 * @mi: from cd_meminfo_parse()
 * @memory_bytes: the memory a vmcore would hold (the RAM less the reservation), 0 for
 *	MemTotal
 * @dump_level: makedumpfile's -d, 0 to 31
 * @est: (out): the estimate
 *
 * The rules are at the top of cd-dump-estimate.h.
 */
void
cd_dump_estimate(const CdMeminfo *mi, guint64 memory_bytes, guint dump_level, CdDumpEstimate *est)
{
	guint64 excluded;
	guint64 pages;

	memset(est, 0, sizeof(*est));
	est->dump_level = dump_level;
	est->memory_bytes = memory_bytes > 0 ? memory_bytes : cd_meminfo_value(mi->mem_total);
	if (dump_level & CD_DUMP_LEVEL_FREE)
		est->free_bytes = cd_meminfo_value(mi->mem_free);
	if (dump_level & CD_DUMP_LEVEL_CACHE_PRIVATE)
		est->cache_bytes = cd_meminfo_value(mi->cached) + cd_meminfo_value(mi->buffers);
	else if (dump_level & CD_DUMP_LEVEL_CACHE)
		est->cache_bytes = cd_meminfo_value(mi->cached);
	if (dump_level & CD_DUMP_LEVEL_USER)
		est->user_bytes = cd_meminfo_value(mi->anon_pages) + cd_meminfo_value(mi->hugetlb);
	excluded = est->free_bytes + est->cache_bytes + est->user_bytes;
	est->kept_bytes = est->memory_bytes > excluded ? est->memory_bytes - excluded : 0;
	pages = est->kept_bytes / CD_DUMP_ESTIMATE_PAGE_SIZE;
	/* two bitmaps of one bit per page of memory, one descriptor per kept page */
	est->dump_bytes = (guint64)((gdouble)est->kept_bytes * CD_DUMP_ESTIMATE_RATIO) +
			  pages * CD_DUMP_ESTIMATE_DESC_SIZE +
			  est->memory_bytes / CD_DUMP_ESTIMATE_PAGE_SIZE / 4 +
			  CD_DUMP_ESTIMATE_HEADERS;
}

void
cd_dump_space_clear(CdDumpSpace *space)
{
	g_clear_pointer(&space->checked_dir, g_free);
}

/**
 * cd_dump_space_read:
 * @dir: the report root; it need not exist yet (save creates it)
 * @space: (out caller-allocates): cleared with cd_dump_space_clear()
 *
 * The free space where @dir is or will be: its file system, or that of its nearest
 * existing parent the caller may reach.
 *
 * Returns: FALSE with @error when no parent can be measured
 */
gboolean
cd_dump_space_read(const gchar *dir, CdDumpSpace *space, GError **error)
{
	g_autofree gchar *path = g_canonicalize_filename(dir, NULL);

	memset(space, 0, sizeof(*space));
	for (;;) {
		struct statvfs st;
		struct stat dst;
		gchar *parent;

		/* only a directory: the report root's place, not a file in its way */
		if (stat(path, &dst) == 0 && !S_ISDIR(dst.st_mode)) {
			errno = ENOTDIR;
		} else if (statvfs(path, &st) == 0) {
			space->checked_dir = g_steal_pointer(&path);
			space->available_bytes = (guint64)st.f_bavail * st.f_frsize;
			space->filesystem_bytes = (guint64)st.f_blocks * st.f_frsize;
			return TRUE;
		}
		/* EACCES: a user cannot reach into /var/crash/kernel, which hides the
		 * reports, but the level that hides them is on the same file system */
		if ((errno != ENOENT && errno != ENOTDIR && errno != EACCES) ||
		    g_strcmp0(path, "/") == 0) {
			cd_error_set_from_errno(error,
						errno,
						"cannot tell the free space of %s",
						path);
			return FALSE;
		}
		parent = g_path_get_dirname(path);
		g_free(path);
		path = parent;
	}
}
