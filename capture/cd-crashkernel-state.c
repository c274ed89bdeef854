/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCrashkernelState"

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/utsname.h>

#include "cd-crashkernel-private.h"
#include "cd-crashkernel.h"
#include "cd-file.h"

/* the machine's reservation: read from /proc and /sys below a root, and judged */

/**
 * cd_crashkernel_read_file:
 * @root: the root prefix, "/" for this machine
 * @path: an absolute path below it
 * @max_size: the most that is read; a larger file is an error
 * @contents: (out): the text, NUL-terminated; NULL when the file does not exist or
 *	cannot be read by this user (a normal answer here)
 *
 * Returns: FALSE with @error for anything else: not a regular file, too large, I/O
 */
gboolean
cd_crashkernel_read_file(const gchar *root,
			 const gchar *path,
			 gsize max_size,
			 gchar **contents,
			 GError **error)
{
	g_autofree gchar *full = g_build_filename(root, path, NULL);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *text = NULL;
	gsize len = 0;
	gint fd = cd_file_open_regular(AT_FDCWD, full, CD_FILE_OPEN_NONE, NULL, &error_local);

	*contents = NULL;
	if (fd < 0) {
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_PERM))
			return TRUE;
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    full,
			    error_local->message);
		return FALSE;
	}
	/* /proc and sysfs files say size 0: cd_file_read_fd_text reads to the end */
	text = cd_file_read_fd_text(fd, max_size, &len, &error_local);
	g_close(fd, NULL);
	if (text == NULL) {
		/* a file this user may open but not read is no answer either */
		if (g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_ACCES) ||
		    g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_PERM))
			return TRUE;
		if (g_error_matches(error_local, CD_ERROR, CD_ERROR_INVALID_DATA)) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than the %" G_GSIZE_FORMAT " bytes expected",
				    full,
				    max_size);
			return FALSE;
		}
		g_set_error(error,
			    error_local->domain,
			    error_local->code,
			    "%s: %s",
			    full,
			    error_local->message);
		return FALSE;
	}
	if (memchr(text, '\0', len) != NULL) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "%s: not a text file", full);
		return FALSE;
	}
	*contents = g_steal_pointer(&text);
	return TRUE;
}

/* a decimal or hexadecimal number alone on the first line of a sysfs file */
static gboolean
cd_crashkernel_read_number(const gchar *root,
			   const gchar *path,
			   guint base,
			   gboolean *found,
			   guint64 *value,
			   GError **error)
{
	g_autofree gchar *text = NULL;

	*found = FALSE;
	if (!cd_crashkernel_read_file(root, path, CD_CRASHKERNEL_MAX_SYSFS, &text, error))
		return FALSE;
	if (text == NULL)
		return TRUE;
	g_strstrip(text);
	if (!g_ascii_string_to_unsigned(text, base, 0, G_MAXUINT64, value, NULL)) {
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "%s: '%s' is not a number",
			    path,
			    text);
		return FALSE;
	}
	*found = TRUE;
	return TRUE;
}

typedef struct {
	guint64 ram;	     /* top-level "System RAM" */
	gboolean readable;   /* addresses shown (root), not zeros */
	guint64 crash;	     /* "Crash kernel" regions */
	guint crash_regions; /* counted even when their addresses are zeros */
} CdIomem;

/* /proc/iomem: "start-end : name", nested regions indented by two spaces per level */
static gboolean
cd_crashkernel_parse_iomem(const gchar *text, CdIomem *iomem, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	memset(iomem, 0, sizeof(*iomem));
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = lines[i];
		gsize indent = strspn(line, " ");
		const gchar *p = line + indent;
		const gchar *name;
		gchar *end = NULL;
		guint64 start;
		guint64 last;

		if (*p == '\0')
			continue;
		start = g_ascii_strtoull(p, &end, 16);
		if (end == p || *end != '-')
			goto bad;
		p = end + 1;
		last = g_ascii_strtoull(p, &end, 16);
		if (end == p || !g_str_has_prefix(end, " : ") || last < start)
			goto bad;
		name = end + 3;
		if (last != 0)
			iomem->readable = TRUE;
		if (indent == 0 && g_strcmp0(name, "System RAM") == 0) {
			if (last - start == G_MAXUINT64 ||
			    iomem->ram > G_MAXUINT64 - (last - start + 1))
				goto bad;
			iomem->ram += last - start + 1;
		} else if (g_strcmp0(name, "Crash kernel") == 0) {
			iomem->crash_regions++;
			if (last != 0 && iomem->crash <= G_MAXUINT64 - (last - start + 1))
				iomem->crash += last - start + 1;
		}
		continue;
	bad:
		g_set_error(error,
			    CD_ERROR,
			    CD_ERROR_INVALID_DATA,
			    "/proc/iomem: line %u is not 'start-end : name'",
			    i + 1);
		return FALSE;
	}
	return TRUE;
}

/* online memory blocks times their size; FALSE in *found without the directory */
static gboolean
cd_crashkernel_read_memory_blocks(const gchar *root, gboolean *found, guint64 *ram, GError **error)
{
	g_autofree gchar *dirname = g_build_filename(root, "/sys/devices/system/memory", NULL);
	g_autoptr(GDir) dir = NULL;
	const gchar *name;
	guint64 block_size = 0;
	guint64 online = 0;
	guint seen = 0;
	gboolean have_size = FALSE;

	*found = FALSE;
	if (!cd_crashkernel_read_number(root,
					"/sys/devices/system/memory/block_size_bytes",
					16,
					&have_size,
					&block_size,
					error))
		return FALSE;
	if (!have_size || block_size == 0)
		return TRUE;
	dir = g_dir_open(dirname, 0, NULL);
	if (dir == NULL)
		return TRUE;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = NULL;
		gboolean have = FALSE;
		guint64 value = 0;

		if (!g_str_has_prefix(name, "memory") || !g_ascii_isdigit(name[6]))
			continue;
		if (++seen > CD_CRASHKERNEL_MAX_BLOCKS) {
			g_set_error(error,
				    CD_ERROR,
				    CD_ERROR_INVALID_DATA,
				    "%s: more than %u memory blocks",
				    dirname,
				    (guint)CD_CRASHKERNEL_MAX_BLOCKS);
			return FALSE;
		}
		path = g_build_filename("/sys/devices/system/memory", name, "online", NULL);
		if (!cd_crashkernel_read_number(root, path, 10, &have, &value, error))
			return FALSE;
		if (have && value == 1)
			online++;
	}
	if (online == 0)
		return TRUE;
	if (online > G_MAXUINT64 / block_size) {
		g_set_error(error, CD_ERROR, CD_ERROR_INVALID_DATA, "%s: too many blocks", dirname);
		return FALSE;
	}
	*ram = online * block_size;
	*found = TRUE;
	return TRUE;
}

/* one "Key:   N kB" line of /proc/meminfo, in bytes */
static gboolean
cd_crashkernel_meminfo_total(const gchar *text, guint64 *bytes)
{
	const gchar *p = strstr(text, "MemTotal:");
	guint64 kib;
	gchar *end = NULL;

	if (p == NULL || (p != text && p[-1] != '\n'))
		return FALSE;
	p += strlen("MemTotal:");
	while (*p == ' ' || *p == '\t')
		p++;
	kib = g_ascii_strtoull(p, &end, 10);
	if (end == p || kib > G_MAXUINT64 / 1024)
		return FALSE;
	*bytes = kib * 1024;
	return TRUE;
}

const gchar *
cd_crashkernel_verdict_to_string(CdCrashkernelVerdict verdict)
{
	switch (verdict) {
	case CD_CRASHKERNEL_VERDICT_OK:
		return "ok";
	case CD_CRASHKERNEL_VERDICT_NO_OPTION:
		return "no_option";
	case CD_CRASHKERNEL_VERDICT_NOT_RESERVED:
		return "not_reserved";
	case CD_CRASHKERNEL_VERDICT_TOO_SMALL:
		return "too_small";
	case CD_CRASHKERNEL_VERDICT_NO_KEXEC:
		return "no_kexec";
	default:
		return "unknown";
	}
}

const gchar *
cd_crashkernel_ram_source_to_string(CdCrashkernelRamSource source)
{
	switch (source) {
	case CD_CRASHKERNEL_RAM_SOURCE_IOMEM:
		return "iomem";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS:
		return "memory_blocks";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMINFO:
		return "meminfo";
	case CD_CRASHKERNEL_RAM_SOURCE_NONE:
	default:
		return NULL;
	}
}

const gchar *
cd_bootloader_kind_to_string(CdBootloaderKind kind)
{
	switch (kind) {
	case CD_BOOTLOADER_GRUB:
		return "grub";
	case CD_BOOTLOADER_KERNEL_INSTALL:
		return "kernel-install";
	case CD_BOOTLOADER_NONE:
	default:
		return "none";
	}
}

void
cd_crashkernel_state_free(CdCrashkernelState *state)
{
	if (state == NULL)
		return;
	if (state->options != NULL)
		g_ptr_array_unref(state->options);
	g_free(state->option_error);
	cd_crashkernel_free(state->main);
	cd_crashkernel_free(state->low);
	g_free(state->matched_range);
	g_free(state->suggested_option);
	cd_bootloader_advice_clear(&state->bootloader);
	g_free(state);
}

/* the options on @cmdline the kernel acts on, parsed; a bad one is an answer, not an error */
static void
cd_crashkernel_state_set_options(CdCrashkernelState *state, const gchar *cmdline)
{
	g_autofree CdCrashkernelKind *kinds = NULL;
	g_autoptr(GError) error = NULL;
	gint main_idx;
	gint low_idx;

	state->options = cd_crashkernel_cmdline_words(cmdline);
	kinds = g_new0(CdCrashkernelKind, MAX(state->options->len, 1));
	for (guint i = 0; i < state->options->len; i++) {
		const gchar *word = g_ptr_array_index(state->options, i);
		const gchar *value = word + strlen(CD_CRASHKERNEL_PREFIX);
		kinds[i] = cd_crashkernel_kind_of(value, strlen(value));
	}
	cd_crashkernel_select_kinds(kinds, state->options->len, &main_idx, &low_idx);
	if (main_idx >= 0) {
		state->main =
			cd_crashkernel_parse(g_ptr_array_index(state->options, (guint)main_idx),
					     &error);
		if (state->main == NULL) {
			state->option_error = g_strdup(error->message);
			return;
		}
	}
	if (low_idx >= 0) {
		state->low = cd_crashkernel_parse(g_ptr_array_index(state->options, (guint)low_idx),
						  &error);
		/* the kernel then refuses the ,high reservation too */
		if (state->low == NULL)
			state->option_error = g_strdup(error->message);
	}
}

/* the size of an image below @root: @file if given (absolute), else /boot/@name */
static void
cd_crashkernel_image_size(const gchar *root,
			  const gchar *file,
			  const gchar *name,
			  guint64 *size,
			  gboolean *assumed)
{
	g_autofree gchar *path = file != NULL ? g_build_filename(root, file, NULL)
					      : g_build_filename(root, "boot", name, NULL);
	struct stat st;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		*size = (guint64)st.st_size;
		return;
	}
	*size = 0;
	*assumed = TRUE;
}

/**
 * cd_crashkernel_state_read:
 * @root: the root prefix, "/" for this machine, a fixture tree in the tests
 * @release: the kernel release whose /boot/vmlinuz-RELEASE and /boot/initrd.img-RELEASE
 *	size the suggestion, NULL for the running kernel
 * @kernel: the capture kernel's image if not that one (an absolute path below @root), or NULL
 * @initrd: its initrd if not that one, or NULL; "" for none
 *
 * Reads /proc/cmdline, /proc/iomem, /proc/meminfo, /sys/kernel/kexec_crash_size and
 * kexec_crash_loaded, the memory blocks and the boot loader's configuration below @root,
 * every file size-limited; a missing file is an answer, never an error.
 *
 * Returns: (transfer full): the state, or NULL with @error when a file is unreadable
 *	for another reason or malformed
 */
CdCrashkernelState *
cd_crashkernel_state_read(const gchar *root,
			  const gchar *release,
			  const gchar *kernel,
			  const gchar *initrd_file,
			  GError **error)
{
	g_autoptr(CdCrashkernelState) state = g_new0(CdCrashkernelState, 1);
	g_autofree gchar *cmdline = NULL;
	g_autofree gchar *iomem_text = NULL;
	g_autofree gchar *meminfo = NULL;
	g_autofree gchar *vmlinuz = NULL;
	g_autofree gchar *initrd = NULL;
	CdIomem iomem = { 0 };
	struct utsname uts;
	guint64 value = 0;
	gboolean found = FALSE;

	if (release == NULL) {
		if (uname(&uts) < 0) {
			cd_error_set_from_errno(error, errno, "uname");
			return NULL;
		}
		release = uts.release;
	}

	/* the options */
	if (!cd_crashkernel_read_file(root,
				      "/proc/cmdline",
				      CD_CRASHKERNEL_MAX_CMDLINE,
				      &cmdline,
				      error))
		return NULL;
	cd_crashkernel_state_set_options(state, cmdline != NULL ? cmdline : "");

	/* the reservation */
	if (!cd_crashkernel_read_file(root,
				      "/proc/iomem",
				      CD_CRASHKERNEL_MAX_IOMEM,
				      &iomem_text,
				      error))
		return NULL;
	if (iomem_text != NULL && !cd_crashkernel_parse_iomem(iomem_text, &iomem, error))
		return NULL;
	if (!cd_crashkernel_read_number(root,
					"/sys/kernel/kexec_crash_size",
					10,
					&state->kexec,
					&value,
					error))
		return NULL;
	if (iomem.readable)
		state->reserved_bytes = iomem.crash;
	else if (state->kexec)
		state->reserved_bytes = value;
	if (!cd_crashkernel_read_number(root,
					"/sys/kernel/kexec_crash_loaded",
					10,
					&found,
					&value,
					error))
		return NULL;
	state->loaded = found && value == 1;

	/* the RAM, as the kernel's memblock counts it */
	if (iomem.readable && iomem.ram > 0) {
		state->system_ram = iomem.ram;
		state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_IOMEM;
	} else {
		if (!cd_crashkernel_read_memory_blocks(root, &found, &value, error))
			return NULL;
		if (found) {
			state->system_ram = value;
			state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS;
		} else {
			if (!cd_crashkernel_read_file(root,
						      "/proc/meminfo",
						      CD_CRASHKERNEL_MAX_MEMINFO,
						      &meminfo,
						      error))
				return NULL;
			if (meminfo != NULL && cd_crashkernel_meminfo_total(meminfo, &value)) {
				/* the reservation is not in MemTotal */
				state->system_ram = value + state->reserved_bytes;
				state->ram_source = CD_CRASHKERNEL_RAM_SOURCE_MEMINFO;
			}
		}
	}

	/* what the option means here */
	if (state->main != NULL) {
		gint idx = cd_crashkernel_get_range_for_ram(state->main, state->system_ram);
		state->applies_bytes =
			cd_crashkernel_get_size_for_ram(state->main, state->system_ram);
		if (idx >= 0) {
			const gchar *text = NULL;
			cd_crashkernel_get_range(state->main, (guint)idx, NULL, NULL, NULL, &text);
			state->matched_range = g_strdup(text);
		}
	}

	/* the suggestion */
	vmlinuz = g_strdup_printf("vmlinuz-%s", release);
	initrd = g_strdup_printf("initrd.img-%s", release);
	cd_crashkernel_image_size(root,
				  kernel,
				  vmlinuz,
				  &state->kernel_image_bytes,
				  &state->images_assumed);
	if (g_strcmp0(initrd_file, "") != 0)
		cd_crashkernel_image_size(root,
					  initrd_file,
					  initrd,
					  &state->initrd_bytes,
					  &state->images_assumed);
	if (state->kernel_image_bytes == 0)
		state->kernel_image_bytes = CD_CRASHKERNEL_SUGGEST_DEFAULT_KERNEL;
	if (state->initrd_bytes == 0 && g_strcmp0(initrd_file, "") != 0)
		state->initrd_bytes = CD_CRASHKERNEL_SUGGEST_DEFAULT_INITRD;
	state->suggested_bytes = cd_crashkernel_suggest_size(state->kernel_image_bytes,
							     state->initrd_bytes,
							     state->system_ram);
	state->suggested_option = cd_crashkernel_suggest_option(state->suggested_bytes);

	/* the verdict */
	if (!state->kexec && iomem.crash_regions == 0)
		state->verdict = CD_CRASHKERNEL_VERDICT_NO_KEXEC;
	else if (state->reserved_bytes == 0)
		state->verdict = state->options->len == 0 ? CD_CRASHKERNEL_VERDICT_NO_OPTION
							  : CD_CRASHKERNEL_VERDICT_NOT_RESERVED;
	else if (state->reserved_bytes < state->suggested_bytes)
		state->verdict = CD_CRASHKERNEL_VERDICT_TOO_SMALL;
	else
		state->verdict = CD_CRASHKERNEL_VERDICT_OK;

	if (!cd_bootloader_advise(root,
				  state->suggested_option,
				  cmdline != NULL ? cmdline : "",
				  &state->bootloader,
				  error))
		return NULL;
	return g_steal_pointer(&state);
}
