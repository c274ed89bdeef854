#!/usr/bin/python3
"""The dump never fills the disk, never stays half written, never costs the report.

    check-dump-space.py --crashdesk PATH --cache-dir DIR [--kind oops]

Prints TAP. On the vmcore of a real kernel crash (the VM harness's), "crashdesk
save" writes into small size-limited file systems (tmpfs, mounted here: run as
root):

- too small for the dump: the report is saved without it, meta.json says
  "not enough space" and how much was needed, exit status 2;
- the free-space reserve (--keep-free) is honoured the same way;
- large enough: the dump is saved, and it is smaller than the space left;
- the disk fills up (ENOSPC) or fails (EIO) at points spread over the dump's
  writes (strace's fault injection on pwrite64): the report is kept, no
  partial dump is left, meta.json says "writing the dump failed" and why;
- the dump is the same byte for byte whatever the number of threads;
- a vmcore cut short: the pages before the cut are kept, the dump flagged
  incomplete (makedumpfile's flag) and meta.json says why;
- save is killed while writing the dump: the report is there and its
  meta.json says the capture stopped before the dump was finished; the next
  save removes the partial dump.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import crashvm  # noqa: E402

ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")
MIB = 1 << 20
# points of the dump's writes where a failure is injected: the first writes
# (headers, bitmaps), spread over the pages, and the last
INJECT_POINTS = 12


class Tmpfs:
    """A tmpfs of a given size, mounted for the test and removed after."""

    def __init__(self, parent, size):
        self.path = Path(tempfile.mkdtemp(dir=parent))
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700",
                        "crashdesk-test", str(self.path)], check=True)

    def __enter__(self):
        return self.path

    def __exit__(self, *exc):
        subprocess.run(["umount", str(self.path)], check=True)
        self.path.rmdir()


def save(crashdesk, vmcore, root, *extra, strace=None):
    argv = [str(crashdesk), "save", "--input", str(vmcore), "--dir", str(root),
            "--threads", "1", *extra]
    if strace is not None:
        argv = ["strace", "-f", "-qq", "-o", "/dev/null", *strace, "--"] + argv
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stderr


def reports(root):
    """The reports in root: {id: (sorted file names, meta or None)}."""
    found = {}
    for entry in sorted(root.iterdir()):
        if not ID.match(entry.name):
            continue
        names = sorted(p.name for p in entry.iterdir())
        try:
            meta = json.loads((entry / "meta.json").read_text())
        except (OSError, ValueError):
            meta = None
        found[entry.name] = (names, meta)
    return found


def one_report(root):
    found = reports(root)
    if len(found) != 1:
        return None, None, f"{len(found)} reports in {root}: {found}"
    names, meta = next(iter(found.values()))
    return names, meta, None


BASE = ["dmesg.txt", "meta.json", "report.crash"]


def clear(root):
    for entry in root.iterdir():
        subprocess.run(["rm", "-rf", str(entry)], check=True)


def pwrite_count(crashdesk, vmcore, root):
    """How many pwrite64 calls one save makes (they are all the dump's)."""
    with tempfile.NamedTemporaryFile() as trace:
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=pwrite64", "-o",
                        trace.name, "--", str(crashdesk), "save", "--input",
                        str(vmcore), "--dir", str(root), "--threads", "1",
                        "--keep-free", "0"], check=True, capture_output=True)
        return sum(1 for line in Path(trace.name).read_text().splitlines()
                   if "pwrite64(" in line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--kind", default="oops")
    args = parser.parse_args()
    return crashvm.tap_main(11, check, args)


def check(args, tap):
    out = args.cache_dir / "out-dump-space"
    crashvm.obtain(args.cache_dir, args.kind, out)
    vmcore = out / "vmcore"
    crashdesk = args.crashdesk.resolve()

    with tempfile.TemporaryDirectory() as tmp:
        # the dump's size on a file system with room to spare
        with Tmpfs(tmp, "512m") as fs:
            root = fs / "kernel"
            status, err = save(crashdesk, vmcore, root, "--keep-free", "0")
            names, meta, problem = one_report(root)
            dump_bytes = meta["dump"]["bytes"] if meta else 0
            tap.result(status == 0 and names == sorted(BASE + ["dump.kdump"])
                       and meta["dump"]["complete"] and dump_bytes > MIB,
                       f"with room, the dump is saved ({dump_bytes >> 20} MiB)",
                       [problem, status, err, names])
            first = next(root.glob("*/dump.kdump")).read_bytes() if status == 0 else b""
            clear(root)
            # the workers compress out of order; the file must not show it
            status, err = save(crashdesk, vmcore, root, "--keep-free", "0", "--threads", "3")
            again = next(root.glob("*/dump.kdump"), None)
            tap.result(status == 0 and again is not None and again.read_bytes() == first,
                       "with 3 threads the dump is the same, byte for byte",
                       [status, err])
            clear(root)
            writes = pwrite_count(crashdesk, vmcore, root)
            clear(root)

            # a vmcore cut short: the pages before the cut are kept, flagged incomplete
            cut = fs / "vmcore-cut"
            size = vmcore.stat().st_size
            subprocess.run(["cp", "--sparse=always", str(vmcore), str(cut)], check=True)
            os.truncate(cut, size * 3 // 4)
            status, err = save(crashdesk, cut, root, "--keep-free", "0")
            names, meta, problem = one_report(root)
            dump = (meta or {}).get("dump", {})
            header = b""
            if dump.get("file"):
                with open(next(root.glob("*/dump.kdump")), "rb") as f:
                    header = f.read(464)
            status_flags = int.from_bytes(header[424:428], "little") if header else 0
            tap.result(status == 2 and dump.get("file") == "dump.kdump"
                       and dump.get("complete") is False
                       and "truncated" in (dump.get("incomplete_reason") or "")
                       and 0 < dump.get("pages_written", 0) < dump.get("pages_total", 0)
                       and status_flags & 0x8,
                       "a vmcore cut short: the pages before the cut are kept in a dump "
                       "flagged incomplete, and meta.json says why",
                       [problem, status, err, dump, hex(status_flags)])
            clear(root)
            cut.unlink()

        # too small for the dump, large enough for the report
        small = max(dump_bytes // 2, 2 * MIB)
        with Tmpfs(tmp, small) as fs:
            root = fs / "kernel"
            status, err = save(crashdesk, vmcore, root, "--keep-free", "0")
            names, meta, problem = one_report(root)
            reason = (meta or {}).get("dump", {}).get("omitted_reason") or ""
            tap.result(status == 2 and names == BASE and meta["dump"]["file"] is None
                       and not meta["dump"]["complete"]
                       and reason.startswith("not enough space: the dump needs about"),
                       f"a {small >> 20} MiB file system: the report without the "
                       "dump, and meta.json says why",
                       [problem, status, err, names, reason])
            left = [p for p in fs.rglob(".*")]
            tap.result(not left, "no partial dump is left", left)

        # room for the dump, but not beside the reserve
        with Tmpfs(tmp, dump_bytes + 16 * MIB) as fs:
            root = fs / "kernel"
            status, err = save(crashdesk, vmcore, root, "--keep-free", str(16 * MIB))
            names, meta, problem = one_report(root)
            reason = (meta or {}).get("dump", {}).get("omitted_reason") or ""
            tap.result(status == 2 and names == BASE and "--keep-free" in reason,
                       "the reserve (--keep-free) is kept free",
                       [problem, status, err, names, reason])

        # the disk fills up or fails part of the way
        points = sorted({1, 2, 3, writes} |
                        {1 + i * (writes - 1) // INJECT_POINTS
                         for i in range(INJECT_POINTS)})
        with Tmpfs(tmp, "512m") as fs:
            root = fs / "kernel"
            for errno_name, number in (("ENOSPC", 3), ("EIO", 4)):
                problems = []
                for n in points:
                    status, err = save(crashdesk, vmcore, root, "--keep-free", "0",
                                       strace=["-e", "trace=pwrite64", "-e",
                                               f"inject=pwrite64:error={errno_name}:when={n}"])
                    names, meta, problem = one_report(root)
                    reason = (meta or {}).get("dump", {}).get("omitted_reason") or ""
                    left = list(fs.rglob(".*"))
                    if problem or status != 2 or names != BASE or left or \
                            not reason.startswith("writing the dump failed") or \
                            os.strerror(getattr(__import__("errno"), errno_name)) not in reason:
                        problems.append(f"write #{n}: exit {status}, {names}, "
                                        f"left {left}, reason {reason!r}, {problem or ''} "
                                        f"{err.strip()[-200:]}")
                    clear(root)
                tap.result(not problems,
                           f"{errno_name} at {len(points)} of the dump's {writes} writes: "
                           "the report is kept, the partial dump removed, meta.json "
                           "says why", problems[:5])

            # killed while writing the dump
            problems = []
            killed = 0
            for n in points[1:-1]:
                status, err = save(crashdesk, vmcore, root, "--keep-free", "0",
                                   strace=["-e", "trace=pwrite64", "-e",
                                           f"inject=pwrite64:signal=SIGKILL:when={n}"])
                killed += status in (-9, 128 + 9)
                names, meta, problem = one_report(root)
                reason = (meta or {}).get("dump", {}).get("omitted_reason") or ""
                # the partial dump stays until the next save, which removes it
                if problem or names != sorted(BASE + [".dump.kdump.partial"]) or \
                        reason != "the capture stopped before the dump was finished":
                    problems.append(f"write #{n}: {names}, {reason!r}, {problem or ''}")
                clear(root)
            tap.result(not problems and killed == len(points) - 2,
                       f"killed at {killed} points while writing the dump: the report "
                       "is there and says the dump was not finished", problems[:5])

            # the partial dump of a killed save goes with the next save
            save(crashdesk, vmcore, root, "--keep-free", "0",
                 strace=["-e", "trace=pwrite64", "-e",
                         f"inject=pwrite64:signal=SIGKILL:when={writes // 2}"])
            partial = list(root.glob("*/.dump.kdump.partial"))
            status, err = save(crashdesk, vmcore, root, "--keep-free", "0")
            left = list(root.glob("*/.*"))
            tap.result(len(partial) == 1 and status == 0 and not left,
                       "the next save removes the partial dump a killed one left",
                       [partial, status, err, left])
            clear(root)

            # an unwritable dump level is refused before anything is written
            status, err = save(crashdesk, vmcore, root, "--dump-level", "32")
            tap.result(status == 64 and "--dump-level 32 is out of range" in err
                       and (not root.exists() or not any(root.iterdir())),
                       "a dump level out of range is refused", [status, err])


if __name__ == "__main__":
    sys.exit(main())
