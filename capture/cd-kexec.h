/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>

#include "cd-cmdline.h"
#include "cd-config.h"

G_BEGIN_DECLS

/* the unit the capture kernel boots into: it saves the crash, then reboots */
#define CD_KEXEC_CAPTURE_UNIT "crashdesk-capture.target"

/* x86's COMMAND_LINE_SIZE, with the NUL: the most a bzImage accepts */
#define CD_KEXEC_CMDLINE_MAX 2048

/* what the capture kernel needs on its command line, before CommandLineAppend= */
#define CD_KEXEC_CAPTURE_PARAMS                                                                    \
	"irqpoll nr_cpus=1 reset_devices panic=10 noresume udev.children_max=2 "                   \
	"cgroup_disable=memory"

gchar *
cd_kexec_capture_cmdline(const gchar *running, const CdConfig *config, GError **error);

gint
cd_kexec_load_crash(gint kernel_fd, gint initrd_fd, const gchar *cmdline);
gint
cd_kexec_unload_crash(void);

/* the kernel's kexec state, read from sysfs and procfs */
#define CD_KEXEC_CRASH_LOADED  "/sys/kernel/kexec_crash_loaded"
#define CD_KEXEC_CRASH_SIZE    "/sys/kernel/kexec_crash_size"
#define CD_KEXEC_LOAD_DISABLED "/proc/sys/kernel/kexec_load_disabled"
#define CD_KEXEC_LOCKDOWN      "/sys/kernel/security/lockdown"

gboolean
cd_kexec_read_number(const gchar *path, guint64 *value);
gchar *
cd_kexec_lockdown_mode(void);

G_END_DECLS
