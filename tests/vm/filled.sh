#!/bin/sh
# /init of the first kernel of the crash kind `filled` (crashvm.py builds its
# initramfs): it defines the recipe crash_filled, then runs init.sh, which
# does everything else as for any kind.  The recipe lives here, not in
# init.sh, because init.sh's bytes are part of every kind's cache recipe:
# adding it there would boot every other kind again.
#
# The recipe fills a 3 GiB guest the way a busy server's memory looks, then
# crashes with sysrq.  The kernel runs without init_on_free=1, so what is
# freed keeps its data.  With its markers on the console (seconds since boot):
#   - slab: 100,000 files in a tmpfs, a quarter of them deleted again;
#   - page cache: every file of the ext4 image on /dev/vdd (files from the
#     host's /usr/lib and /usr/share) read through the file system;
#   - anonymous memory: the filler allocates 1 GiB (file data, zeros,
#     records, random bytes) and frees 384 MiB of it, and stays alive;
#   - stale free memory: 512 MiB of file data written to a tmpfs file,
#     which is then deleted;
#   - the page-flag snapshot of init.sh (on /dev/vdc, before the data disk).

FILL_FILES=100000
FILL_ANON_MIB=1024
FILL_ANON_FREE_MIB=384
FILL_GARBAGE_MIB=512

fill_stage() {
	mark "STAGE: fill: $* (at $(cut -d ' ' -f 1 /proc/uptime) s)"
}

# the read-only data disk: the fourth, after init.sh's snapshot disk
FILL_DATA_DISK=/dev/vdd

crash_filled() {
	# init.sh's first_kernel has loaded the virtio drivers already
	for module in /lib/modules/fs/*.ko; do
		insmod "$module" || fail "insmod $module failed"
	done
	wait_for_block_device "$FILL_DATA_DISK"
	mkdir -p /data /fill
	mount -t ext4 -o ro "$FILL_DATA_DISK" /data ||
		fail "mount of the data image failed"
	mount -t tmpfs -o size=1g tmpfs /fill || fail "mount of a tmpfs failed"

	fill_stage "slab"
	filler files /fill/files "$FILL_FILES" || fail "filler files failed"

	fill_stage "page cache"
	find /data -type f -exec cat {} + > /dev/null ||
		fail "reading the data image failed"

	fill_stage "anonymous memory"
	filler memory /data "$FILL_ANON_MIB" "$FILL_ANON_FREE_MIB" > /fill/filler.out 2>&1 &
	until grep -q "ready" /fill/filler.out; do
		kill -0 $! 2> /dev/null || fail "filler memory: $(cat /fill/filler.out)"
		sleep 1
	done

	fill_stage "stale free memory"
	filler garbage /data /fill/garbage "$FILL_GARBAGE_MIB" ||
		fail "filler garbage failed"

	fill_stage "done"
	for field in MemTotal MemFree Cached AnonPages Shmem Slab; do
		mark "MEMINFO: $(grep "^$field:" /proc/meminfo)"
	done
	snapshot_page_flags
	echo c > /proc/sysrq-trigger
}

# init.sh runs first_kernel (which calls crash_filled) or capture_kernel.
# shellcheck disable=SC1091 # crashvm.py puts init.sh there
. /lib/crashdesk/init.sh
