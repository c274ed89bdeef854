#!/usr/bin/python3
"""crashdesk load, unload, status and test-crash on a real kernel (TAP).

    check-load.py --crashdesk PATH --cache-dir DIR [--series SERIES]

Boots Debian's kernel of the series (crashvm.SERIES: 6.1, the default, or
6.12) in QEMU twice with load-checks.sh as /init, which runs crashdesk's
commands between markers on the serial console: once with
crashkernel=128M (status before and after loading, load's errors: missing
image and initrd, a bad configuration, a file that is no kernel, an initrd
too big for the reservation, and under lockdown an image whose signature was
removed), once without crashkernel= (status and load
explain that nothing is reserved and how to reserve it).
"""

import argparse
import json
import re
import struct
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import crashvm  # noqa: E402

HERE = Path(__file__).resolve().parent
INIT = HERE / "load-checks.sh"
MEMORY = "640M"
BOOT_TIMEOUT = 300
BAD_CONFIG = b"[Capture]\nDumpLevel=99\n"


def strip_pe_signature(signed):
    """The image without its Authenticode signature: the security directory
    (data directory 4 of the PE32+ optional header) emptied and the
    certificate table cut off."""
    data = bytearray(signed)
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[pe:pe + 4] != b"PE\0\0":
        raise crashvm.StepError("strip the signature", "vmlinuz is not a PE image")
    optional = pe + 24
    if struct.unpack_from("<H", data, optional)[0] != 0x20B:
        raise crashvm.StepError("strip the signature", "not a PE32+ image")
    security = optional + 112 + 4 * 8
    offset, size = struct.unpack_from("<II", data, security)
    if offset == 0 or size == 0:
        raise crashvm.StepError("strip the signature", "vmlinuz is not signed")
    struct.pack_into("<II", data, security, 0, 0)
    return bytes(data[:offset])


def build_initramfs(kernel_dir, crashdesk):
    cpio = crashvm.base_initramfs()
    cpio.add_file("init", INIT, 0o100755)
    closure = crashvm.program_closure(crashdesk)
    for path in closure:
        cpio.add_file(str(path), path)
    cpio.add("etc/crashdesk-guest-tool", str(closure[0]).encode())
    cpio.add("etc/crashdesk/bad.conf", BAD_CONFIG)
    vmlinuz = (kernel_dir / "vmlinuz").read_bytes()
    cpio.add("boot/vmlinuz", vmlinuz)
    cpio.add("boot/vmlinuz-unsigned", strip_pe_signature(vmlinuz))
    return cpio.to_bytes()


def boot(cache, work, kernel_dir, append):
    """Run the VM; return {step: (rc, output)} and the console text."""
    console_path = work / "console.log"
    console_path.unlink(missing_ok=True)
    command = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max",
               "-smp", "1", "-m", MEMORY, "-nodefaults", "-display", "none",
               "-no-reboot", "-kernel", kernel_dir / "vmlinuz",
               "-initrd", work / "initramfs.cpio",
               "-append", f"console=ttyS0 quiet panic=-1 {append}".strip(),
               "-serial", f"file:{console_path}"]
    with crashvm.boot_slot(cache):
        try:
            subprocess.run(command, capture_output=True, timeout=BOOT_TIMEOUT,
                           stdin=subprocess.DEVNULL,
                           preexec_fn=crashvm.die_with_parent, check=True)
        except subprocess.TimeoutExpired:
            raise crashvm.StepError("boot", f"timed out after {BOOT_TIMEOUT} s")
        except subprocess.CalledProcessError as e:
            raise crashvm.StepError("boot", f"qemu exited with {e.returncode}: "
                                    f"{e.stderr.decode(errors='replace')}")
    console = console_path.read_text(errors="replace").replace("\r", "")
    if crashvm.last_marker(console, "STAGE") != "done":
        raise crashvm.StepError("boot", "the checks did not finish:\n" +
                                "\n".join(console.splitlines()[-30:]))
    steps = {}
    for m in re.finditer(r"^CRASHDESK-BEGIN: (\S+)\n(.*?)^CRASHDESK-END: \1 (\d+)$",
                         console, re.M | re.S):
        steps[m.group(1)] = (int(m.group(3)), m.group(2))
    return steps, console


def expect(tap, steps, name, rc, *texts, absent=()):
    """Step name exited with rc and printed every text, and none of absent."""
    if name not in steps:
        tap.result(False, f"{name}: ran", ["no such step on the console"])
        return None
    got_rc, out = steps[name]
    missing = [t for t in texts if t not in out]
    present = [t for t in absent if t in out]
    what = f"{name}: exit {rc}" + (f", says {texts[0]!r}" if texts else "")
    tap.result(got_rc == rc and not missing and not present, what,
               [f"exit {got_rc}", *[f"missing: {t!r}" for t in missing],
                *[f"should not say: {t!r}" for t in present], "output:", out])
    return out


def check(args, tap):
    cache = Path(args.cache_dir).absolute()
    version = crashvm.kernel_version(args.series)
    with crashvm.locked(cache / "locks" / "prepare.lock"):
        kernel_dir = crashvm.ensure_kernel(cache, version)
    # one directory per series: vm-load and vm-load-6.12 run side by side, and
    # QEMU dies of SIGBUS when the other run rewrites the initramfs it maps
    work = cache / crashvm.entry_name("load-checks", None, args.series)
    crashvm.rmtree(work)
    work.mkdir(parents=True)
    (work / "initramfs.cpio").write_bytes(build_initramfs(kernel_dir, args.crashdesk))

    steps, console = boot(cache, work, kernel_dir, "crashkernel=128M")
    # the series asked for runs, and every check below is made on it
    tap.result(steps.get("release", (1, ""))[1].strip() == version,
               f"the guest runs {version}", [steps.get("release")])
    tap.result(steps.get("reserved", (1, ""))[1].strip() == str(128 << 20),
               "crashkernel=128M reserves 128 MiB", [steps.get("reserved")])
    expect(tap, steps, "status", 3, "Not ready", "Loaded:          no",
           "The capture kernel is not loaded", "128 MiB reserved")
    rc, out = steps.get("status-json", (None, "{}"))
    try:
        status = json.loads(out)
        ok = (rc == 3 and status["ready"] is False and status["loaded"] is False
              and status["reservation"]["reserved_bytes"] == 128 << 20)
    except (ValueError, KeyError, TypeError) as e:
        ok, status = False, f"{e}: {out}"
    tap.result(ok, "status --json: not ready, not loaded, 128 MiB reserved", [status])
    out = expect(tap, steps, "dry-run", 0, "command line: ", "console=ttyS0",
                 "irqpoll nr_cpus=1 reset_devices panic=10",
                 "systemd.unit=crashdesk-capture.target", absent=("crashkernel=",))
    expect(tap, steps, "load-missing", 1,
           "/boot/no-such-vmlinuz: cannot open: No such file or directory", "Kernel=")
    expect(tap, steps, "load-missing-initrd", 1,
           "/boot/no-such.img: cannot open: No such file or directory", "Initrd=")
    expect(tap, steps, "load-bad-config", 1,
           "/etc/crashdesk/bad.conf:2: [Capture] DumpLevel=99: out of range (0 to 31)")
    expect(tap, steps, "load-not-kernel", 1, "is not a kernel image this kernel can boot")
    expect(tap, steps, "load-too-big", 1, "did not fit in the")
    expect(tap, steps, "test-crash-unloaded", 1, "refused: no capture kernel is loaded")
    expect(tap, steps, "load", 0, "Loaded the capture kernel /boot/vmlinuz")
    expect(tap, steps, "loaded", 0, "1")
    # the image load would use at the next boot is missing here: a note, not a problem
    expect(tap, steps, "status-loaded", 0, "Ready: a kernel crash now would be captured",
           "Loaded:          yes", "At the next boot",
           "/boot/vmlinuz-" + version + " is missing")
    expect(tap, steps, "test-crash-no-yes", 1, "not on a terminal: confirm with --yes",
           "This crashes the running kernel")
    expect(tap, steps, "unload", 0, "Unloaded the capture kernel")
    expect(tap, steps, "unloaded", 0, "0")
    expect(tap, steps, "unload-again", 0, "No capture kernel is loaded")
    expect(tap, steps, "lockdown", 0, "[integrity]")
    # the kernel's own reason is passed on; that a signed image loads under
    # lockdown needs keys from UEFI Secure Boot, which this VM does not have
    expect(tap, steps, "load-unsigned", 1, "the kernel is locked down (integrity)",
           "/boot/vmlinuz-unsigned",
           "kernel: Lockdown: crashdesk: kexec of unsigned images is restricted")

    steps, console = boot(cache, work, kernel_dir, "")
    tap.result(steps.get("reserved", (1, ""))[1].strip() == "0",
               "without crashkernel= nothing is reserved", [steps.get("reserved")])
    expect(tap, steps, "status", 3, "Not ready",
           "No memory is reserved for a capture kernel: the kernel command line has no "
           "crashkernel= option.", "Suggested: crashkernel=",
           "to the kernel command line in the boot loader's configuration, then reboot")
    expect(tap, steps, "load-unreserved", 1, "no memory is reserved for a capture kernel",
           "Suggested: crashkernel=")
    crashvm.rmtree(work)


TOTAL = 23


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--series", choices=sorted(crashvm.SERIES),
                        default=crashvm.DEFAULT_SERIES)
    args = parser.parse_args()
    sys.exit(crashvm.tap_main(TOTAL, check, args))


if __name__ == "__main__":
    main()
