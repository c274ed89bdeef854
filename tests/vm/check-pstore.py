#!/usr/bin/python3
"""crashdesk pstore on the records a real kernel left (TAP).

    check-pstore.py --crashdesk PATH --cache-dir DIR [--record DIR]

Boots Debian's kernel in QEMU with pstore-checks.sh as /init, crashes it, and
lets the next boot of the same machine run "crashdesk pstore" on what the
kernel kept:

 - ramoops: memmap= reserves 1 MiB of RAM for it, the module gets the region
   as parameters; the guest panics with panic=1 and QEMU's reset keeps RAM,
   so the next boot finds the records. Three boots: an oops with
   panic_on_oops (Oops#1 and Panic#2, one report expected), sysrq c from a
   task whose name holds terminal escapes, and the boot that collects it.
 - efi-pstore under OVMF: the kernel writes dmesg-efi-* variables to OVMF's
   variable store at the oops and at the panic. Two boots.

Each collecting boot writes the records, the report and what pstore holds
after the save (and after mounting pstore again, which reads the backend
anew) to a disk that the checks read. With --record DIR the records are also
copied to DIR/<backend>-<crash>/, the fixtures tests/test-pstore.c reads
(see tests/pstore/README.md).
"""

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import crashvm  # noqa: E402

HERE = Path(__file__).resolve().parent
INIT = HERE / "pstore-checks.sh"
MEMORY = "640M"
BOOT_TIMEOUT = 600
SLOT = 4 << 20
DISK_BYTES = 64 << 20
# 1 MiB at 256 MiB: below where QEMU puts the initramfs (the top of RAM) and kept
# out of the kernel's hands (and KASLR's) by memmap=
RAMOOPS_ADDRESS = 0x10000000
RAMOOPS_SIZE = 0x100000
# 256 KiB records: a compressed dump holds the whole log of this short boot, banner
# and all; ecc=16 makes ram.c append its ECC notice
RAMOOPS_PARAMS = (f"mem_address={RAMOOPS_ADDRESS:#x},mem_size={RAMOOPS_SIZE:#x},"
                  "record_size=0x40000,ecc=16")
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
BACKEND_MODULES = {"ramoops": ("ramoops",), "efi": ("efi_pstore",)}
# what the task name is made visible as in meta.json and report.crash
HOSTILE_COMM = "\\x1b[8m\\x1b]0;pwned\\x07"


def ensure_pstore_modules(cache, kernel_dir, version):
    """kernel_dir/pstore-modules/BACKEND: each backend's module and its
    dependencies in load order, from Debian's package (fetched again, as
    crashvm.ensure_fs_modules does, for a kernel cached without them)."""
    out = kernel_dir / "pstore-modules"
    if out.is_dir():
        return out
    step = f"fetch the pstore modules of kernel {version}"
    tmp = cache / "kernel" / f"{version}.pstore.tmp"
    crashvm.unpack_kernel_package(step, tmp, version)
    for backend, wanted in BACKEND_MODULES.items():
        crashvm.write_modules(tmp, version, wanted, tmp / "pstore-modules" / backend)
    (tmp / "pstore-modules").rename(out)
    crashvm.rmtree(tmp)
    return out


def build_initramfs(kernel_dir, pstore_modules, module_ko, crashdesk):
    cpio = crashvm.base_initramfs()
    cpio.add_file("init", INIT, 0o100755)
    for ko in sorted((kernel_dir / "modules").iterdir()):
        cpio.add_file(f"lib/modules/virtio/{ko.name}", ko)
    for backend in BACKEND_MODULES:
        for ko in sorted((pstore_modules / backend).iterdir()):
            cpio.add_file(f"lib/modules/pstore/{backend}/{ko.name}", ko)
    cpio.add_file("lib/modules/crashdesk_test.ko", module_ko)
    closure = crashvm.program_closure(crashdesk)
    for path in closure:
        cpio.add_file(str(path), path)
    cpio.add("etc/crashdesk-guest-tool", str(closure[0]).encode())
    return cpio.to_bytes()


def boot(cache, work, kernel_dir, backend, crashes):
    """One QEMU run: the guest boots once per crash and once more; QEMU
    resets the machine (RAM kept) when the kernel panics. Returns the
    console text and the seconds it took."""
    console_path = work / "console.log"
    console_path.unlink(missing_ok=True)
    disk = work / "disk.img"
    crashvm.make_sparse_disk(disk, DISK_BYTES)
    append = (f"console=ttyS0 quiet panic=1 crashdesk.backend={backend} "
              f"crashdesk.crashes={','.join(crashes)}")
    command = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", "1",
               "-m", MEMORY, "-nodefaults", "-display", "none",
               "-kernel", kernel_dir / "vmlinuz", "-initrd", work / "initramfs.cpio",
               "-serial", f"file:{console_path}",
               "-drive", f"file={disk},format=raw,if=virtio"]
    if backend == "ramoops":
        append += (f" memmap={RAMOOPS_SIZE >> 20}M${RAMOOPS_ADDRESS:#x}"
                   f" crashdesk.ramoops={RAMOOPS_PARAMS}")
    else:
        vars_fd = work / "OVMF_VARS.fd"
        shutil.copy(OVMF_VARS, vars_fd)
        command += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
                    "-drive", f"if=pflash,format=raw,unit=1,file={vars_fd}"]
    command += ["-append", append]
    start = time.monotonic()
    with crashvm.boot_slot(cache):
        try:
            subprocess.run(command, capture_output=True, timeout=BOOT_TIMEOUT,
                           stdin=subprocess.DEVNULL,
                           preexec_fn=crashvm.die_with_parent, check=True)
        except subprocess.TimeoutExpired:
            raise crashvm.StepError(f"boot {backend}",
                                    f"timed out after {BOOT_TIMEOUT} s:\n" +
                                    tail(console_path))
        except subprocess.CalledProcessError as e:
            raise crashvm.StepError(f"boot {backend}",
                                    f"qemu exited with {e.returncode}: "
                                    f"{e.stderr.decode(errors='replace')}")
    seconds = time.monotonic() - start
    console = console_path.read_text(errors="replace").replace("\r", "")
    error = crashvm.last_marker(console, "ERROR")
    if error is not None or crashvm.last_marker(console, "STAGE") != "done":
        raise crashvm.StepError(f"boot {backend}", (error or "the boots did not finish")
                                + ":\n" + tail(console_path))
    return console, seconds, disk


def tail(path, lines=40):
    if not path.exists():
        return "(no console log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def collected(disk, console, boot_no):
    """{name: bytes} of what the boot collected (the tar's members under c/)."""
    m = re.search(rf"^CRASHDESK-COLLECTED: {boot_no} (\d+)$", console, re.M)
    if m is None:
        raise crashvm.StepError(f"read boot {boot_no}'s results", "no COLLECTED line")
    with open(disk, "rb") as f:
        f.seek(boot_no * SLOT)
        data = f.read(int(m.group(1)))
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                files[member.name.removeprefix("c/")] = (tar.extractfile(member).read(),
                                                          member.mtime)
    return files


def report_files(files):
    """{report id: {file: bytes}} of the reports the boot saved."""
    reports = {}
    for name, (data, _) in files.items():
        m = re.fullmatch(r"reports/([0-9]{8}-[0-9]{6}-[0-9a-f]{8})/([^/]+)", name)
        if m:
            reports.setdefault(m.group(1), {})[m.group(2)] = data
    return reports


def record(files, dest):
    """The records into dest, with the mtimes the kernel gave them."""
    crashvm.rmtree(dest)
    dest.mkdir(parents=True)
    for name, (data, mtime) in files.items():
        if name.startswith("records/"):
            path = dest / name.removeprefix("records/")
            path.write_bytes(data)
            os.utime(path, (mtime, mtime))


def check_one(tap, label, files, version, expect):
    """The checks every collected crash gets; expect: kind, message (a part
    of it), comm, complete, records (a regex every record name matches),
    how many records at least, and the release's source."""
    records = sorted(n.removeprefix("records/") for n in files if n.startswith("records/"))
    dmesg_records = [n for n in records if n.startswith("dmesg-")]
    tap.result(len(dmesg_records) >= expect["records"] and
               all(re.fullmatch(expect["names"], n) for n in dmesg_records),
               f"{label}: the kernel left {expect['records']}+ records named like "
               f"{expect['names']}", records)
    rc = files.get("save.rc", (b"?", 0))[0].decode().strip()
    out = files.get("save.out", (b"", 0))[0].decode(errors="replace")
    reports = report_files(files)
    tap.result(rc == "0" and len(reports) == 1,
               f"{label}: crashdesk pstore exits 0 and saves one report",
               [f"exit {rc}", out, sorted(reports)])
    if len(reports) != 1:
        return
    report = next(iter(reports.values()))
    meta_raw = report.get("meta.json", b"{}")
    crash_raw = report.get("report.crash", b"")
    meta = json.loads(meta_raw)
    crash = meta.get("crash", {})
    kernel = meta.get("kernel", {})
    dmesg = meta.get("dmesg", {})
    tap.result(meta.get("source") == "pstore" and crash.get("kind") == expect["kind"] and
               expect["message"] in (crash.get("message") or "") and
               crash.get("comm") == expect["comm"],
               f"{label}: kind {expect['kind']}, message, task",
               [json.dumps(crash, indent=1)[:1500]])
    version_ok = (kernel.get("version") or "").startswith(expect["version_prefix"])
    tap.result(kernel.get("release") == version and version_ok and
               f"Uname: Linux {version} ".encode() in crash_raw and
               f"Package: linux-image-{version}\n".encode() in crash_raw,
               f"{label}: the release {version} from the log's {expect['release_from']}",
               [kernel, crash_raw[:300]])
    warnings = dmesg.get("warnings", [])
    tap.result(dmesg.get("complete") is expect["complete"] and
               (expect["complete"] or any("start of the log is missing" in w
                                          for w in warnings)),
               f"{label}: dmesg.complete {str(expect['complete']).lower()}", [dmesg])
    hidden = [c for c in (0x1b, 0x07, 0x9b) if bytes([c]) in meta_raw + crash_raw]
    tap.result(not hidden and "\\u001b".encode() not in meta_raw,
               f"{label}: meta.json and report.crash hold no control character",
               [f"found {hidden}"])
    after = files.get("after-save.txt", (b"?", 0))[0].decode().split()
    again = files.get("after-remount.txt", (b"?", 0))[0].decode().split()
    tap.result(not [n for n in after + again if n.startswith("dmesg-")],
               f"{label}: the records are gone after the save, from the backend too",
               [f"after the save: {after}", f"mounted again: {again}"])
    return report


def check(args, tap):
    cache = Path(args.cache_dir).absolute()
    version = crashvm.kernel_version()
    with crashvm.locked(cache / "locks" / "prepare.lock"):
        kernel_dir = crashvm.ensure_kernel(cache, version)
        module_ko = crashvm.ensure_module(cache, version)
        pstore_modules = ensure_pstore_modules(cache, kernel_dir, version)
    work = cache / "pstore-checks"
    crashvm.rmtree(work)
    work.mkdir(parents=True)
    (work / "initramfs.cpio").write_bytes(
        build_initramfs(kernel_dir, pstore_modules, module_ko, args.crashdesk))

    runs = (("ramoops", ("oops", "sysrq_comm")), ("efi", ("oops",)))
    for backend, crashes in runs:
        if backend == "efi" and not OVMF_CODE.exists():
            for _ in range(7):
                tap.number += 1
                print(f"ok {tap.number} # SKIP efi: no {OVMF_CODE} (apt-get install ovmf)")
            continue
        console, seconds, disk = boot(cache, work, kernel_dir, backend, crashes)
        print(f"# {backend}: {len(crashes) + 1} boots in {seconds:.0f} s")
        for i, crash in enumerate(crashes):
            files = collected(disk, console, i + 1)
            label = f"{backend} {crash}"
            if args.record:
                record(files, Path(args.record) / f"{backend}-{crash}")
            if crash == "oops":
                expect = {"kind": "oops", "comm": "insmod",
                          "message": "BUG: kernel NULL pointer dereference",
                          "records": 2 if backend == "ramoops" else 10,
                          "names": rf"dmesg-{backend}-\d+"}
            else:
                expect = {"kind": "sysrq", "comm": HOSTILE_COMM,
                          "message": "sysrq triggered crash", "records": 1,
                          "names": rf"dmesg-{backend}-\d+"}
            if backend == "ramoops":
                # the whole log fits in a record: the banner names the release
                expect.update(complete=True, release_from="banner",
                              version_prefix="#1 SMP PREEMPT_DYNAMIC Debian ")
            else:
                # efi keeps the last ~10 KiB: the "CPU:" line names it
                expect.update(complete=False, release_from="CPU: line",
                              version_prefix="#1 ")
            report = check_one(tap, label, files, version, expect)
            if crash == "sysrq_comm" and report is not None:
                tap.result(b"Comm: \x1b[8m\x1b]0;pwned\x07 " in report.get("dmesg.txt", b""),
                           f"{label}: dmesg.txt keeps the task name's bytes as evidence")
    crashvm.rmtree(work)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--crashdesk", required=True)
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--record", metavar="DIR",
                        help="copy the records to DIR/BACKEND-CRASH/")
    args = parser.parse_args()
    return crashvm.tap_main(7 + 8 + 7, check, args, missing="no pstore records")


if __name__ == "__main__":
    sys.exit(main())
