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
from helper_bus import Bus, Tap, save_report  # noqa: E402
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
            bad = [bus.call("RecordSubmission", rid, "Debian Bugs", "https://x/"),
                   bus.call("RecordSubmission", rid, "debian", "file:///etc/shadow"),
                   bus.call("RecordSubmission", rid, "debian", "https://x/\n"),
                   bus.call("RecordSubmission", rid, "debian", "https://" + "a" * 3000)]
            tap.result(all(b.get("error") == "org.freedesktop.DBus.Error.InvalidArgs"
                           for b in bad), "RecordSubmission refuses bad trackers and URLs",
                       bad)

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

            # polkitd hangs: the helper gives up, denies, and counts the calls in flight
            mock(bus, "SimulateHang", "true")
            t0 = time.monotonic()
            a = bus.call("GetSummary")
            took = time.monotonic() - t0
            tap.result(a == DENIED and 1.5 < took < 10,
                       "polkitd hanging: denied after the timeout", [a, f"{took:.1f} s"])
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
