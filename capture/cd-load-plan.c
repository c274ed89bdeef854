/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "cd-crashkernel.h"
#include "cd-error.h"
#include "cd-file.h"
#include "cd-kexec.h"
#include "cd-load-plan.h"

/*
 * What crashdesk load would load, and the reservation it needs: shared by load, which
 * refuses without one, and status, which says what is missing. Neither command calls
 * the other.
 */

#define CD_PROC_CMDLINE "/proc/cmdline"

void
cd_load_plan_clear(CdLoadPlan *plan)
{
	g_free(plan->kernel);
	g_free(plan->initrd);
	g_free(plan->cmdline);
}

gboolean
cd_load_plan_make(const CdConfig *config,
		  const gchar *kernel,
		  const gchar *initrd,
		  gboolean no_initrd,
		  const gchar *cmdline,
		  gchar **append,
		  CdLoadPlan *plan,
		  GError **error)
{
	struct utsname uts;
	g_autofree gchar *running = NULL;

	if (uname(&uts) != 0) {
		cd_error_set_from_errno(error, errno, "uname");
		return FALSE;
	}
	if (kernel != NULL)
		plan->kernel = g_strdup(kernel);
	else if (config->kernel != NULL)
		plan->kernel = g_strdup(config->kernel);
	else
		plan->kernel = g_strdup_printf("/boot/vmlinuz-%s", uts.release);
	if (initrd != NULL)
		plan->initrd = g_strdup(initrd);
	else if (no_initrd || config->no_initrd)
		plan->initrd = NULL;
	else if (config->initrd != NULL)
		plan->initrd = g_strdup(config->initrd);
	else
		plan->initrd = g_strdup_printf("/boot/initrd.img-%s", uts.release);

	if (cmdline != NULL) {
		plan->cmdline = g_strdup(cmdline);
	} else {
		g_autoptr(GError) error_local = NULL;

		running = cd_file_read_text(CD_PROC_CMDLINE, 64 * 1024, NULL, &error_local);
		if (running == NULL) {
			g_set_error(error,
				    error_local->domain,
				    error_local->code,
				    "%s: %s",
				    CD_PROC_CMDLINE,
				    error_local->message);
			return FALSE;
		}
		plan->cmdline = cd_kexec_capture_cmdline(g_strstrip(running), config, error);
		if (plan->cmdline == NULL)
			return FALSE;
	}
	for (guint i = 0; append != NULL && append[i] != NULL; i++) {
		gchar *longer = g_strdup_printf("%s %s", plan->cmdline, append[i]);

		g_free(plan->cmdline);
		plan->cmdline = longer;
	}
	if (strlen(plan->cmdline) + 1 > CD_KEXEC_CMDLINE_MAX) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "the capture kernel's command line is %" G_GSIZE_FORMAT
			    " bytes, more than the %u a kernel accepts",
			    strlen(plan->cmdline) + 1,
			    (guint)CD_KEXEC_CMDLINE_MAX);
		return FALSE;
	}
	return TRUE;
}

/* the reservation as the kernel made it from crashkernel=, with the fix, or NULL */
CdCrashkernelState *
cd_load_plan_read_reservation(const gchar *sysroot, const CdLoadPlan *plan, GPtrArray *lines)
{
	g_autoptr(GError) error = NULL;
	/* the suggestion is for the images load would load, a small initrd of its own too */
	CdCrashkernelState *state = cd_crashkernel_state_read(sysroot != NULL ? sysroot : "/",
							      NULL,
							      plan != NULL ? plan->kernel : NULL,
							      plan == NULL	     ? NULL
							      : plan->initrd != NULL ? plan->initrd
										     : "",
							      &error);

	if (state == NULL) {
		g_ptr_array_add(
			lines,
			g_strdup_printf("The reservation cannot be read: %s", error->message));
		return NULL;
	}
	cd_crashkernel_state_append_text(state, lines);
	return state;
}

void
cd_load_plan_explain_reservation(const CdLoadPlan *plan)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	/* read for the lines it leaves; clang would call it unused */
	G_GNUC_UNUSED g_autoptr(CdCrashkernelState) state =
		cd_load_plan_read_reservation(NULL, plan, lines);

	for (guint i = 0; i < lines->len; i++)
		g_printerr("%s: %s\n", g_get_prgname(), (const gchar *)g_ptr_array_index(lines, i));
}
