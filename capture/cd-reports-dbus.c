/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdReportsDbus"

#include "config.h"

#include "cd-reports-dbus.h"

/*
 * where io.crashdesk.Reports1 lives, as its XML says in annotations: the helper owns
 * the name and exports the object there, its clients call there
 */

static const gchar *
cd_reports_dbus_annotation(const gchar *name)
{
	GDBusInterfaceInfo *info = cd_dbus_reports1_interface_info();
	const gchar *value = g_dbus_annotation_info_lookup(info->annotations, name);

	/* the XML is compiled in: a missing annotation is a build defect, not input */
	g_assert(value != NULL);
	return value;
}

/**
 * cd_reports_dbus_bus_name:
 *
 * Returns: the helper's well-known name on the system bus
 */
const gchar *
cd_reports_dbus_bus_name(void)
{
	return cd_reports_dbus_annotation("io.crashdesk.BusName");
}

/**
 * cd_reports_dbus_object_path:
 *
 * Returns: the path of the helper's object
 */
const gchar *
cd_reports_dbus_object_path(void)
{
	return cd_reports_dbus_annotation("io.crashdesk.ObjectPath");
}
