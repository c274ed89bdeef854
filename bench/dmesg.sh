#!/bin/bash
# crashdesk dmesg against kexec-tools' vmcore-dmesg on the same real vmcores (Debian's
# kernel crashed in QEMU by the VM harness; cached): median wall time of several
# interleaved runs, peak RSS, and whether the outputs are identical.
#   bench/dmesg.sh [RUNS]    default 9
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}

tools/install-deps
if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
meson compile -C build capture/crashdesk >/dev/null

# the same cache as the VM suite: vmcores it already made are reused
cache=build/tests/vm/cache
inputs=()
for kind in sysrq wrap bigring; do
    out=build/bench/$kind
    python3 tests/vm/crashvm.py --cache-dir "$cache" --kind "$kind" \
        --guest-tool build/capture/crashdesk --out "$out" >/dev/null
    inputs+=("$out/vmcore")
done

python3 bench/measure.py --runs "$runs" \
    --tool "crashdesk=build/capture/crashdesk dmesg {input}" \
    --tool "vmcore-dmesg=vmcore-dmesg {input}" \
    "${inputs[@]}"
