#!/bin/bash
# crashdesk save, which writes a kdump-compressed dump.kdump (zstd per page, filtered like
# makedumpfile -d 31), against Debian's makedumpfile on one real vmcore: the VM harness's
# kind `filled`, Debian's kernel crashed in a 3 GiB guest whose memory is filled like a busy
# server's (page cache, anonymous memory, slab, stale free pages; tests/vm/filled.sh).
# The vmcore (3 GB) is made once and cached with the VM suite's; it is made without a guest
# tool, so rebuilding crashdesk does not make it again.
#
# Compared, interleaved, the median of RUNS runs each:
#   crashdesk save --input VMCORE --dir FRESH-ROOT --keep-free 0 --threads 1, and 2
#   makedumpfile -l -d 31 VMCORE OUT and makedumpfile -c -d 31 VMCORE OUT, each with one
#   thread (the default) and with --num-threads 2
# Fair to each: every tool first runs once uncounted, after the vmcore was read whole, so
# that every timed run reads it from the page cache; each run writes to a fresh path that
# is deleted right after it. makedumpfile does not fsync its output (kdump-tools runs sync
# after it) while crashdesk does (a report is on disk before it is renamed into place):
# every run's time includes an fsync() of all it wrote (measure.py --sync), free for
# crashdesk. Shown: wall time, the dump's size (for crashdesk its dump.kdump, and the whole
# report alongside), peak RSS (GNU time), and the ratios crashdesk 1 thread / makedumpfile -l
# (time), crashdesk / makedumpfile -c (dump size), crashdesk 2 threads / makedumpfile -l.
# A crashdesk that cannot write a dump yet (save without --no-dump refuses), or does not
# build, shows as unavailable.
#   bench/capture.sh [RUNS]    default 5
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}

tools/install-deps
if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
mkdir -p build/bench
crashdesk_rows=("crashdesk, 1 thread" "crashdesk, 2 threads")
not_built=()
if ! meson compile -C build capture/crashdesk >build/bench/capture-build.log 2>&1; then
    echo "bench/capture.sh: crashdesk does not build (build/bench/capture-build.log)" >&2
    for row in "${crashdesk_rows[@]}"; do
        not_built+=(--unavailable "$row=does not build, see build/bench/capture-build.log")
    done
fi

# room for the vmcore if it must be made (3 GB, 2.6 GB on disk), its ext4 data image
# (1 GB) and one dump at a time
need_gib=5
avail=$(df -B1 --output=avail build | tail -n 1)
if [ "$avail" -lt $((need_gib << 30)) ]; then
    echo "bench/capture.sh: $((avail >> 20)) MiB free under build/, want ${need_gib} GiB" >&2
    exit 1
fi

# the same cache as the VM suite
cache=build/tests/vm/cache
out=build/bench/filled
python3 tests/vm/crashvm.py --cache-dir "$cache" --kind filled --out "$out" >/dev/null
vmcore=$out/vmcore
cat "$vmcore" >/dev/null

scratch=build/bench/capture-out
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT

# the machine may be shared: its load tells how far to trust the wall times
echo "load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
crashdesk="build/capture/crashdesk save --input {input} --dir {output} --keep-free 0"
python3 bench/measure.py --runs "$runs" --output-dir "$scratch" --sync \
    --dump-name dump.kdump \
    --optional "${crashdesk_rows[0]}" --optional "${crashdesk_rows[1]}" \
    ${not_built[@]+"${not_built[@]}"} \
    --tool "${crashdesk_rows[0]}=$crashdesk --threads 1" \
    --tool "${crashdesk_rows[1]}=$crashdesk --threads 2" \
    --tool "makedumpfile -l=makedumpfile -l -d 31 {input} {output}" \
    --tool "makedumpfile -l, 2 threads=makedumpfile -l -d 31 --num-threads 2 {input} {output}" \
    --tool "makedumpfile -c=makedumpfile -c -d 31 {input} {output}" \
    --tool "makedumpfile -c, 2 threads=makedumpfile -c -d 31 --num-threads 2 {input} {output}" \
    --ratio "time:${crashdesk_rows[0]}/makedumpfile -l" \
    --ratio "dump:${crashdesk_rows[0]}/makedumpfile -c" \
    --ratio "time:${crashdesk_rows[1]}/makedumpfile -l" \
    "$vmcore"
echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
