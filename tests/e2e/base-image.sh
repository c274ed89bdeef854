#!/bin/sh
# The cached base of the end-to-end image: a minimal Debian root file system with
# systemd, udev and Debian's kernel with its own initramfs (initramfs-tools), and the
# libraries crashdesk links. Run by image.py as root, which keys the cache by this
# script's bytes, the suite, the apt sources and the package list.
#   base-image.sh TREE SUITE MIRROR SOURCES-FILE PACKAGE...
set -eu
tree=$1 suite=$2 mirror=$3 sources=$4
shift 4
# shellcheck source=tests/e2e/chroot-lib.sh
. "$(dirname "$0")/chroot-lib.sh"

debootstrap --variant=minbase "$suite" "$tree" "$mirror"

# the host's Debian sources (updates and security too), so that the kernel is the one
# linux-image-amd64 depends on today, as the VM suite's is
cp "$sources" "$tree/etc/apt/sources.list"
chroot_begin "$tree"
in_tree apt-get update -qq
in_tree apt-get dist-upgrade -y -qq
in_tree apt-get install -y -qq --no-install-recommends "$@"
chroot_end

# the root is the first virtio disk; no fsck: the capture kernel mounts a file system
# the crash left unclean, and the kernel's journal replay is all it needs
echo '/dev/vda / ext4 rw,errors=remount-ro 0 0' > "$tree/etc/fstab"
echo crashdesk-e2e > "$tree/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcrashdesk-e2e\n' > "$tree/etc/hosts"
rm -f "$tree/etc/machine-id"
systemd-machine-id-setup --root="$tree"
# nobody logs in: no getty on the serial console the test reads
systemctl --root="$tree" mask serial-getty@ttyS0.service getty@tty1.service
# a persistent journal, so that a failed run can be read from the disk image
mkdir -p "$tree/var/log/journal"
