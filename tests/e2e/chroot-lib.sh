# shellcheck shell=sh
# Sourced by base-image.sh and series-image.sh: apt in the image's tree as in a booted
# system, with nothing started in the chroot, and the tree left as a booted system wants
# it. image.py keys the cached bases by this file's bytes too.

# chroot_begin TREE: nothing starts in the chroot; /proc mounted until the script exits
chroot_begin() {
    tree=$1
    printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d"
    chmod 755 "$tree/usr/sbin/policy-rc.d"
    mount -t proc proc "$tree/proc"
    trap 'umount "$tree/proc"' EXIT
}

in_tree() {
    chroot "$tree" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"
}

# chroot_end: no package cache, no lists, services may start again
chroot_end() {
    in_tree apt-get clean
    rm -f "$tree/usr/sbin/policy-rc.d"
    rm -rf "$tree"/var/lib/apt/lists/*
}
