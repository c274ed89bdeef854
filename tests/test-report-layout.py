#!/usr/bin/python3
"""The installed report layout tells others nothing; the old one moves; leftovers
never cost a capture.

    test-report-layout.py CRASHDESK FIXTURES_DIR TMPFILES_CONF

Needs root: it creates an unprivileged user (crashdesk-layout, removed at the end),
lays /var/crash out under a temporary directory with the project's tmpfiles.d entry
(systemd-tmpfiles --root), and saves reports into it with the real commands
(crashdesk save and pstore --sysroot). Checks that

- what the user can stat (the stand-ins for /, /var, /var/crash, /var/crash/kernel,
  and that /var/crash/kernel/reports is out of its reach) is the same, byte for byte
  (mode, links, size, blocks, owner, atime, mtime, ctime) and the names it can list
  too, with no report and with three, after a retention removed one, after a sweep of
  leftovers and after a boot's pstore run without records; and that the same probe
  does tell reports apart on the old layout, where they sat in /var/crash/kernel;
- the old layout is said by status and moved by pstore without records (as at every
  boot) and by save: renamed (the same inodes), what is not crashdesk's left alone;
- each kind of leftover that made every save fail (a .partial-* that is a link or a
  file, a .deleting-* with a subdirectory or more than 64 entries, an unfinished dump
  in a report) is removed by the next save, which writes its report and names the
  leftover in meta.json's warnings; a link's target is left alone; what cannot be
  removed (a mount point in a .deleting-*, a tree nested too deep) stays, named, and
  the save still writes its report.

Prints TAP.
"""

import atexit
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tap import Tap  # noqa: E402
from unix_users import as_user, ensure_user, remove_user  # noqa: E402

USER = "crashdesk-layout"
REPORTS = "var/crash/kernel/reports"

# run as the user: what it can learn of each path, and the names it can list
PROBE = r"""
import json, os, sys
out = {}
for path in sys.argv[1:]:
    try:
        names = sorted(os.listdir(path))
    except OSError as e:
        names = f"error {e.errno}"
    try:
        s = os.stat(path, follow_symlinks=False)
        out[path] = [s.st_mode, s.st_nlink, s.st_size, s.st_blocks, s.st_uid, s.st_gid,
                     s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns, names]
    except OSError as e:
        out[path] = f"error {e.errno}"
print(json.dumps(out))
"""

FIELDS = ("mode", "links", "size", "blocks", "uid", "gid", "atime", "mtime", "ctime",
          "names")


def run(argv, user=None, **kwargs):
    return subprocess.run(as_user(user, argv), capture_output=True, text=True, **kwargs)


def probe(base):
    """What the user sees of the stand-ins for /, /var, /var/crash, /var/crash/kernel
    and /var/crash/kernel/reports."""
    paths = [base, base / "var", base / "var/crash", base / "var/crash/kernel",
             base / REPORTS]
    p = run([sys.executable, "-c", PROBE] + [str(p) for p in paths], user=USER)
    return json.loads(p.stdout) if p.returncode == 0 else {"probe failed": p.stderr}


def differences(before, after):
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            out += [f"{path}: {f} {x} -> {y}" for f, x, y in zip(FIELDS, a, b) if x != y]
        else:
            out.append(f"{path}: {a} -> {b}")
    return out


def meta_of(report):
    try:
        return json.loads((Path(report) / "meta.json").read_text())
    except (OSError, ValueError):
        return {}


def ids(root):
    try:
        return sorted(n for n in os.listdir(root) if not n.startswith("."))
    except OSError:
        return []


def hiding(tap, crashdesk, vmcore, tmpfiles, tmp):
    base = tmp / "installed"
    base.mkdir()
    os.chmod(base, 0o755)
    p = subprocess.run(["systemd-tmpfiles", f"--root={base}", "--create", tmpfiles],
                       capture_output=True, text=True)
    reports = base / REPORTS
    tap.result(p.returncode == 0 and reports.is_dir(),
               "systemd-tmpfiles lays out /var/crash/kernel/reports", [p.stderr])
    pstore = tmp / "pstore"
    pstore.mkdir()
    save = [crashdesk, "save", "--no-dump", "--input", vmcore, "--sysroot", base]

    # a change within the file system's time granularity would go unseen
    time.sleep(0.05)
    empty = probe(base)
    time.sleep(0.05)
    outs = [run(save), run(save)]
    (pstore / "dmesg-ramoops-0").write_text(
        "Panic#1 Part1\n<0>[   12.345678] Kernel panic - not syncing: layout test\n")
    outs.append(run([crashdesk, "pstore", "--pstore-dir", pstore, "--sysroot", base]))
    saved = ids(reports)
    tap.result([o.returncode for o in outs] == [0, 0, 0] and len(saved) == 3 and
               all(o.stdout.strip().startswith(f"{reports}/") for o in outs),
               "save twice and pstore once write three reports into "
               "/var/crash/kernel/reports", [o.stderr for o in outs] + [saved])
    time.sleep(0.05)
    three = probe(base)
    tap.result(len(saved) == 3 and empty == three and str(reports) in empty and
               empty[str(reports)] == "error 13",
               "a user sees the same of /, /var, /var/crash, /var/crash/kernel with "
               "no report and with three, and cannot reach the reports",
               differences(empty, three) or [json.dumps(empty, indent=1)])

    # a retention that removes one, a sweep that removes a leftover
    if not reports.is_dir():
        return
    (reports / ".partial-20200101-000000-00000000").mkdir()
    p = run(save + ["--max-reports", "3"])
    time.sleep(0.05)
    after = probe(base)
    tap.result(p.returncode == 0 and len(ids(reports)) == 3 and
               "removed the old report" in p.stderr and after == empty,
               "nor after a save that removed a leftover and, by retention, a report",
               [p.stderr] + differences(empty, after))
    # nothing is locked outside reports/: a save goes on while /var/crash/kernel is
    # locked (/proc/locks shows every lock, with its inode, to everyone)
    fd = os.open(base / "var/crash/kernel", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            p = run(save + ["--max-reports", "3"], timeout=30)
            locked = p.returncode == 0
        except subprocess.TimeoutExpired:
            locked, p = False, None
    finally:
        os.close(fd)
    tap.result(locked, "save takes no lock on /var/crash/kernel, only on reports/",
               [p and p.stderr or "save waited 30 s for the lock on /var/crash/kernel"])
    # every boot: pstore without records opens the store, looks for the old layout
    (pstore / "dmesg-ramoops-0").unlink(missing_ok=True)
    p = run([crashdesk, "pstore", "--pstore-dir", pstore, "--sysroot", base])
    time.sleep(0.05)
    after = probe(base)
    tap.result(p.returncode == 0 and after == empty,
               "nor after a boot's pstore run without records",
               [p.stderr] + differences(empty, after))

    # what is no secret stays available to the user: the free space where reports go
    est = run([crashdesk, "estimate", "--dir", reports], user=USER)
    st = run([crashdesk, "status", "--sysroot", base], user=USER)
    tap.result("cannot tell the free space" not in est.stderr and
               f"Free space in {base}/var/crash/kernel " in est.stdout and
               f"Report root:     {reports}, " in st.stdout and " free" in st.stdout,
               "estimate and status tell the user the free space where reports go",
               [est.stdout, est.stderr, st.stdout, st.stderr])

    # the control: on the old layout the same probe tells that reports came
    old = tmp / "old"
    (old / "var/crash/kernel").mkdir(parents=True, mode=0o700)
    os.chmod(old, 0o755)
    os.chmod(old / "var", 0o755)
    os.chmod(old / "var/crash", 0o755)
    time.sleep(0.05)
    before = probe(old)
    time.sleep(0.05)
    outs = [run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir",
                 old / "var/crash/kernel"]) for _ in range(3)]
    after = probe(old)
    seen = differences(before, after)
    tap.result(all(o.returncode == 0 for o in outs) and
               any("/var/crash/kernel: links" in d for d in seen),
               "the probe does see reports kept directly in /var/crash/kernel (the "
               "old layout): its link count", [o.stderr for o in outs] + seen)


def migration(tap, crashdesk, vmcore, tmp):
    base = tmp / "upgraded"
    kernel = base / "var/crash/kernel"
    kernel.mkdir(parents=True, mode=0o700)
    # what the old version left: two reports, a leftover, and a file of the admin's
    old_ids = []
    for _ in range(2):
        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", kernel])
        old_ids.append(Path(p.stdout.strip()).name)
    (kernel / ".partial-20200101-000000-00000001").mkdir()
    (kernel / "notes.txt").write_text("the admin's\n")
    inodes = {n: (kernel / n).stat().st_ino for n in old_ids}

    p = run([crashdesk, "status", "--sysroot", base])
    tap.result("Old layout:      3 reports or leftovers directly in" in p.stdout and
               "systemctl start crashdesk-pstore.service" in p.stdout,
               "status says the old layout is found and what moves it", [p.stdout])
    st = run([crashdesk, "status", "--sysroot", base, "--json"])
    try:
        old_count = json.loads(st.stdout)["reports"]["old_layout"]
    except (ValueError, KeyError):
        old_count = None
    tap.result(old_count == 3, "status --json: reports.old_layout is 3", [st.stdout])

    p = run([crashdesk, "list", "--dir", kernel / "reports"])
    tap.result(p.returncode == 0 and "No crash reports" in p.stdout and
               "3 reports or leftovers of an older crashdesk are still outside" in p.stderr,
               "list, before they move, says the old layout's reports are not listed yet",
               [p.stdout, p.stderr])

    empty = tmp / "pstore-empty"
    empty.mkdir()
    p = run([crashdesk, "pstore", "--pstore-dir", empty, "--sysroot", base])
    reports = kernel / "reports"
    moved = {n: (reports / n).stat().st_ino for n in old_ids if (reports / n).is_dir()}
    left = sorted(os.listdir(kernel))
    tap.result(p.returncode == 0 and moved == inodes and left == ["notes.txt", "reports"]
               and (reports / ".partial-20200101-000000-00000001").is_dir() and
               "moved the old layout's reports and leftovers (3) into" in p.stderr,
               "pstore without records (every boot) moves the old reports and leftovers "
               "by rename, and leaves the rest alone",
               [p.stderr, f"left {left}", f"inodes {inodes} -> {moved}"])
    p = run([crashdesk, "list", "--dir", reports])
    tap.result(p.returncode == 0 and all(i in p.stdout for i in old_ids),
               "list shows the moved reports", [p.stdout, p.stderr])
    p = run([crashdesk, "status", "--sysroot", base])
    tap.result(p.returncode in (0, 3) and "Old layout" not in p.stdout and
               "Reports:         2" in p.stdout,
               "status no longer finds the old layout", [p.stdout])

    # save moves it too, and sweeps the leftover that came along
    (kernel / "20200101-000000-000000aa").mkdir(mode=0o700)
    (kernel / "20200101-000000-000000aa" / "meta.json").write_text("{}")
    p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--sysroot", base])
    warnings = meta_of(p.stdout.strip()).get("warnings", [])
    tap.result(p.returncode == 0 and (reports / "20200101-000000-000000aa").is_dir() and
               not (reports / ".partial-20200101-000000-00000001").exists() and
               any(".partial-20200101-000000-00000001" in w for w in warnings),
               "save moves the old layout too, and removes the leftover, named in "
               "meta.json", [p.stderr, warnings])


def leftover_save(crashdesk, vmcore, root, unshare_mount=None):
    argv = [crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", root]
    if unshare_mount is not None:
        # a mount point in a leftover, in a mount namespace of the save's own
        script = f'mount -t tmpfs none "{unshare_mount}" && exec "$@"'
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                "sh"] + argv
    p = run([str(a) for a in argv])
    report = p.stdout.strip()
    return p, report, meta_of(report).get("warnings", [])


def leftovers(tap, crashdesk, vmcore, tmp):
    target = tmp / "not-ours"
    target.mkdir()
    (target / "precious").write_text("keep me\n")

    def deleting_tree(path):
        path.mkdir()
        (path / "a" / "b").mkdir(parents=True)
        (path / "a" / "b" / "dmesg.txt").write_text("x")
        (path / "meta.json").write_text("{}")

    def many(path):
        path.mkdir()
        for i in range(100):
            (path / f"f{i}").write_text("x")

    def directory(path):
        path.mkdir()
        (path / "x").write_text("x")

    # each in a root of its own, beside a report saved before it
    kinds = [
        (".partial-20200101-000000-0000000a", "a .partial-* that is a symbolic link",
         lambda p: p.symlink_to(target)),
        (".partial-20200101-000000-0000000b", "a .partial-* that is a plain file",
         lambda p: p.write_text("half")),
        (".deleting-20200101-000000-0000000c", "a .deleting-* holding a subdirectory",
         deleting_tree),
        (".deleting-20200101-000000-0000000d", "a .deleting-* of 100 entries", many),
        ("{first}/.dump.kdump.partial", "an unfinished dump in a report",
         lambda p: p.write_text("half a dump")),
        ("{first}/.meta.json.new", "a .meta.json.new that is a directory", directory),
    ]
    for i, (name, what, make) in enumerate(kinds):
        root = tmp / "leftovers" / str(i) / "reports"
        root.mkdir(parents=True, mode=0o700)
        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", root])
        leftover = root / name.format(first=Path(p.stdout.strip()).name)
        make(leftover)
        p, report, warnings = leftover_save(crashdesk, vmcore, root)
        tap.result(p.returncode == 0 and Path(report).is_dir() and
                   not os.path.lexists(leftover) and
                   any(f"removed {leftover}" in w for w in warnings),
                   f"{what}: save writes its report, removes it and names it in "
                   "meta.json's warnings", [f"exit {p.returncode}", p.stderr, warnings])
    tap.result((target / "precious").read_text() == "keep me\n",
               "the link's target is left alone")

    # what cannot be removed stays, named, and costs nothing
    root = tmp / "leftovers" / "kept" / "reports"
    root.mkdir(parents=True, mode=0o700)
    mounted = root / ".deleting-20200101-000000-0000000e"
    (mounted / "mnt").mkdir(parents=True)
    p, report, warnings = leftover_save(crashdesk, vmcore, root, mounted / "mnt")
    tap.result(p.returncode == 0 and Path(report).is_dir() and
               any(f"left {mounted} in place" in w and "another file system" in w
                   for w in warnings),
               "a .deleting-* with a mount point in it: save writes its report and "
               "says it left it in place", [f"exit {p.returncode}", p.stderr, warnings])
    deep = root / ".partial-20200101-000000-0000000f"
    (deep / "/".join(["d"] * 20)).mkdir(parents=True)
    p, report, warnings = leftover_save(crashdesk, vmcore, root)
    tap.result(p.returncode == 0 and Path(report).is_dir() and deep.exists() and
               any(f"left {deep} in place" in w and "nested more than" in w
                   for w in warnings),
               "a leftover nested deeper than the bound stays, named; save writes its "
               "report", [f"exit {p.returncode}", p.stderr, warnings])


def main():
    crashdesk, fixtures = sys.argv[1], Path(sys.argv[2])
    tmpfiles = os.path.abspath(sys.argv[3])
    vmcore = fixtures / "lockless-basic.vmcore"
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root to create a user and lay out /var/crash")
        return 0
    tap = Tap()
    ensure_user(USER)
    atexit.register(remove_user, USER)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)
        hiding(tap, crashdesk, vmcore, tmpfiles, tmp)
        migration(tap, crashdesk, vmcore, tmp)
        leftovers(tap, crashdesk, vmcore, tmp)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
