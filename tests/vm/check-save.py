#!/usr/bin/python3
"""Check "crashdesk save --no-dump" on the vmcore of a real kernel crash.

    check-save.py --kind KIND --crashdesk PATH --cache-dir DIR
    check-save.py --signatures --crashdesk PATH --cache-dir DIR

Prints TAP. For one kind: the report holds dmesg.txt, meta.json and
report.crash, root-only; dmesg.txt is what "crashdesk dmesg" prints;
meta.json validates against capture/meta.schema.json and names the right
kind, message, process, instruction and kernel release; report.crash reads
back with the independent parser tests/apport-parse.py; list and show find
it. With --signatures: the same bug crashed twice (oops, and oops_again in a
kernel without KASLR) has one signature, different bugs different ones.
"""

import argparse
import json
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import crashvm  # noqa: E402

SCHEMA = HERE.parent.parent / "capture" / "meta.schema.json"
APPORT_PARSE = HERE.parent / "apport-parse.py"

# What meta.json must say of each kind: kind, a regular expression the
# message matches, the process, one the instruction matches (None: no
# instruction in the log, as for panic() and sysrq).
SYSRQ = ("sysrq", r"^sysrq triggered crash$", "init", None)
EXPECTED = {
    # crashed by "crashdesk test-crash --yes" (init.sh), the others by init's echo
    "sysrq": ("sysrq", r"^sysrq triggered crash$", "crashdesk", None),
    "oops": ("oops", r"^BUG: kernel NULL pointer dereference, address: 0+$",
             "insmod", r"^crashdesk_test_init\+0x[0-9a-f]+/0x[0-9a-f]+ "
             r"\[crashdesk_test\]$"),
    "oops_again": ("oops", r"^BUG: kernel NULL pointer dereference",
                   "insmod", r"^crashdesk_test_init\+"),
    "bug": ("bug", r"^kernel BUG at .*crashdesk_test\.c:\d+!$", "insmod",
            r"^crashdesk_test_init\+"),
    "panic": ("panic", r"^Kernel panic - not syncing: crashdesk-test: "
              r"deliberate panic 42$", "insmod", None),
    "warn": ("warn", r"^WARNING: CPU: \d+ PID: \d+ at .*crashdesk_test\.c",
             "insmod", r"^crashdesk_test_init\+"),
    "wrap": SYSRQ,
    "bigring": SYSRQ,
    # sent from QEMU's monitor to a CPU idling in "sleep 600": the instruction
    # is where the NMI or machine check found it, not the handler's
    "nmi": ("nmi", r"^Uhhuh\. NMI received for unknown reason [0-9a-f]+ on CPU 0\.$",
            "swapper/0", r"^(pv_)?native_safe_halt\+"),
    "mce": ("mce", r"^Machine check: Processor Context Corrupt$", None,
            r"^(pv_)?native_safe_halt\+"),
    "hung": ("hung_task", r"^INFO: task crashdesk-hung:\d+ blocked for more than "
             r"\d+ seconds\.$", "crashdesk-hung", None),
}

# The kinds sent from outside the kernel's code
OUTSIDE = ("nmi", "mce", "hung")

# What meta.json's backtrace must hold and must not of the kinds whose panic's
# own trace is not the crash's: (functions it has, functions it has not).
FRAMES = {
    # the idle task's frames, not those of nmi_panic() and the NMI handlers
    "nmi": (["do_idle"], ["dump_stack_lvl", "panic", "nmi_panic",
                               "unknown_nmi_error", "default_do_nmi", "exc_nmi",
                               "end_repeat_nmi"]),
    # the blocked thread's, not khungtaskd's ("watchdog") that panicked
    "hung": (["crashdesk_hung", "kthread"], ["panic", "watchdog"]),
}


def run(argv):
    proc = subprocess.run([str(a) for a in argv], capture_output=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")


def save(crashdesk, vmcore, root):
    """Runs save; returns (exit code, report dir or None, stderr)."""
    rc, out, err = run([crashdesk, "save", "--no-dump", "--input", vmcore,
                        "--dir", root])
    path = out.decode().strip()
    return rc, (Path(path) if rc == 0 and path else None), err


def schema_errors(meta):
    try:
        import jsonschema
    except ImportError:
        return ["python3-jsonschema is not installed (tools/install-deps)"]
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.path))}: {e.message}"
            for e in validator.iter_errors(meta)]


def check_kind(args, tap):
    kind = args.kind
    # an output directory of its own: check-dmesg.py publishes to out/KIND
    out = args.cache_dir / "out-save" / crashvm.entry_name(kind, None,
                                                           args.series)
    recipe = crashvm.obtain(args.cache_dir, kind, out, args.crashdesk,
                            series=args.series)
    vmcore = out / "vmcore"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "crash" / "kernel"
        rc, report, err = save(args.crashdesk, vmcore, root)
        tap.result(rc == 0 and report is not None and report.parent == root,
                   "crashdesk save --no-dump exits 0 and prints the report",
                   [f"exit {rc}", *err.splitlines()])
        if report is None:
            return
        names = sorted(p.name for p in report.iterdir())
        tap.result(names == ["dmesg.txt", "meta.json", "report.crash"],
                   "the report holds dmesg.txt, meta.json, report.crash",
                   [f"found {names}"])
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in report.iterdir()}
        modes["."] = stat.S_IMODE(report.stat().st_mode)
        modes[".."] = stat.S_IMODE(root.stat().st_mode)
        tap.result(all(m == (0o700 if n in (".", "..") else 0o600)
                       for n, m in modes.items()),
                   "report root and report 0700, files 0600",
                   [f"{n}: {m:o}" for n, m in modes.items()])

        rc, log, err = run([args.crashdesk, "dmesg", "--raw", vmcore])
        dmesg = (report / "dmesg.txt").read_bytes()
        tap.result(rc == 0 and dmesg == log,
                   "dmesg.txt is what crashdesk dmesg --raw prints",
                   [f"{len(dmesg)} bytes saved, {len(log)} printed"])

        meta = json.loads((report / "meta.json").read_text())
        errors = schema_errors(meta)
        tap.result(not errors, "meta.json validates against meta.schema.json",
                   errors)
        want_kind, want_message, want_comm, want_ip = EXPECTED[kind]
        crash = meta.get("crash", {})
        facts = [
            ("kind", crash.get("kind") == want_kind, crash.get("kind")),
            ("message", re.search(want_message, crash.get("message") or "") is
             not None, crash.get("message")),
            ("comm", crash.get("comm") == want_comm, crash.get("comm")),
            ("ip_symbol", (crash.get("ip_symbol") is None) if want_ip is None
             else re.search(want_ip, crash.get("ip_symbol") or "") is not None,
             crash.get("ip_symbol")),
            ("kernel release", meta.get("kernel", {}).get("release") ==
             recipe["kernel"], meta.get("kernel", {}).get("release")),
            ("dmesg lines", meta.get("dmesg", {}).get("lines") ==
             dmesg.count(b"\n"), meta.get("dmesg", {}).get("lines")),
        ]
        for name, ok, value in facts:
            tap.result(ok, f"meta.json {name} is right", [f"got {value!r}"])
        if kind in FRAMES:
            has, has_not = FRAMES[kind]
            names = [f.get("symbol", "").split(".")[0]
                     for f in crash.get("backtrace", [])]
            tap.result(all(n in names for n in has) and
                       not any(n in names for n in has_not),
                       f"meta.json backtrace has {', '.join(has)}, "
                       f"none of {', '.join(has_not)}", [f"got {names}"])

        rc, parsed, err = run([sys.executable, APPORT_PARSE,
                               report / "report.crash"])
        entries = json.loads(parsed) if rc == 0 else []
        values = {e["key"]: e.get("text") for e in entries}
        tap.result(rc == 0 and entries and entries[0]["key"] == "ProblemType"
                   and values.get("ProblemType") == "KernelCrash",
                   "report.crash reads back with the independent parser, "
                   "ProblemType: KernelCrash first", err.splitlines())
        tap.result((values.get("Uname") or "").split()[1:2] ==
                   [recipe["kernel"]],
                   "report.crash Uname names the crashed kernel",
                   [f"Uname: {values.get('Uname')!r}"])
        # apport keeps no final newline in a multi-line value
        tap.result((values.get("VmCoreDmesg") or "").rstrip("\n") ==
                   dmesg.decode().rstrip("\n"),
                   "report.crash VmCoreDmesg is the whole log",
                   [f"{len(values.get('VmCoreDmesg') or '')} characters"])

        rc, listed, err = run([args.crashdesk, "list", "--json", "--dir", root])
        ids = [r["id"] for r in json.loads(listed)] if rc == 0 else []
        tap.result(ids == [report.name], "crashdesk list --json finds it",
                   [f"exit {rc}: {ids}", *err.splitlines()])
        rc, shown, err = run([args.crashdesk, "show", "--dir", root,
                              report.name])
        tap.result(rc == 0 and (crash.get("message") or "").encode() in shown,
                   "crashdesk show prints it", [f"exit {rc}", *err.splitlines()])


def check_signatures(args, tap):
    signatures = {}
    kinds = list(EXPECTED)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            out = args.cache_dir / "out-signatures" / crashvm.entry_name(
                kind, None, args.series)
            crashvm.obtain(args.cache_dir, kind, out, args.crashdesk,
                           series=args.series)
            rc, report, err = save(args.crashdesk, out / "vmcore", tmp)
            if report is None:
                tap.result(False, f"save the {kind} crash", err.splitlines())
                return
            signatures[kind] = json.loads(
                (report / "meta.json").read_text())["signature"]
    tap.result(True, "saved every kind")
    tap.result(signatures["oops"] == signatures["oops_again"],
               "the same oops in two boots (KASLR and not) has one signature",
               [f"{signatures['oops']} != {signatures['oops_again']}"])
    tap.result(signatures["sysrq"] == signatures["wrap"] ==
               signatures["bigring"],
               "the same sysrq crash after different logs has one signature",
               [f"{k}: {signatures[k]}" for k in ("sysrq", "wrap", "bigring")])
    different = [k for k in ("sysrq", "oops", "bug", "panic", "warn") + OUTSIDE
                 if k in kinds]
    distinct = [signatures[k] for k in different]
    tap.result(len(set(distinct)) == len(distinct),
               "different bugs have different signatures",
               [f"{k}: {signatures[k]}" for k in different])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", choices=sorted(EXPECTED))
    parser.add_argument("--signatures", action="store_true")
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--series", choices=sorted(crashvm.SERIES),
                        default=crashvm.DEFAULT_SERIES,
                        help="the kernel series crashed (crashvm.py)")
    args = parser.parse_args()
    args.crashdesk = args.crashdesk.absolute()
    if args.signatures == (args.kind is not None):
        parser.error("give --kind KIND or --signatures")
    if args.signatures:
        return crashvm.tap_main(4, check_signatures, args)
    return crashvm.tap_main(16 + (args.kind in FRAMES), check_kind, args)


if __name__ == "__main__":
    sys.exit(main())
