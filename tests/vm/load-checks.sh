#!/bin/sh
# /init of check-load.py's VM: no crash, only crashdesk's load, unload, status
# and test-crash on a real kernel, each run between markers that the host
# reads from the serial console:
#   CRASHDESK-BEGIN: NAME
#   ...what the command printed, stdout and stderr...
#   CRASHDESK-END: NAME RC
# The host decides what is right; this script only runs the commands.

export PATH=/bin:/sbin

. /lib/crashdesk/guest-lib.sh

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# not on /tmp: the tool may live below it on the host, and so in the initramfs
mkdir -p /scratch
mount -t tmpfs tmpfs /scratch
mount -t securityfs securityfs /sys/kernel/security 2> /dev/null

cd=$(cat /etc/crashdesk-guest-tool)
mark "STAGE: checks"
step release uname -r
step reserved cat /sys/kernel/kexec_crash_size
step status "$cd" status
step status-json "$cd" status --json
step dry-run "$cd" load --dry-run
if [ "$(cat /sys/kernel/kexec_crash_size)" = 0 ]; then
	step load-unreserved "$cd" load --kernel /boot/vmlinuz --no-initrd
else
	step load-missing "$cd" load --kernel /boot/no-such-vmlinuz --no-initrd
	step load-missing-initrd "$cd" load --kernel /boot/vmlinuz --initrd /boot/no-such.img
	step load-bad-config "$cd" load --config /etc/crashdesk/bad.conf
	step load-not-kernel "$cd" load --kernel /etc/crashdesk/bad.conf --no-initrd
	dd if=/dev/zero of=/scratch/huge.img bs=1M count=112 2> /dev/null
	step load-too-big "$cd" load --kernel /boot/vmlinuz --initrd /scratch/huge.img
	step test-crash-unloaded "$cd" test-crash --yes
	step load "$cd" load --kernel /boot/vmlinuz --no-initrd
	step loaded cat /sys/kernel/kexec_crash_loaded
	step status-loaded "$cd" status
	step test-crash-no-yes "$cd" test-crash
	step unload "$cd" unload
	step unloaded cat /sys/kernel/kexec_crash_loaded
	step unload-again "$cd" unload
	# lockdown can be raised, never lowered, at run time
	step lockdown sh -c 'echo integrity > /sys/kernel/security/lockdown && cat /sys/kernel/security/lockdown'
	step load-unsigned "$cd" load --kernel /boot/vmlinuz-unsigned --no-initrd
fi
mark "STAGE: done"
sync
poweroff -f
echo o > /proc/sysrq-trigger
sleep 60
