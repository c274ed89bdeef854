/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <stdio.h>
#include <sys/reboot.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"
#include "cd-progress.h"

/* crashdesk final-action: how the capture ends (reboot, poweroff, a shell), after the panic
 * screen's countdown */

/* runs systemctl ARGS...; FALSE when it could not be run or failed */
static gboolean
cd_final_action_systemctl(const gchar *verb, const gchar *unit)
{
	const gchar *argv[] = { "systemctl", "--no-block", verb, unit, NULL };
	g_autoptr(GError) error = NULL;
	gint status = 0;

	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
			  NULL,
			  NULL,
			  NULL,
			  NULL,
			  &status,
			  &error)) {
		g_printerr("%s: systemctl: %s\n", g_get_prgname(), error->message);
		return FALSE;
	}
	if (!g_spawn_check_wait_status(status, &error)) {
		g_printerr("%s: systemctl %s: %s\n", g_get_prgname(), verb, error->message);
		return FALSE;
	}
	return TRUE;
}

gint
cd_cmd_final_action(gint argc, gchar **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *action_str = NULL;
	gint countdown = CD_PROGRESS_FINAL_SECONDS;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "action", 0, 0, G_OPTION_ARG_STRING, &action_str,
		  "reboot, poweroff or shell (default: FinalAction=)", "ACTION" },
		{ "countdown", 0, 0, G_OPTION_ARG_INT, &countdown,
		  "Seconds the panic screen, if shown, counts down first (default 10)", "SECONDS" },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx = g_option_context_new(
		"- in the capture kernel, after saving: reboot, power off or offer a shell");
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(CdProgress) progress = NULL;
	CdFinalAction action;
	gboolean systemd = sd_booted() > 0;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_cmd_load_config(config_path);
	if (config == NULL) {
		/* a broken file must not leave the machine in the capture kernel */
		config = cd_config_new();
	}
	action = config->final_action;
	if (action_str != NULL && !cd_final_action_from_string(action_str, &action)) {
		g_printerr("%s: --action %s: must be reboot, poweroff or shell\n",
			   g_get_prgname(),
			   action_str);
		return CD_EXIT_USAGE;
	}
	if (countdown < 0 || countdown > 600) {
		g_printerr("%s: --countdown %d is out of range (0 to 600)\n",
			   g_get_prgname(),
			   countdown);
		return CD_EXIT_USAGE;
	}
	if (access(CD_PROC_VMCORE, F_OK) != 0) {
		g_printerr("%s: refused: this is not a capture kernel (%s does not exist)\n",
			   g_get_prgname(),
			   CD_PROC_VMCORE);
		return CD_EXIT_FAILURE;
	}
	if (!cd_cmd_require_root("end the capture"))
		return CD_EXIT_FAILURE;
	/* the panic screen, when one is shown, counts down so that its outcome can be read */
	progress = cd_progress_connect(cd_progress_socket_path());
	if (progress != NULL) {
		g_printerr("%s: the panic screen counts down %d s to the %s\n",
			   g_get_prgname(),
			   countdown,
			   cd_final_action_to_string(action));
		cd_progress_send(progress,
				 "final",
				 "%s %d",
				 cd_final_action_to_string(action),
				 countdown);
		if (!cd_progress_wait_go(progress, (countdown + 5) * 1000)) {
			g_printerr("%s: the panic console did not answer: going on\n",
				   g_get_prgname());
		}
	}
	g_print("The capture is over: %s.\n", cd_final_action_to_string(action));
	fflush(stdout);
	sync();
	switch (action) {
	case CD_FINAL_ACTION_SHELL:
		if (systemd && cd_final_action_systemctl("isolate", "emergency.target"))
			return CD_EXIT_OK;
		g_printerr("%s: no shell without systemd: rebooting\n", g_get_prgname());
		break;
	case CD_FINAL_ACTION_POWEROFF:
		if (systemd && cd_final_action_systemctl("poweroff", NULL))
			return CD_EXIT_OK;
		reboot(RB_POWER_OFF);
		break;
	case CD_FINAL_ACTION_REBOOT:
	default:
		if (systemd && cd_final_action_systemctl("reboot", NULL))
			return CD_EXIT_OK;
		break;
	}
	reboot(RB_AUTOBOOT);
	g_printerr("%s: reboot: %s\n", g_get_prgname(), g_strerror(errno));
	return CD_EXIT_FAILURE;
}
