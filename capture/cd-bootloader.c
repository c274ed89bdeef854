/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdBootloader"

#include "config.h"

#include "cd-cmdline.h"
#include "cd-crashkernel.h"
#include "cd-file.h"

/*
 * Where crashkernel= is set on this machine, and the line to change for the suggested
 * size: GRUB's /etc/default/grub and its drop-ins, or kernel-install's /etc/kernel/cmdline.
 */

#define CD_GRUB_DEFAULT		  "/etc/default/grub"
#define CD_GRUB_DROPIN_DIR	  "/etc/default/grub.d"
#define CD_GRUB_DROPIN		  CD_GRUB_DROPIN_DIR "/crashdesk.cfg"
#define CD_GRUB_DROPIN_NAME	  "crashdesk.cfg"
#define CD_GRUB_VAR_DEFAULT	  "GRUB_CMDLINE_LINUX_DEFAULT"
#define CD_GRUB_VAR_LINUX	  "GRUB_CMDLINE_LINUX"
#define CD_KERNEL_CMDLINE	  "/etc/kernel/cmdline"
#define CD_KERNEL_INSTALL_COMMAND "kernel-install add \"$(uname -r)\" \"/boot/vmlinuz-$(uname -r)\""

void
cd_bootloader_advice_clear(CdBootloaderAdvice *advice)
{
	g_clear_pointer(&advice->file, g_free);
	g_clear_pointer(&advice->current, g_free);
	g_clear_pointer(&advice->replacement, g_free);
	g_clear_pointer(&advice->command, g_free);
	advice->kind = CD_BOOTLOADER_NONE;
	advice->line = 0;
}

static gboolean
cd_crashkernel_is_word(const gchar *word)
{
	return g_str_has_prefix(word, CD_CRASHKERNEL_PREFIX);
}

/* @value's words with the crashkernel= ones replaced by @option: in the place of the
 * first, the others dropped, or @option added at the end */
static gchar *
cd_crashkernel_replace_words(const gchar *value, const gchar *option, gboolean drop_boot)
{
	g_auto(GStrv) words = cd_cmdline_split(value);
	g_autoptr(GPtrArray) out = g_ptr_array_new();
	gboolean placed = FALSE;

	for (guint i = 0; words[i] != NULL; i++) {
		if (words[i][0] == '\0')
			continue;
		/* what the boot loader adds itself, when /proc/cmdline becomes a config file */
		if (drop_boot && (g_str_has_prefix(words[i], "BOOT_IMAGE=") ||
				  g_str_has_prefix(words[i], "initrd=")))
			continue;
		if (cd_crashkernel_is_word(words[i])) {
			if (!placed)
				g_ptr_array_add(out, (gpointer)option);
			placed = TRUE;
			continue;
		}
		g_ptr_array_add(out, words[i]);
	}
	if (!placed)
		g_ptr_array_add(out, (gpointer)option);
	g_ptr_array_add(out, NULL);
	return g_strjoinv(" ", (gchar **)out->pdata);
}

static gboolean
cd_crashkernel_has_word(const gchar *value)
{
	g_auto(GStrv) words = cd_cmdline_split(value);
	for (guint i = 0; words[i] != NULL; i++) {
		if (cd_crashkernel_is_word(words[i]))
			return TRUE;
	}
	return FALSE;
}

/* "$NAME" or "${NAME}" in @value, not as the start of a longer name */
static gboolean
cd_grub_refers_to(const gchar *value, const gchar *name)
{
	g_autofree gchar *braced = g_strdup_printf("${%s}", name);
	gsize len = strlen(name);

	if (strstr(value, braced) != NULL)
		return TRUE;
	for (const gchar *p = strchr(value, '$'); p != NULL; p = strchr(p + 1, '$')) {
		if (strncmp(p + 1, name, len) == 0 && !g_ascii_isalnum(p[1 + len]) &&
		    p[1 + len] != '_')
			return TRUE;
	}
	return FALSE;
}

typedef struct {
	gchar *file;	    /* as on the machine */
	gchar *dropin_name; /* the name in grub.d, NULL for /etc/default/grub */
	guint line;
	gboolean is_default; /* GRUB_CMDLINE_LINUX_DEFAULT, else GRUB_CMDLINE_LINUX */
	gchar *text;
	gchar *prefix; /* up to the value's quote */
	gchar *value;  /* without quotes */
	gchar quote;   /* the quote, or 0 */
	gchar *suffix; /* after the closing quote */
	gboolean self; /* the value refers to the variable's earlier value */
	gboolean crashkernel;
	gboolean effective; /* not overridden by a later assignment */
} CdGrubAssignment;

static void
cd_grub_assignment_free(CdGrubAssignment *a)
{
	g_free(a->file);
	g_free(a->dropin_name);
	g_free(a->text);
	g_free(a->prefix);
	g_free(a->value);
	g_free(a->suffix);
	g_free(a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdGrubAssignment, cd_grub_assignment_free)

/* NAME=value, NAME="value" or NAME='value', maybe after "export", maybe a comment after;
 * a value spanning lines or anything else is not an assignment we can edit */
static CdGrubAssignment *
cd_grub_parse_line(const gchar *line)
{
	g_autoptr(CdGrubAssignment) a = g_new0(CdGrubAssignment, 1);
	const gchar *p = line + strspn(line, " \t");
	const gchar *name;
	const gchar *value;
	const gchar *end;

	if (g_str_has_prefix(p, "export") && (p[6] == ' ' || p[6] == '\t'))
		p += 6 + strspn(p + 6, " \t");
	name = p;
	if (g_str_has_prefix(p, CD_GRUB_VAR_DEFAULT "=")) {
		a->is_default = TRUE;
		p += strlen(CD_GRUB_VAR_DEFAULT "=");
	} else if (g_str_has_prefix(p, CD_GRUB_VAR_LINUX "=")) {
		p += strlen(CD_GRUB_VAR_LINUX "=");
	} else {
		return NULL;
	}
	(void)name;
	if (*p == '"' || *p == '\'') {
		a->quote = *p;
		value = p + 1;
		end = value;
		while (*end != '\0' && *end != a->quote) {
			if (a->quote == '"' && *end == '\\' && end[1] != '\0')
				end++;
			end++;
		}
		if (*end == '\0')
			return NULL;
		a->prefix = g_strndup(line, (gsize)(p - line));
		a->value = g_strndup(value, (gsize)(end - value));
		a->suffix = g_strdup(end + 1);
	} else {
		value = p;
		end = value + strcspn(value, " \t;#");
		a->prefix = g_strndup(line, (gsize)(p - line));
		a->value = g_strndup(value, (gsize)(end - value));
		a->suffix = g_strdup(end);
	}
	a->text = g_strdup(line);
	a->self = cd_grub_refers_to(a->value,
				    a->is_default ? CD_GRUB_VAR_DEFAULT : CD_GRUB_VAR_LINUX);
	a->crashkernel = cd_crashkernel_has_word(a->value);
	return g_steal_pointer(&a);
}

static gboolean
cd_grub_read_file(const gchar *root,
		  const gchar *path,
		  const gchar *dropin_name,
		  GPtrArray *assignments,
		  GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!cd_crashkernel_read_file(root, path, CD_CRASHKERNEL_MAX_CONFIG, &text, error))
		return FALSE;
	if (text == NULL)
		return TRUE;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		CdGrubAssignment *a = cd_grub_parse_line(lines[i]);
		if (a == NULL)
			continue;
		a->file = g_strdup(path);
		a->dropin_name = g_strdup(dropin_name);
		a->line = i + 1;
		g_ptr_array_add(assignments, a);
	}
	return TRUE;
}

static gint
cd_grub_compare_names(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* /etc/default/grub, then /etc/default/grub.d/ *.cfg in order, as update-grub sources them */
static GPtrArray *
cd_grub_read_assignments(const gchar *root, GError **error)
{
	g_autoptr(GPtrArray) assignments =
		g_ptr_array_new_with_free_func((GDestroyNotify)cd_grub_assignment_free);
	g_autofree gchar *dirname = g_build_filename(root, CD_GRUB_DROPIN_DIR, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GDir) dir = g_dir_open(dirname, 0, NULL);
	const gchar *name;

	if (!cd_grub_read_file(root, CD_GRUB_DEFAULT, NULL, assignments, error))
		return NULL;
	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		if (!g_str_has_suffix(name, ".cfg"))
			continue;
		if (names->len >= CD_CRASHKERNEL_MAX_DROPINS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than %u files",
				    dirname,
				    (guint)CD_CRASHKERNEL_MAX_DROPINS);
			return NULL;
		}
		g_ptr_array_add(names, g_strdup(name));
	}
	g_ptr_array_sort(names, cd_grub_compare_names);
	for (guint i = 0; i < names->len; i++) {
		const gchar *dropin = g_ptr_array_index(names, i);
		g_autofree gchar *path = g_build_filename(CD_GRUB_DROPIN_DIR, dropin, NULL);
		if (!cd_grub_read_file(root, path, dropin, assignments, error))
			return NULL;
	}

	/* an assignment that does not refer to the old value overrides all before it */
	for (guint i = 0; i < assignments->len; i++) {
		CdGrubAssignment *a = g_ptr_array_index(assignments, i);
		a->effective = TRUE;
		if (a->self)
			continue;
		for (guint j = 0; j < i; j++) {
			CdGrubAssignment *b = g_ptr_array_index(assignments, j);
			if (b->is_default == a->is_default)
				b->effective = FALSE;
		}
	}
	return g_steal_pointer(&assignments);
}

static gchar *
cd_grub_replacement_line(const CdGrubAssignment *a, const gchar *option)
{
	g_autofree gchar *value = cd_crashkernel_replace_words(a->value, option, FALSE);
	gchar quote = a->quote != 0 ? a->quote : '"';
	return g_strdup_printf("%s%c%s%c%s", a->prefix, quote, value, quote, a->suffix);
}

static void
cd_grub_advise_line(CdBootloaderAdvice *advice, const CdGrubAssignment *a, const gchar *option)
{
	advice->file = g_strdup(a->file);
	advice->line = a->line;
	advice->current = g_strdup(a->text);
	advice->replacement = cd_grub_replacement_line(a, option);
}

static gboolean
cd_grub_advise(const gchar *root, const gchar *option, CdBootloaderAdvice *advice, GError **error)
{
	g_autoptr(GPtrArray) assignments = cd_grub_read_assignments(root, error);
	const CdGrubAssignment *with_option = NULL;
	const CdGrubAssignment *last_default = NULL;
	gboolean dropin_overridden = FALSE;

	if (assignments == NULL)
		return FALSE;
	advice->kind = CD_BOOTLOADER_GRUB;
	advice->command = g_strdup("update-grub");
	for (guint i = 0; i < assignments->len; i++) {
		const CdGrubAssignment *a = g_ptr_array_index(assignments, i);
		if (a->effective && a->crashkernel)
			with_option = a;
		if (a->is_default && a->effective)
			last_default = a;
		/* a later drop-in that sets the variable afresh would undo crashdesk.cfg */
		if (a->is_default && !a->self && a->dropin_name != NULL &&
		    g_strcmp0(a->dropin_name, CD_GRUB_DROPIN_NAME) > 0)
			dropin_overridden = TRUE;
	}
	/* an option already there is changed where it is, never added a second time */
	if (with_option != NULL) {
		cd_grub_advise_line(advice, with_option, option);
		return TRUE;
	}
	if (dropin_overridden && last_default != NULL) {
		cd_grub_advise_line(advice, last_default, option);
		return TRUE;
	}
	/* as kdump-tools does: a drop-in of its own, which package upgrades leave alone */
	advice->file = g_strdup(CD_GRUB_DROPIN);
	advice->line = 0;
	advice->replacement =
		g_strdup_printf(CD_GRUB_VAR_DEFAULT "=\"$" CD_GRUB_VAR_DEFAULT " %s\"", option);
	return TRUE;
}

/* /etc/kernel/cmdline: the whole file is the command line kernel-install uses */
static gboolean
cd_kernel_install_advise(const gchar *root,
			 const gchar *option,
			 const gchar *cmdline,
			 CdBootloaderAdvice *advice,
			 GError **error)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) lines = NULL;
	guint line = 0;

	if (!cd_crashkernel_read_file(root,
				      CD_KERNEL_CMDLINE,
				      CD_CRASHKERNEL_MAX_CMDLINE,
				      &text,
				      error))
		return FALSE;
	advice->kind = CD_BOOTLOADER_KERNEL_INSTALL;
	advice->file = g_strdup(CD_KERNEL_CMDLINE);
	advice->command = g_strdup(CD_KERNEL_INSTALL_COMMAND);
	if (text == NULL) {
		/* systemd-boot without it: kernel-install falls back to /proc/cmdline */
		advice->line = 0;
		advice->replacement = cd_crashkernel_replace_words(cmdline, option, TRUE);
		return TRUE;
	}
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (cd_crashkernel_has_word(lines[i]))
			line = i + 1;
	}
	for (guint i = 0; line == 0 && lines[i] != NULL; i++) {
		if (lines[i][strspn(lines[i], " \t")] != '\0')
			line = i + 1;
	}
	if (line == 0)
		line = 1;
	advice->line = line;
	advice->current = g_strdup(lines[line - 1]);
	advice->replacement = cd_crashkernel_replace_words(lines[line - 1], option, FALSE);
	return TRUE;
}

static gboolean
cd_crashkernel_exists(const gchar *root, const gchar *path)
{
	g_autofree gchar *full = g_build_filename(root, path, NULL);
	return g_file_test(full, G_FILE_TEST_EXISTS);
}

/**
 * cd_bootloader_advise:
 * @root: the root prefix
 * @option: the option to set, "crashkernel=384M"
 * @cmdline: the running kernel's command line, for a systemd-boot machine that has no
 *	/etc/kernel/cmdline yet
 * @advice: (out caller-allocates): cleared with cd_bootloader_advice_clear()
 *
 * Where the kernel command line is configured and what to change there. GRUB: the
 * effective assignment of GRUB_CMDLINE_LINUX_DEFAULT or GRUB_CMDLINE_LINUX that holds a
 * crashkernel= word, across /etc/default/grub and the /etc/default/grub.d/ *.cfg files
 * update-grub sources after it; without one, a new /etc/default/grub.d/crashdesk.cfg
 * that appends to GRUB_CMDLINE_LINUX_DEFAULT, unless a later drop-in would override it,
 * in which case that drop-in's line. kernel-install (systemd-boot): /etc/kernel/cmdline.
 *
 * Returns: FALSE with @error when a configuration file is unreadable or too large
 */
gboolean
cd_bootloader_advise(const gchar *root,
		     const gchar *option,
		     const gchar *cmdline,
		     CdBootloaderAdvice *advice,
		     GError **error)
{
	gboolean grub = cd_crashkernel_exists(root, CD_GRUB_DEFAULT);
	gboolean grub_in_use = grub && cd_crashkernel_exists(root, "/boot/grub/grub.cfg");
	gboolean kernel_cmdline = cd_crashkernel_exists(root, CD_KERNEL_CMDLINE);
	gboolean sd_boot = cd_crashkernel_exists(root, "/boot/efi/loader/loader.conf") ||
			   cd_crashkernel_exists(root, "/efi/loader/loader.conf") ||
			   cd_crashkernel_exists(root, "/boot/loader/loader.conf");

	memset(advice, 0, sizeof(*advice));
	if (kernel_cmdline && !grub_in_use)
		return cd_kernel_install_advise(root, option, cmdline, advice, error);
	if (grub)
		return cd_grub_advise(root, option, advice, error);
	if (kernel_cmdline || sd_boot)
		return cd_kernel_install_advise(root, option, cmdline, advice, error);
	advice->kind = CD_BOOTLOADER_NONE;
	return TRUE;
}
