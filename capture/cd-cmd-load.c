/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "crashdesk"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cd-cmd.h"
#include "cd-config.h"
#include "cd-file.h"
#include "cd-kexec.h"
#include "cd-load-plan.h"
#include "cd-size.h"

/* crashdesk load and unload: the capture kernel loaded with kexec_file_load(2), or taken out */

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
		cd_load_plan_explain_reservation(plan);
		return -1;
	}
	return (gint64)reserved;
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
	if (!cd_load_plan_make(config, kernel, initrd, no_initrd, cmdline, append, &plan, &error)) {
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
