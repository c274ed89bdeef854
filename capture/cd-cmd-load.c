/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"
#include "cd-file.h"
#include "cd-kexec.h"
#include "cd-progress.h"
#include "cd-size.h"
#include "cd-report-store.h"

/* crashdesk load, unload, test-crash and final-action: the capture kernel's life */

#define CD_PROC_CMDLINE	 "/proc/cmdline"
#define CD_SYSRQ_TRIGGER "/proc/sysrq-trigger"
#define CD_CONFIRM_WORD	 "crash"

void
cd_load_plan_clear(CdLoadPlan *plan)
{
	g_free(plan->kernel);
	g_free(plan->initrd);
	g_free(plan->cmdline);
}

/* the configuration, or NULL after saying why */
CdConfig *
cd_cmd_load_config(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	CdConfig *config =
		cd_config_load(path != NULL ? path : CD_CONFIG_FILE, path != NULL, &error);

	if (config == NULL) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return NULL;
	}
	cd_cmd_print_warnings(g_get_prgname(), config->warnings);
	return config;
}

gboolean
cd_cmd_load_plan(const CdConfig *config,
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

/* opens one of the images, saying which and how to choose another */
static gint
cd_load_open_image(const gchar *path,
		   const gchar *what,
		   const gchar *key,
		   const gchar *option,
		   const CdConfig *config,
		   struct stat *st)
{
	g_autoptr(GError) error = NULL;
	gint fd = cd_file_open_regular(AT_FDCWD, path, CD_FILE_OPEN_NONE, st, &error);

	if (fd >= 0)
		return fd;
	g_printerr("%s: %s: %s\n", g_get_prgname(), path, error->message);
	g_printerr("%s: that is the %s: choose another with %s= in %s or with %s\n",
		   g_get_prgname(),
		   what,
		   key,
		   config->path != NULL ? config->path : CD_CONFIG_FILE,
		   option);
	return -1;
}

static gchar *
cd_load_size(guint64 bytes)
{
	return cd_size_format(bytes);
}

/*
 * The kernel's own words on a refused load: /dev/kmsg opened at its end before the call,
 * read after it, lines that name kexec, signatures or lockdown. Best effort.
 */
static gint
cd_load_kmsg_open(void)
{
	gint fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && lseek(fd, 0, SEEK_END) < 0) {
		g_close(fd, NULL);
		return -1;
	}
	return fd;
}

static void
cd_load_kmsg_print(gint fd)
{
	gchar record[2048];

	if (fd < 0)
		return;
	for (;;) {
		gssize got = read(fd, record, sizeof(record) - 1);
		const gchar *text;

		if (got < 0 && errno == EPIPE)
			continue; /* records were overwritten: go on with the next */
		if (got <= 0)
			break;
		record[got] = '\0';
		/* "PRIORITY,SEQ,TIME,FLAGS;text\n" */
		text = strchr(record, ';');
		if (text == NULL)
			continue;
		text++;
		g_strchomp((gchar *)text);
		if (strstr(text, "kexec") != NULL || strstr(text, "signature") != NULL ||
		    strstr(text, "Lockdown") != NULL || strstr(text, "PKCS#7") != NULL)
			g_printerr("%s: kernel: %s\n", g_get_prgname(), text);
	}
}

/* explains a refusal of kexec_file_load(2) by what the kernel could have meant */
static void
cd_load_explain_errno(gint errsv, const CdLoadPlan *plan, guint64 images, guint64 reserved)
{
	const gchar *name = g_get_prgname();
	g_autofree gchar *lockdown = cd_kexec_lockdown_mode();
	g_autofree gchar *images_str = cd_load_size(images);
	g_autofree gchar *reserved_str = cd_load_size(reserved);

	g_printerr("%s: the kernel refused to load %s: %s\n",
		   name,
		   plan->kernel,
		   g_strerror(errsv));
	switch (errsv) {
	case EPERM:
		if (lockdown != NULL && g_strcmp0(lockdown, "none") != 0) {
			g_printerr(
				"%s: the kernel is locked down (%s): it loads only a capture "
				"kernel signed with a key it trusts, and %s is not signed so, or "
				"its signature does not verify. Use your distribution's signed "
				"kernel image, whose key the firmware or shim vouches for.\n",
				name,
				lockdown,
				plan->kernel);
		} else {
			g_printerr("%s: loading a kernel needs CAP_SYS_BOOT, and kexec must not "
				   "be disabled (%s)\n",
				   name,
				   CD_KEXEC_LOAD_DISABLED);
		}
		break;
	case EKEYREJECTED:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case ENOKEY:
	case EBADMSG:
	case ENOPKG:
	case ENODATA:
		g_printerr("%s: this kernel requires a valid signature on the image it loads "
			   "(KEXEC_SIG_FORCE or lockdown), and %s's was not accepted. Use your "
			   "distribution's signed kernel image.\n",
			   name,
			   plan->kernel);
		break;
	case ENOEXEC:
		g_printerr("%s: %s is not a kernel image this kernel can boot (on x86_64: a "
			   "64-bit bzImage)\n",
			   name,
			   plan->kernel);
		break;
	case ENOMEM:
	case EADDRNOTAVAIL:
		g_printerr("%s: the kernel and initrd (%s together) did not fit in the %s "
			   "reserved with crashkernel=: reserve more (crashdesk status suggests "
			   "a size) or choose a smaller initrd\n",
			   name,
			   images_str,
			   reserved_str);
		break;
	case EBUSY:
		g_printerr("%s: another kexec load is in progress: try again\n", name);
		break;
	case EINVAL:
		g_printerr("%s: the kernel refused the image, the initrd or the command line "
			   "(its log may say which)\n",
			   name);
		break;
	case ENOSYS:
		g_printerr("%s: this kernel has no kexec_file_load(2) (CONFIG_KEXEC_FILE)\n", name);
		break;
	default:
		break;
	}
}

/* the reserved size, or -1 after saying why there is nothing to load into */
static gint64
cd_load_check_reservation(const CdLoadPlan *plan)
{
	guint64 reserved = 0;

	if (!cd_kexec_read_number(CD_KEXEC_CRASH_SIZE, &reserved)) {
		g_printerr("%s: this kernel cannot load a capture kernel: it was built without "
			   "kexec (%s is missing)\n",
			   g_get_prgname(),
			   CD_KEXEC_CRASH_SIZE);
		return -1;
	}
	if (reserved == 0) {
		g_printerr("%s: no memory is reserved for a capture kernel (%s is 0)\n",
			   g_get_prgname(),
			   CD_KEXEC_CRASH_SIZE);
		cd_cmd_explain_reservation(plan);
		return -1;
	}
	return (gint64)reserved;
}

static gboolean
cd_cmd_require_root(const gchar *what)
{
	if (geteuid() == 0)
		return TRUE;
	g_printerr("%s: only root can %s: run it as root, e.g. with sudo\n", g_get_prgname(), what);
	return FALSE;
}

gint
cd_cmd_load(gint argc, gchar **argv)
{
	g_autofree gchar *config_path = NULL;
	g_autofree gchar *kernel = NULL;
	g_autofree gchar *initrd = NULL;
	g_autofree gchar *cmdline = NULL;
	g_auto(GStrv) append = NULL;
	gboolean no_initrd = FALSE;
	gboolean dry_run = FALSE;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "kernel", 'k', 0, G_OPTION_ARG_FILENAME, &kernel,
		  "The capture kernel's image (default: Kernel= or /boot/vmlinuz-RELEASE)",
		  "FILE" },
		{ "initrd", 'i', 0, G_OPTION_ARG_FILENAME, &initrd,
		  "Its initrd (default: Initrd= or /boot/initrd.img-RELEASE)", "FILE" },
		{ "no-initrd", 0, 0, G_OPTION_ARG_NONE, &no_initrd, "Load no initrd", NULL },
		{ "command-line", 'c', 0, G_OPTION_ARG_STRING, &cmdline,
		  "Its whole command line (default: derived from the running kernel's)",
		  "STRING" },
		{ "append", 'a', 0, G_OPTION_ARG_STRING_ARRAY, &append,
		  "Add to its command line", "STRING" },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ "dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run,
		  "Say what would be loaded, and load nothing", NULL },
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx = g_option_context_new("- load the crash capture kernel");
	g_autoptr(CdConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(CdLoadPlan) plan = { NULL };
	g_autofree gchar *images_str = NULL;
	g_autofree gchar *reserved_str = NULL;
	struct stat kernel_st;
	struct stat initrd_st = { 0 };
	guint64 loaded = 0;
	gint64 reserved;
	gint kernel_fd;
	gint initrd_fd = -1;
	gint kmsg_fd;
	gint errsv;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	if (initrd != NULL && no_initrd) {
		g_printerr("%s: --initrd and --no-initrd contradict each other\n", g_get_prgname());
		return CD_EXIT_USAGE;
	}
	config = cd_cmd_load_config(config_path);
	if (config == NULL)
		return CD_EXIT_FAILURE;
	if (!cd_cmd_load_plan(config, kernel, initrd, no_initrd, cmdline, append, &plan, &error)) {
		g_printerr("%s: %s\n", g_get_prgname(), error->message);
		return CD_EXIT_FAILURE;
	}
	if (dry_run) {
		g_print("kernel: %s\ninitrd: %s\ncommand line: %s\n",
			plan.kernel,
			plan.initrd != NULL ? plan.initrd : "none",
			plan.cmdline);
		return CD_EXIT_OK;
	}
	if (!cd_cmd_require_root("load a capture kernel"))
		return CD_EXIT_FAILURE;

	kernel_fd = cd_load_open_image(plan.kernel,
				       "capture kernel's image",
				       "Kernel",
				       "--kernel",
				       config,
				       &kernel_st);
	if (kernel_fd < 0)
		return CD_EXIT_FAILURE;
	if (plan.initrd != NULL) {
		initrd_fd = cd_load_open_image(plan.initrd,
					       "capture kernel's initrd",
					       "Initrd",
					       "--initrd (or --no-initrd)",
					       config,
					       &initrd_st);
		if (initrd_fd < 0) {
			g_close(kernel_fd, NULL);
			return CD_EXIT_FAILURE;
		}
	}
	if (cd_kexec_read_number(CD_KEXEC_LOAD_DISABLED, &loaded) && loaded != 0) {
		g_printerr("%s: kexec is disabled until the next boot (%s is 1)\n",
			   g_get_prgname(),
			   CD_KEXEC_LOAD_DISABLED);
		g_close(kernel_fd, NULL);
		if (initrd_fd >= 0)
			g_close(initrd_fd, NULL);
		return CD_EXIT_FAILURE;
	}
	reserved = cd_load_check_reservation(&plan);
	if (reserved < 0) {
		g_close(kernel_fd, NULL);
		if (initrd_fd >= 0)
			g_close(initrd_fd, NULL);
		return CD_EXIT_FAILURE;
	}

	kmsg_fd = cd_load_kmsg_open();
	errsv = cd_kexec_load_crash(kernel_fd, initrd_fd, plan.cmdline);
	g_close(kernel_fd, NULL);
	if (initrd_fd >= 0)
		g_close(initrd_fd, NULL);
	if (errsv != 0) {
		cd_load_explain_errno(errsv,
				      &plan,
				      (guint64)kernel_st.st_size + (guint64)initrd_st.st_size,
				      (guint64)reserved);
		cd_load_kmsg_print(kmsg_fd);
		if (kmsg_fd >= 0)
			g_close(kmsg_fd, NULL);
		return CD_EXIT_FAILURE;
	}
	if (kmsg_fd >= 0)
		g_close(kmsg_fd, NULL);
	if (!cd_kexec_read_number(CD_KEXEC_CRASH_LOADED, &loaded) || loaded != 1) {
		g_printerr("%s: the kernel accepted %s but %s does not say it is loaded\n",
			   g_get_prgname(),
			   plan.kernel,
			   CD_KEXEC_CRASH_LOADED);
		return CD_EXIT_FAILURE;
	}
	images_str = cd_load_size((guint64)kernel_st.st_size + (guint64)initrd_st.st_size);
	reserved_str = cd_load_size((guint64)reserved);
	g_print("Loaded the capture kernel %s with %s (%s) into the %s reserved.\n"
		"Its command line: %s\n",
		plan.kernel,
		plan.initrd != NULL ? plan.initrd : "no initrd",
		images_str,
		reserved_str,
		plan.cmdline);
	return CD_EXIT_OK;
}

gint
cd_cmd_unload(gint argc, gchar **argv)
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- unload the crash capture kernel");
	guint64 loaded = 0;
	gint errsv;

	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	if (!cd_cmd_require_root("unload the capture kernel"))
		return CD_EXIT_FAILURE;
	if (!cd_kexec_read_number(CD_KEXEC_CRASH_LOADED, &loaded)) {
		g_printerr("%s: this kernel has no kexec (%s is missing): nothing to unload\n",
			   g_get_prgname(),
			   CD_KEXEC_CRASH_LOADED);
		return CD_EXIT_OK;
	}
	if (loaded == 0) {
		g_print("No capture kernel is loaded.\n");
		return CD_EXIT_OK;
	}
	errsv = cd_kexec_unload_crash();
	if (errsv != 0) {
		g_printerr("%s: the kernel refused to unload the capture kernel: %s\n",
			   g_get_prgname(),
			   g_strerror(errsv));
		return CD_EXIT_FAILURE;
	}
	g_print("Unloaded the capture kernel: a crash now will not be captured.\n");
	return CD_EXIT_OK;
}

/* asks for the word on the terminal; FALSE when it was not typed */
static gboolean
cd_test_crash_confirm(void)
{
	gchar answer[64] = { 0 };

	g_print("Type '%s' to crash the kernel now, anything else to stop: ", CD_CONFIRM_WORD);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL)
		return FALSE;
	g_strstrip(answer);
	return g_strcmp0(answer, CD_CONFIRM_WORD) == 0;
}

gint
cd_cmd_test_crash(gint argc, gchar **argv)
{
	g_autofree gchar *config_path = NULL;
	gboolean yes = FALSE;
	/* clang-format off */
	const GOptionEntry entries[] = {
		{ "yes", 'y', 0, G_OPTION_ARG_NONE, &yes,
		  "Crash without asking", NULL },
		CD_CMD_OPTION_CONFIG(&config_path),
		{ NULL }
	};
	/* clang-format on */
	g_autoptr(GOptionContext) ctx =
		g_option_context_new("- crash the kernel now, to test that crashes are captured");
	g_autoptr(CdConfig) config = NULL;
	guint64 loaded = 0;
	gint fd;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!cd_cmd_parse_options_only(ctx, &argc, &argv))
		return CD_EXIT_USAGE;
	config = cd_cmd_load_config(config_path);
	if (config == NULL)
		return CD_EXIT_FAILURE;
	if (!cd_cmd_require_root("crash the kernel"))
		return CD_EXIT_FAILURE;
	if (!cd_kexec_read_number(CD_KEXEC_CRASH_LOADED, &loaded) || loaded != 1) {
		g_printerr(
			"%s: refused: no capture kernel is loaded, so the crash would be lost "
			"and the machine would only stop. Run 'crashdesk load' (or enable "
			"crashdesk-load.service) first; 'crashdesk status' says what is missing.\n",
			g_get_prgname());
		return CD_EXIT_FAILURE;
	}
	g_print("This crashes the running kernel at once, through %s.\n"
		"Programs lose what they have not saved; file systems are synced first.\n"
		"The capture kernel will boot, save the crash under %s, then %s.\n",
		CD_SYSRQ_TRIGGER,
		CD_REPORT_ROOT_DEFAULT,
		config->final_action == CD_FINAL_ACTION_REBOOT	   ? "reboot"
		: config->final_action == CD_FINAL_ACTION_POWEROFF ? "power off"
								   : "offer a shell");
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			g_printerr("%s: not on a terminal: confirm with --yes\n", g_get_prgname());
			return CD_EXIT_FAILURE;
		}
		if (!cd_test_crash_confirm()) {
			g_print("Not crashed.\n");
			return CD_EXIT_FAILURE;
		}
	}
	fflush(stdout);
	sync();
	fd = open(CD_SYSRQ_TRIGGER, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "c", 1) != 1) {
		g_printerr("%s: %s: %s\n", g_get_prgname(), CD_SYSRQ_TRIGGER, g_strerror(errno));
		if (fd >= 0)
			g_close(fd, NULL);
		return CD_EXIT_FAILURE;
	}
	/* not reached when the kernel crashed */
	g_close(fd, NULL);
	g_printerr("%s: the kernel did not crash\n", g_get_prgname());
	return CD_EXIT_FAILURE;
}

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
