#!/usr/bin/python3
"""crashdesk-helper with the real polkitd, the project's policy and rules, real users.

    test-helper-polkitd.py HELPER CRASHDESK VMCORE BUS_POLICY POLKIT_POLICY RULES MO

Starts a private system bus (dbus-daemon with the project's bus policy) and polkitd
on it, installs the .policy, the .rules and the German catalogue MO where polkitd reads
them for the test's length only, creates three users and calls the helper as each:
  - crashdesk-tadmin, in sudo: learns that reports exist (notify, no password), reads
    nothing without an authentication agent; on a terminal, `crashdesk list` and `show`
    start pkttyagent, polkit asks for the password there (in German under
    LANG=de_DE.UTF-8), and the right one, and only it, shows the reports;
  - crashdesk-tuser, in no admin group: every call denied, and the answers are
    byte-identical with and without reports;
  - crashdesk-tauth, in sudo, whom a test-only rule lets read and manage: it stands in
    for the administrator who typed the password;
and root, whom polkit allows everything. Needs root. Prints TAP.

The test runs in a mount namespace of its own with a fresh /run: polkit-agent-helper-1,
which checks the password, is setuid, clears its environment and answers polkitd on the
standard socket, /run/dbus/system_bus_socket, which there leads to the private bus. The
machine's own system bus, if any, is never touched.
"""

import json
import os
import pty
import re
import select
import shutil
import termios
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from helper_bus import Bus, Tap, save_report  # noqa: E402
from unix_users import as_user, ensure_user, remove_user  # noqa: E402

POLKITD = "/usr/lib/polkit-1/polkitd"
ACTIONS_DIR = Path("/usr/share/polkit-1/actions")
RULES_DIR = Path("/etc/polkit-1/rules.d")
ADMIN, USER, AUTH = "crashdesk-tadmin", "crashdesk-tuser", "crashdesk-tauth"
PASSWORD = "crashdesk-test-Pw1"
# pkttyagent's question when several administrators could authenticate (all of sudo)
CHOOSE = "Choose identity to authenticate as (1-2):"
IN_NAMESPACE = "CRASHDESK_TEST_PRIVATE_RUN"
MO_DEST = Path("/usr/share/locale/de/LC_MESSAGES/crashdesk.mo")
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
    return subprocess.run(as_user(user, [crashdesk, *args]), env=bus.env,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL,
                          timeout=120)


def enter_private_run():
    """Re-runs the test in a mount namespace whose /run is a fresh tmpfs (see above)."""
    if os.environ.get(IN_NAMESPACE) != "1":
        env = dict(os.environ, **{IN_NAMESPACE: "1"})
        os.execvpe("unshare", ["unshare", "--mount", "--propagation", "private",
                               sys.executable, *sys.argv], env)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "crashdesk-test", "/run"],
                   check=True)
    os.mkdir("/run/dbus", 0o755)


def on_terminal(bus, argv, user, answers, env=None, timeout=90):
    """Runs @argv as @user on a new pseudo-terminal, its controlling one, and answers
    prompts: @answers maps the prompt's last words to the line typed, or to a function
    of what the terminal showed that returns it. Returns the exit status and everything
    the terminal showed."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe("setpriv", as_user(user, argv), env or bus.env)
    shown, answered = b"", {prompt: 0 for prompt in answers}
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's last user is gone
            break
        if not data:
            break
        shown += data
        for prompt, line in answers.items():
            if shown.rstrip().endswith(prompt.encode()) and shown.count(
                    prompt.encode()) > answered[prompt]:
                if callable(line):
                    line = line(shown.decode(errors="replace"))
                if prompt == "Password:":
                    echo_off(fd)
                os.write(fd, line.encode() + b"\n")
                answered[prompt] += 1
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = re.sub(r"\x1b\[[0-9;]*m", "", shown.decode(errors="replace"))  # pkttyagent's colours
    return os.waitstatus_to_exitcode(status), text.replace("\r\n", "\n")


def echo_off(fd, timeout=10):
    """Waits until the terminal stops echoing, as a person would wait for the prompt:
    pkttyagent turns echo off with TCSAFLUSH, dropping what was typed before."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and termios.tcgetattr(fd)[3] & termios.ECHO:
        time.sleep(0.05)


def choose(user):
    """Answers pkttyagent's "Choose identity" with @user's number in its list."""
    def answer(shown):
        m = re.findall(r"^\s*(\d+)\.\s+" + re.escape(user) + r"\s*$", shown, re.M)
        return m[-1] if m else "0"
    return answer


def compile_german(base):
    """de_DE.UTF-8 for polkitd alone (LOCPATH), so the machine's locales stay as they
    are; polkitd translates polkit.message in the agent's language. Returns the
    directory, or None, and what localedef said."""
    locales = base / "locales"
    locales.mkdir(mode=0o755)
    p = subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8",
                        str(locales / "de_DE.UTF-8")], capture_output=True, text=True)
    made = (locales / "de_DE.UTF-8" / "LC_MESSAGES").is_dir()
    return locales if made else None, p.stdout + p.stderr


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
    helper, crashdesk, vmcore, bus_policy, policy, rules, mo = sys.argv[1:8]
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root: creates users, runs polkitd and the helper")
        return 0
    if not os.access(POLKITD, os.X_OK):
        print(f"1..0 # SKIP no {POLKITD} (tools/install-deps installs polkitd)")
        return 0
    enter_private_run()
    tap = Tap()
    installed = Installed()
    users = [ADMIN, USER, AUTH]
    try:
        ensure_user(ADMIN, ["sudo"])
        ensure_user(USER)
        ensure_user(AUTH, ["sudo"])
        subprocess.run(["chpasswd"], input=f"{ADMIN}:{PASSWORD}\n", text=True, check=True)
        installed.put(ACTIONS_DIR / "io.crashdesk.policy", Path(policy).read_bytes())
        installed.put(MO_DEST, Path(mo).read_bytes())
        installed.put(RULES_DIR / "50-crashdesk.rules", Path(rules).read_bytes())
        installed.put(RULES_DIR / "49-crashdesk-test.rules", TEST_RULE.encode())
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp)
            root = base / "kernel"
            bus = Bus(base, bus_policy)
            os.symlink(bus.socket, "/run/dbus/system_bus_socket")
            locales, said = compile_german(base)
            tap.result(locales is not None, "de_DE.UTF-8 compiled for polkitd (localedef)",
                       [said])
            try:
                bus.spawn([POLKITD, "--no-debug"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL,
                          env=dict(bus.env, LOCPATH=str(locales or "/nonexistent")))
                tap.result(bus.wait_for("org.freedesktop.PolicyKit1"),
                           "polkitd runs on the private system bus")
                os.mkdir(root, 0o700)
                bus.start_helper(helper, root, "--idle-timeout", "0")

                # the bus policy: only root may own the helper's name
                p = subprocess.run(
                    as_user(USER, ["gdbus", "call", "--system", "--dest",
                                   "org.freedesktop.DBus", "--object-path",
                                   "/org/freedesktop/DBus", "--method",
                                   "org.freedesktop.DBus.RequestName",
                                   "io.crashdesk.Reports1", "0"]),
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
                roots_list = roots.stdout
                tap.result(mine.returncode == 0 and mine.stdout == roots.stdout and
                           rid in mine.stdout,
                           "crashdesk list through the helper prints what root's prints",
                           [mine.stdout, mine.stderr, roots.stdout])
                mine = cli(bus, crashdesk, "show", rid, user=AUTH)
                roots = cli(bus, crashdesk, "show", "--dir", root, rid)
                tap.result(mine.returncode == 0 and "The end of the crashed kernel's log"
                           in mine.stdout and mine.stdout ==
                           roots.stdout.replace(str(root), "/var/crash/kernel/reports"),
                           "crashdesk show through the helper prints what root's prints",
                           [mine.stdout, mine.stderr, roots.stdout])
                outs = [cli(bus, crashdesk, *a, user=u) for u in (USER, ADMIN)
                        for a in (["list"], ["show", rid], ["show", BOGUS])]
                tap.result(all(o.returncode == 1 and not o.stdout and o.stderr.endswith(
                               ": only administrators can see crash reports; polkit asks "
                               "for an administrator's password only on a terminal (with "
                               "pkttyagent): run it on one, or as root\n")
                               for o in outs) and outs[1].stderr == outs[2].stderr and
                           [o.stderr for o in outs[:3]] == [o.stderr for o in outs[3:]],
                           "off a terminal, crashdesk list and show tell others only that "
                           "they may not, and where an administrator would be asked",
                           [(o.returncode, o.stdout, o.stderr) for o in outs])

                # the terminal password path: pkttyagent for the CLI's process
                status, shown = on_terminal(bus, [crashdesk, "list"], ADMIN,
                                            {CHOOSE: choose(ADMIN), "Password:": PASSWORD})
                listed = shown.split("==== AUTHENTICATION COMPLETE ====", 1)[-1]
                tap.result(status == 0 and
                           "==== AUTHENTICATING FOR io.crashdesk.reports.read ====" in shown
                           and "Authentication is required to read kernel crash reports"
                           in shown and PASSWORD not in shown and
                           listed.split("\n", 1)[-1].strip() == roots_list.strip(),
                           "on a terminal, polkit asks the administrator's password "
                           "(pkttyagent, not echoed) and crashdesk list then prints "
                           "root's list",
                           [status, shown, roots_list])
                status, shown = on_terminal(bus, [crashdesk, "show", rid], ADMIN,
                                            {CHOOSE: choose(ADMIN),
                                             "Password:": "not-the-password"})
                tap.result(status == 1 and "AUTHENTICATION FAILED" in shown and
                           "only administrators can see crash reports" in shown and
                           rid not in shown.replace(f"show {rid}", "") and
                           "Kernel panic" not in shown,
                           "a wrong password shows nothing", [status, shown])
                status, shown = on_terminal(
                    bus, [crashdesk, "show", rid], ADMIN,
                    {CHOOSE: choose(ADMIN), "Password:": PASSWORD},
                    env=dict(bus.env, LANG="de_DE.UTF-8"))
                tap.result(status == 0 and "Legitimierung ist erforderlich, um "
                           "Kernel-Absturzberichte zu lesen" in shown and
                           "The end of the crashed kernel's log" in shown,
                           "under LANG=de_DE.UTF-8 polkitd words the helper's "
                           "polkit.message in German, and the right password shows the "
                           "report", [status, shown])
                status, shown = on_terminal(
                    bus, [crashdesk, "list"], USER,
                    {CHOOSE: choose(ADMIN), "Password:": "not-the-password"})
                tap.result(status == 1 and "Multiple identities" in shown and
                           "only administrators can see crash reports" in shown and
                           rid not in shown,
                           "a user outside the admin groups is asked for an "
                           "administrator's password, and without it learns nothing",
                           [status, shown])
                # what a desktop agent lists: the action in the agent's language
                p = subprocess.run(["gdbus", "call", "--system", "--dest",
                                    "org.freedesktop.PolicyKit1", "--object-path",
                                    "/org/freedesktop/PolicyKit1/Authority", "--method",
                                    "org.freedesktop.PolicyKit1.Authority.EnumerateActions",
                                    "de_DE.UTF-8"], capture_output=True, text=True,
                                   env=bus.env)
                tap.result("'io.crashdesk.reports.read', 'Kernel-Absturzberichte und "
                           "Speicherabbilder lesen', 'Legitimierung ist erforderlich, um "
                           "Kernel-Absturzberichte zu lesen'" in p.stdout,
                           "the installed policy carries the German description "
                           "(i18n.merge_file)", [p.stdout, p.stderr])

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
               not MO_DEST.exists() and
               all(subprocess.run(["id", u], capture_output=True).returncode != 0
                   for u in users),
               "the test removed its users, policy, rules and catalogue")
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
