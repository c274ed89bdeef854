/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* limits on reading a report, which anyone able to write to the crash directory can make */
#define CD_APPORT_MAX_SIZE	   (64 * 1024 * 1024)  /* the whole file */
#define CD_APPORT_MAX_KEYS	   1024		       /* distinct keys, also when writing */
#define CD_APPORT_MAX_KEY_LEN	   256		       /* also when writing */
#define CD_APPORT_MAX_LINE_LEN	   (8 * 1024 * 1024)   /* apport's lines: 180 KiB, 1.4 MiB < 2.33 */
#define CD_APPORT_MAX_BINARY_SIZE  (256 * 1024 * 1024) /* one value, decompressed */
#define CD_APPORT_MAX_BINARY_TOTAL (512 * 1024 * 1024) /* all values, decompressed */

#define CD_TYPE_APPORT_REPORT (cd_apport_report_get_type())
G_DECLARE_FINAL_TYPE(CdApportReport, cd_apport_report, CD, APPORT_REPORT, GObject)

CdApportReport *
cd_apport_report_new(void);
CdApportReport *
cd_apport_report_new_from_data(const gchar *data, gsize len, GError **error);

gboolean
cd_apport_report_set_text(CdApportReport *self,
			  const gchar *key,
			  const gchar *value,
			  GError **error);
gboolean
cd_apport_report_set_binary(CdApportReport *self,
			    const gchar *key,
			    const guint8 *data,
			    gsize len,
			    GError **error);

const gchar *
cd_apport_report_get_text(CdApportReport *self, const gchar *key);
GBytes *
cd_apport_report_get_binary(CdApportReport *self, const gchar *key);
GStrv
cd_apport_report_get_keys(CdApportReport *self);

GBytes *
cd_apport_report_to_bytes(CdApportReport *self, GError **error);

G_END_DECLS
