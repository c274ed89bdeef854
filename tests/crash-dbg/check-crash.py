#!/usr/bin/python3
"""Open crashdesk's dump of a real kernel crash in crash, with the kernel's
debug symbols.

    check-crash.py --crashdesk PATH --cache-dir DIR --dbg-cache DIR
                   [--dump FILE | --makedumpfile]

Prints TAP. Gets the vmcore of the `oops` crash from tests/vm/crashvm.py,
saves it with "crashdesk save" (or checks --dump FILE, a dump of that
vmcore, or with --makedumpfile makes one with "makedumpfile -c -d 31"),
fetches the vmlinux of Debian's linux-image-VERSION-dbg for the crashed
kernel (cached in --dbg-cache: an 860 MB download, once), and runs
"crash -s VMLINUX DUMP" with log, bt, ps and a walk of the task list:
the log shows the oops, bt the crashing task and function, ps the task.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "vm"))
sys.path.insert(0, str(HERE.parent))
import crashvm  # noqa: E402

KIND = "oops"
COMMAND_TIMEOUT = 900
# what the oops of tests/vm/module/crashdesk_test.c must show
BUG_LINE = "BUG: kernel NULL pointer dereference, address: 0000000000000000"
COMM = "insmod"
FUNCTION = "crashdesk_test_init"
MODULE = "crashdesk_test"
# tasks of every boot of the test kernel, by pid
BOOT_TASKS = {1: "init", 2: "kthreadd"}


def run(argv, **kwargs):
    proc = subprocess.run([str(a) for a in argv], capture_output=True,
                          timeout=COMMAND_TIMEOUT, **kwargs)
    return (proc.returncode, proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"))


def extract_member(deb, member, dest):
    """Copy one file out of a .deb's data archive; stops reading the
    (5 GB unpacked) archive once it is found."""
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb],
                          stdout=subprocess.PIPE) as proc:
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for info in tar:
                    if info.name == member and info.isfile():
                        with tar.extractfile(info) as src, \
                                open(dest, "wb") as dst:
                            shutil.copyfileobj(src, dst, 1 << 20)
                        return True
        finally:
            proc.kill()
    return False


def ensure_vmlinux(cache, version):
    """cache/VERSION/vmlinux, from Debian's linux-image-VERSION-dbg: the
    package is fetched with apt-get download and dropped once the vmlinux
    is out of it."""
    vmlinux = cache / version / "vmlinux"
    if vmlinux.is_file():
        return vmlinux
    package = f"linux-image-{version}-dbg"
    step = f"fetch {package}"
    with crashvm.locked(cache / "locks" / "dbg.lock"):
        if vmlinux.is_file():
            return vmlinux
        tmp = cache / f"{version}.tmp"
        debs = sorted(tmp.glob(f"{package}_*.deb"))
        if not debs:
            # a download cut short stays in partial/, never taken for whole
            partial = tmp / "partial"
            crashvm.rmtree(partial)
            partial.mkdir(parents=True)
            crashvm.run(step, ["apt-get", "download", package], cwd=partial)
            for deb in partial.glob("*.deb"):
                deb.rename(tmp / deb.name)
            debs = sorted(tmp.glob(f"{package}_*.deb"))
        if not debs:
            raise crashvm.StepError(step, f"apt-get download left no "
                                    f"{package} package in {tmp}")
        member = f"./usr/lib/debug/boot/vmlinux-{version}"
        part = tmp / "vmlinux.part"
        if not extract_member(debs[-1], member, part):
            raise crashvm.StepError(step, f"{debs[-1].name} has no {member}")
        vmlinux.parent.mkdir(parents=True, exist_ok=True)
        part.rename(vmlinux)
        crashvm.rmtree(tmp)
    return vmlinux


def make_dump(args, vmcore, tmp, tap):
    """The dump to open, or None."""
    if args.dump is not None:
        tap.result(args.dump.is_file(), f"{args.dump} is a file")
        return args.dump if args.dump.is_file() else None
    if args.makedumpfile:
        dump = tmp / "makedumpfile.kdump"
        rc, _, err = run(["makedumpfile", "-c", "-d", "31", vmcore, dump])
        tap.result(rc == 0, "makedumpfile -c -d 31 makes the dump",
                   [f"exit {rc}", *err.splitlines()[-5:]])
        return dump if rc == 0 else None
    rc, out, err = run([args.crashdesk, "save", "--input", vmcore,
                        "--dir", tmp / "crash" / "kernel", "--keep-free", "0"])
    dump = Path(out.strip()) / "dump.kdump" if rc == 0 and out.strip() else None
    ok = dump is not None and dump.is_file()
    tap.result(ok, "crashdesk save exits 0 and writes dump.kdump",
               [f"exit {rc}", *err.splitlines()])
    return dump if ok else None


def crash_commands(out):
    """crash's input, one file of output per command."""
    return "".join(f"{command} > {out / name}\n" for name, command in [
        ("log", "log"),
        ("bt", "bt"),
        ("ps", "ps"),
        # crash 8.0.2 (Debian 12) reads struct pid as it was before kernel
        # commit b69f0aeb0689 made numbers[] a flexible array, which
        # Debian's 6.1 has, and so finds the active tasks only ("not found
        # in PID hash"; fixed in crash 8.0.4, commit 88580068b7dd): the
        # list of all tasks is walked here by hand
        ("tasks", "list task_struct.tasks -s task_struct.pid,comm "
         "-h init_task"),
    ]) + "exit\n"


def check(args, tap):
    out = args.cache_dir / "out-crash-dbg" / KIND
    recipe = crashvm.obtain(args.cache_dir, KIND, out, args.crashdesk)
    vmcore = out / "vmcore"
    version = recipe["kernel"]
    try:
        vmlinux = ensure_vmlinux(args.dbg_cache, version)
        error = None
    except crashvm.StepError as e:
        vmlinux, error = None, str(e)
    tap.result(vmlinux is not None,
               f"the vmlinux of linux-image-{version}-dbg is at hand",
               [error])
    if vmlinux is None:
        return

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        dump = make_dump(args, vmcore, tmp, tap)
        if dump is None:
            return
        (tmp / "commands").write_text(crash_commands(tmp))
        rc, text, err = run(["crash", "-s", vmlinux, dump,
                             "-i", tmp / "commands"], stdin=subprocess.DEVNULL)
        outputs = {name: (tmp / name).read_text(errors="replace")
                   if (tmp / name).exists() else ""
                   for name in ("log", "bt", "ps", "tasks")}
        bad = [line for line in (text + err).splitlines()
               if re.search(r"do not match|inconsistency|page excluded|"
                             r"seek error|^crash: ", line)]
        tap.result(rc == 0 and not bad and all(outputs.values()),
                   "crash opens the vmlinux and the dump and runs log, bt, "
                   "ps and the task walk",
                   [f"exit {rc}", *bad, *(text + err).splitlines()[-10:],
                    "empty: " + " ".join(k for k, v in outputs.items()
                                         if not v)])

        rc, log, _ = run([args.crashdesk, "dmesg", vmcore])
        want = len(log.splitlines()) if rc == 0 else None
        lines = outputs["log"].splitlines()
        tap.result(any(BUG_LINE in line for line in lines) and
                   len(lines) == want,
                   "log shows the oops, and as many lines as the vmcore's log",
                   [f"{len(lines)} lines, crashdesk dmesg of the vmcore "
                    f"{want}", *[line for line in lines if "BUG" in line]])

        # where the kernel says it crashed: "RIP: 0010:FUNCTION+0xOFF/0xSIZE"
        oops = re.search(rf"RIP: \S+:{FUNCTION}\+(0x[0-9a-f]+)/0x[0-9a-f]+ "
                         rf"\[{MODULE}\]", log)
        offset = int(oops.group(1), 16) if oops else None
        bt = outputs["bt"]
        # crash 8.0.2 names module init text _MODULE_INIT_START_<module>;
        # the function is its only code there (crashdesk_test_init is __init)
        rip = re.search(r"\[exception RIP: (\w+)\+(\d+)\]", bt)
        rip_ok = rip is not None and int(rip.group(2)) == offset and \
            rip.group(1) in (FUNCTION, f"_MODULE_INIT_START_{MODULE}")
        tap.result(re.search(rf'^PID: \d+ +TASK: \w+ +CPU: \d+ +COMMAND: '
                             rf'"{COMM}"', bt, re.M) is not None and rip_ok
                   and "do_init_module" in bt,
                   f"bt shows {COMM} crashing in {FUNCTION}, called from "
                   "do_init_module",
                   [f"the oops says {FUNCTION}+{offset}",
                    *bt.splitlines()[:12]])

        ps = outputs["ps"]
        tap.result(re.search(rf"^> +\d+ .* {COMM}$", ps, re.M) is not None and
                   re.search(r" \[swapper/0\]$", ps, re.M) is not None,
                   f"ps lists {COMM} as the active task, and the idle task",
                   ps.splitlines()[:10])

        tasks = dict(re.findall(r'pid = (\d+),\s+comm = "([^"\\]*)',
                                outputs["tasks"]))
        found = {int(pid): comm for pid, comm in tasks.items()}
        tap.result(all(found.get(pid) == comm
                       for pid, comm in BOOT_TASKS.items()) and
                   COMM in found.values(),
                   "the task list walks from init_task through init, "
                   f"kthreadd and {COMM}",
                   [f"{len(found)} tasks: " +
                    " ".join(f"{p}:{c}" for p, c in sorted(found.items()))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path,
                        help="crashvm.py's cache (the VM suite's)")
    parser.add_argument("--dbg-cache", required=True, type=Path,
                        help="where the debug vmlinux is kept")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dump", type=Path,
                        help="open this dump of the oops vmcore instead of "
                        "saving one")
    source.add_argument("--makedumpfile", action="store_true",
                        help="open makedumpfile's dump of the oops vmcore "
                        "instead of crashdesk's")
    args = parser.parse_args()
    args.crashdesk = args.crashdesk.absolute()
    args.dbg_cache = args.dbg_cache.absolute()
    if args.dump is not None:
        args.dump = args.dump.absolute()
    return crashvm.tap_main(7, check, args)


if __name__ == "__main__":
    sys.exit(main())
