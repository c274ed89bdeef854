#!/usr/bin/python3
"""The journal entry "crashdesk save" logs, caught on journald's own socket.

    test-journal.py CRASHDESK VMCORE

Needs root: in a private mount namespace (unshare) a tmpfs covers
/run/systemd/journal and this script binds the socket libsystemd sends to, so
the test sees exactly the datagram journald would get, without touching the
machine's journal. Checks the MESSAGE_ID, which data/crashdesk.catalog
describes, and the CRASHDESK_* fields, CRASHDESK_WARNINGS naming a leftover the
save removed. Prints TAP.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile

SOCKET_DIR = "/run/systemd/journal"
MESSAGE_ID = "da65dce897be4380975d591cef1057ab"
LEFTOVER = ".partial-20200101-000000-00000000"


def parse_native(datagram):
    """journald's native protocol: KEY=VALUE lines, or KEY\\n<le64 size>VALUE\\n."""
    fields, pos = {}, 0
    while pos < len(datagram):
        end = datagram.index(b"\n", pos)
        line = datagram[pos:end]
        if b"=" in line:
            key, value = line.split(b"=", 1)
            pos = end + 1
        else:
            key = line
            size = int.from_bytes(datagram[end + 1:end + 9], "little")
            value = datagram[end + 9:end + 9 + size]
            pos = end + 9 + size + 1
        fields[key.decode()] = value.decode(errors="replace")
    return fields


def listen(crashdesk, vmcore):
    """Runs in the namespace: catch what save sends to journald."""
    subprocess.run(["mount", "-t", "tmpfs", "tmpfs", SOCKET_DIR], check=True)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.path.join(SOCKET_DIR, "socket"))
    sock.settimeout(30)
    with tempfile.TemporaryDirectory() as root:
        # a leftover that once cost the capture: now a warning the entry carries
        os.mkdir(os.path.join(root, "kernel"), 0o700)
        with open(os.path.join(root, "kernel", LEFTOVER), "w") as f:
            f.write("half")
        proc = subprocess.run([crashdesk, "save", "--no-dump", "--input", vmcore,
                               "--dir", os.path.join(root, "kernel")],
                              capture_output=True, text=True)
        print(f"report {proc.stdout.strip()} exit {proc.returncode}")
        if proc.returncode == 0:
            with open(os.path.join(proc.stdout.strip(), "meta.json")) as f:
                meta = json.load(f)
            print(f"meta {meta['crash']['kind']} {meta['signature']}")
        datagram = sock.recv(1 << 20)
    for key, value in parse_native(datagram).items():
        print(f"field {key}={value}")
    return 0


def main():
    crashdesk, vmcore = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3 and sys.argv[3] == "--listen":
        return listen(crashdesk, vmcore)
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root for a mount namespace")
        return 0
    os.makedirs(SOCKET_DIR, exist_ok=True)
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "--",
                           sys.executable, __file__, crashdesk, vmcore, "--listen"],
                          capture_output=True, text=True, timeout=120)
    report = next((l.split()[1] for l in proc.stdout.splitlines()
                   if l.startswith("report ")), "")
    fields = dict(l[6:].split("=", 1) for l in proc.stdout.splitlines()
                  if l.startswith("field "))
    report_id = os.path.basename(report)
    meta = next((l.split()[1:] for l in proc.stdout.splitlines()
                 if l.startswith("meta ")), ["?", "?"])
    checks = [
        (proc.returncode == 0 and " exit 0" in proc.stdout,
         "save logged one entry to journald's socket"),
        (fields.get("MESSAGE_ID") == MESSAGE_ID,
         "its MESSAGE_ID is the one data/crashdesk.catalog describes"),
        (fields.get("CRASHDESK_REPORT_ID") == report_id and report_id,
         "CRASHDESK_REPORT_ID names the report"),
        ([fields.get("CRASHDESK_KIND"), fields.get("CRASHDESK_SIGNATURE")] == meta,
         "CRASHDESK_KIND and CRASHDESK_SIGNATURE are the report's"),
        (fields.get("PRIORITY") == "2" and report_id in fields.get("MESSAGE", ""),
         "a critical message that names the report"),
        (fields.get("CRASHDESK_DUMP") == "none" and
         fields.get("CRASHDESK_DUMP_REASON") == "not requested (--no-dump)" and
         "no dump: not requested" in fields.get("MESSAGE", ""),
         "CRASHDESK_DUMP and the message say why there is no dump"),
        (fields.get("CRASHDESK_WARNINGS", "").startswith("removed /") and
         f"/{LEFTOVER}, left by a capture" in fields.get("CRASHDESK_WARNINGS", ""),
         "CRASHDESK_WARNINGS names the leftover the save removed"),
    ]
    print(f"1..{len(checks)}")
    for number, (ok, description) in enumerate(checks, 1):
        print(f"{'ok' if ok else 'not ok'} {number} - {description}")
    if not all(ok for ok, _ in checks):
        print("# " + "\n# ".join((proc.stdout + proc.stderr).splitlines()))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
