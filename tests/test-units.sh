#!/bin/sh
# The systemd units as meson configured them, checked by systemd-analyze verify (with the
# built programs standing in for the installed ones), and the tmpfiles.d entry applied to a
# scratch root: the report root and the level that hides it must come out 0700 root:root. TAP.
#   test-units.sh CRASHDESK PANIC_CONSOLE HELPER TMPFILES_CONF UNIT...
set -u
crashdesk=$1 panic_console=$2 helper=$3 tmpfiles=$4
shift 4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }

mkdir "$dir/units"
for unit in "$@"; do
    sed -E -e "s#^(Exec[A-Za-z]*=)[^ ]*/crashdesk( |\$)#\1$crashdesk\2#" \
        -e "s#^(Exec[A-Za-z]*=)[^ ]*/crashdesk-panic-console( |\$)#\1$panic_console\2#" \
        -e "s#^(Exec[A-Za-z]*=)[^ ]*/crashdesk-helper( |\$)#\1$helper\2#" \
        "$unit" >"$dir/units/$(basename "$unit")"
done
if out=$(cd "$dir/units" && systemd-analyze verify --man=no ./* 2>&1) && [ -z "$out" ]; then
    ok "systemd-analyze verify accepts the units"
else
    not_ok "systemd-analyze verify accepts the units"
    echo "$out" | sed 's/^/# /'
fi
# the check itself: a unit naming a program that does not exist must be refused
sed 's|^ExecStart=.*|ExecStart=/nonexistent/crashdesk load|' "$dir/units/crashdesk-load.service" \
    >"$dir/broken.service"
if (cd "$dir" && systemd-analyze verify --man=no ./broken.service) >/dev/null 2>&1; then
    not_ok "systemd-analyze verify refuses a unit whose program is missing"
else
    ok "systemd-analyze verify refuses a unit whose program is missing"
fi
# every unit names a crashdesk man page, and one that runs a crashdesk program names that
# program's own (a unit without Exec=, the target, is no exception): what is missing
docs_missing() {
    docs=$(sed -n 's/^Documentation=//p' "$1")
    missing=
    for program in $(sed -n 's#^Exec[A-Za-z]*=[^ ]*/\(crashdesk[a-z-]*\)\( .*\)\?$#\1#p' \
        "$1" | sort -u); do
        case $program in
            crashdesk) page="crashdesk(1)" ;;
            *) page="$program(8)" ;;
        esac
        case " $docs " in
            *" man:$page "*) ;;
            *) missing="$missing man:$page" ;;
        esac
    done
    case " $docs" in
        *" man:crashdesk"*) ;;
        *) missing="$missing (no crashdesk man page)" ;;
    esac
    echo "$missing"
}
for unit in "$dir"/units/*; do
    name=$(basename "$unit")
    missing=$(docs_missing "$unit")
    if [ -n "$missing" ]; then
        not_ok "$name names its man page: missing$missing"
    else
        ok "$name names its man page"
    fi
done
# the check itself: a unit that runs crashdesk but names only crashdesk.conf(5), and a
# target that names no page, are refused
sed 's|^Documentation=.*|Documentation=man:crashdesk.conf(5)|' \
    "$dir/units/crashdesk-load.service" >"$dir/undocumented.service"
sed '/^Documentation=/d' "$dir/units/crashdesk-capture.target" >"$dir/undocumented.target"
if [ "$(docs_missing "$dir/undocumented.service")" = " man:crashdesk(1)" ] &&
    [ "$(docs_missing "$dir/undocumented.target")" = " (no crashdesk man page)" ]; then
    ok "a unit without its program's man page, and a target without any, are refused"
else
    not_ok "a unit without its program's man page, and a target without any, are refused"
fi

# the helper answers every user: what it writes is root's alone, and it sees no process of
# another (the names systemd-analyze knows, so a misspelling fails the verify above)
helper_unit="$dir/units/crashdesk-helper.service"
for setting in UMask=0077 ProtectProc=invisible ProcSubset=pid; do
    if grep -qx "$setting" "$helper_unit"; then
        ok "crashdesk-helper.service has $setting"
    else
        not_ok "crashdesk-helper.service has $setting"
    fi
done

mkdir "$dir/root"
if systemd-tmpfiles --root="$dir/root" --create "$tmpfiles" >/dev/null 2>&1 &&
    [ "$(stat -c '%a %u %g' "$dir/root/var/crash" "$dir/root/var/crash/kernel" \
        "$dir/root/var/crash/kernel/reports" | tr '\n' ' ')" = "755 0 0 700 0 0 700 0 0 " ]; then
    ok "tmpfiles.d makes /var/crash 0755, /var/crash/kernel and its reports/ 0700 root:root"
else
    not_ok "tmpfiles.d makes /var/crash 0755, /var/crash/kernel and its reports/ 0700 root:root"
fi
echo "1..$n"
exit $failed
