/*
 * Copyright 2026 The crashdesk authors
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* The crashkernel= option, the memory it reserves, and what to change when it is wrong.
 *
 * The value is read as the kernel reads it (kernel/crash_reserve.c, formerly
 * crash_core.c, and Documentation/admin-guide/kdump/kdump.rst):
 *
 *   crashkernel=SIZE[@OFFSET]
 *   crashkernel=START-[END]:SIZE[,START-[END]:SIZE...][@OFFSET]
 *   crashkernel=SIZE,high   crashkernel=SIZE,low   crashkernel=SIZE,cma (Linux 6.16+)
 *
 * Sizes are memparse()'s: a number (decimal, 0x hexadecimal or 0 octal) and an optional
 * K, M, G, T, P or E, either case; a plain number is bytes. A range includes START and
 * excludes END; no END means no upper limit. The first range that contains the RAM gives
 * the size, none gives nothing. The kernel compares the RAM rounded up to 128 MiB (firmware
 * keeps some), so 3.9 GiB of RAM is in 4G-. It refuses the whole option when the size of
 * any range it looked at is not below that rounded RAM, and a size not below the RAM.
 *
 * The parser is stricter than the kernel, which ignores what follows a matching range and
 * silently takes overflowing numbers: it refuses trailing text, overflow, a range whose
 * end is not above its start, and ranges that overlap or are out of order (the kernel
 * takes the first match, which then hides the later range: always a mistake).
 *
 * Several crashkernel= words: the kernel takes the last word without a suffix. Only when
 * there is none does it read the last ",high" word, with the last ",low" one or, without
 * one, a default low size (x86_64: the larger of 256 MiB and swiotlb plus 8 MiB; arm64:
 * 128 MiB); ",low" without ",high" is ignored. (x86_64 before Linux 6.7 also fell back to
 * ",high" when the plain word reserved nothing.) */

#define CD_CRASHKERNEL_PREFIX "crashkernel="

/* the kernel rounds the RAM up to this before matching ranges */
#define CD_CRASHKERNEL_RAM_ROUND (128ULL * 1024 * 1024)

typedef enum {
	CD_CRASHKERNEL_KIND_PLAIN, /* SIZE[@OFFSET] or ranges[@OFFSET] */
	CD_CRASHKERNEL_KIND_HIGH,  /* SIZE,high: above 4 GiB, with a low part for DMA */
	CD_CRASHKERNEL_KIND_LOW,   /* SIZE,low: the low part of a ,high reservation */
	CD_CRASHKERNEL_KIND_CMA,   /* SIZE,cma: extra memory shared with movable allocations */
} CdCrashkernelKind;

typedef struct _CdCrashkernel CdCrashkernel;

CdCrashkernel *
cd_crashkernel_parse(const gchar *value, GError **error);
GPtrArray *
cd_crashkernel_parse_cmdline(const gchar *cmdline, GError **error);
void
cd_crashkernel_free(CdCrashkernel *ck);

const gchar *
cd_crashkernel_get_text(const CdCrashkernel *ck);
CdCrashkernelKind
cd_crashkernel_get_kind(const CdCrashkernel *ck);
guint
cd_crashkernel_get_range_count(const CdCrashkernel *ck);
gboolean
cd_crashkernel_get_range(const CdCrashkernel *ck,
			 guint idx,
			 guint64 *start,
			 guint64 *end,
			 guint64 *size,
			 const gchar **text);
gboolean
cd_crashkernel_get_offset(const CdCrashkernel *ck, guint64 *offset);
guint64
cd_crashkernel_get_size_for_ram(const CdCrashkernel *ck, guint64 system_ram);
gint
cd_crashkernel_get_range_for_ram(const CdCrashkernel *ck, guint64 system_ram);
void
cd_crashkernel_select(GPtrArray *options, const CdCrashkernel **main, const CdCrashkernel **low);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCrashkernel, cd_crashkernel_free)

/* Suggested size: what the capture kernel needs to boot Debian's kernel with its normal
 * initramfs into this system's root file system (systemd) and run crashdesk save:
 *
 *   KERNEL_FACTOR x kernel image       the compressed image decompresses ~3-4x
 * + INITRD_FACTOR x initramfs          the archive and its unpacked tree (~3-4x) both sit
 *                                      in memory while the kernel unpacks it
 * + FLOOR                              the kernel's own allocations, systemd, udev,
 *                                      journald and crashdesk save (peak RSS 8-26 MiB)
 * + system RAM / RAM_DIVISOR           page tables, bitmaps and the vmcore's headers grow
 *                                      with the crashed kernel's memory
 *
 * rounded up to ROUND, never below MIN. Missing image sizes are taken as Debian 12's
 * amd64 ones (DEFAULT_*). Change them here only.
 *
 * Measured by tests/e2e (Debian 12, kernel 6.1.0-56-amd64: 8 MiB image whose setup
 * header asks for 63 MiB to decompress into, initramfs 35 MiB, 125 MiB unpacked,
 * 1280 MiB of RAM): the capture succeeds with crashkernel=256M and runs out of memory
 * unpacking the initramfs with 248M. This formula gives 336 MiB there: 1.3x the floor. */
#define CD_CRASHKERNEL_SUGGEST_KERNEL_FACTOR  4
#define CD_CRASHKERNEL_SUGGEST_INITRD_FACTOR  5
#define CD_CRASHKERNEL_SUGGEST_FLOOR	      (128ULL * 1024 * 1024)
#define CD_CRASHKERNEL_SUGGEST_RAM_DIVISOR    1024 /* 1 MiB per GiB */
#define CD_CRASHKERNEL_SUGGEST_ROUND	      (16ULL * 1024 * 1024)
#define CD_CRASHKERNEL_SUGGEST_MIN	      (256ULL * 1024 * 1024)
#define CD_CRASHKERNEL_SUGGEST_DEFAULT_KERNEL (8ULL * 1024 * 1024)
#define CD_CRASHKERNEL_SUGGEST_DEFAULT_INITRD (48ULL * 1024 * 1024)

guint64
cd_crashkernel_suggest_size(guint64 kernel_image_bytes, guint64 initrd_bytes, guint64 system_ram);
gchar *
cd_crashkernel_suggest_option(guint64 size);

/* where system_ram came from, best first */
typedef enum {
	CD_CRASHKERNEL_RAM_SOURCE_NONE,		 /* nothing readable: 0 */
	CD_CRASHKERNEL_RAM_SOURCE_IOMEM,	 /* "System RAM" of /proc/iomem (root) */
	CD_CRASHKERNEL_RAM_SOURCE_MEMORY_BLOCKS, /* online blocks of /sys/devices/system/memory */
	CD_CRASHKERNEL_RAM_SOURCE_MEMINFO,	 /* MemTotal plus the reservation: a little low */
} CdCrashkernelRamSource;

typedef enum {
	CD_CRASHKERNEL_VERDICT_OK,	     /* reserved, at least the suggested size */
	CD_CRASHKERNEL_VERDICT_NO_OPTION,    /* no crashkernel= option, nothing reserved */
	CD_CRASHKERNEL_VERDICT_NOT_RESERVED, /* an option, but nothing reserved: invalid, no range
						matches the RAM, or the reservation failed */
	CD_CRASHKERNEL_VERDICT_TOO_SMALL,    /* reserved less than suggested */
	CD_CRASHKERNEL_VERDICT_NO_KEXEC,     /* the kernel cannot load a capture kernel at all */
} CdCrashkernelVerdict;

typedef enum {
	CD_BOOTLOADER_NONE,	      /* nothing found: the boot loader's own configuration */
	CD_BOOTLOADER_GRUB,	      /* /etc/default/grub and grub.d, then update-grub */
	CD_BOOTLOADER_KERNEL_INSTALL, /* /etc/kernel/cmdline, then kernel-install */
} CdBootloaderKind;

/**
 * CdBootloaderAdvice:
 * @kind: the boot loader configuration found
 * @file: the file to edit or create, as a path on the machine (without the root
 *	prefix); NULL for %CD_BOOTLOADER_NONE
 * @line: the line to change, from 1; 0 when @file is to be created
 * @current: that line now, NULL when @file is to be created
 * @replacement: the line to write instead (or the new file's line): an existing
 *	crashkernel= word is replaced, never added twice
 * @command: what makes the boot loader use it, e.g. `update-grub`; NULL if unknown
 */
typedef struct {
	CdBootloaderKind kind;
	gchar *file;
	guint line;
	gchar *current;
	gchar *replacement;
	gchar *command;
} CdBootloaderAdvice;

gboolean
cd_bootloader_advise(const gchar *root,
		     const gchar *option,
		     const gchar *cmdline,
		     CdBootloaderAdvice *advice,
		     GError **error);
void
cd_bootloader_advice_clear(CdBootloaderAdvice *advice);

/**
 * CdCrashkernelState:
 * @options: (element-type utf8): every crashkernel= word of /proc/cmdline as written
 *	("crashkernel=..."), in order
 * @option_error: why the word the kernel acts on cannot be read (it then reserves
 *	nothing), or NULL
 * @main: the word the kernel acts on (plain or ,high), parsed, or NULL
 * @low: the ,low word going with a ,high @main, or NULL
 * @system_ram: the RAM the kernel matches ranges against (memblock's total), in bytes
 * @ram_source: where @system_ram came from
 * @applies_bytes: what @main asks for on @system_ram (without a ,low part); 0: nothing
 * @matched_range: the range of @main that applies ("1G-4G"), or NULL
 * @kexec: the kernel has kexec and crash dumps (/sys/kernel/kexec_crash_size exists)
 * @reserved_bytes: the memory reserved for a capture kernel: the "Crash kernel" regions of
 *	/proc/iomem (root), else kexec_crash_size (which leaves out a ,low region)
 * @loaded: a capture kernel is loaded (/sys/kernel/kexec_crash_loaded)
 * @kernel_image_bytes: the running kernel's image, as used for the suggestion
 * @initrd_bytes: its initramfs, as used for the suggestion
 * @images_assumed: either size was not found and Debian's typical size was used
 * @suggested_bytes: cd_crashkernel_suggest_size() for this machine
 * @suggested_option: "crashkernel=SIZE" for it
 * @verdict: what all this amounts to
 * @bootloader: where to put @suggested_option
 */
typedef struct {
	GPtrArray *options;
	gchar *option_error;
	CdCrashkernel *main;
	CdCrashkernel *low;
	guint64 system_ram;
	CdCrashkernelRamSource ram_source;
	guint64 applies_bytes;
	gchar *matched_range;
	gboolean kexec;
	guint64 reserved_bytes;
	gboolean loaded;
	guint64 kernel_image_bytes;
	guint64 initrd_bytes;
	gboolean images_assumed;
	guint64 suggested_bytes;
	gchar *suggested_option;
	CdCrashkernelVerdict verdict;
	CdBootloaderAdvice bootloader;
} CdCrashkernelState;

/* files read, each with its own size limit */
#define CD_CRASHKERNEL_MAX_CMDLINE (64 * 1024)
#define CD_CRASHKERNEL_MAX_IOMEM   (4 * 1024 * 1024)
#define CD_CRASHKERNEL_MAX_MEMINFO (64 * 1024)
#define CD_CRASHKERNEL_MAX_SYSFS   4096
#define CD_CRASHKERNEL_MAX_CONFIG  (1024 * 1024)
#define CD_CRASHKERNEL_MAX_BLOCKS  (1024 * 1024) /* memory blocks: 128 TiB of 128 MiB */
#define CD_CRASHKERNEL_MAX_DROPINS 256

gboolean
cd_crashkernel_read_file(const gchar *root,
			 const gchar *path,
			 gsize max_size,
			 gchar **contents,
			 GError **error);

CdCrashkernelState *
cd_crashkernel_state_read(const gchar *root,
			  const gchar *release,
			  const gchar *kernel,
			  const gchar *initrd,
			  GError **error);
void
cd_crashkernel_state_free(CdCrashkernelState *state);
void
cd_crashkernel_state_append_text(const CdCrashkernelState *state, GPtrArray *lines);
void
cd_crashkernel_state_to_json(const CdCrashkernelState *state, json_object *obj);

const gchar *
cd_crashkernel_verdict_to_string(CdCrashkernelVerdict verdict);
const gchar *
cd_crashkernel_ram_source_to_string(CdCrashkernelRamSource source);
const gchar *
cd_bootloader_kind_to_string(CdBootloaderKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CdCrashkernelState, cd_crashkernel_state_free)

G_END_DECLS
