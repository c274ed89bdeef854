/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define G_LOG_DOMAIN "CdCrashkernelText"

#include "config.h"

#include "cd-crashkernel-private.h"
#include "cd-crashkernel.h"
#include "cd-size.h"

/* the reservation for people, as lines, and for programs, as JSON */

/* the file in /proc the RAM source reads, for the text */
static const gchar *
cd_crashkernel_ram_source_describe(CdCrashkernelRamSource source)
{
	switch (source) {
	case CD_CRASHKERNEL_RAM_SOURCE_IOMEM:
		return "/proc/iomem";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS:
		return "the online memory blocks";
	case CD_CRASHKERNEL_RAM_SOURCE_MEMINFO:
		return "MemTotal of /proc/meminfo and the reservation";
	case CD_CRASHKERNEL_RAM_SOURCE_NONE:
	default:
		return "nothing readable";
	}
}

static void
cd_lines_add(GPtrArray *lines, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

static void
cd_lines_add(GPtrArray *lines, const gchar *format, ...)
{
	va_list args;

	va_start(args, format);
	g_ptr_array_add(lines, g_strdup_vprintf(format, args));
	va_end(args);
}

/* "crashkernel=X" or "crashkernel=X,high crashkernel=Y,low" */
static gchar *
cd_crashkernel_state_options_text(const CdCrashkernelState *state)
{
	if (state->low != NULL)
		return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%s " CD_CRASHKERNEL_PREFIX "%s",
				       state->main->text,
				       state->low->text);
	return g_strdup_printf(CD_CRASHKERNEL_PREFIX "%s", state->main->text);
}

static void
cd_crashkernel_state_append_nothing_reserved(const CdCrashkernelState *state, GPtrArray *lines)
{
	g_autofree gchar *ram = cd_size_format(state->system_ram);
	g_autofree gchar *options = NULL;
	gboolean refused = FALSE;

	if (state->option_error != NULL) {
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: the kernel cannot read "
			     "%s.",
			     state->option_error);
		return;
	}
	if (state->main == NULL) {
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: a crashkernel=SIZE,low "
			     "or SIZE,cma option reserves nothing without crashkernel=SIZE or "
			     "crashkernel=SIZE,high.");
		return;
	}
	options = cd_crashkernel_state_options_text(state);
	if (state->main->ranges != NULL)
		cd_crashkernel_match(state->main, state->system_ram, &refused);
	if (state->main->ranges != NULL && state->matched_range == NULL && !refused) {
		cd_lines_add(lines,
			     "%s: this machine has %s of RAM, in none of its ranges: no memory is "
			     "reserved for a capture kernel.",
			     options,
			     ram);
	} else if (state->applies_bytes == 0) {
		cd_lines_add(lines,
			     "%s: the kernel refuses it on this machine's %s of RAM (a size of 0, "
			     "or not below the RAM): no memory is reserved for a capture kernel.",
			     options,
			     ram);
	} else {
		g_autofree gchar *size = cd_size_format(state->applies_bytes);
		cd_lines_add(lines,
			     "%s asks for %s, but no memory is reserved for a capture kernel: the "
			     "kernel could not find it%s (see 'journalctl -k -g crashkernel').",
			     options,
			     size,
			     state->main->has_offset ? " at the given offset" : "");
	}
}

static void
cd_crashkernel_state_append_reserved(const CdCrashkernelState *state, GPtrArray *lines)
{
	g_autofree gchar *ram = cd_size_format(state->system_ram);
	g_autofree gchar *reserved = cd_size_format(state->reserved_bytes);
	g_autofree gchar *options = NULL;

	if (state->main == NULL) {
		cd_lines_add(lines, "%s is reserved for a capture kernel.", reserved);
		return;
	}
	options = cd_crashkernel_state_options_text(state);
	if (state->matched_range != NULL)
		cd_lines_add(lines,
			     "%s: this machine has %s of RAM, in range %s: %s reserved.",
			     options,
			     ram,
			     state->matched_range,
			     reserved);
	else
		cd_lines_add(lines, "%s: %s reserved.", options, reserved);
}

static void
cd_crashkernel_state_append_fix(const CdCrashkernelState *state, GPtrArray *lines)
{
	const CdBootloaderAdvice *advice = &state->bootloader;
	g_autofree gchar *kernel = cd_size_format(state->kernel_image_bytes);
	g_autofree gchar *initrd = cd_size_format(state->initrd_bytes);
	g_autofree gchar *ram = cd_size_format(state->system_ram);

	cd_lines_add(lines,
		     "Suggested: %s (for a kernel image of %s and an initramfs of %s%s, and %s "
		     "of RAM from %s).",
		     state->suggested_option,
		     kernel,
		     initrd,
		     state->images_assumed
			     ? " (Debian's usual sizes: this kernel's are not in /boot)"
			     : "",
		     ram,
		     cd_crashkernel_ram_source_describe(state->ram_source));
	switch (advice->kind) {
	case CD_BOOTLOADER_GRUB:
	case CD_BOOTLOADER_KERNEL_INSTALL:
		if (advice->line > 0) {
			cd_lines_add(lines, "In %s, line %u, change", advice->file, advice->line);
			cd_lines_add(lines, "    %s", advice->current);
			cd_lines_add(lines, "to");
		} else {
			cd_lines_add(lines, "Create %s with the line", advice->file);
		}
		cd_lines_add(lines, "    %s", advice->replacement);
		cd_lines_add(lines, "then run %s and reboot.", advice->command);
		break;
	case CD_BOOTLOADER_NONE:
	default:
		cd_lines_add(lines,
			     "Add %s to the kernel command line in the boot loader's "
			     "configuration, then reboot.",
			     state->suggested_option);
		break;
	}
}

/**
 * cd_crashkernel_state_append_text:
 * @lines: (element-type utf8): where lines are added, without newlines
 *
 * Explains @state for people: what is reserved and why, and when that is wrong, the
 * suggested option, the file and line to change, and how to apply it.
 */
void
cd_crashkernel_state_append_text(const CdCrashkernelState *state, GPtrArray *lines)
{
	switch (state->verdict) {
	case CD_CRASHKERNEL_VERDICT_NO_KEXEC:
		cd_lines_add(lines,
			     "No capture kernel can be loaded: this kernel has no kexec or crash "
			     "dump support (there is no /sys/kernel/kexec_crash_size).");
		cd_lines_add(lines,
			     "Boot a kernel built with CONFIG_KEXEC and CONFIG_CRASH_DUMP, such as "
			     "Debian's linux-image-amd64.");
		return;
	case CD_CRASHKERNEL_VERDICT_NO_OPTION:
		cd_lines_add(lines,
			     "No memory is reserved for a capture kernel: the kernel command line "
			     "has no crashkernel= option.");
		break;
	case CD_CRASHKERNEL_VERDICT_NOT_RESERVED:
		cd_crashkernel_state_append_nothing_reserved(state, lines);
		break;
	case CD_CRASHKERNEL_VERDICT_TOO_SMALL: {
		g_autofree gchar *suggested = cd_size_format(state->suggested_bytes);
		cd_crashkernel_state_append_reserved(state, lines);
		cd_lines_add(lines,
			     "That is less than the %s suggested for this machine: the capture "
			     "kernel may run out of memory before the dump is saved.",
			     suggested);
		break;
	}
	case CD_CRASHKERNEL_VERDICT_OK:
	default:
		cd_crashkernel_state_append_reserved(state, lines);
		break;
	}
	if (state->verdict == CD_CRASHKERNEL_VERDICT_OK ||
	    state->verdict == CD_CRASHKERNEL_VERDICT_TOO_SMALL) {
		cd_lines_add(lines,
			     state->loaded ? "A capture kernel is loaded."
					   : "No capture kernel is loaded into it.");
	}
	if (state->verdict != CD_CRASHKERNEL_VERDICT_OK)
		cd_crashkernel_state_append_fix(state, lines);
}

static json_object *
cd_json_string_or_null(const gchar *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/**
 * cd_crashkernel_state_to_json:
 * @obj: a JSON object the keys are added to
 *
 * The same facts as the text: options, option_error, system_ram_bytes,
 * system_ram_source, applies_bytes, matched_range, kexec, reserved_bytes, loaded,
 * verdict, kernel_image_bytes, initrd_bytes, images_assumed, suggested_bytes,
 * suggested_option and bootloader {kind, file, line, current, replacement, command};
 * what is unknown or absent is null.
 */
void
cd_crashkernel_state_to_json(const CdCrashkernelState *state, json_object *obj)
{
	json_object *options = json_object_new_array();
	json_object *bootloader = json_object_new_object();
	const CdBootloaderAdvice *advice = &state->bootloader;

	for (guint i = 0; i < state->options->len; i++)
		json_object_array_add(options,
				      json_object_new_string(g_ptr_array_index(state->options, i)));
	json_object_object_add(obj, "options", options);
	json_object_object_add(obj, "option_error", cd_json_string_or_null(state->option_error));
	json_object_object_add(obj,
			       "system_ram_bytes",
			       json_object_new_int64((gint64)state->system_ram));
	json_object_object_add(
		obj,
		"system_ram_source",
		cd_json_string_or_null(cd_crashkernel_ram_source_to_string(state->ram_source)));
	json_object_object_add(obj,
			       "applies_bytes",
			       json_object_new_int64((gint64)state->applies_bytes));
	json_object_object_add(obj, "matched_range", cd_json_string_or_null(state->matched_range));
	json_object_object_add(obj, "kexec", json_object_new_boolean(state->kexec));
	json_object_object_add(obj,
			       "reserved_bytes",
			       json_object_new_int64((gint64)state->reserved_bytes));
	json_object_object_add(obj, "loaded", json_object_new_boolean(state->loaded));
	json_object_object_add(
		obj,
		"verdict",
		json_object_new_string(cd_crashkernel_verdict_to_string(state->verdict)));
	json_object_object_add(obj,
			       "kernel_image_bytes",
			       json_object_new_int64((gint64)state->kernel_image_bytes));
	json_object_object_add(obj,
			       "initrd_bytes",
			       json_object_new_int64((gint64)state->initrd_bytes));
	json_object_object_add(obj,
			       "images_assumed",
			       json_object_new_boolean(state->images_assumed));
	json_object_object_add(obj,
			       "suggested_bytes",
			       json_object_new_int64((gint64)state->suggested_bytes));
	json_object_object_add(obj,
			       "suggested_option",
			       json_object_new_string(state->suggested_option));
	json_object_object_add(bootloader,
			       "kind",
			       json_object_new_string(cd_bootloader_kind_to_string(advice->kind)));
	json_object_object_add(bootloader, "file", cd_json_string_or_null(advice->file));
	json_object_object_add(bootloader,
			       "line",
			       advice->line > 0 ? json_object_new_int((gint)advice->line) : NULL);
	json_object_object_add(bootloader, "current", cd_json_string_or_null(advice->current));
	json_object_object_add(bootloader,
			       "replacement",
			       cd_json_string_or_null(advice->replacement));
	json_object_object_add(bootloader, "command", cd_json_string_or_null(advice->command));
	json_object_object_add(obj, "bootloader", bootloader);
}
