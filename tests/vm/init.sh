#!/bin/sh
# /init of both kernels of a crashdesk VM test; crashvm.py builds the
# initramfs around it.  The first kernel loads the capture kernel with
# kexec and crashes in the way named by crashdesk.kind= on its command line;
# the capture kernel (it has /proc/vmcore) writes the vmcore to the first
# virtio disk and the guest tool's "dmesg /proc/vmcore" output to the second.
#
# Lines starting with CRASHDESK- are read by crashvm.py on the serial
# console: STAGE names the step reached, ERROR says why a step failed.

export PATH=/bin:/sbin

. /lib/crashdesk/guest-lib.sh

# The page-flag snapshot: the kernel's own view of every page (/proc/kpageflags,
# /proc/kpagecount), taken by each crash recipe right before the command that
# crashes, on the third virtio disk (crashvm.py adds it; for the kind `filled`
# its data disk comes after it).  The host checks the dump against it
# (check-dump.py, pageflags.py).  The disk holds four regions of equal size:
# kpagecount, kpageflags, then both again, taken back to back: the first pair
# measures how many pages the snapshot itself changes.  Just before the last
# copy it counts the pages on the per-CPU free lists (CRASHDESK-PERCPU-PAGES):
# free, yet not marked free in kpageflags.  Copied with dd in 64
# KiB blocks with O_DIRECT: one small buffer in the guest, no page cache for
# the disk, and nothing left to write back when the kernel crashes.
SNAPSHOT_DISK=/dev/vdc
SNAPSHOT_BLOCK=65536

# snapshot_copy FILE REGION: copy /proc/FILE into region REGION of the disk;
# sets copied to the bytes copied.  Builtins only besides dd (no command
# substitution, no pipe): no other process runs between the snapshot and the
# crash.
snapshot_copy() {
	dd if="/proc/$1" of="$SNAPSHOT_DISK" bs="$SNAPSHOT_BLOCK" \
		seek=$(($2 * snapshot_blocks)) count="$snapshot_blocks" \
		oflag=direct conv=fsync 2> /tmp/snapshot.err ||
		fail "dd of /proc/$1 to $SNAPSHOT_DISK failed: $(cat /tmp/snapshot.err)"
	# busybox dd says "N+M records out": whole blocks, and a part one
	# (never: the files end on a memory section, a multiple of 256 KiB)
	copied=
	while read -r records word direction; do
		[ "$word $direction" = "records out" ] && copied=$records
	done < /tmp/snapshot.err
	case $copied in
	*+0) ;;
	*) fail "dd of /proc/$1: no whole number of blocks: $(cat /tmp/snapshot.err)" ;;
	esac
	copied=$((${copied%+0} * SNAPSHOT_BLOCK))
	[ "$copied" -lt $((snapshot_blocks * SNAPSHOT_BLOCK)) ] ||
		fail "/proc/$1 fills its region of $SNAPSHOT_DISK: it may be cut"
}

snapshot_page_flags() {
	read -r sectors < /sys/block/${SNAPSHOT_DISK#/dev/}/size ||
		fail "no size for $SNAPSHOT_DISK"
	snapshot_blocks=$((sectors * 512 / 4 / SNAPSHOT_BLOCK))
	sizes=
	region=0
	for file in kpagecount kpageflags kpagecount kpageflags; do
		# just before the last copy: the pages on the per-CPU free lists,
		# which kpageflags cannot tell from kernel pages (flags 0)
		[ "$region" = 3 ] && count_percpu_pages
		snapshot_copy "$file" "$region"
		sizes="$sizes $copied"
		region=$((region + 1))
	done
	mark "PAGEFLAGS:$sizes"
	mark "PERCPU-PAGES: $percpu_pages"
}

# percpu_pages: the sum of the "count:" lines of /proc/zoneinfo's pagesets,
# with builtins
count_percpu_pages() {
	percpu_pages=0
	while read -r key value _; do
		[ "$key" = count: ] && percpu_pages=$((percpu_pages + value))
	done < /proc/zoneinfo
}

# load_test_module KIND [PARAM=VALUE...]
load_test_module() {
	module_kind=$1
	shift
	insmod /lib/modules/crashdesk_test.ko kind="$module_kind" "$@" ||
		fail "insmod crashdesk_test.ko kind=$module_kind $* failed"
}

# The crash recipes, one per kind: crashvm.py takes its list of kinds from
# the names of these functions.  Each must not return, and takes the page-flag
# snapshot right before the command that crashes.
# With the guest tool, through its test-crash (sync, then sysrq c).
crash_sysrq() {
	load_test_module sysrq
	if [ -s /etc/crashdesk-guest-tool ]; then
		read -r tool < /etc/crashdesk-guest-tool
		snapshot_page_flags
		"$tool" test-crash --yes < /dev/null
	else
		snapshot_page_flags
		echo c > /proc/sysrq-trigger
	fi
}

crash_oops() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	snapshot_page_flags
	load_test_module oops
}

# The same bug as crash_oops in a kernel laid out differently (crashvm.py
# boots it with nokaslr): addresses and timing differ, the signature must not.
crash_oops_again() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	snapshot_page_flags
	load_test_module oops
}

crash_bug() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	snapshot_page_flags
	load_test_module bug
}

crash_panic() {
	snapshot_page_flags
	load_test_module panic
}

crash_warn() {
	echo 1 > /proc/sys/kernel/panic_on_warn
	snapshot_page_flags
	load_test_module warn
}

# The module floods the ring with numbered lines, then prints its samples.
crash_wrap() {
	load_test_module wrap lines=20000
	snapshot_page_flags
	echo c > /proc/sysrq-trigger
}

# A large ring (crashvm.py boots this kind with log_buf_len=16M), half full:
# what a busy server's log looks like to a dmesg reader.
crash_bigring() {
	load_test_module bigring lines=150000
	snapshot_page_flags
	echo c > /proc/sysrq-trigger
}

# The crashes that come from outside the kernel's own code. The host sends them
# from QEMU's monitor (crashvm.py's KIND_MONITOR) once the guest marks
# CRASHDESK-MONITOR: ready; the CPU idles meanwhile, and the report must say
# so (native_safe_halt), not name the NMI or machine check handlers.
# An NMI no handler claims ("nmi"): with unknown_nmi_panic the kernel panics.
crash_nmi() {
	echo 1 > /proc/sys/kernel/unknown_nmi_panic
	load_test_module idle
	snapshot_page_flags
	mark "MONITOR: ready"
	sleep 600
}

# An uncorrected machine check with the processor context corrupt ("mce").
crash_mce() {
	load_test_module idle
	snapshot_page_flags
	mark "MONITOR: ready"
	sleep 600
}

# A kernel thread of the module stuck in D state: khungtaskd finds it blocked
# on two checks hung_task_timeout_secs apart and, with hung_task_panic, panics.
crash_hung() {
	echo 1 > /proc/sys/kernel/hung_task_panic
	echo 2 > /proc/sys/kernel/hung_task_timeout_secs
	snapshot_page_flags
	load_test_module hung
	sleep 600
}

# the virtio disk drivers, in load order (NN-name.ko)
load_disk_modules() {
	for module in /lib/modules/virtio/*.ko; do
		insmod "$module" || fail "insmod $module failed"
	done
}

first_kernel() {
	kind=$(cmdline_param kind)
	mark "STAGE: first kernel, kind $kind"
	type "crash_$kind" > /dev/null 2>&1 || fail "unknown crash kind '$kind'"
	# the disk of the page-flag snapshot
	load_disk_modules
	wait_for_block_device "$SNAPSHOT_DISK"
	# Linux 6.7 and later give pages on the per-CPU free lists back to the
	# buddy allocator a little at a time, from the vmstat worker that runs
	# every vm.stat_interval (1 s): such a page reads flags 0 in the snapshot
	# and, when the worker ran between the snapshot and the crash, is a free
	# buddy page in the vmcore (373 pages of 6.12's bigring once, and 178
	# between the two snapshots).  An hour keeps the lists as the snapshot
	# sees them; 6.1 drains them so only on NUMA machines.
	echo 3600 > /proc/sys/vm/stat_interval ||
		fail "cannot set vm.stat_interval for the page-flag snapshot"

	# irqpoll and reset_devices: devices may be mid-transfer at the crash.
	capture_append="console=ttyS0 quiet panic=-1 nr_cpus=1 irqpoll reset_devices"
	if [ "$(cmdline_param loader)" = kexec ]; then
		# kexec-tools' own loader, kexec_load(2) (-c: whatever its version
		# prefers): the ELF headers of /proc/vmcore are then kexec-tools',
		# as Debian's kdump-tools makes them, with "System RAM" as
		# /proc/iomem has it (0x1000-0x9fbff: a segment ending mid-page)
		kexec -c -p /boot/vmlinuz --initrd=/boot/capture.cpio \
			--append="$capture_append" ||
			fail "kexec -c -p (kexec_load) of the capture kernel failed"
	elif [ -s /etc/crashdesk-guest-tool ]; then
		tool=$(cat /etc/crashdesk-guest-tool)
		"$tool" load --kernel /boot/vmlinuz --initrd /boot/capture.cpio \
			--command-line "$capture_append" ||
			fail "crashdesk load of the capture kernel failed"
	else
		kexec -s -p /boot/vmlinuz --initrd=/boot/capture.cpio \
			--append="$capture_append" ||
			fail "kexec -p of the capture kernel failed"
	fi
	[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
		fail "capture kernel not loaded (is crashkernel= on the command line?)"

	mark "STAGE: crash $kind"
	"crash_$kind"
	fail "the kernel survived crash kind $kind"
}

run_guest_tool() {
	tool=$(cat /etc/crashdesk-guest-tool)
	mark "STAGE: guest tool $tool"
	"$tool" dmesg /proc/vmcore > /tmp/guest-dmesg.txt
	mark "GUEST-RC: $?"
	wait_for_block_device /dev/vdb
	dd if=/tmp/guest-dmesg.txt of=/dev/vdb bs=1M conv=fsync 2> /dev/null ||
		fail "writing the guest tool's output to /dev/vdb failed"
	mark "GUEST-SIZE: $(stat -c %s /tmp/guest-dmesg.txt)"
}

capture_kernel() {
	mark "STAGE: capture kernel"
	load_disk_modules
	wait_for_block_device /dev/vda

	mark "STAGE: copy /proc/vmcore"
	size=$(stat -c %s /proc/vmcore)
	dd if=/proc/vmcore of=/dev/vda bs=1M conv=fsync 2> /dev/null ||
		fail "copy of /proc/vmcore to /dev/vda failed"
	mark "VMCORE-SIZE: $size"

	[ -s /etc/crashdesk-guest-tool ] && run_guest_tool
	mark "STAGE: done"
	power_off
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

if [ -e /proc/vmcore ]; then
	capture_kernel
else
	first_kernel
fi
