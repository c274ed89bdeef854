#!/bin/bash
# crashdesk save, which writes a kdump-compressed dump.kdump (zstd per page, filtered like
# makedumpfile -d 31), against Debian's makedumpfile on one real vmcore per kernel series:
# the VM harness's kind `filled`, Debian's kernel crashed in a 3 GiB guest whose memory is
# filled like a busy server's (page cache, anonymous memory, slab, stale free pages;
# tests/vm/filled.sh). The series are the VM suite's: 6.1 (Debian 12's kernel) and 6.12
# (bookworm's long-term kernel, the series of Debian 13). Each vmcore (3 GB) is made once
# and cached with the VM suite's; it is made without a guest tool, so rebuilding crashdesk
# does not make it again.
#
# Compared, interleaved, the median of RUNS runs each:
#   crashdesk save --input VMCORE --dir FRESH-ROOT --keep-free 0 --threads 1, and 2
#   makedumpfile -l -d 31 VMCORE OUT and makedumpfile -c -d 31 VMCORE OUT, each with one
#   thread (the default) and with --num-threads 2
# Debian 12's makedumpfile (1.7.2) predates 6.12: it warns "The kernel version is not
# supported" and still writes its dump, the peer shown for both series. With
# --makedumpfile-upstream PATH (or MAKEDUMPFILE_UPSTREAM=PATH), an optional build of
# makedumpfile's current upstream, which no Debian 12 package ships, adds its rows -l, -c
# and -z (zstd), one thread; a compression it was built without shows as unavailable.
# Fair to each: every tool first runs once uncounted, after the vmcore was read whole, so
# that every timed run reads it from the page cache; each run writes to a fresh path that
# is deleted right after it. makedumpfile does not fsync its output (kdump-tools runs sync
# after it) while crashdesk does (a report is on disk before it is renamed into place):
# every run's time includes an fsync() of all it wrote (measure.py --sync), free for
# crashdesk. Shown: wall time, the dump's size (for crashdesk its dump.kdump, and the whole
# report alongside), peak RSS (GNU time), the pages each dump holds (its kdump bitmap), and
# the ratios crashdesk 1 thread / makedumpfile -l (time), crashdesk / makedumpfile -c (dump
# size), crashdesk 2 threads / makedumpfile -l, and crashdesk / makedumpfile (pages kept).
# A crashdesk that cannot write a dump yet (save without --no-dump refuses), or does not
# build, shows as unavailable.
#   bench/capture.sh [--series 6.1|6.12|all] [--makedumpfile-upstream PATH] [RUNS]
#   default: all series, 5 runs
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: bench/capture.sh [--series 6.1|6.12|all] [--makedumpfile-upstream PATH] [RUNS]"
series=all
upstream=${MAKEDUMPFILE_UPSTREAM:-}
runs=5
while [ $# -gt 0 ]; do
    case $1 in
    --series)
        series=${2:?$usage}
        shift 2
        ;;
    --makedumpfile-upstream)
        upstream=${2:?$usage}
        shift 2
        ;;
    -h | --help)
        echo "$usage"
        exit 0
        ;;
    [1-9]*)
        runs=$1
        shift
        ;;
    *)
        echo "$usage" >&2
        exit 2
        ;;
    esac
done
case $series in
6.1 | 6.12) all_series=("$series") ;;
all) all_series=(6.1 6.12) ;;
*)
    echo "bench/capture.sh: unknown series $series; known: 6.1, 6.12, all" >&2
    exit 2
    ;;
esac
if [ -n "$upstream" ] && [ ! -x "$upstream" ]; then
    echo "bench/capture.sh: the upstream makedumpfile $upstream is not an executable file" >&2
    exit 2
fi

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

# room for the vmcores if they must be made (3 GB each, 2.6 GB on disk), the ext4 data
# image (1 GB) and one dump at a time
need_gib=$((2 + 3 * ${#all_series[@]}))
avail=$(df -B1 --output=avail build | tail -n 1)
if [ "$avail" -lt $((need_gib << 30)) ]; then
    echo "bench/capture.sh: $((avail >> 20)) MiB free under build/, want ${need_gib} GiB" >&2
    exit 1
fi

scratch=build/bench/capture-out
trap 'rm -rf "$scratch"' EXIT
crashdesk="build/capture/crashdesk save --input {input} --dir {output} --keep-free 0"
tools=(
    --tool "${crashdesk_rows[0]}=$crashdesk --threads 1"
    --tool "${crashdesk_rows[1]}=$crashdesk --threads 2"
    --tool "makedumpfile -l=makedumpfile -l -d 31 {input} {output}"
    --tool "makedumpfile -l, 2 threads=makedumpfile -l -d 31 --num-threads 2 {input} {output}"
    --tool "makedumpfile -c=makedumpfile -c -d 31 {input} {output}"
    --tool "makedumpfile -c, 2 threads=makedumpfile -c -d 31 --num-threads 2 {input} {output}"
)
ratios=(
    --ratio "time:${crashdesk_rows[0]}/makedumpfile -l"
    --ratio "dump:${crashdesk_rows[0]}/makedumpfile -c"
    --ratio "time:${crashdesk_rows[1]}/makedumpfile -l"
    --ratio "pages:${crashdesk_rows[0]}/makedumpfile -c"
)
if [ -n "$upstream" ]; then
    features=$("$upstream" -v 2>&1)
    for mode in -l -c -z; do
        tools+=(--optional "upstream $mode"
            --tool "upstream $mode=$upstream $mode -d 31 {input} {output}")
        # a build without the library warns and writes the pages uncompressed
        library=${mode/-l/lzo}
        library=${library/-z/zstd}
        if [ "$mode" != -c ] && ! grep -Eq "^${library}[[:space:]]+enabled" <<<"$features"; then
            not_built+=(--unavailable "upstream $mode=built without $library")
        fi
    done
    ratios+=(
        --ratio "time:${crashdesk_rows[0]}/upstream -l"
        --ratio "dump:${crashdesk_rows[0]}/upstream -c"
        --ratio "time:${crashdesk_rows[0]}/upstream -z"
        --ratio "dump:${crashdesk_rows[0]}/upstream -z"
        --ratio "pages:${crashdesk_rows[0]}/upstream -c"
    )
    echo "upstream: $upstream, $(head -n 1 <<<"$features")"
fi

for s in "${all_series[@]}"; do
    # the same cache as the VM suite; the default series keeps its directory of old
    out=build/bench/filled
    if [ "$s" != 6.1 ]; then
        out=build/bench/filled+$s
    fi
    made=$(python3 tests/vm/crashvm.py --cache-dir build/tests/vm/cache --kind filled \
        --series "$s" --out "$out")
    echo
    echo "== series $s: $made"
    vmcore=$out/vmcore
    cat "$vmcore" >/dev/null

    rm -rf "$scratch"
    # the machine may be shared: its load tells how far to trust the wall times
    echo "load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
    python3 bench/measure.py --runs "$runs" --output-dir "$scratch" --sync \
        --dump-name dump.kdump --kdump-pages \
        --optional "${crashdesk_rows[0]}" --optional "${crashdesk_rows[1]}" \
        ${not_built[@]+"${not_built[@]}"} "${tools[@]}" "${ratios[@]}" "$vmcore"
    echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"
done
