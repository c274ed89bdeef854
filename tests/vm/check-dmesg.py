#!/usr/bin/python3
"""TAP test: "crashdesk dmesg" on a real kdump vmcore matches vmcore-dmesg.

    check-dmesg.py --kind KIND --crashdesk PATH --cache-dir DIR
                   [--vmcore-dmesg /usr/sbin/vmcore-dmesg]
                   [--makedumpfile makedumpfile]

Gets the vmcore of KIND from crashvm.py (crashdesk also runs inside the
capture kernel on /proc/vmcore), then checks crashdesk's log on the host
and in the guest against Debian's vmcore-dmesg and against what the crash
must have logged.  Debian's makedumpfile then turns the vmcore into
kdump-compressed dumps (-d 31, uncompressed, zlib and lzo), and crashdesk
must print the same log from each of them.
"""

import argparse
import difflib
import re
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# No __pycache__ in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import crashvm  # noqa: E402
from tap import Tap  # noqa: E402

# What the log of each kind must contain.
EXPECTED = {
    "sysrq": [b"sysrq: Trigger a crash"],
    "oops": [b"BUG: kernel NULL pointer dereference"],
    "oops_again": [b"BUG: kernel NULL pointer dereference"],
    "bug": [b"kernel BUG at"],
    "panic": [b"Kernel panic - not syncing: "
              b"crashdesk-test: deliberate panic 42"],
    "warn": [b"WARNING:", b"crashdesk-test: deliberate warning 42",
             b"panic_on_warn"],
    "wrap": [b"sysrq: Trigger a crash"],
    "bigring": [b"sysrq: Trigger a crash"],
    "nmi": [b"Uhhuh. NMI received for unknown reason",
            b"Kernel panic - not syncing: NMI: Not continuing"],
    "mce": [b"mce: [Hardware Error]: CPU 0: Machine Check Exception:",
            b"mce: [Hardware Error]: RIP !INEXACT! 10:",
            b"Kernel panic - not syncing: Fatal local machine check"],
    "hung": [b"INFO: task crashdesk-hung:", b" blocked for more than ",
             b"Kernel panic - not syncing: hung_task: blocked tasks"],
}

# Printed by the test module before every crash (crashdesk_print_samples):
# control bytes, DEL and UTF-8 escaped, a raw tab, a two-line record.
SAMPLES = {
    "escaped bytes": rb"] crashdesk-test: escape \x01 \x7f \xc3\xa9 end"
                     b"\n",
    "tab": b"] crashdesk-test: tab\there\n",
    "multi-line record": b"] crashdesk-test: multi-line first\n"
                         b"crashdesk-test: multi-line second\n",
}

# The kinds that flood the log (lines=N in init.sh): how many lines, and
# whether the ring wraps so that the oldest are lost.
FLOODS = {"wrap": (20000, True), "bigring": (150000, False)}
COMMAND_TIMEOUT = 300

# makedumpfile's kdump-compressed dumps of the vmcore: the options, and the
# compression the header's status must then name (disk_dump_header.status)
MAKEDUMPFILE = [
    ("uncompressed", ["-d", "31"], 0),
    ("zlib", ["-c", "-d", "31"], 0x1),
    ("lzo", ["-l", "-d", "31"], 0x2),
]
KDUMP_STATUS_OFFSET = 424


def show(text):
    """bytes as one printable line."""
    return (text.decode(errors="backslashreplace")
            .replace("\t", "\\t").replace("\n", "\\n"))


def run_dmesg(argv):
    """(exit code, stdout, stderr) of a dmesg command."""
    try:
        result = subprocess.run(argv, capture_output=True,
                                timeout=COMMAND_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, b"", str(e).encode()
    return result.returncode, result.stdout, result.stderr


def describe_run(rc, stderr):
    lines = [f"exit code {rc}"]
    lines += stderr.decode(errors="backslashreplace").splitlines()[-10:]
    return lines


def short_diff(expected, actual, expected_name, actual_name, limit=30):
    """The first lines of a unified diff, decoded for a TAP comment."""
    diff = difflib.diff_bytes(
        difflib.unified_diff, expected.splitlines(), actual.splitlines(),
        expected_name.encode(), actual_name.encode(), n=2, lineterm=b"")
    lines = [f"{expected_name}: {len(expected)} bytes, "
             f"{actual_name}: {len(actual)} bytes"]
    lines += [line.decode(errors="backslashreplace") for line in diff]
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return lines


def flood_check(log, lines, wraps):
    """The surviving flood lines run without a gap to the last one printed,
    from line 1 if the ring holds them all, from a later line if it
    wrapped."""
    numbers = [int(n) for n in re.findall(rb"\] crashdesk-test flood line "
                                          rb"(\d+)$", log, re.M)]
    if not numbers:
        return False, ["no flood line in the log"]
    first, last = numbers[0], numbers[-1]
    comments = [f"flood lines {first}..{last}, {len(numbers)} in the log"]
    ok = ((1 < first if wraps else first == 1) and last == lines
          and numbers == list(range(first, last + 1)))
    return ok, comments


def check_makedumpfile(tap, makedumpfile, crashdesk, vmcore, log, workdir):
    """One result per compression: makedumpfile writes the dump, and
    crashdesk reads the same log from it as from the vmcore."""
    for name, options, status in MAKEDUMPFILE:
        desc = (f"crashdesk dmesg on makedumpfile {' '.join(options)} "
                f"({name}) prints the vmcore's log")
        dump = Path(workdir) / f"dump-{name}.kdump"
        try:
            made = subprocess.run([makedumpfile, *options, vmcore, str(dump)],
                                  capture_output=True, timeout=COMMAND_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            tap.result(False, desc, [f"cannot run {makedumpfile}: {e}",
                                     "(tools/install-deps installs it)"])
            continue
        if made.returncode != 0:
            tap.result(False, desc, ["makedumpfile failed:"] +
                       describe_run(made.returncode, made.stderr))
            continue
        with open(dump, "rb") as f:
            head = f.read(KDUMP_STATUS_OFFSET + 4)
        found = (struct.unpack_from("<I", head, KDUMP_STATUS_OFFSET)[0] & 0x27
                 if head[:8] == b"KDUMP   " else None)
        rc, dump_log, err = run_dmesg([crashdesk, "dmesg", str(dump)])
        comments = [f"{dump}: {dump.stat().st_size} bytes, compression "
                    f"status {found}, expected {status}"]
        if rc != 0:
            comments += describe_run(rc, err)
        else:
            comments += short_diff(log, dump_log, "vmcore", "kdump")
        tap.result(found == status and rc == 0 and dump_log == log, desc,
                   comments)
        dump.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", required=True, choices=sorted(EXPECTED))
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--vmcore-dmesg", default="/usr/sbin/vmcore-dmesg")
    parser.add_argument("--makedumpfile", default="makedumpfile")
    parser.add_argument("--series", choices=sorted(crashvm.SERIES),
                        default=crashvm.DEFAULT_SERIES,
                        help="the kernel series crashed (crashvm.py)")
    args = parser.parse_args()
    kind = args.kind
    # meson passes the crashdesk target relative to the build directory.
    crashdesk = args.crashdesk.absolute()
    out = args.cache_dir / "out" / crashvm.entry_name(kind, None, args.series)

    tap = Tap(5 + len(EXPECTED[kind]) + len(SAMPLES) + (kind in FLOODS) +
              len(MAKEDUMPFILE))
    try:
        crashvm.obtain(args.cache_dir, kind, out, crashdesk,
                       series=args.series)
    except crashvm.StepError as e:
        comments = str(e).splitlines()
        if (out / "console.log").exists():
            comments.append(f"console log: {out / 'console.log'}")
        tap.result(False, f"capture a {kind} vmcore", comments)
        print("Bail out! no vmcore")
        return 1
    tap.result(True, f"capture a {kind} vmcore in {out}")
    vmcore = str(out / "vmcore")

    rc, log, err = run_dmesg([crashdesk, "dmesg", vmcore])
    tap.result(rc == 0, "crashdesk dmesg vmcore exits 0",
               [] if rc == 0 else describe_run(rc, err))

    ref_rc, ref, ref_err = run_dmesg([args.vmcore_dmesg, vmcore])
    if ref_rc != 0:
        tap.result(False, "crashdesk dmesg output equals vmcore-dmesg's",
                   ["vmcore-dmesg failed:"] + describe_run(ref_rc, ref_err))
    else:
        tap.result(log == ref, "crashdesk dmesg output equals vmcore-dmesg's",
                   short_diff(ref, log, "vmcore-dmesg", "crashdesk"))

    guest_rc = (out / "guest-dmesg.rc").read_text().strip()
    guest_log = (out / "guest-dmesg.txt").read_bytes()
    tap.result(guest_rc == "0", "crashdesk dmesg /proc/vmcore in the capture "
               "kernel exits 0", [f"exit code {guest_rc}; stderr is in "
                                  f"{out / 'console.log'}"])
    tap.result(guest_log == log, "crashdesk output in the capture kernel "
               "equals the host's", short_diff(log, guest_log, "host",
                                               "guest"))

    for text in EXPECTED[kind]:
        tap.result(text in log, "log contains " + show(text))
    for name, text in SAMPLES.items():
        tap.result(text in log, f"log has the {name} sample",
                   ["expected: " + show(text)])
    if kind in FLOODS:
        lines, wraps = FLOODS[kind]
        ok, comments = flood_check(log, lines, wraps)
        tap.result(ok, ("ring wrapped, surviving" if wraps else "every") +
                   f" flood line consecutive to {lines}", comments)
    # the dumps are large: next to the cache, gone when done
    with tempfile.TemporaryDirectory(prefix="kdump-", dir=args.cache_dir) as tmp:
        check_makedumpfile(tap, args.makedumpfile, crashdesk, vmcore, log, tmp)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
