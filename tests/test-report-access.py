#!/usr/bin/python3
"""Who may see crash reports, and how save and pstore treat a bad report root.

    test-report-access.py CRASHDESK FIXTURES_DIR

Needs root: it creates an unprivileged user (crashdesk-test, removed at the
end) and runs crashdesk as that user. Checks that reports and their root are root-only and
that the user can neither read a report nor tell whether one exists; that a
report root that is open to others, someone else's or a symbolic link is
refused with the command that fixes it; and that "crashdesk pstore" removes
the kernel's records only once their report is on disk. Prints TAP.
"""

import atexit
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tap import Tap  # noqa: E402
from unix_users import as_user, ensure_user, remove_user  # noqa: E402

USER = "crashdesk-test"


def run(argv, user=None):
    return subprocess.run(as_user(user, argv), capture_output=True, text=True)


def main():
    crashdesk, fixtures = sys.argv[1], Path(sys.argv[2])
    vmcore = fixtures / "lockless-basic.vmcore"
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root to create a user and give directories away")
        return 0
    tap = Tap(20)
    user = ensure_user(USER)
    atexit.register(remove_user, USER)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        os.chmod(base, 0o755)  # others may reach the root; the root must stop them
        root = base / "kernel"

        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", root])
        report = Path(p.stdout.strip()) if p.returncode == 0 else None
        tap.result(report is not None and report.is_dir(),
                   "root saves a report", [p.stderr])
        if report is None:
            return 1
        modes = [stat.S_IMODE(root.stat().st_mode), stat.S_IMODE(report.stat().st_mode)]
        modes += [stat.S_IMODE(f.stat().st_mode) for f in report.iterdir()]
        owners = {root.stat().st_uid, report.stat().st_uid}
        owners |= {f.stat().st_uid for f in report.iterdir()}
        tap.result(modes[:2] == [0o700, 0o700] and set(modes[2:]) == {0o600}
                   and owners == {0}, "root-only: directories 0700, files 0600, "
                   "owned by root", [f"modes {[oct(m) for m in modes]}, owners {owners}"])

        p = run([crashdesk, "list", "--dir", root], user=USER)
        tap.result(p.returncode == 1 and "permission denied" in p.stderr and
                   "root" in p.stderr and report.name not in p.stdout,
                   "a user cannot list the reports, and is told why",
                   [f"exit {p.returncode}", p.stdout, p.stderr])
        shown = run([crashdesk, "show", "--dir", root, report.name], user=USER)
        absent = run([crashdesk, "show", "--dir", root,
                      "20000101-000000-00000000"], user=USER)
        tap.result(shown.returncode == absent.returncode == 1 and
                   shown.stderr == absent.stderr and report.name not in shown.stderr,
                   "show answers a user the same whether the report exists or not",
                   [shown.stderr, absent.stderr])
        p = run(["cat", report / "meta.json"], user=USER)
        tap.result(p.returncode != 0 and not p.stdout,
                   "a user cannot read a report's files directly", [p.stdout])
        p = run([crashdesk, "list", "--dir", root])
        tap.result(p.returncode == 0 and report.name in p.stdout,
                   "root lists it", [p.stderr])

        # no system bus and no report root (before the first boot, a container): a user's
        # list says there are no reports, and exits 0; /var is empty in a namespace
        no_bus = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/bus")
        p = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                            'mount -t tmpfs crashdesk-test /var && exec "$@"', "sh",
                            *as_user(USER, [crashdesk, "list"])],
                           env=no_bus, capture_output=True, text=True)
        tap.result(p.returncode == 0 and p.stdout.startswith("No crash reports in /var/")
                   and not p.stderr,
                   "with no system bus and no report root, a user's list says there are "
                   "no reports and exits 0", [f"exit {p.returncode}", p.stdout, p.stderr])

        # status, load and test-crash for a user: what is not secret, and no more
        p = run([crashdesk, "status"], user=USER)
        tap.result(p.returncode == 3 and
                   "only root can see whether there are reports" in p.stdout and
                   "Run as root to see the reports" in p.stdout and
                   "Reports:         none" not in p.stdout,
                   "status tells a user all but whether reports exist, and says so",
                   [f"exit {p.returncode}", p.stdout, p.stderr])
        p = run([crashdesk, "status", "--json"], user=USER)
        tap.result(p.returncode == 3 and '"count":null' in p.stdout.replace(" ", ""),
                   "status --json gives a user no report count", [p.stdout])
        load = run([crashdesk, "load"], user=USER)
        crash = run([crashdesk, "test-crash", "--yes"], user=USER)
        tap.result(load.returncode == crash.returncode == 1 and
                   "only root can load a capture kernel" in load.stderr and
                   "only root can crash the kernel" in crash.stderr,
                   "load and test-crash refuse a user", [load.stderr, crash.stderr])
        conf = base / "crashdesk.conf"
        conf.write_text("[Capture]\nDumpLevel=31\n")
        os.chmod(conf, 0o666)
        p = run([crashdesk, "status", "--config", conf])
        tap.result(p.returncode == 1 and "writable by root only" in p.stderr and
                   f"chmod 644 {conf}" in p.stderr,
                   "a configuration others may write is refused", [p.stderr])

        # bad report roots: refused, with the command that fixes them
        os.chmod(root, 0o755)
        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", root])
        tap.result(p.returncode == 1 and f"chmod 0700 {root}" in p.stderr,
                   "a root open to others is refused: chmod 0700", [p.stderr])
        os.chmod(root, 0o700)
        os.chown(root, user.pw_uid, user.pw_gid)
        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", root])
        tap.result(p.returncode == 1 and f"chown root: {root}" in p.stderr,
                   "a root owned by another user is refused: chown root:", [p.stderr])
        p = run([crashdesk, "list", "--dir", root])
        tap.result(p.returncode == 1 and "chown root:" in p.stderr,
                   "list refuses it too", [p.stderr])
        os.chown(root, 0, 0)
        link = base / "link"
        link.symlink_to(root)
        p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir", link])
        tap.result(p.returncode == 1 and "symbolic link" in p.stderr,
                   "a root that is a symbolic link is refused", [p.stderr])

        # pstore: the kernel's records go only once the report is durable
        pstore = base / "pstore"
        pstore.mkdir()
        record = pstore / "dmesg-ramoops-0"
        record.write_text("Panic#1 Part1\n<0>[   12.345678] Kernel panic - not "
                          "syncing: crashdesk pstore test\n")
        p = run([crashdesk, "pstore", "--pstore-dir", pstore, "--dir", link])
        tap.result(p.returncode == 1 and record.exists(),
                   "pstore keeps the records when the report cannot be written",
                   [f"exit {p.returncode}", p.stderr])
        before = set(os.listdir(root))
        p = run([crashdesk, "pstore", "--pstore-dir", pstore, "--dir", root])
        new = sorted(set(os.listdir(root)) - before)
        tap.result(p.returncode == 0 and len(new) == 1,
                   "pstore writes one report", [f"exit {p.returncode}", p.stderr])
        meta = (root / new[0] / "meta.json").read_text() if len(new) == 1 else ""
        tap.result('"source": "pstore"' in meta and
                   "crashdesk pstore test" in meta and '"kind": "panic"' in meta,
                   "the pstore report names its source and the panic", [meta[:600]])
        tap.result(not record.exists(),
                   "pstore removed the record once the report was on disk")

        # retention: the same crash time each save (the id sorts alike), the
        # report just written must stay, and the oldest written go
        kept_root = base / "retention"
        saved = []
        for _ in range(4):
            p = run([crashdesk, "save", "--no-dump", "--input", vmcore, "--dir",
                     kept_root, "--max-reports", "2"])
            saved.append(Path(p.stdout.strip()).name)
        left = sorted(os.listdir(kept_root))
        tap.result(left == sorted(saved[-2:]) and "removed the old report" in p.stderr,
                   "save keeps the newest --max-reports reports, the one just "
                   "written among them", [f"saved {saved}, left {left}", p.stderr])
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
