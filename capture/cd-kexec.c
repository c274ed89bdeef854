/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdKexec"

#include "config.h"

#include <errno.h>
#include <linux/kexec.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cd-error.h"
#include "cd-file.h"
#include "cd-kexec.h"

/*
 * Parameters of the running kernel that the capture kernel must not inherit: the
 * reservation itself, what selects another boot target or stops the boot, what would
 * resume a hibernated system over the crashed one's memory, and what sizes memory or CPUs
 * for a whole machine when the capture kernel has a few hundred MiB and one CPU.
 */
static const gchar *const cd_kexec_dropped[] = {
	"BOOT_IMAGE",
	"initrd",
	"crashkernel",
	"systemd.unit",
	"rd.systemd.unit",
	"systemd.wants",
	"single",
	"s",
	"S",
	"-s",
	"emergency",
	"rescue",
	"1",
	"2",
	"3",
	"4",
	"5",
	"rd.break",
	"resume",
	"resume_offset",
	"hibernate",
	"hugepages",
	"hugepagesz",
	"default_hugepagesz",
	"hugetlb_cma",
	"cma",
	"log_buf_len",
	"nr_cpus",
	"maxcpus",
	"possible_cpus",
	"mem",
	"memmap",
	"movablecore",
	"kernelcore",
	"kexec_jump_back_entry",
	"slub_debug",
	"swiotlb",
	"quiet",
	"splash",
	/* set again by CD_KEXEC_CAPTURE_PARAMS: once is enough */
	"irqpoll",
	"reset_devices",
	"panic",
	"noresume",
	"udev.children_max",
	"cgroup_disable",
};

static gboolean
cd_kexec_named_in(const gchar *word, const gchar *const *names, gsize n_names)
{
	for (gsize i = 0; i < n_names && names[i] != NULL; i++) {
		if (cd_cmdline_param_name_equal(word, names[i]))
			return TRUE;
	}
	return FALSE;
}

static void
cd_kexec_append_word(GString *out, GPtrArray *seen, const gchar *word)
{
	/* the same word twice says nothing more */
	for (guint i = 0; i < seen->len; i++) {
		if (g_strcmp0(g_ptr_array_index(seen, i), word) == 0)
			return;
	}
	g_ptr_array_add(seen, (gpointer)word);
	if (out->len > 0)
		g_string_append_c(out, ' ');
	g_string_append(out, word);
}

/*
 * The capture kernel's command line: the running kernel's (it finds the same root file
 * system and consoles), without what would break a capture boot, then what a capture boot
 * needs, then CommandLineAppend= and the panic screen of the configuration unless the
 * running command line chose one; crashdesk.* parameters pass through. CommandLineRemove=
 * drops parameters of the running kernel and of the capture's own set by name; what
 * CommandLineAppend= names is always added.
 */
gchar *
cd_kexec_capture_cmdline(const gchar *running, const CdConfig *config, GError **error)
{
	g_auto(GStrv) words = cd_cmdline_split(running);
	g_auto(GStrv) added = cd_cmdline_split(CD_KEXEC_CAPTURE_PARAMS);
	g_autoptr(GString) out = g_string_new(NULL);
	g_autoptr(GString) init_args = g_string_new(NULL);
	g_autoptr(GPtrArray) seen = g_ptr_array_new();
	g_autoptr(GPtrArray) seen_init = g_ptr_array_new();
	const gchar *const *remove = (const gchar *const *)config->command_line_remove;
	gchar *const *append = config->command_line_append;
	gboolean has_screen = FALSE;
	gboolean after_dashes = FALSE;

	for (guint i = 0; words[i] != NULL; i++) {
		if (!after_dashes && g_strcmp0(words[i], "--") == 0) {
			after_dashes = TRUE;
			continue;
		}
		if (cd_kexec_named_in(words[i], cd_kexec_dropped, G_N_ELEMENTS(cd_kexec_dropped)) ||
		    cd_kexec_named_in(words[i], remove, G_MAXSIZE))
			continue;
		if (cd_cmdline_param_name_equal(words[i], "crashdesk.panic_screen"))
			has_screen = TRUE;
		if (after_dashes)
			cd_kexec_append_word(init_args, seen_init, words[i]);
		else
			cd_kexec_append_word(out, seen, words[i]);
	}
	for (guint i = 0; added[i] != NULL; i++) {
		if (!cd_kexec_named_in(added[i], remove, G_MAXSIZE))
			cd_kexec_append_word(out, seen, added[i]);
	}
	for (guint i = 0; append[i] != NULL; i++) {
		if (cd_cmdline_param_name_equal(append[i], "crashdesk.panic_screen"))
			has_screen = TRUE;
		cd_kexec_append_word(out, seen, append[i]);
	}
	if (!has_screen && config->panic_screen != CD_PANIC_SCREEN_OFF) {
		g_string_append_printf(out,
				       " crashdesk.panic_screen=%s",
				       cd_panic_screen_to_string(config->panic_screen));
	}
	if (!cd_kexec_named_in("systemd.unit", remove, G_MAXSIZE))
		cd_kexec_append_word(out, seen, "systemd.unit=" CD_KEXEC_CAPTURE_UNIT);
	if (init_args->len > 0)
		g_string_append_printf(out, " -- %s", init_args->str);
	if (out->len + 1 > CD_KEXEC_CMDLINE_MAX) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the capture kernel's command line would be %" G_GSIZE_FORMAT
			    " bytes, more than the %u a kernel accepts",
			    out->len + 1,
			    (guint)CD_KEXEC_CMDLINE_MAX);
		return NULL;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* kexec_file_load(2) into the crash kernel slot: 0, or the errno */
gint
cd_kexec_load_crash(gint kernel_fd, gint initrd_fd, const gchar *cmdline)
{
#ifdef SYS_kexec_file_load
	gulong flags = KEXEC_FILE_ON_CRASH;

	if (initrd_fd < 0)
		flags |= KEXEC_FILE_NO_INITRAMFS;
	if (syscall(SYS_kexec_file_load,
		    kernel_fd,
		    initrd_fd,
		    (gulong)strlen(cmdline) + 1,
		    cmdline,
		    flags) != 0)
		return errno;
	return 0;
#else
	return ENOSYS;
#endif
}

gint
cd_kexec_unload_crash(void)
{
#ifdef SYS_kexec_file_load
	if (syscall(SYS_kexec_file_load,
		    -1,
		    -1,
		    0UL,
		    NULL,
		    (gulong)(KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH)) != 0)
		return errno;
	return 0;
#else
	return ENOSYS;
#endif
}

/* a number in a sysfs or procfs file; FALSE when the file is missing or holds no number */
gboolean
cd_kexec_read_number(const gchar *path, guint64 *value)
{
	g_autofree gchar *text = cd_file_read_text(path, 64, NULL, NULL);

	if (text == NULL)
		return FALSE;
	g_strstrip(text);
	return g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT64, value, NULL);
}

/* the lockdown LSM's mode, "none", "integrity" or "confidentiality"; NULL when not known */
gchar *
cd_kexec_lockdown_mode(void)
{
	g_autofree gchar *text = cd_file_read_text(CD_KEXEC_LOCKDOWN, 256, NULL, NULL);
	const gchar *start;
	const gchar *end;

	/* "none [integrity] confidentiality": the mode in force is in brackets */
	if (text == NULL || (start = strchr(text, '[')) == NULL ||
	    (end = strchr(start, ']')) == NULL)
		return NULL;
	return g_strndup(start + 1, end - start - 1);
}
