#!/usr/bin/python3
"""Kill "crashdesk save" at every system call it makes; no report may be half there.

    test-save-kill.py CRASHDESK VMCORE [--dump]

With --dump, save writes the dump too (after the report is published): a kill
then may leave a report without its dump, whose meta.json says the dump was
not finished, and an unfinished .dump.kdump.partial the next save removes;
never a half-written dump.kdump.

A first save runs under strace to learn which system calls it makes and how
often; then, for each of those calls, strace's fault injection sends SIGKILL
at that very invocation (strace counts invocations per system call, so
"the 3rd openat" names one point). After every kill, each entry of
the report root must be either a complete report (dmesg.txt, report.crash and
a meta.json that parses) or a hidden .partial-* directory, and "crashdesk
list" must show the complete ones only. At the end a save that is not killed
must succeed and remove every leftover. Prints TAP.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")
SYSCALL = re.compile(r"^(?:\d+ +)?([a-z_0-9]+)\(")


DUMP = "--dump" in sys.argv
# calls whose number changes from run to run once threads compress the dump
VARYING = {"futex", "mmap", "munmap", "mprotect", "madvise", "prctl", "rseq",
           "clone", "clone3", "set_robust_list", "sched_yield", "brk",
           "sched_getaffinity", "getrandom", "rt_sigprocmask"}
STOPPED = "the capture stopped before the dump was finished"


def save_argv(crashdesk, vmcore, root):
    extra = ["--keep-free", "0", "--threads", "1"] if DUMP else ["--no-dump"]
    return [crashdesk, "save", *extra, "--input", vmcore, "--dir", str(root)]


def dump_problem(entry, files, meta):
    """Whether the dump's files agree with what meta.json says of them."""
    base = ["dmesg.txt", "meta.json", "report.crash"]
    extra = sorted(set(files) - set(base) - {".meta.json.new"})
    dump = meta.get("dump", {})
    if extra == ["dump.kdump"]:
        ok = dump.get("file") == "dump.kdump" or dump.get("omitted_reason") == STOPPED
        size = (entry / "dump.kdump").stat().st_size
        if dump.get("file") == "dump.kdump" and dump.get("bytes") != size:
            return f"dump.kdump is {size} bytes, meta.json says {dump.get('bytes')}"
    elif extra in ([], [".dump.kdump.partial"]):
        ok = dump.get("file") is None and (
            dump.get("omitted_reason") == STOPPED or not DUMP)
    else:
        ok = False
    return None if ok else f"files {files} with meta.json dump {dump}"


def check_root(crashdesk, root):
    """Returns the problems found in the root, and the complete reports."""
    problems, complete = [], []
    if not root.exists():
        return problems, complete
    for entry in root.iterdir():
        if entry.name.startswith(".partial-"):
            continue
        if not ID.match(entry.name):
            problems.append(f"unexpected entry {entry.name}")
            continue
        files = sorted(p.name for p in entry.iterdir())
        if not {"dmesg.txt", "meta.json", "report.crash"} <= set(files):
            problems.append(f"{entry.name} is incomplete: {files}")
            continue
        try:
            meta = json.loads((entry / "meta.json").read_text())
        except ValueError as e:
            problems.append(f"{entry.name}/meta.json: {e}")
            continue
        problem = dump_problem(entry, files, meta)
        if problem is not None:
            problems.append(f"{entry.name}: {problem}")
            continue
        complete.append(entry.name)
    proc = subprocess.run([crashdesk, "list", "--json", "--dir", str(root)],
                          capture_output=True, text=True)
    listed = sorted(r["id"] for r in json.loads(proc.stdout or "[]"))
    if proc.returncode != 0 or listed != sorted(complete):
        problems.append(f"list shows {listed} (exit {proc.returncode}), "
                        f"complete are {sorted(complete)}: {proc.stderr}")
    return problems, complete


def syscall_counts(crashdesk, vmcore, root, trace):
    """The system calls one save makes, and how many times each."""
    subprocess.run(["strace", "-f", "-qq", "-o", str(trace), "--"] +
                   save_argv(crashdesk, vmcore, root), check=True,
                   capture_output=True)
    counts = {}
    for line in trace.read_text().splitlines():
        m = SYSCALL.match(line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def main():
    crashdesk, vmcore = sys.argv[1], sys.argv[2]
    what = "save with its dump" if DUMP else "save"
    print("1..4", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "kernel"
        counts = syscall_counts(crashdesk, vmcore, root, Path(tmp) / "trace")
        subprocess.run(["rm", "-rf", str(root)], check=True)
        points = partial_seen = after_commit = 0
        problems = []
        # before execve returns nothing of crashdesk runs; at exit nothing is left to do
        kill_points = [(name, n) for name in sorted(counts)
                       for n in range(1, counts[name] + 1)
                       if name not in ("execve", "exit_group", "exit")]
        for name, n in kill_points:
            proc = subprocess.run(
                ["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={name}",
                 "-e", f"inject={name}:signal=SIGKILL:when={n}", "--"] +
                save_argv(crashdesk, vmcore, root),
                capture_output=True, text=True)
            if proc.returncode == 0 and name in VARYING:
                # this run made fewer of them than the traced one: nothing to kill
                subprocess.run(["rm", "-rf", str(root)], check=True)
                continue
            if proc.returncode not in (128 + 9, -9):
                problems.append(f"{name} #{n}: not killed, exit "
                                f"{proc.returncode}: {proc.stderr.strip()[-300:]}")
                subprocess.run(["rm", "-rf", str(root)], check=True)
                continue
            points += 1
            found, complete = check_root(crashdesk, root)
            problems += [f"{name} #{n}: {p}" for p in found]
            if root.exists():
                partial_seen += any(e.name.startswith(".partial-")
                                    for e in root.iterdir())
            after_commit += len(complete) > 0
            # start each point from a clean root, so leftovers don't pile up
            subprocess.run(["rm", "-rf", str(root)], check=True)
        print(f"{'ok' if not problems else 'not ok'} 1 - killed {what} at each "
              f"of its {points} system calls: a complete report or none")
        for p in problems[:20]:
            print(f"# {p}")
        print(f"{'ok' if partial_seen > 0 and after_commit > 0 else 'not ok'} "
              f"2 - kills hit the writing ({partial_seen} left a .partial) and "
              f"the time after the commit ({after_commit} left a report)")

        # a killed writer's leftover is removed by the next save
        leftover = root / ".partial-20200101-000000-00000000"
        leftover.mkdir(parents=True, mode=0o700)
        os.chmod(root, 0o700)
        (leftover / "dmesg.txt").write_text("half a report")
        if DUMP:
            # and a report whose dump a killed writer left unfinished
            report = root / "20200101-000000-00000001"
            report.mkdir(mode=0o700)
            (report / ".dump.kdump.partial").write_text("half a dump")
        proc = subprocess.run(save_argv(crashdesk, vmcore, root),
                              capture_output=True, text=True)
        print(f"{'ok' if proc.returncode == 0 else 'not ok'} 3 - a save that "
              f"is not killed succeeds")
        if proc.returncode != 0:
            print(f"# {proc.stderr.strip()}")
        left = [str(e.relative_to(root)) for e in root.rglob(".*")]
        print(f"{'ok' if not left else 'not ok'} 4 - it removed the leftover "
              f"of the killed one")
        if left:
            print(f"# left: {left}")
        return 0 if not problems and partial_seen and after_commit and \
            proc.returncode == 0 and not left else 1


if __name__ == "__main__":
    sys.exit(main())
