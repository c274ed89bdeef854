/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* the kernel writes at most a page; 64 KiB covers 64K-page architectures */
#define CD_VMCOREINFO_MAX_SIZE (64 * 1024)

#define CD_TYPE_VMCOREINFO (cd_vmcoreinfo_get_type())
G_DECLARE_FINAL_TYPE(CdVmcoreinfo, cd_vmcoreinfo, CD, VMCOREINFO, GObject)

CdVmcoreinfo *
cd_vmcoreinfo_new_from_data(const gchar *data, gsize len, GError **error);

GBytes *
cd_vmcoreinfo_get_data(CdVmcoreinfo *self);
const gchar *
cd_vmcoreinfo_lookup(CdVmcoreinfo *self, const gchar *key);
gboolean
cd_vmcoreinfo_has(CdVmcoreinfo *self, const gchar *key);

gboolean
cd_vmcoreinfo_get_symbol(CdVmcoreinfo *self, const gchar *name, guint64 *addr, GError **error);
gboolean
cd_vmcoreinfo_get_size(CdVmcoreinfo *self, const gchar *type, guint64 *value, GError **error);
gboolean
cd_vmcoreinfo_get_offset(CdVmcoreinfo *self,
			 const gchar *type_member,
			 guint64 *value,
			 GError **error);
gboolean
cd_vmcoreinfo_get_length(CdVmcoreinfo *self, const gchar *name, guint64 *value, GError **error);
gboolean
cd_vmcoreinfo_get_number(CdVmcoreinfo *self, const gchar *name, gint64 *value, GError **error);

const gchar *
cd_vmcoreinfo_get_osrelease(CdVmcoreinfo *self);
guint64
cd_vmcoreinfo_get_page_size(CdVmcoreinfo *self);
gboolean
cd_vmcoreinfo_get_kernel_offset(CdVmcoreinfo *self, guint64 *value);
/* 9999-12-31T23:59:59Z: GDateTime, and so the report id, ends with the year 9999 */
#define CD_VMCOREINFO_CRASH_TIME_MAX G_GINT64_CONSTANT(253402300799)

gboolean
cd_vmcoreinfo_get_crash_time(CdVmcoreinfo *self, gint64 *value);
gboolean
cd_vmcoreinfo_read_crash_time(CdVmcoreinfo *self, gint64 *value, GError **error);

G_END_DECLS
