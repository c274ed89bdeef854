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

# load_test_module KIND [PARAM=VALUE...]
load_test_module() {
	module_kind=$1
	shift
	insmod /lib/modules/crashdesk_test.ko kind="$module_kind" "$@" ||
		fail "insmod crashdesk_test.ko kind=$module_kind $* failed"
}

# The crash recipes, one per kind: crashvm.py takes its list of kinds from
# the names of these functions.  Each must not return.
# With the guest tool, through its test-crash (sync, then sysrq c).
crash_sysrq() {
	load_test_module sysrq
	if [ -s /etc/crashdesk-guest-tool ]; then
		"$(cat /etc/crashdesk-guest-tool)" test-crash --yes < /dev/null
	else
		echo c > /proc/sysrq-trigger
	fi
}

crash_oops() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	load_test_module oops
}

# The same bug as crash_oops in a kernel laid out differently (crashvm.py
# boots it with nokaslr): addresses and timing differ, the signature must not.
crash_oops_again() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	load_test_module oops
}

crash_bug() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	load_test_module bug
}

crash_panic() {
	load_test_module panic
}

crash_warn() {
	echo 1 > /proc/sys/kernel/panic_on_warn
	load_test_module warn
}

# The module floods the ring with numbered lines, then prints its samples.
crash_wrap() {
	load_test_module wrap lines=20000
	echo c > /proc/sysrq-trigger
}

# A large ring (crashvm.py boots this kind with log_buf_len=16M), half full:
# what a busy server's log looks like to a dmesg reader.
crash_bigring() {
	load_test_module bigring lines=150000
	echo c > /proc/sysrq-trigger
}

first_kernel() {
	kind=$(cmdline_param kind)
	mark "STAGE: first kernel, kind $kind"
	type "crash_$kind" > /dev/null 2>&1 || fail "unknown crash kind '$kind'"

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
	# Load order (dependencies first) is in the file names: NN-name.ko.
	for module in /lib/modules/virtio/*.ko; do
		insmod "$module" || fail "insmod $module failed"
	done
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
