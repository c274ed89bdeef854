#!/bin/sh
# /init of both kernels of check-panic-console.py's VM. The first kernel loads the
# capture kernel with crashdesk load (its command line turns the panic screen on) and
# crashes; the capture kernel runs crashdesk-panic-console with each renderer in turn.
# Markers on the serial console, read by the host:
#   CRASHDESK-STAGE: NAME         the step reached
#   CRASHDESK-ERROR: WHY          a step of the script itself failed
#   CRASHDESK-SHOT: NAME          the screen is ready: the host takes a screendump and
#                                 answers with a line on the second serial port
#   CRASHDESK-BEGIN: NAME ... CRASHDESK-END: NAME RC   a command's output and exit status
# The host decides what is right; this script only runs the commands.

export PATH=/bin:/sbin

. /lib/crashdesk/guest-lib.sh

# show NAME FILE RC: a log between markers
show() {
	mark "BEGIN: $1"
	cat "$2"
	# a file without a final newline must not hide the marker
	echo
	mark "END: $1 $3"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /scratch
mount -t tmpfs tmpfs /scratch

cd=$(cat /etc/crashdesk-guest-tool)
pc=$(cat /etc/crashdesk-guest-console)

if [ ! -e /proc/vmcore ]; then
	mark "STAGE: first kernel"
	"$cd" load --kernel /boot/vmlinuz --initrd /boot/capture.cpio \
		--command-line "$(cat /etc/capture-cmdline)" ||
		fail "crashdesk load of the capture kernel failed"
	mark "STAGE: crash"
	echo c > /proc/sysrq-trigger
	fail "the crash did not happen"
fi

mark "STAGE: capture kernel"
# the host's answers: opened once, so that none is lost between two reads
exec 3< /dev/ttyS1
stty -F /dev/ttyS1 -echo

# shot NAME: the host takes the screendump, then answers
shot() {
	mark "SHOT: $1"
	read -t 120 -r reply <&3 || fail "no answer from the host after the screendump $1"
}

# wait_drawn LOG: until the console says the panic is on the screen (or gave up)
wait_drawn() {
	i=0
	while ! grep -q "showing the panic on" "$1"; do
		i=$((i + 1))
		[ "$i" -le 600 ] || return 1
		sleep 0.1
	done
}

# console NAME ARGS...: the console in the background, drawn, screendumped, stopped
console() {
	name=$1
	shift
	"$pc" "$@" > "/scratch/$name.log" 2>&1 &
	pid=$!
	wait_drawn "/scratch/$name.log"
	shot "$name"
	kill -TERM "$pid"
	wait "$pid"
	show "$name" "/scratch/$name.log" $?
	# the VT that was active before is again
	step "active-$name" cat /sys/class/tty/tty0/active
}

# off: the capture kernel's command line without crashdesk.panic_screen=
sed 's/crashdesk\.panic_screen=[^ ]*//' /proc/cmdline > /scratch/cmdline-off
step active-before cat /sys/class/tty/tty0/active
step check-on "$pc" --check
step check-off "$pc" --check --cmdline /scratch/cmdline-off
step off "$pc" --cmdline /scratch/cmdline-off
shot off

# the display driver appears while the console waits for its framebuffer device, as in a
# capture kernel's boot (the DRM renderer waits the same way, in the end-to-end suite)
mark "STAGE: fbdev"
"$pc" --renderer fbdev --display-wait 60000 > /scratch/fbdev.log 2>&1 &
pid=$!
for ko in /lib/modules/display/*.ko; do
	insmod "$ko" || fail "insmod $ko failed"
done
wait_drawn /scratch/fbdev.log
shot fbdev
kill -TERM "$pid"
wait "$pid"
show fbdev /scratch/fbdev.log $?
step active-fbdev cat /sys/class/tty/tty0/active

mark "STAGE: drm"
console drm --renderer drm
mark "STAGE: text"
console text --renderer text

# a VT held in VT_PROCESS mode by a process that never answers: the screen is drawn all
# the same, and crashdesk save saves the report while it shows the progress
mark "STAGE: held"
/bin/vt-holder > /scratch/holder.log 2>&1 &
i=0
while ! grep -q holding /scratch/holder.log; do
	i=$((i + 1))
	[ "$i" -le 100 ] || fail "vt-holder did not take a VT: $(cat /scratch/holder.log)"
	sleep 0.1
done
show holder /scratch/holder.log 0
"$pc" --vt-timeout 1000 > /scratch/held.log 2>&1 &
pid=$!
wait_drawn /scratch/held.log
shot held
step save "$cd" save --no-dump --dir /scratch/reports
# the progress line is redrawn a quarter of a second after the last message
sleep 1
shot saved
for meta in /scratch/reports/*/meta.json; do
	show meta "$meta" 0
done
show held /scratch/held.log 0

# final-action counts down on the screen, is answered "go" and powers the VM off
mark "STAGE: final"
"$cd" final-action --action poweroff --countdown 2 < /dev/null 2>&1
fail "final-action returned"
