"""A private system bus for the helper's tests: dbus-daemon with the project's bus policy,
the helper on it, reports made by the real `crashdesk save`, and calls from any user."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tap import Tap  # noqa: E402,F401  (the tests take it from here)
from unix_users import as_user  # noqa: E402

HERE = Path(__file__).resolve().parent
CALL = HERE / "helper-call.py"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <!-- the default policy of Debian's system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <!-- the mock polkitd runs as root -->
  <policy user="root">
    <allow own="org.freedesktop.PolicyKit1"/>
    <!-- dbus-monitor, which counts the calls a command makes -->
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <policy context="default">
    <allow send_destination="org.freedesktop.PolicyKit1"/>
  </policy>
  <!-- the real one as polkitd, with its package's policy: it may call the agents -->
  <include ignore_missing="yes">/usr/share/dbus-1/system.d/org.freedesktop.PolicyKit1.conf</include>
  <include>{project_policy}</include>
</busconfig>
"""


class Bus:
    """dbus-daemon on a socket in @tmp, until stop()."""

    def __init__(self, tmp, project_policy):
        tmp = Path(tmp)
        self.socket = tmp / "system_bus_socket"
        config = tmp / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=self.socket,
                                            project_policy=Path(project_policy).resolve()))
        os.chmod(tmp, 0o755)
        self.proc = subprocess.Popen(["dbus-daemon", f"--config-file={config}", "--nofork",
                                      "--print-address"], stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon did not start")
        self.env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.procs = []

    def spawn(self, argv, env=None, **kwargs):
        p = subprocess.Popen([str(a) for a in argv], env=env or self.env, **kwargs)
        self.procs.append(p)
        return p

    def has_owner(self, name):
        p = subprocess.run(["dbus-send", f"--bus={self.address}", "--print-reply",
                            "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                            "org.freedesktop.DBus.NameHasOwner", f"string:{name}"],
                           capture_output=True, text=True)
        return "boolean true" in p.stdout

    def wait_for(self, name, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.has_owner(name):
                return True
            time.sleep(0.1)
        return False

    def start_helper(self, helper, root, *args):
        p = self.spawn([helper, "--root", root, *args])
        if not self.wait_for("io.crashdesk.Reports1"):
            raise RuntimeError("the helper did not take its name")
        return p

    def call(self, method, *args, user=None, interactive=False, raw_options=None):
        argv = [sys.executable, CALL]
        if interactive:
            argv.append("--interactive")
        if raw_options:
            argv.append(raw_options)
        argv += [method, *args]
        p = subprocess.run(as_user(user, argv), env=self.env, capture_output=True,
                           text=True, timeout=120)
        try:
            return json.loads(p.stdout)
        except ValueError:
            return {"crash": p.returncode, "stderr": p.stderr}

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.proc.terminate()
        self.proc.wait()


def save_report(crashdesk, vmcore, root, dump=False):
    argv = [crashdesk, "save", "--input", vmcore, "--dir", root]
    if not dump:
        argv.append("--no-dump")
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=True)
    return Path(p.stdout.strip()).name


# what a hostile task name or an older crashdesk could have left in a report: an SGR that
# hides text, an OSC 0 window title, an OSC 52 clipboard write, C1 CSI (U+009B), DEL and
# bytes that are not UTF-8
HOSTILE = (b"\x1b[8mhidden\x1b[0m \x1b]0;owned title\x07 \x1b]52;c;ZXZpbA==\x07 "
           b"\xc2\x9b31mred \x7f \xff\xfe end")


def craft_hostile(root, rid, new):
    """A copy of report @rid as @new whose meta.json (message, panic line, task) and
    dmesg.txt carry HOSTILE as raw bytes."""
    import shutil
    root = Path(root)
    shutil.copytree(root / rid, root / new)
    meta = (root / new / "meta.json").read_bytes()
    meta = meta.replace(rid.encode(), new.encode())
    for key in (b'"message": "', b'"panic_message": "', b'"comm": "'):
        at = meta.index(key) + len(key)
        meta = meta[:at] + HOSTILE + b" " + meta[at:]
    (root / new / "meta.json").write_bytes(meta)
    with open(root / new / "dmesg.txt", "ab") as f:
        f.write(b"[  100.5] Comm: " + HOSTILE + b"\n")


def hidden_characters(data):
    """What in @data (bytes or str) a terminal would act on: control characters other than
    a newline, DEL, C1 controls, and bytes that are not UTF-8. [] when there is none."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            return [f"not UTF-8 at {e.start}"]
    return [hex(ord(c)) for c in data
            if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) <= 0x9f]


def strings_of(value):
    """Every string in a JSON value, names of members too."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)
