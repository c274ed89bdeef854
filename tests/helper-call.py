#!/usr/bin/python3
"""Calls one method of io.crashdesk.Reports1 on the system bus and prints the answer.

    helper-call.py [--interactive] METHOD [ARG...]
    helper-call.py --many N --window W --connections C METHOD [ARG...]

The system bus is the one DBUS_SYSTEM_BUS_ADDRESS names (the tests' private bus).
Prints one JSON line: {"result": ...} or {"error": NAME, "message": TEXT}; for OpenDump
the result is what fstat says of the descriptor received, and its first bytes.

With --many: N calls on each of C connections of its own, W of them in flight on each at
any time (W=N pipelines them all), until all are answered or SIGTERM comes; prints
{"counts": {"ok" or an error name: how many}, "sent": how many}.
"""

import json
import os
import stat
import sys

from gi.repository import Gio, GLib

SIGNATURES = {
    "GetSummary": "(a{sv})", "List": "(a{sv})", "GetReport": "(sa{sv})",
    "OpenDump": "(sa{sv})", "MarkSeen": "(sa{sv})", "Delete": "(sa{sv})",
    "RecordSubmission": "(sssa{sv})",
}


def many(argv):
    import signal
    n, window, conns = int(argv[1]), int(argv[3]), int(argv[5])
    method, args = argv[6], argv[7:]
    options = {"auth.no_user_interaction": GLib.Variant("b", True)}
    params = GLib.Variant(SIGNATURES[method], tuple(args) + (options,))
    address = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
    loop = GLib.MainLoop()
    counts, state = {}, {"sent": 0, "left": n * conns}
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
             Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)

    def done(conn, res, todo):
        try:
            conn.call_finish(res)
            kind = "ok"
        except GLib.Error as e:
            kind = Gio.DBusError.get_remote_error(e) or e.message
        counts[kind] = counts.get(kind, 0) + 1
        state["left"] -= 1
        if todo[0] > 0:
            send(conn, todo)
        if state["left"] == 0:
            loop.quit()

    def send(conn, todo):
        todo[0] -= 1
        state["sent"] += 1
        conn.call("io.crashdesk.Reports1", "/io/crashdesk/Reports1",
                  "io.crashdesk.Reports1", method, params, None, Gio.DBusCallFlags.NONE,
                  60000, None, done, todo)

    for _ in range(conns):
        conn = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)
        todo = [n]
        for _ in range(min(window, n)):
            send(conn, todo)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, lambda: loop.quit())
    loop.run()
    print(json.dumps({"counts": counts, "sent": state["sent"]}), flush=True)
    return 0


def main():
    argv = sys.argv[1:]
    if argv and argv[0] == "--many":
        return many(argv)
    options = {"auth.no_user_interaction": GLib.Variant("b", True)}
    if argv and argv[0] == "--interactive":
        options = {}
        argv = argv[1:]
    if argv and argv[0] == "--bad-option":
        options = {"auth.no_user_interaction": GLib.Variant("s", "yes")}
        argv = argv[1:]
    method, args = argv[0], argv[1:]
    bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    params = GLib.Variant(SIGNATURES[method], tuple(args) + (options,))
    try:
        reply, fds = bus.call_with_unix_fd_list_sync(
            "io.crashdesk.Reports1", "/io/crashdesk/Reports1", "io.crashdesk.Reports1",
            method, params, None, Gio.DBusCallFlags.NONE, 60000, None, None)
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        message = e.message
        if name and message.startswith(f"GDBus.Error:{name}: "):
            message = message[len(f"GDBus.Error:{name}: "):]
        print(json.dumps({"error": name, "message": message}))
        return 0
    result = reply.unpack()
    if method == "OpenDump":
        fd = fds.get(result[0])
        st = os.fstat(fd)
        flags = __import__("fcntl").fcntl(fd, __import__("fcntl").F_GETFL)
        result = {"regular": stat.S_ISREG(st.st_mode), "size": st.st_size,
                  "readonly": (flags & os.O_ACCMODE) == os.O_RDONLY,
                  "head": os.pread(fd, 16, 0).hex()}
        try:
            os.write(fd, b"x")
            result["writable"] = True
        except OSError:
            result["writable"] = False
    print(json.dumps({"result": result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
