# The helpers every /init of the VM suite uses (init.sh, load-checks.sh,
# panic-console-checks.sh, pstore-checks.sh), sourced from
# /lib/crashdesk/guest-lib.sh: crashvm.py's base_initramfs() puts it there in
# every initramfs it builds.
#
# Lines starting with CRASHDESK- are read by the host on the serial console.

mark() {
	echo "CRASHDESK-$*"
}

# Power off at once: there is nothing to unmount, and in the first kernel a
# slow shutdown would only delay the report of the failure.
power_off() {
	sync
	poweroff -f
	echo o > /proc/sysrq-trigger
	sleep 60
}

fail() {
	mark "ERROR: $*"
	power_off
}

# step NAME COMMAND...: the command's output between BEGIN and END markers,
# END with its exit status; the host decides what is right
step() {
	name=$1
	shift
	mark "BEGIN: $name"
	"$@" < /dev/null 2>&1
	rc=$?
	mark "END: $name $rc"
}

# the value of crashdesk.NAME= on the kernel command line
cmdline_param() {
	# shellcheck disable=SC2013 # /proc/cmdline is one line of words
	for word in $(cat /proc/cmdline); do
		case $word in
		crashdesk.$1=*) echo "${word#*=}" ;;
		esac
	done
}

# a virtio disk appears once its module has probed it
wait_for_block_device() {
	for _ in $(seq 100); do
		[ -b "$1" ] && return 0
		sleep 0.1
	done
	fail "no block device $1 (virtio modules loaded?)"
}
