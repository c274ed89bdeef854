#!/bin/sh
# The cached base of another kernel series, made from the default series' base: the
# same tree (debootstrap, the upgrade, systemd, the libraries crashdesk links) with its
# kernel swapped for the series' metapackage, so that only the kernel is downloaded and
# one initramfs built. Run by image.py as root on a copy of the default base's tree.
#   series-image.sh TREE SERIES KERNEL-PACKAGE
set -eu
tree=$1 series=$2 package=$3
# shellcheck source=tests/e2e/chroot-lib.sh
. "$(dirname "$0")/chroot-lib.sh"

chroot_begin "$tree"
in_tree apt-get update -qq
in_tree apt-get install -y -qq --no-install-recommends "$package"
# every other kernel goes (the default series' and its metapackage): the image has one,
# the one its boot loader would pick
# shellcheck disable=SC2016 # dpkg-query's format, not the shell's
others=$(in_tree dpkg-query -W -f '${db:Status-Abbrev} ${Package}\n' 'linux-image-*' |
    awk -v keep="$package" -v prefix="linux-image-$series." \
        '$1 ~ /^.i/ && $2 != keep && index($2, prefix) != 1 { print $2 }')
if [ -n "$others" ]; then
    # shellcheck disable=SC2086
    in_tree apt-get purge -y -qq $others
fi
chroot_end
