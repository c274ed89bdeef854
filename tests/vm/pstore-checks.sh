#!/bin/sh
# /init of the pstore VM test (check-pstore.py builds the initramfs around it). One
# QEMU run boots Debian's kernel several times: each boot crashes it with the next
# recipe of crashdesk.crashes= (a comma-separated list), and the kernel's pstore
# backend (crashdesk.backend=: ramoops in RAM kept by a warm reset, or efi-pstore in
# OVMF's variables) keeps the log; the next boot runs "crashdesk pstore" on the records
# and writes them, the report and what pstore holds afterwards to the first virtio disk.
#
# The disk: sector 0 holds the number of the boot (0 for the first), the 4 MiB at
# offset 4 MiB * N a tar of what boot N collected.

export PATH=/bin:/sbin

. /lib/crashdesk/guest-lib.sh

# the backend's modules in load order; the last one (the backend) gets the parameters
load_backend() {
	backend=$1
	for module in /lib/modules/pstore/"$backend"/*.ko; do
		last=$module
	done
	for module in /lib/modules/pstore/"$backend"/*.ko; do
		if [ "$module" = "$last" ] && [ "$backend" = ramoops ]; then
			# shellcheck disable=SC2046 # one parameter per word
			insmod "$module" $(cmdline_param ramoops | tr ',' ' ') ||
				fail "insmod $module failed"
		else
			insmod "$module" || fail "insmod $module failed"
		fi
	done
}

collect() {
	boot=$1
	mark "STAGE: collect the records of boot $((boot - 1))"
	rm -rf /tmp/c /tmp/c.tar
	mkdir -p /tmp/c/records
	cp -p /sys/fs/pstore/* /tmp/c/records/ 2> /dev/null
	# the mtimes the kernel gave, to the second (tar keeps them too)
	for f in /sys/fs/pstore/*; do
		[ -e "$f" ] && echo "$(basename "$f") $(stat -c %Y "$f")"
	done > /tmp/c/records.txt
	crashdesk=$(cat /etc/crashdesk-guest-tool)
	start=$(cut -d' ' -f1 /proc/uptime)
	"$crashdesk" pstore --dir /tmp/c/reports > /tmp/c/save.out 2>&1
	echo $? > /tmp/c/save.rc
	echo "$start $(cut -d' ' -f1 /proc/uptime)" > /tmp/c/save.time
	ls /sys/fs/pstore > /tmp/c/after-save.txt
	# a new mount reads the backend again: what the kernel still keeps
	umount /sys/fs/pstore || fail "umount pstore failed"
	mount -t pstore pstore /sys/fs/pstore || fail "mount pstore again failed"
	ls /sys/fs/pstore > /tmp/c/after-remount.txt
	tar -cf /tmp/c.tar -C /tmp c || fail "tar of the results failed"
	dd if=/tmp/c.tar of=/dev/vda bs=1M seek=$((boot * 4)) conv=notrunc,fsync 2> /dev/null ||
		fail "writing the results to /dev/vda failed"
	mark "COLLECTED: $boot $(stat -c %s /tmp/c.tar)"
}

crash_oops() {
	echo 1 > /proc/sys/kernel/panic_on_oops
	insmod /lib/modules/crashdesk_test.ko kind=oops
}

# a task name holding ESC[8m (hidden text) and an OSC 0 title: the kernel prints it in
# the "Comm:" line; sysrq c panics in the context of the shell that writes it
crash_sysrq_comm() {
	insmod /lib/modules/crashdesk_test.ko kind=sysrq || fail "insmod crashdesk_test.ko failed"
	printf '\033[8m\033]0;pwned\007' > /proc/self/comm
	echo c > /proc/sysrq-trigger
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

for module in /lib/modules/virtio/*.ko; do
	insmod "$module" || fail "insmod $module failed"
done
wait_for_block_device /dev/vda
boot=$(dd if=/dev/vda bs=512 count=1 2> /dev/null | tr -d '\000' | head -n 1)
[ -n "$boot" ] || boot=0
backend=$(cmdline_param backend)
mark "STAGE: boot $boot, $backend"

load_backend "$backend"
mount -t pstore pstore /sys/fs/pstore || fail "mount pstore failed"
[ "$boot" -gt 0 ] && collect "$boot"

crash=$(cmdline_param crashes | tr ',' '\n' | sed -n "$((boot + 1))p")
if [ -z "$crash" ]; then
	mark "STAGE: done"
	power_off
fi
# the next boot collects what this one leaves
echo $((boot + 1)) | dd of=/dev/vda bs=512 count=1 conv=notrunc,fsync 2> /dev/null ||
	fail "writing the boot number failed"
mark "STAGE: crash $crash"
"crash_$crash"
fail "the kernel survived crash $crash"
