#!/usr/bin/python3
"""crashdesk-helper with the real polkitd, the project's policy and rules, real users.

    test-helper-polkitd.py HELPER CRASHDESK VMCORE BUS_POLICY POLKIT_POLICY RULES

Starts a private system bus (dbus-daemon with the project's bus policy) and polkitd
on it, installs the .policy and .rules where polkitd reads them for the test's length
only, creates three users and calls the helper as each:
  - crashdesk-tadmin, in sudo: learns that reports exist (notify, no password), reads
    nothing without an authentication agent;
  - crashdesk-tuser, in no admin group: every call denied, and the answers are
    byte-identical with and without reports;
  - crashdesk-tauth, in sudo, whom a test-only rule lets read and manage: it stands in
    for the administrator who typed the password;
and root, whom polkit allows everything. Needs root. Prints TAP.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from helper_bus import Bus, Tap, ensure_user, remove_user, save_report  # noqa: E402

POLKITD = "/usr/lib/polkit-1/polkitd"
ACTIONS_DIR = Path("/usr/share/polkit-1/actions")
RULES_DIR = Path("/etc/polkit-1/rules.d")
ADMIN, USER, AUTH = "crashdesk-tadmin", "crashdesk-tuser", "crashdesk-tauth"
BOGUS = "20000101-000000-00000000"
TEST_RULE = """// crashdesk's polkit test: stands in for the password prompt
polkit.addRule(function(action, subject) {
    if ((action.id == "io.crashdesk.reports.read" ||
         action.id == "io.crashdesk.reports.manage") && subject.user == "%s") {
        return polkit.Result.YES;
    }
    return polkit.Result.NOT_HANDLED;
});
""" % AUTH
DENIED = {"error": "org.freedesktop.DBus.Error.AccessDenied", "message": "not authorized"}


class Installed:
    """Files put where polkitd looks, removed (and what they hid restored) on exit."""

    def __init__(self):
        self.placed = []

    def put(self, dest, content):
        dest = Path(dest)
        backup = None
        if dest.exists():
            backup = dest.with_name(dest.name + ".crashdesk-test-backup")
            shutil.move(dest, backup)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
        self.placed.append((dest, backup))

    def remove(self):
        for dest, backup in reversed(self.placed):
            dest.unlink(missing_ok=True)
            if backup is not None:
                shutil.move(backup, dest)


def cli(bus, crashdesk, *args, user=None):
    argv = [crashdesk, *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--"] + argv
    return subprocess.run([str(a) for a in argv], env=bus.env, capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=120)


def every_call(bus, rid, user):
    return [bus.call("GetSummary", user=user), bus.call("List", user=user),
            bus.call("GetReport", rid, user=user), bus.call("GetReport", BOGUS, user=user),
            bus.call("GetReport", "../../etc/shadow", user=user),
            bus.call("OpenDump", rid, user=user), bus.call("MarkSeen", rid, user=user),
            bus.call("Delete", rid, user=user),
            bus.call("RecordSubmission", rid, "debian", "https://bugs.debian.org/1",
                     user=user),
            bus.call("GetSummary", user=user, interactive=True),
            bus.call("GetReport", rid, user=user, interactive=True)]


def main():
    helper, crashdesk, vmcore, bus_policy, policy, rules = sys.argv[1:7]
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root: creates users, runs polkitd and the helper")
        return 0
    if not os.access(POLKITD, os.X_OK):
        print(f"1..0 # SKIP no {POLKITD} (tools/install-deps installs polkitd)")
        return 0
    tap = Tap()
    installed = Installed()
    users = [ADMIN, USER, AUTH]
    try:
        ensure_user(ADMIN, ["sudo"])
        ensure_user(USER)
        ensure_user(AUTH, ["sudo"])
        installed.put(ACTIONS_DIR / "io.crashdesk.policy", Path(policy).read_bytes())
        installed.put(RULES_DIR / "50-crashdesk.rules", Path(rules).read_bytes())
        installed.put(RULES_DIR / "49-crashdesk-test.rules", TEST_RULE.encode())
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            root = base / "kernel"
            bus = Bus(base, bus_policy)
            try:
                bus.spawn([POLKITD, "--no-debug"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
                tap.result(bus.wait_for("org.freedesktop.PolicyKit1"),
                           "polkitd runs on the private system bus")
                os.mkdir(root, 0o700)
                bus.start_helper(helper, root, "--idle-timeout", "0")

                # the bus policy: only root may own the helper's name
                p = subprocess.run(
                    ["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--",
                     "gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                     "--object-path", "/org/freedesktop/DBus", "--method",
                     "org.freedesktop.DBus.RequestName", "io.crashdesk.Reports1", "0"],
                    env=bus.env, capture_output=True, text=True)
                tap.result(p.returncode != 0 and "AccessDenied" in p.stderr,
                           "a user may not own io.crashdesk.Reports1", [p.stdout, p.stderr])

                # no reports yet: what everyone hears
                a = bus.call("GetSummary", user=ADMIN)
                tap.result(a.get("result") == [0, 0, ""],
                           "an administrator (sudo) learns there are no reports, "
                           "without a password", [a])
                before = every_call(bus, BOGUS, USER)
                tap.result(all(x == DENIED for x in before),
                           "a user outside the admin groups is denied everything", before)

                rid = save_report(crashdesk, vmcore, root, dump=True)
                save_report(crashdesk, vmcore, root)
                after = every_call(bus, BOGUS, USER)
                after_real = every_call(bus, rid, USER)
                tap.result(json.dumps(before) == json.dumps(after) ==
                           json.dumps(after_real),
                           "the user's answers are byte-identical with and without "
                           "reports, for a real id and a bogus one: they learn nothing",
                           [before, after, after_real])
                tap.result(len(os.listdir(root)) == 2 and
                           not (root / rid / "state.json").exists(),
                           "and the user's calls changed nothing")

                a = bus.call("GetSummary", user=ADMIN)
                tap.result(a.get("result", [0])[0] == 2 and a["result"][1] == 2,
                           "the administrator learns that two reports are new", [a])
                ans = [bus.call("List", user=ADMIN), bus.call("GetReport", rid, user=ADMIN),
                       bus.call("OpenDump", rid, user=ADMIN),
                       bus.call("Delete", rid, user=ADMIN),
                       bus.call("GetReport", rid, user=ADMIN, interactive=True)]
                tap.result(all(x == DENIED for x in ans) and (root / rid).is_dir(),
                           "without an authentication agent the administrator reads and "
                           "deletes nothing", ans)

                # the password path, with the test rule standing in for the prompt
                lst = bus.call("List", user=AUTH)
                rep = bus.call("GetReport", rid, user=AUTH)
                dump = bus.call("OpenDump", rid, user=AUTH)
                tap.result(len(lst.get("result", [[]])[0]) == 2 and
                           "Kernel panic" in rep.get("result", [{}])[0].get("panic-text", "")
                           and dump.get("result", {}).get("readonly"),
                           "once authorized, an administrator lists, reads and opens the "
                           "dump", [lst, str(rep)[:500], dump])
                # crashdesk list and show, through the helper when not root
                mine = cli(bus, crashdesk, "list", user=AUTH)
                roots = cli(bus, crashdesk, "list", "--dir", root)
                tap.result(mine.returncode == 0 and mine.stdout == roots.stdout and
                           rid in mine.stdout,
                           "crashdesk list through the helper prints what root's prints",
                           [mine.stdout, mine.stderr, roots.stdout])
                mine = cli(bus, crashdesk, "show", rid, user=AUTH)
                roots = cli(bus, crashdesk, "show", "--dir", root, rid)
                tap.result(mine.returncode == 0 and "The end of the crashed kernel's log"
                           in mine.stdout and mine.stdout ==
                           roots.stdout.replace(str(root), "/var/crash/kernel"),
                           "crashdesk show through the helper prints what root's prints",
                           [mine.stdout, mine.stderr, roots.stdout])
                outs = [cli(bus, crashdesk, *a, user=u) for u in (USER, ADMIN)
                        for a in (["list"], ["show", rid], ["show", BOGUS])]
                tap.result(all(o.returncode == 1 and not o.stdout and o.stderr.endswith(
                               ": only administrators can see crash reports\n")
                               for o in outs) and outs[1].stderr == outs[2].stderr,
                           "crashdesk list and show tell others only that they may not",
                           [(o.returncode, o.stdout, o.stderr) for o in outs])

                m = bus.call("MarkSeen", rid, user=AUTH)
                s = bus.call("GetSummary", user=AUTH)
                tap.result("result" in m and s.get("result", [9])[0] == 1,
                           "and marks a report seen", [m, s])

                # root
                s = bus.call("GetSummary")
                d = bus.call("Delete", rid)
                s2 = bus.call("GetSummary")
                tap.result(s.get("result", [0, 0])[1] == 2 and "result" in d and
                           s2.get("result", [0, 0])[1] == 1 and not (root / rid).exists(),
                           "root may do everything: summary, delete", [s, d, s2])
            finally:
                bus.stop()
    finally:
        installed.remove()
        for u in users:
            remove_user(u)
    tap.result(not (RULES_DIR / "49-crashdesk-test.rules").exists() and
               not (ACTIONS_DIR / "io.crashdesk.policy").exists() and
               all(subprocess.run(["id", u], capture_output=True).returncode != 0
                   for u in users),
               "the test removed its users, policy and rules")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
