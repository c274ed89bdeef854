#!/usr/bin/python3
"""End to end on a real system: crash, capture, reboot, find the report.

    e2e-panic-reboot.py --crashdesk PATH --panic-console PATH --build-dir DIR
                        --cache-dir DIR [--series SERIES] [--out DIR]
                        [--crashkernel MIB] [--memory MIB]

A Debian 12 image (image.py) whose kernel is of SERIES (crashvm.SERIES: Debian 12's
own 6.1, the default, or bookworm's long-term 6.12) with crashdesk installed by
`meson install` and its units enabled boots in QEMU with crashkernel=; systemd
loads the capture kernel (crashdesk-load.service); the test's control unit crashes
the kernel; the capture kernel boots the same root file system into crashdesk-capture.target, saves and
reboots; the normal boot that follows prints what `crashdesk list`, `status` and
`show` say, and powers off.  The image turns the panic screen on (PanicScreen=brown):
while the capture kernel saves, the host takes QEMU's screendump of its standard VGA
display twice, once the screen is drawn and once the report is saved and the screen
counts down to the reboot, and reads them:
the brown, the panic message (tesseract), the QR code (zbarimg), the progress line.  Then the host reads the disk image with debugfs (no
mounts): the report's directories and files, their owners and modes, meta.json, and
runs its own crashdesk on the extracted report.  Prints TAP.

--out (default: CACHE/../run, CACHE/../run-SERIES for another series) receives
console.log, stages.json, disk.img (until the next run), the screendumps
screen-*.ppm and the extracted report under report/.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent / "vm"))
import image  # noqa: E402
import screen  # noqa: E402
from crashvm import (DEFAULT_SERIES, SERIES, boot_slot, die_with_parent,  # noqa: E402
                     rmtree, tap_main)

# Debian's 6.1 kernel with its own initramfs (MODULES=most) boots the root file
# system into the capture target and saves with 256M; with 248M and less it runs
# out of memory unpacking the initramfs (tests/e2e/README.md).  384M: half again as much.
CRASHKERNEL_MIB = 384
MEMORY_MIB = 1280
# systemd names units, not their descriptions, in its status lines: the host
# follows the boots by unit name
APPEND = "root=/dev/vda rw console=ttyS0 systemd.status_unit_format=name"
TIMEOUT = 1500
REPORT_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$")
REPORT_FILES = ("dmesg.txt", "dump.kdump", "meta.json", "report.crash")
# what an administrator enables (capture/README.md), and the test's control unit
ENABLE = ("crashdesk-load.service", "crashdesk-pstore.service", "crashdesk-e2e.service")
# the test's control unit and script (guest/), which only this image has
CONTROL_FILES = {
    "/usr/local/libexec/crashdesk-e2e": (HERE / "guest" / "crashdesk-e2e", 0o755),
    "/etc/systemd/system/crashdesk-e2e.service":
        (HERE / "guest" / "crashdesk-e2e.service", 0o644),
    "/etc/crashdesk/crashdesk.conf": (HERE / "guest" / "crashdesk.conf", 0o644),
}
BROWN = 0xaa5500
WHITE = 0xffffff


# the display cards the panic screen is checked on (QEMU's -device), and the DRM
# driver each gets in the guest: the standard VGA card, virtio's, and QXL (SPICE's,
# many VM managers' choice)
DISPLAYS = {"VGA": "bochs-drm", "virtio-vga": "virtio_gpu", "qxl-vga": "qxl"}
DEFAULT_DISPLAY = "VGA"
# the firmware: SeaBIOS, QEMU's own, or OVMF (UEFI: the kernel starts on efifb, which
# the card's DRM driver replaces); QEMU boots -kernel through either
OVMF_CODE = Path("/usr/share/OVMF/OVMF_CODE_4M.fd")
OVMF_VARS = Path("/usr/share/OVMF/OVMF_VARS_4M.fd")
FIRMWARES = ("bios", "uefi")
DEFAULT_FIRMWARE = "bios"


def firmware_options(firmware, out):
    """QEMU's options for the firmware; OVMF's variable store is a copy in out."""
    if firmware == "bios":
        return []
    variables = out / "OVMF_VARS.fd"
    shutil.copyfile(OVMF_VARS, variables)
    return ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF_CODE}",
            "-drive", f"if=pflash,format=raw,unit=1,file={variables}"]


def qemu_command(kernel, initrd, disk, console, monitor, crashkernel, memory,
                 display=DEFAULT_DISPLAY, firmware=(), append="", extra=()):
    # no -no-reboot: the capture kernel's reboot must start the machine again;
    # -device DISPLAY: the card the panic screen draws on
    return ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", "1",
            "-m", f"{memory}M", "-nodefaults", "-display", "none", "-nic", "none",
            "-device", display, *firmware,
            "-monitor", f"unix:{monitor},server=on,wait=off",
            "-kernel", kernel, "-initrd", initrd,
            "-append", f"{APPEND} crashkernel={crashkernel}M {append}".strip(),
            "-drive", f"file={disk},format=raw,if=virtio,discard=unmap",
            "-serial", f"file:{console}", *extra]


def run_name(series, display, firmware):
    """The run's directory under the cache's parent: run for the default cycle, and
    run-6.12, run-qxl-vga, run-uefi-virtio-vga... for the others."""
    parts = [series if series != DEFAULT_SERIES else None,
             firmware if firmware != DEFAULT_FIRMWARE else None,
             display if display != DEFAULT_DISPLAY else None]
    return "-".join(["run"] + [p for p in parts if p])


# what crashdesk-panic-console writes to the kernel log once the screen is drawn
SCREEN_DRAWN = r"crashdesk-panic-console: showing the panic on "
# the screendumps taken when these stages are reached (SCREENSHOT_DELAY s later), by
# file name; the countdown the second one shows lasts 10 s
SCREENSHOT_DELAY = 1.5
SCREENSHOTS = {
    "capture kernel: the panic screen is drawn": "screen-drawn.ppm",
    "capture kernel: the panic screen counts down to the reboot": "screen-saved.ppm",
}

# The stages of one cycle, in order, as the serial console shows them.  Each is
# looked for after the previous one; boot N starts at the Nth "Linux version".
STAGES = (
    ("first boot: the kernel starts", r"Linux version "),
    ("first boot: crashdesk-load.service succeeded",
     r"CRASHDESK-LOAD-SERVICE: active/success"),
    ("first boot: /sys/kernel/kexec_crash_loaded is 1", r"CRASHDESK-CRASH-LOADED: 1"),
    ("first boot: the kernel crashes (sysrq c)", r"sysrq: Trigger a crash"),
    ("capture kernel: boots", r"Linux version "),
    ("capture kernel: its command line names crashdesk-capture.target",
     r"Command line: [^\n]*systemd\.unit=crashdesk-capture\.target"),
    ("capture kernel: systemd starts crashdesk-capture.target",
     r"Queued start job for default target crashdesk-capture\.target"),
    ("capture kernel: the panic screen is drawn", SCREEN_DRAWN),
    ("capture kernel: crashdesk save wrote the report",
     r"crashdesk\[\d+\]: /var/crash/kernel/reports/\d{8}-\d{6}-[0-9a-f]{8}$"),
    ("capture kernel: the panic screen counts down to the reboot",
     r"crashdesk final-action: the panic screen counts down \d+ s to the reboot"),
    ("capture kernel: crashdesk final-action reboots",
     r"The capture is over: reboot\.(?s:.*?)reboot: Restarting system"),
    ("second boot: the kernel starts", r"Linux version "),
    ("second boot: a normal boot", r"Command line: (?![^\n]*crashdesk-capture)"),
    ("second boot: the control unit prints the report", r"CRASHDESK-STAGE: done"),
    ("second boot: powers off", r"reboot: Power down"),
)


class Console:
    """Follows the serial console log while QEMU runs: the host time at which
    each stage first appeared (after the previous one)."""

    def __init__(self, path, log):
        self.path = path
        self.log = log
        self.reached = []    # (stage name, seconds since boot start, offset)
        self.start = time.monotonic()

    def text(self):
        try:
            text = self.path.read_bytes().decode(errors="replace")
        except FileNotFoundError:
            return ""
        # systemd colours its status lines
        return re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r", "")

    def poll(self):
        text = self.text()
        offset = self.reached[-1][2] if self.reached else 0
        while len(self.reached) < len(STAGES):
            name, pattern = STAGES[len(self.reached)]
            m = re.compile(pattern, re.M).search(text, offset)
            if not m:
                break
            offset = m.end()
            seconds = round(time.monotonic() - self.start, 1)
            self.reached.append((name, seconds, offset))
            self.log(f"{seconds:6.1f} s  {name}")
        return text


def boot(cmd, console_path, monitor, out, timeout, log):
    """Run QEMU until it exits (the guest powers off) or timeout, logging each
    stage as it is reached and taking the SCREENSHOTS; returns (Console, problem
    or None, {screenshot file: error or None})."""
    console = Console(console_path, log)
    # QEMU's own messages (and its trace, with --qemu-arg=-trace...) in a file: a pipe
    # nobody reads until the end would stop it once full
    qemu_log = open(out / "qemu.log", "wb")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=qemu_log,
                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    problem = None
    shots = {}
    while proc.poll() is None:
        console.poll()
        for name, seconds, _ in console.reached:
            shot = SCREENSHOTS.get(name)
            # the console redraws within a quarter of a second of the news: let it
            if (shot is not None and shot not in shots and
                    time.monotonic() - console.start >= seconds + SCREENSHOT_DELAY):
                shots[shot] = screen.screendump(monitor, out / shot)
                log(f"screendump {shot}: {shots[shot] or 'taken'}")
        if time.monotonic() - console.start > timeout:
            proc.kill()
            problem = f"timed out after {timeout} s"
            break
        time.sleep(0.5)
    proc.wait()
    qemu_log.close()
    console.poll()
    if problem is None and proc.returncode != 0:
        said = (out / "qemu.log").read_bytes()[-2000:].decode(errors="replace").strip()
        problem = f"qemu exited with {proc.returncode}: {said}"
    return console, problem, shots


# a kernel message printed between journald's write of a line and its newline ends up
# at the end of that line on the console ("},[   33.676478] kvm_amd: ..." in a 6.12
# guest whose udev still loads modules while the control unit prints)
KERNEL_TAIL = re.compile(r"\[\s*\d+\.\d{6}\] .*$")


def markers(text, name):
    """What the guest printed after CRASHDESK-NAME: (the console puts the
    journal's "[time] unit[pid]: " before it), line by line, without a kernel
    message that came in before the line's end."""
    return [KERNEL_TAIL.sub("", line)
            for line in re.findall(rf"CRASHDESK-{name}: ?(.*)$", text, re.M)]


BOOTS = ("first boot", "capture kernel", "second boot")


def split_boots(text):
    """The console of each boot, from its kernel's first line."""
    return re.split(r"^(?=.*Linux version )", text, flags=re.M)[1:]


def tail(text, stage, lines=60):
    """The last console lines of the boot stage belongs to (its name says which:
    a capture kernel that dies reboots into a normal boot, whose end is no help),
    or of the whole console if that boot never started."""
    boots = split_boots(text)
    index = BOOTS.index(stage.split(":")[0])
    if index < len(boots):
        return ([f"last console lines of the {BOOTS[index]}:"] +
                boots[index].splitlines()[-lines:])
    return ["last console lines:"] + text.splitlines()[-lines:]


# --- the cycle -----------------------------------------------------------------

def prepare(args, out, log):
    """The disk image for this run; returns (kernel files, what went in)."""
    base_tree, recipe = image.ensure_base(args.cache_dir,
                                          [args.crashdesk, args.panic_console], log,
                                          args.series)
    release, vmlinuz, initrd = image.kernel_files(base_tree)
    made = image.make_disk(base_tree, args.build_dir, out, CONTROL_FILES, ENABLE)
    made.update(release=release, base=recipe)
    return (vmlinuz, initrd), made


def check(args, tap):
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name in ("console.log", "disk.img", "stages.json", "qemu.log"):
        (out / name).unlink(missing_ok=True)
    rmtree(out / "report")

    def log(message):
        print(f"# {message}", flush=True)

    start = time.monotonic()
    (vmlinuz, initrd), made = prepare(args, out, log)
    release = made["release"]
    log(f"image ready in {time.monotonic() - start:.1f} s (disk {made['seconds']} s); "
        f"kernel {release}, units enabled: {' '.join(made['enabled'])}")

    console_path = out / "console.log"
    # the image's kernel is the series asked for (its metapackage's), not another
    # that the archive or the runtime packages pulled in
    tap.result(release.startswith(f"{args.series}.") and release.endswith("-amd64"),
               f"the image's kernel is of series {args.series}: {release}",
               [f"kernel packages in the image: "
                f"{sorted(p for p in made['packages'] if p.startswith('linux-image'))}"])

    log(f"booting it in QEMU: {args.memory} MiB, crashkernel={args.crashkernel}M, "
        f"-device {args.display} ({DISPLAYS[args.display]} in the guest), "
        f"{args.firmware} firmware, serial console in {console_path}")
    for old in out.glob("screen-*.ppm"):
        old.unlink()
    # a unix socket's path is short: not under a build directory of any depth
    with tempfile.TemporaryDirectory(prefix="crashdesk-e2e-") as tmp:
        monitor = Path(tmp) / "monitor.sock"
        cmd = qemu_command(vmlinuz, initrd, out / "disk.img", console_path, monitor,
                           args.crashkernel, args.memory, args.display,
                           firmware_options(args.firmware, out), args.append,
                           args.qemu_arg)
        with boot_slot(args.cache_dir):
            console, problem, shots = boot(cmd, console_path, monitor, out,
                                           args.timeout, log)
    text = console.text()
    (out / "stages.json").write_text(json.dumps(
        {"crashkernel_mib": args.crashkernel, "memory_mib": args.memory,
         "problem": problem, "stages": [(n, t) for n, t, _ in console.reached]},
        indent=2) + "\n")

    # 1-13: each stage, in order
    reached = {name for name, _, _ in console.reached}
    first_missing = True
    for name, _ in STAGES:
        ok = name in reached
        comments = []
        if not ok and first_missing:
            first_missing = False
            comments = [problem or "the console never showed it"] + tail(text, name)
        tap.result(ok, name, comments)

    # 14: the capture kernel ran the capture target alone
    boots = split_boots(text)
    capture = boots[1] if len(boots) > 1 else ""
    intruders = [line for line in capture.splitlines()
                 if re.search(r"crashdesk-e2e(\.service|\[)|CRASHDESK-", line)]
    tap.result(capture != "" and not intruders,
               "capture kernel: the test's control unit did not run", intruders[:10])

    # 15: the image holds neither kexec-tools nor makedumpfile, nor a kexec
    disk = out / "disk.img"
    present = sorted(set(image.FORBIDDEN_PACKAGES) & made["packages"])
    present += [path for path in ("/usr/sbin/kexec", "/usr/sbin/makedumpfile",
                                  "/usr/local/sbin/kexec")
                if image.debugfs_stat(disk, path) is not None]
    tap.result(not present, "the image has neither kexec-tools nor makedumpfile",
               [f"found: {present}"])
    # 16: mkfs.ext4 -d kept what the tree had
    tap.result(not made["lost"], "the disk image keeps the tree's owners and modes "
               f"(mkfs.ext4 -d; {len(made['installed'])} installed files and "
               f"{', '.join(image.KEPT_SAMPLES)})", made["lost"])

    hiding, root = "/var/crash/kernel", "/var/crash/kernel/reports"
    # 17: the level that hides the reports holds nothing but the root, so that its link
    # count and times tell no one how many reports there are
    st = image.debugfs_stat(disk, hiding)
    entries = image.debugfs_ls(disk, hiding)
    links = re.search(r"Links: (\d+)", image.debugfs(disk, f"stat {hiding}"))
    tap.result(st == (0o40700, 0, 0) and entries == {"reports": (0o40700, 0, 0)} and
               links is not None and links.group(1) == "3",
               f"{hiding} is 0700 root:root and holds only reports/, 0700 root:root "
               "(3 links, whatever the reports)",
               [f"mode, uid, gid: {st and (oct(st[0]), st[1], st[2])}",
                f"entries: {entries}", f"links: {links and links.group(1)}"])
    # 18: the new report and the one of the old layout the capture kernel's save moved
    old_id = next(iter(markers(text, "OLD-ID")), "").strip() or None
    entries = image.debugfs_ls(disk, root)
    ids = [n for n in entries if REPORT_ID.match(n)]
    new = [n for n in ids if n != old_id]
    report_id = new[0] if len(new) == 1 else None
    tap.result(report_id is not None and old_id in ids and len(entries) == 2 and
               all(v == (0o40700, 0, 0) for v in entries.values()),
               f"{root} holds two report directories, named like "
               "20261122-151444-fa2d0ca4, 0700 root:root: the new one and the one "
               "written in the old layout on the first boot",
               [f"{root}: {entries}", f"old layout: {old_id}",
                "first boot's pstore into the old layout:"] + markers(text, "OLD"))
    try:
        moved = json.loads(image.debugfs(disk, f"cat {root}/{old_id}/meta.json"))
    except ValueError:
        moved = {}
    tap.result(moved.get("source") == "pstore" and
               "crashdesk e2e old layout" in json.dumps(moved) and
               "moved the old layout's reports and leftovers (1) into "
               f"{root}" in capture,
               "the capture kernel's save moved the report of the old layout into "
               f"{root}, whole", [f"meta.json: {json.dumps(moved)[:600]}"])
    pstore_service = [line.strip() for line in markers(text, "PSTORE-SERVICE")]
    tap.result(pstore_service == ["yes/success"],
               "crashdesk-pstore.service ran at the second boot, with no records",
               [f"ConditionResult/Result: {pstore_service}"])
    # 19: its files
    files = image.debugfs_ls(disk, f"{root}/{report_id}") if report_id else {}
    tap.result(sorted(files) == sorted(REPORT_FILES) and
               all(v == (0o100600, 0, 0) for v in files.values()),
               f"the report holds {', '.join(REPORT_FILES)}, each 0600 root:root",
               [f"{n}: {oct(m)} {u}:{g}" for n, (m, u, g) in files.items()])
    # 20: meta.json
    try:
        meta = json.loads(image.debugfs(disk, f"cat {root}/{report_id}/meta.json"))
    except ValueError:
        meta = {}
    kind = meta.get("crash", {}).get("kind")
    meta_release = meta.get("kernel", {}).get("release")
    tap.result(kind == "sysrq" and meta_release == release and
               meta.get("source") == "kdump" and meta.get("id") == report_id,
               f"meta.json: a kdump report of a sysrq crash of {release}",
               [f"kind {kind}, release {meta_release}, source {meta.get('source')}, "
                f"id {meta.get('id')}"])
    # 21: the dump is whole
    dump = meta.get("dump") or {}
    tap.result(dump.get("file") == "dump.kdump" and dump.get("complete") is True,
               "meta.json: the dump was written whole", [f"dump: {dump}"])

    # 22-23: the host's crashdesk on the extracted report
    extracted = out / "report"
    # crashdesk opens no report root that others may read
    extracted.mkdir(mode=0o700)
    os.chmod(extracted, 0o700)
    if report_id:
        image.debugfs(disk, f"rdump {root}/{report_id} {extracted}")
    rc, show, err = crashdesk(args, "show", "--dir", extracted, report_id or "-",
                              "--json")
    try:
        shown = json.loads(show)
    except ValueError:
        shown = None
    tap.result(rc == 0 and isinstance(shown, dict) and shown.get("id") == report_id,
               "crashdesk show --json on the host reads the extracted report",
               [f"exit {rc}", err, show[:2000]])
    rc, dmesg, err = crashdesk(args, "dmesg", extracted / str(report_id) / "dump.kdump")
    saved = extracted / str(report_id) / "dmesg.txt"
    saved_text = saved.read_text(errors="replace") if saved.is_file() else None
    tap.result(rc == 0 and "sysrq: Trigger a crash" in dmesg and dmesg == saved_text,
               "crashdesk dmesg dump.kdump on the host: the crash, as dmesg.txt has it",
               [f"exit {rc}", err, f"{len(dmesg)} bytes, dmesg.txt "
                f"{len(saved_text or '')} bytes"])

    # on the first boot, test-crash on a terminal asked for the word, got another, and
    # left the kernel alone
    confirm = markers(text, "CONFIRM")
    tap.result(any("Type 'crash' to crash the kernel now" in line for line in confirm) and
               any("Not crashed." in line for line in confirm) and
               any(line.strip() == "rc=1" for line in confirm),
               "test-crash on a terminal asks for the word and stops on another",
               ["test-crash printed:"] + confirm)

    # before the crash, status said a crash would be captured
    first = boots[0] if boots else ""
    status = markers(first, "STATUS")
    tap.result(any(line.startswith("Ready: a kernel crash now would be captured")
                   for line in status),
               "first boot: crashdesk status says a crash now would be captured",
               ["status printed:"] + status)

    # what the guest printed after the reboot
    listed = markers(text, "LIST")
    tap.result(report_id is not None and
               any(line.startswith(report_id) and "sysrq" in line for line in listed),
               "crashdesk list in the guest names the report as a sysrq crash",
               ["list printed:"] + listed)
    status = markers(boots[2] if len(boots) > 2 else "", "STATUS")
    tap.result(report_id is not None and any(report_id in line for line in status),
               "crashdesk status in the guest names the report", ["status printed:"]
               + status)
    try:
        guest_show = json.loads("\n".join(markers(text, "SHOW")))
    except ValueError:
        guest_show = None
    tap.result(isinstance(guest_show, dict) and guest_show.get("id") == report_id and
               guest_show.get("crash", {}).get("kind") == "sysrq",
               "crashdesk show --json in the guest: the report, kind sysrq",
               ["show printed:"] + markers(text, "SHOW")[:40])
    check_display(tap, capture, args.display)
    check_screens(tap, out, shots, release, report_id)
    total = time.monotonic() - start
    log(f"whole run {total:.1f} s")


def read_screen(out, shots, name):
    """(Image or None, why not)."""
    if name not in shots:
        return None, f"no screendump {name}: its stage was never reached"
    if shots[name] is not None:
        return None, shots[name]
    try:
        return screen.read_image(out / name), None
    except (OSError, ValueError) as e:
        return None, f"{name}: {e}"


# the first frame on the screen within this of the mode set (issue: "within a second")
FRAME_MS = 1000


def check_display(tap, capture, display):
    """The capture kernel's card got its DRM driver, and the panic console says it drew
    on it with DRM, the driver confirming the frame within FRAME_MS of the mode set."""
    driver = DISPLAYS[display]
    # a kernel message itself (crashdesk-panic-console writes it to /dev/kmsg)
    drawn = [line for line in capture.splitlines() if SCREEN_DRAWN in line]
    initialized = re.search(rf"\[drm\] Initialized {re.escape(driver)} ", capture)
    confirmed = re.search(r"showing the panic on card\d+ \(\d+x\d+, drm; the driver "
                          r"confirmed the frame, (\d+) ms after the mode set\)",
                          drawn[0] if len(drawn) == 1 else "")
    tap.result(initialized is not None and confirmed is not None and
               int(confirmed.group(1)) <= FRAME_MS,
               f"capture kernel: {driver} drives the {display} card, and the panic console "
               f"drew on it with DRM, the driver confirming the frame within {FRAME_MS} ms "
               "of the mode set",
               [f"{driver} initialized: {initialized is not None}", *drawn])


def check_screens(tap, out, shots, release, report_id):
    """What the capture kernel's screen showed: the brown screen, readable."""
    message = "sysrq triggered crash"
    for name, when in (("screen-drawn.ppm", "once drawn"),
                       ("screen-saved.ppm", "counting down to the reboot")):
        img, why = read_screen(out, shots, name)
        brown = img.fraction(BROWN) if img else 0
        white = img.count(WHITE) if img else 0
        tap.result(img is not None and brown > 0.5 and white > 1000,
                   f"the capture kernel's screen {when} is brown with white text ({name})",
                   [why or f"{img.width}x{img.height}, {brown:.0%} brown, {white} white "
                    f"pixels; colours {[(hex(c), n) for c, n in img.colours(6)]}"])
        # as it is: the message and the progress line are drawn large, and tesseract
        # takes a 2x enlargement of them for other letters (q read as g)
        text = screen.ocr(img, scale=1) if img else ""
        tap.result(screen.finds(text, message),
                   f"tesseract reads the panic message '{message}' on it ({name})",
                   [why or "tesseract read:", text[:3000]])
    img, why = read_screen(out, shots, "screen-saved.ppm")
    qr = screen.zbar(out / "screen-saved.ppm") if img else None
    tap.result(qr is not None and screen.finds(qr, message) and release in qr,
               f"its QR code decodes to the crash summary: the message and {release}",
               [why or f"zbarimg decoded: {qr!r}"])
    text = screen.ocr(img, scale=1) if img else ""
    tap.result(screen.finds(text, "saved") and screen.finds(text, "reboot"),
               "its progress line says the report is saved and the machine reboots",
               [why or "tesseract read:", text[:3000]])


def crashdesk(args, *argv):
    proc = subprocess.run([str(args.crashdesk), *map(str, argv)], capture_output=True,
                          timeout=300)
    return (proc.returncode, proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"))


TOTAL = len(STAGES) + 18 + 7


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--panic-console", required=True, type=Path)
    parser.add_argument("--build-dir", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--series", choices=sorted(SERIES), default=DEFAULT_SERIES,
                        help=f"the image's kernel series (default {DEFAULT_SERIES})")
    parser.add_argument("--display", choices=sorted(DISPLAYS), default=DEFAULT_DISPLAY,
                        help=f"QEMU's display card (default {DEFAULT_DISPLAY})")
    parser.add_argument("--firmware", choices=FIRMWARES, default=DEFAULT_FIRMWARE,
                        help=f"SeaBIOS or OVMF (default {DEFAULT_FIRMWARE})")
    parser.add_argument("--out", type=Path)
    # for looking into a failure: the kernel's debug options (the capture kernel's
    # command line is the first one's, as crashdesk load makes it), QEMU's trace
    parser.add_argument("--append", default="", metavar="ARGS",
                        help="more kernel command line for the first boot")
    parser.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                        help="one more QEMU argument (repeat; QEMU's output goes to "
                             "OUT/qemu.log)")
    parser.add_argument("--crashkernel", type=int, default=CRASHKERNEL_MIB,
                        metavar="MIB")
    parser.add_argument("--memory", type=int, default=MEMORY_MIB, metavar="MIB")
    parser.add_argument("--timeout", type=int, default=TIMEOUT, metavar="S")
    args = parser.parse_args()
    args.cache_dir = args.cache_dir.absolute()
    run = run_name(args.series, args.display, args.firmware)
    args.out = (args.out or args.cache_dir.parent / run).absolute()
    return tap_main(TOTAL, check, args, missing="no system image")


if __name__ == "__main__":
    sys.exit(main())
