#!/usr/bin/python3
"""crashdesk-helper against python-dbusmock's polkitd on a private system bus.

    test-helper-mock.py HELPER CRASHDESK VMCORE BUS_POLICY

The fast cases: polkit allows, polkit refuses, polkitd is absent (the helper fails
closed), polkitd hangs (the helper times out and denies); the limits on calls in
flight, on ids and on arguments; a symbolic link planted as a report; the idle exit.
Needs root (the helper's report root is root's). Prints TAP.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from helper_bus import (Bus, Tap, craft_hostile, hidden_characters, save_report,  # noqa: E402
                        strings_of)
from unix_users import as_user  # noqa: E402

ACTIONS = ["io.crashdesk.reports.notify", "io.crashdesk.reports.read",
           "io.crashdesk.reports.manage"]
DENIED = {"error": "org.freedesktop.DBus.Error.AccessDenied", "message": "not authorized"}
BOGUS = "20000101-000000-00000000"


def mock(bus, method, *args):
    """Calls the mock polkitd's control interface."""
    subprocess.run(["gdbus", "call", "--system", "--dest", "org.freedesktop.PolicyKit1",
                    "--object-path", "/org/freedesktop/PolicyKit1/Authority",
                    "--method", "org.freedesktop.DBus.Mock." + method, *args],
                   env=bus.env, check=True, capture_output=True)


def raw_call_with_nul(address, rid, nul=True):
    """GetReport with a NUL inside the id, sent as raw bytes: no D-Bus library lets one
    build it. Returns the replies to it that came back before the bus hung up."""
    from gi.repository import Gio, GLib
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(address.split("path=", 1)[1].split(",", 1)[0])
    sock.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
    if not sock.recv(4096).startswith(b"OK"):
        raise RuntimeError("the bus refused the authentication")
    sock.sendall(b"BEGIN\r\n")
    hello = Gio.DBusMessage.new_method_call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                            "org.freedesktop.DBus", "Hello")
    hello.set_serial(1)
    call = Gio.DBusMessage.new_method_call("io.crashdesk.Reports1", "/io/crashdesk/Reports1",
                                           "io.crashdesk.Reports1", "GetReport")
    call.set_body(GLib.Variant("(sa{sv})", (rid + "\x01\x01\x01Z", {})))
    call.set_serial(2)
    blob = bytearray(call.to_blob(Gio.DBusCapabilityFlags.NONE))
    at = blob.find(b"\x01\x01\x01Z")
    if nul:
        blob[at] = 0
    sock.sendall(hello.to_blob(Gio.DBusCapabilityFlags.NONE) + bytes(blob))
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    replies = []
    while len(data) >= 16:
        need = Gio.DBusMessage.bytes_needed(data[:16])
        if len(data) < need:
            break
        m = Gio.DBusMessage.new_from_blob(data[:need], Gio.DBusCapabilityFlags.NONE)
        data = data[need:]
        if m.get_reply_serial() == 2:
            replies.append((m.get_message_type().value_nick, m.get_error_name()))
    return replies


def cancel_ids(bus):
    """The ids the helper passed to the mock polkitd's CancelCheckAuthorization."""
    p = subprocess.run(["gdbus", "call", "--system", "--dest", "org.freedesktop.PolicyKit1",
                        "--object-path", "/org/freedesktop/PolicyKit1/Authority",
                        "--method", "org.freedesktop.DBus.Mock.GetMethodCalls",
                        "CancelCheckAuthorization"], env=bus.env, capture_output=True,
                       text=True)
    import re
    return re.findall(r"'([^']*)'", p.stdout)


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cli(bus, crashdesk, *args, user=None):
    return subprocess.run(as_user(user, [crashdesk, *args]), env=bus.env,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=120)


def many(bus, method, n, window, connections, user=None, args=()):
    return bus.spawn(as_user(user, [sys.executable, Path(__file__).parent / "helper-call.py",
                                    "--many", n, "--window", window, "--connections",
                                    connections, method, *args]),
                     stdout=subprocess.PIPE, text=True)


def hold_store_lock(bus, root):
    """A process holding the store's lock as `crashdesk save` does: flock(LOCK_EX) on
    the report root's directory; it holds it until stopped."""
    p = bus.spawn([sys.executable, "-c", "import fcntl, os, sys, time\n"
                   "fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
                   "fcntl.flock(fd, fcntl.LOCK_EX)\n"
                   "print('locked', flush=True)\n"
                   "time.sleep(120)\n", root], stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    return p


def all_calls(bus, rid, **kw):
    return [bus.call("GetSummary", **kw), bus.call("List", **kw),
            bus.call("GetReport", rid, **kw), bus.call("GetReport", BOGUS, **kw),
            bus.call("OpenDump", rid, **kw), bus.call("MarkSeen", rid, **kw),
            bus.call("Delete", BOGUS, **kw),
            bus.call("RecordSubmission", rid, "debian", "https://bugs.debian.org/1", **kw)]


def held_calls(bus, per_user):
    """GetSummary from every user @per_user names, as many times as it says, all at once
    while polkitd hangs; returns, per user, how many answers of each error came."""
    calls = []
    for user, n in per_user.items():
        argv = as_user(None if user == "root" else user, [
            sys.executable, Path(__file__).parent / "helper-call.py", "GetSummary"])
        calls += [(user, subprocess.Popen(argv, env=bus.env, stdout=subprocess.PIPE,
                                          text=True)) for _ in range(n)]
    outs = {user: {} for user in per_user}
    for user, c in calls:
        out = c.communicate()[0]
        kind = next((k for k in ("LimitsExceeded", "AccessDenied") if k in out), out)
        outs[user][kind] = outs[user].get(kind, 0) + 1
    return outs


def main():
    helper, crashdesk, vmcore, policy = sys.argv[1:5]
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root: the report root is root's")
        return 0
    tap = Tap()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "kernel"
        bus = Bus(base, policy)
        try:
            rid = save_report(crashdesk, vmcore, root, dump=True)
            polkitd = bus.spawn([sys.executable, "-m", "dbusmock", "--system",
                                 "--template", "polkitd"], stdout=subprocess.DEVNULL)
            bus.wait_for("org.freedesktop.PolicyKit1")
            # long enough for 20 callers to start while the first ones wait
            first = bus.start_helper(helper, root, "--auth-timeout", "6000",
                                     "--idle-timeout", "0")

            # polkit says no: one answer for everything
            answers = all_calls(bus, rid)
            tap.result(all(a == DENIED for a in answers),
                       "refused by polkit: every method answers AccessDenied alike", answers)

            # polkit says yes
            mock(bus, "SetAllowed", str(ACTIONS))
            s = bus.call("GetSummary")
            tap.result(s.get("result") == [1, 1, rid], "GetSummary: one new report", [s])
            lst = bus.call("List")
            entry = (lst.get("result") or [[{}]])[0][0] if lst.get("result") else {}
            tap.result(entry.get("id") == rid and entry.get("kind") and
                       entry.get("dump-size") == (root / rid / "dump.kdump").stat().st_size and entry.get("seen") is False and
                       entry.get("submissions") == 0, "List: the report's summary", [lst])
            r = bus.call("GetReport", rid)
            rep = r.get("result", [{}])[0]
            meta = (root / rid / "meta.json").read_text()
            tap.result(rep.get("meta") == meta and "Kernel panic" in rep.get("panic-text", "")
                       and rep.get("panic-text-truncated") is False
                       and rep.get("report-crash", "").startswith("ProblemType: KernelCrash"),
                       "GetReport: meta.json, the panic text and report.crash",
                       [str(r)[:2000]])
            d = bus.call("OpenDump", rid)
            dump = (root / rid / "dump.kdump")
            tap.result(d.get("result", {}).get("regular") and
                       d["result"]["size"] == dump.stat().st_size and
                       d["result"]["readonly"] and not d["result"]["writable"] and
                       bytes.fromhex(d["result"]["head"]) == dump.read_bytes()[:16],
                       "OpenDump: a read-only descriptor of the dump", [d])
            m = bus.call("MarkSeen", rid)
            s = bus.call("GetSummary")
            tap.result("result" in m and s.get("result") == [0, 1, rid],
                       "MarkSeen: the report is no longer new", [m, s])
            sub = bus.call("RecordSubmission", rid, "debian", "https://bugs.debian.org/1")
            lst = bus.call("List")
            tap.result("result" in sub and lst["result"][0][0]["submissions"] == 1
                       and "bugs.debian.org/1" in (root / rid / "state.json").read_text(),
                       "RecordSubmission: kept in state.json", [sub, lst])
            import jsonschema
            schema = json.loads((Path(__file__).resolve().parent.parent / "capture" /
                                 "state.schema.json").read_text())
            written = json.loads((root / rid / "state.json").read_text())
            errors = [e.message for e in jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker()).iter_errors(written)]
            tap.result(not errors and written.get("seen") is True,
                       "state.json as the helper writes it validates against "
                       "state.schema.json", [errors, written])
            rep = bus.call("GetReport", rid).get("result", [{}])[0]
            st = rep.get("state", {})
            subs = st.get("submissions") if isinstance(st, dict) else None
            tap.result(isinstance(st, dict) and st.get("seen") is True and
                       isinstance(subs, list) and len(subs) == 1 and
                       subs[0].get("tracker") == "debian" and
                       subs[0].get("url") == "https://bugs.debian.org/1" and
                       subs[0].get("time", "").startswith("20"),
                       "GetReport: the state typed, seen and the submission", [rep.get("state")])
            bad = [bus.call("RecordSubmission", rid, "Debian Bugs", "https://x/"),
                   bus.call("RecordSubmission", rid, "debian", "file:///etc/shadow"),
                   bus.call("RecordSubmission", rid, "debian", "https://x/\n"),
                   bus.call("RecordSubmission", rid, "debian", "https://" + "a" * 3000)]
            tap.result(all(b.get("error") == "org.freedesktop.DBus.Error.InvalidArgs"
                           for b in bad), "RecordSubmission refuses bad trackers and URLs",
                       bad)
            # URLs parsed, not matched by their start: the host is what a browser opens
            hostile_urls = ["https://good.example@evil.example/", "https://u:pw@host/1",
                            "https://good.example\\@evil.example/", "https:evil.example",
                            "https:///x", "http://[::1/", "javascript:alert(1)//http://",
                            "ftp://host/x", "https://host/a b", "https://h\u00f6st/",
                            "https://host/%zz", "http://", "https://host:99999999/"]
            bad = [(u, bus.call("RecordSubmission", rid, "debian", u)) for u in hostile_urls]
            good = [bus.call("RecordSubmission", rid, "debian", u) for u in
                    ("https://bugs.launchpad.net/ubuntu/+source/linux/+bug/2000000",
                     "HTTP://bugzilla.kernel.org:443/show_bug.cgi?id=1#c2")]
            tap.result(all(b.get("error") == "org.freedesktop.DBus.Error.InvalidArgs"
                           for _, b in bad) and all("result" in g for g in good),
                       "RecordSubmission parses URLs: user information, odd schemes, no "
                       "host, spaces and bad escapes refused; real bug URLs kept",
                       [x for x in bad if x[1].get("error") != "org.freedesktop.DBus."
                        "Error.InvalidArgs"] + good)

            # a log with NUL and invalid UTF-8, and an empty one: D-Bus strings all the same
            odd, empty = "20261122-141530-0dd0dd00", "20261122-141530-e0e0e0e0"
            for new, log in ((odd, b"abc\0\xff\xfe Kernel panic\n"), (empty, b"")):
                shutil.copytree(root / rid, root / new)
                (root / new / "dmesg.txt").write_bytes(log)
            a = bus.call("GetReport", odd).get("result", [{}])[0].get("panic-text")
            b = bus.call("GetReport", empty).get("result", [{}])[0].get("panic-text")
            tap.result(a == "abc\\x00\\xff\\xfe Kernel panic\n" and b == "",
                       "GetReport sends a log with NUL and invalid UTF-8, and an empty "
                       "one, as valid strings that show the bytes", [repr(a), repr(b)])
            shutil.rmtree(root / odd)
            shutil.rmtree(root / empty)

            # a message longer than List sends: cut between characters, never inside one
            wide = "20261122-141530-1024abcd"
            shutil.copytree(root / rid, root / wide)
            meta = json.loads((root / wide / "meta.json").read_text())
            meta["id"] = wide
            meta["crash"]["message"] = "x" + "\u00e9" * 1000  # 2001 bytes, é is two
            (root / wide / "meta.json").write_text(json.dumps(meta))
            lst = bus.call("List").get("result", [[]])[0]
            cut = next((e.get("message") for e in lst if e.get("id") == wide), None)
            tap.result(cut == "x" + "\u00e9" * 511,
                       "List cuts a long message to 1024 bytes at a character boundary",
                       [repr(cut)[:80], len((cut or "").encode())])
            shutil.rmtree(root / wide)

            # hostile ids, asked by an authorized caller
            hostile = ["../../../etc", "20261122-141530-3f2a9c1e/../x", "",
                       "20261122-141530-3F2A9C1E", rid + "/", "x" * 100000,
                       "20261122-141530-3f2a9c1e\n"]
            ans = [bus.call("GetReport", h) for h in hostile]
            tap.result(all(a.get("error") == "org.freedesktop.DBus.Error.InvalidArgs"
                           for a in ans), "malformed and overlong ids are refused",
                       [str(a)[:300] for a in ans])
            # the same bytes without the NUL get an answer: the raw call itself works
            control = raw_call_with_nul(bus.address, rid, nul=False)
            nul = raw_call_with_nul(bus.address, rid)
            tap.result(control == [("error", "org.freedesktop.DBus.Error.InvalidArgs")] and
                       all(kind == "error" for kind, _ in nul) and
                       bus.call("GetSummary").get("result"),
                       "an id with a NUL byte never reaches a report, and the helper "
                       "lives on", [control, nul])
            o = bus.call("GetSummary", raw_options="--bad-option")
            tap.result(o.get("error") == "org.freedesktop.DBus.Error.InvalidArgs",
                       "an option of the wrong type is refused", [o])

            # a symbolic link planted among the reports is no report
            link = "20261122-141530-deadbeef"
            (root / link).symlink_to(root / rid)
            ans = [bus.call("GetReport", link), bus.call("OpenDump", link),
                   bus.call("Delete", link)]
            tap.result(all(a.get("error") == "io.crashdesk.Reports1.Error.NoSuchReport"
                           for a in ans) and (root / rid).is_dir(),
                       "a symlinked report directory is no report", ans)
            (root / link).unlink()
            a = bus.call("GetReport", BOGUS)
            tap.result(a.get("error") == "io.crashdesk.Reports1.Error.NoSuchReport",
                       "an unknown id: NoSuchReport, for an authorized caller", [a])

            # texts of a report as a hostile kernel or an older crashdesk wrote them: what
            # the helper sends and what the CLI prints holds nothing a terminal acts on
            hid = "20261122-141530-0e5c0e5c"
            craft_hostile(root, rid, hid)
            lst = bus.call("List").get("result", [[]])[0]
            entry = next((e for e in lst if e.get("id") == hid), {})
            rep = bus.call("GetReport", hid).get("result", [{}])[0]
            try:
                meta_strings = list(strings_of(json.loads(rep.get("meta", ""))))
            except ValueError:
                meta_strings = ["meta is not JSON"]
            texts = [v for v in entry.values() if isinstance(v, str)]
            texts += [rep.get("meta", ""), rep.get("panic-text", ""),
                      rep.get("report-crash", "")] + meta_strings
            texts += list(strings_of(rep.get("state", {})))
            bad = [h for t in texts for h in hidden_characters(t)]
            tap.result(entry and rep and not bad and "\\x1b[8mhidden" in entry["message"]
                       and "\\x1b]52;c;" in rep["panic-text"] and
                       "\\u009b31mred" in rep["panic-text"] and "\\xff\\xfe" in
                       json.loads(rep["meta"])["crash"]["comm"],
                       "List and GetReport send a report's escape sequences, C1 controls "
                       "and invalid UTF-8 made visible, in meta.json's strings too",
                       [bad, entry, str(rep)[-600:]])
            outs = [cli(bus, crashdesk, *a) for a in
                    (["list", "--dir", root], ["show", "--dir", root, hid],
                     ["show", "--json", "--dir", root, hid])]
            outs += [cli(bus, crashdesk, *a, user="nobody") for a in
                     (["list"], ["show", hid], ["show", "--json", hid])]
            bad = [(i, hidden_characters(o.stdout + o.stderr)) for i, o in enumerate(outs)
                   if hidden_characters(o.stdout + o.stderr)]
            tap.result(all(o.returncode == 0 for o in outs) and not bad and
                       all(b"\\x1b]0;owned title\\x07" in o.stdout for o in outs[:2] + outs[3:5])
                       and all(json.loads(o.stdout)["crash"]["comm"].startswith(
                           "\\x1b[8mhidden") for o in (outs[2], outs[5])) and
                       b"\\u009b31mred" in outs[1].stdout and
                       outs[1].stdout.count(b"\\x1b[8mhidden") >= 4,
                       "crashdesk list, show and show --json, as root and through the "
                       "helper, print the same texts made visible (raw bytes checked)",
                       [bad] + [(o.returncode, o.stdout[-1500:], o.stderr) for o in outs])
            # crashdesk list through the helper is one call of List, however many reports
            # (it was List and then GetReport for each), and prints what root's list does
            extra = [f"20261122-1415{40 + i}-c0ffee0{i}" for i in range(3)]
            for e in extra:
                shutil.copytree(root / rid, root / e)
                meta = json.loads((root / e / "meta.json").read_text())
                meta["id"] = e
                (root / e / "meta.json").write_text(json.dumps(meta))
            monitor = subprocess.Popen(
                ["dbus-monitor", "--address", bus.address,
                 "type='method_call',interface='io.crashdesk.Reports1'"],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            time.sleep(1)
            listed = [cli(bus, crashdesk, "list", user="nobody"),
                      cli(bus, crashdesk, "list", "--json", user="nobody")]
            time.sleep(1)
            monitor.terminate()
            seen_calls = [line.rsplit("member=", 1)[1].strip()
                          for line in monitor.communicate()[0].splitlines()
                          if line.startswith("method call") and "member=" in line]
            as_root = [cli(bus, crashdesk, "list", "--dir", root),
                       cli(bus, crashdesk, "list", "--json", "--dir", root)]
            tap.result(seen_calls == ["List", "List"] and
                       all(o.returncode == 0 for o in listed + as_root) and
                       listed[0].stdout == as_root[0].stdout and
                       json.loads(listed[1].stdout) == json.loads(as_root[1].stdout) and
                       len(json.loads(listed[1].stdout)) == 5,
                       "crashdesk list and list --json of 5 reports through the helper: "
                       "one List call each (counted by dbus-monitor), the same output as "
                       "root's", [seen_calls] + [(o.returncode, o.stdout[-800:], o.stderr)
                                                 for o in listed + as_root])
            # the client library (tests/test-helper-client.c) against this helper: its
            # List and GetReport of every report, checked against the store itself
            lib = subprocess.run([os.environ["CRASHDESK_TEST_HELPER_CLIENT"], "--tap"],
                                 env=dict(bus.env, CRASHDESK_TEST_LIVE_ROOT=str(root)),
                                 capture_output=True, text=True, timeout=120)
            tap.result(lib.returncode == 0 and "ok 3 /helper-client/live" in lib.stdout,
                       "the client library reads List and GetReport of 5 reports from "
                       "the real helper as the store holds them",
                       [lib.returncode, lib.stdout[-1500:], lib.stderr[-1500:]])
            for e in extra:
                shutil.rmtree(root / e)
            shutil.rmtree(root / hid)
            tap.result(first.poll() is None, "and the helper lives on", [first.poll()])
            if first.poll() is not None:  # the later cases need a helper
                first = bus.start_helper(helper, root, "--auth-timeout", "6000",
                                         "--idle-timeout", "0")

            # a report that exists but is damaged: the helper says so, and the CLI says
            # what the helper said rather than "no report", without reading the store
            dmg = "20261122-141530-da3a9ed0"
            shutil.copytree(root / rid, root / dmg)
            (root / dmg / "meta.json").unlink()
            a = bus.call("GetReport", dmg)
            o = cli(bus, crashdesk, "show", dmg, user="nobody")
            n = cli(bus, crashdesk, "show", BOGUS, user="nobody")
            tap.result(a.get("error") == "io.crashdesk.Reports1.Error.Damaged" and
                       dmg in a.get("message", "") and o.returncode == 1 and
                       f"report {dmg} is damaged".encode() in o.stderr and
                       b"no report" not in o.stderr and b"ermission" not in o.stderr and
                       n.returncode == 1 and n.stderr.endswith(
                           f": no report {BOGUS}\n".encode()),
                       "a damaged report is Damaged, not NoSuchReport, and crashdesk show "
                       "says what the helper said", [a, o.stderr, n.stderr])
            shutil.rmtree(root / dmg)

            # the helper's memory per reply: 4 MiB of invalid UTF-8 in the log and in
            # report.crash, each made 16 MiB by \xNN, are cut back to 4 MiB, and the
            # megabytes of each reply go back to the system with it
            big = "20261122-141530-b16b16b1"
            shutil.copytree(root / rid, root / big)
            (root / big / "dmesg.txt").write_bytes(b"\xff" * (4 << 20))
            (root / big / "report.crash").write_bytes(b"\xfe" * (4 << 20))
            before = rss_kib(first.pid)
            sizes = []
            for _ in range(6):
                r = bus.call("GetReport", big).get("result", [{}])[0]
                sizes.append((len(r.get("panic-text", "").encode()),
                              r.get("panic-text-truncated"),
                              len(r.get("report-crash", "").encode())))
            burst = many(bus, "GetReport", 4, 4, 1, args=[big])
            burst_out = json.loads(burst.communicate(timeout=120)[0] or "{}")
            after = rss_kib(first.pid)
            # ASan's allocator keeps freed blocks in quarantine and ignores mallopt
            asan = "libasan" in Path(f"/proc/{first.pid}/maps").read_text()
            tap.result(all(sz == (4 << 20, True, 4 << 20) for sz in sizes) and
                       burst_out.get("counts") == {"ok": 4} and
                       after is not None and (asan or after < 16 * 1024),
                       "six GetReport of 4 MiB of invalid UTF-8, then four at once: each "
                       "text cut to 4 MiB, and the helper's memory goes back under 16 MiB "
                       "once they are answered",
                       [f"RSS {before} KiB before, {after} KiB after", sizes[0]])
            print(f"# helper RSS {before} KiB before, {after} KiB after six GetReport"
                  + (" (ASan: not bounded)" if asan else ""))
            shutil.rmtree(root / big)

            # the store's lock held (a capture being saved): Delete answers Busy within
            # its bound, in a thread of its own, while another user's call answers at once
            holder = hold_store_lock(bus, root)
            t0 = time.monotonic()
            delete = subprocess.Popen([sys.executable, Path(__file__).parent /
                                       "helper-call.py", "Delete", rid], env=bus.env,
                                      stdout=subprocess.PIPE, text=True)
            time.sleep(0.5)
            t1 = time.monotonic()
            other = bus.call("GetSummary", user="nobody")
            other_took = time.monotonic() - t1
            deleting = delete.poll() is None
            d = json.loads(delete.communicate(timeout=60)[0])
            took = time.monotonic() - t0
            holder.terminate()
            holder.wait()
            tap.result(d.get("error") == "io.crashdesk.Reports1.Error.Busy" and
                       "try again" in d.get("message", "") and 2.5 < took < 6 and
                       other.get("result") == [0, 1, rid] and other_took < 2 and deleting
                       and (root / rid).is_dir(),
                       "while the store's lock is held, Delete answers Busy within its "
                       "bound and GetSummary from another user answers meanwhile",
                       [d, f"Delete {took:.1f} s", other, f"GetSummary {other_took:.2f} s"])
            a = bus.call("MarkSeen", rid)
            tap.result("result" in a, "and once the lock is free, changes go through", [a])

            # one user floods the helper over several connections, pipelining its calls:
            # root's calls, 4 at a time, all succeed meanwhile
            flood = many(bus, "GetSummary", 100000, 150, 4, user="nobody")
            time.sleep(2)
            mine = many(bus, "GetSummary", 200, 4, 1)
            mine_out = json.loads(mine.communicate(timeout=240)[0] or "{}")
            still = flood.poll() is None
            flood.terminate()
            flood_out = json.loads(flood.communicate(timeout=60)[0] or "{}")
            tap.result(mine_out.get("counts") == {"ok": 200} and still and
                       flood_out.get("counts", {}).get(
                           "org.freedesktop.DBus.Error.LimitsExceeded", 0) > 100,
                       "one user's pipelined flood over 4 connections takes none of "
                       "root's places: root's 200 calls all succeed",
                       [mine_out, flood_out])

            # polkitd hangs: the helper gives up, denies, withdraws the check, and counts
            # the calls in flight
            mock(bus, "AddMethod", "org.freedesktop.PolicyKit1.Authority",
                 "CancelCheckAuthorization", "s", "", "")
            # (the flood's calls still at polkit when it stopped were withdrawn too)
            time.sleep(1)
            earlier = len(cancel_ids(bus))
            mock(bus, "SimulateHang", "true")
            t0 = time.monotonic()
            a = bus.call("GetSummary")
            took = time.monotonic() - t0
            time.sleep(0.5)
            cancels = cancel_ids(bus)[earlier:]
            tap.result(a == DENIED and 1.5 < took < 10 and len(cancels) == 1 and
                       cancels[0].startswith("crashdesk-helper-"),
                       "polkitd hanging: denied after the timeout, and the check withdrawn "
                       "by its cancellation id", [a, f"{took:.1f} s", cancels])
            # an interactive check (120 s) whose caller goes away is withdrawn at once
            waiting = subprocess.Popen([sys.executable, Path(__file__).parent /
                                        "helper-call.py", "--interactive", "GetSummary"],
                                       env=bus.env, stdout=subprocess.DEVNULL)
            time.sleep(1.5)
            waiting.kill()
            waiting.wait()
            time.sleep(1)
            more = cancel_ids(bus)[earlier:]
            tap.result(len(more) == 2 and more[1] != more[0] and
                       more[1].startswith("crashdesk-helper-"),
                       "an interactive check whose caller left the bus is withdrawn "
                       "(CancelCheckAuthorization)", [more])
            # root keeps 8 calls waiting, nobody 4: root's own limit, not nobody's
            outs = held_calls(bus, {"root": 8, "nobody": 4})
            tap.result(outs["root"] == {"LimitsExceeded": 4, "AccessDenied": 4} and
                       outs["nobody"] == {"AccessDenied": 4},
                       "at most 4 calls in flight per user: the others get "
                       "LimitsExceeded, and another user's calls still reach polkit", [outs])
            outs = held_calls(bus, {u: 4 for u in ("root", "nobody", "daemon", "bin",
                                                   "sys")})
            total = {k: sum(o.get(k, 0) for o in outs.values())
                     for k in ("LimitsExceeded", "AccessDenied")}
            tap.result(total == {"LimitsExceeded": 4, "AccessDenied": 16},
                       "at most 16 calls in flight in all", [outs])
            mock(bus, "SimulateHang", "false")

            # polkitd gone: denied
            polkitd.terminate()
            polkitd.wait()
            answers = all_calls(bus, rid)
            tap.result(all(a == DENIED for a in answers),
                       "polkitd absent: every method is denied", answers)

            # Delete, with polkit back
            polkitd = bus.spawn([sys.executable, "-m", "dbusmock", "--system",
                                 "--template", "polkitd"], stdout=subprocess.DEVNULL)
            bus.wait_for("org.freedesktop.PolicyKit1")
            mock(bus, "SetAllowed", str(ACTIONS))
            a = bus.call("Delete", rid)
            tap.result("result" in a and not (root / rid).exists() and
                       bus.call("GetSummary").get("result") == [0, 0, ""],
                       "Delete removes the report", [a])

            # the idle exit: a minute in production, a second here
            first.terminate()
            first.wait()
            idle = bus.start_helper(helper, root, "--idle-timeout", "1")
            try:
                rc = idle.wait(10)
            except subprocess.TimeoutExpired:
                rc = None
            tap.result(rc == 0 and not bus.has_owner("io.crashdesk.Reports1"),
                       "the helper exits once idle, and gives up its name", [rc])
        finally:
            bus.stop()
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
