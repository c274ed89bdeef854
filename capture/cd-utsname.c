/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdUtsname"

#include "config.h"

#include <string.h>

#include "cd-utsname.h"

/* struct new_utsname: six fields of __NEW_UTS_LEN + 1 bytes, a layout that has not
 * changed since 2.6; the hostname (nodename) and domain name are not read, they say
 * who the machine is and have no place in a crash report */
#define CD_UTS_FIELD   65
#define CD_UTS_SYSNAME 0
#define CD_UTS_RELEASE 2
#define CD_UTS_VERSION 3
#define CD_UTS_MACHINE 4
#define CD_UTS_FIELDS  6

/* the text came from the dump: keep what a terminal can show */
static gchar *
cd_utsname_sanitize(const gchar *text, gsize len)
{
	return g_strcanon(g_strndup(text, len),
			  " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
			  "abcdefghijklmnopqrstuvwxyz{|}~",
			  '?');
}

static gchar *
cd_utsname_field(const guint8 *raw, guint index)
{
	const gchar *field = (const gchar *)raw + index * CD_UTS_FIELD;
	return cd_utsname_sanitize(field, strnlen(field, CD_UTS_FIELD));
}

void
cd_utsname_free(CdUtsname *uts)
{
	if (uts == NULL)
		return;
	g_free(uts->sysname);
	g_free(uts->release);
	g_free(uts->version);
	g_free(uts->machine);
	g_free(uts);
}

/**
 * cd_utsname_new_from_vmcore:
 *
 * Reads the crashed kernel's init_uts_ns: the release, version and machine `uname`
 * would have printed. The release in VMCOREINFO (OSRELEASE) is preferred where both
 * exist, as it is what the kernel wrote for dump tools.
 *
 * Returns: (transfer full): the names, or %NULL
 */
CdUtsname *
cd_utsname_new_from_vmcore(CdVmcore *vmcore, GError **error)
{
	CdVmcoreinfo *info = cd_vmcore_get_vmcoreinfo(vmcore);
	g_autoptr(CdUtsname) uts = g_new0(CdUtsname, 1);
	guint8 raw[CD_UTS_FIELD * CD_UTS_FIELDS];
	guint64 ns;
	guint64 name = 0;
	const gchar *osrelease;

	if (!cd_vmcoreinfo_get_symbol(info, "init_uts_ns", &ns, error))
		return NULL;
	/* before Linux 5.x the offset was not exported: name followed a 4-byte kref */
	if (!cd_vmcoreinfo_get_offset(info, "uts_namespace.name", &name, NULL))
		name = 4;
	if (name > 4096) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "VMCOREINFO OFFSET(uts_namespace.name)=%" G_GUINT64_FORMAT
			    " is out of range",
			    name);
		return NULL;
	}
	if (!cd_vmcore_read_kvaddr(vmcore, ns + name, raw, sizeof(raw), error)) {
		g_prefix_error(error, "cannot read init_uts_ns: ");
		return NULL;
	}
	uts->sysname = cd_utsname_field(raw, CD_UTS_SYSNAME);
	osrelease = cd_vmcoreinfo_get_osrelease(info);
	uts->release = osrelease != NULL ? cd_utsname_sanitize(osrelease,
							       strnlen(osrelease, CD_UTS_FIELD - 1))
					 : cd_utsname_field(raw, CD_UTS_RELEASE);
	uts->version = cd_utsname_field(raw, CD_UTS_VERSION);
	uts->machine = cd_utsname_field(raw, CD_UTS_MACHINE);
	return g_steal_pointer(&uts);
}
