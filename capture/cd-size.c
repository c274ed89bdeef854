/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdSize"

#include "config.h"

#include "cd-size.h"

/**
 * cd_size_format:
 * @bytes: a size
 *
 * A size for people, in binary units as the kernel's own messages and memparse() count:
 * "17 bytes", "512 KiB", "192 MiB" below a GiB (whole units, rounded to the nearest),
 * then one decimal: "2.0 GiB", "1.5 TiB". Not g_format_size(): that one counts in
 * powers of ten, and a reservation of 192 MiB would read "201.3 MB".
 *
 * Returns: (transfer full): the text
 */
gchar *
cd_size_format(guint64 bytes)
{
	static const gchar *const big[] = { "GiB", "TiB", "PiB", "EiB" };
	gdouble value;
	guint i = 0;

	if (bytes < 1024)
		return g_strdup_printf("%" G_GUINT64_FORMAT " bytes", bytes);
	if (bytes < 1024 * 1024)
		return g_strdup_printf("%" G_GUINT64_FORMAT " KiB", (bytes + 512) >> 10);
	if (bytes < 1024ULL * 1024 * 1024)
		return g_strdup_printf("%" G_GUINT64_FORMAT " MiB", (bytes + (1 << 19)) >> 20);
	value = (gdouble)bytes / (1024.0 * 1024 * 1024);
	while (value >= 1023.95 && i + 1 < G_N_ELEMENTS(big)) {
		value /= 1024.0;
		i++;
	}
	/* the C locale's decimal point, whatever LC_NUMERIC says: the text is also parsed */
	{
		gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
		return g_strdup_printf("%s %s",
				       g_ascii_formatd(buf, sizeof(buf), "%.1f", value),
				       big[i]);
	}
}
