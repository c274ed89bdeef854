#!/usr/bin/python3
"""crashdesk-panic-console in a real capture kernel, checked on QEMU's screen (TAP).

    check-panic-console.py --crashdesk PATH --panic-console PATH --cache-dir DIR
                           [--artifacts DIR]

Boots Debian's kernel in QEMU with -vga std and panic-console-checks.sh as
/init. The first kernel loads the capture kernel with crashdesk load, its
command line carrying crashdesk.panic_screen=brown, and crashes. In the
capture kernel the console runs with the screen off (nothing may be drawn),
then with each renderer in turn: fbdev (the bochs driver is insmod'ed while
the console waits for /dev/fb0, its fbdev emulation), DRM (the page committed
with a flip whose completion the driver confirms) and the text console; then, with a VT held in VT_PROCESS mode by a process that
never answers, the automatic choice, while crashdesk save saves the report
and sends its progress; final-action ends the run through the console's
countdown. After each drawing the harness takes QEMU's screendump (HMP over a
unix socket) and reads it: the share of brown, white glyphs, for the pixel
renderers the QR code (zbarimg) and the panic message (tesseract). The
screenshots are kept as PNG in the artifacts directory.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import crashvm  # noqa: E402
import screen  # noqa: E402

HERE = Path(__file__).resolve().parent
INIT = HERE / "panic-console-checks.sh"
HOLDER_SRC = HERE / "vt-holder.c"
MEMORY = "640M"
# the whole run: two boots, five drawings, a save (well under this on a TCG host)
RUN_TIMEOUT = 400
CAPTURE_CMDLINE = ("console=ttyS0 quiet panic=-1 nr_cpus=1 irqpoll reset_devices "
                   "crashdesk.panic_screen=brown")
# the DRM driver QEMU's -vga std needs, and the modules it depends on
DISPLAY_MODULES = ("bochs",)

BROWN = 0xAA5500
WHITE = 0xFFFFFF
MESSAGE = "sysrq triggered crash"
# what OCR must read of the pixel renderers' page: the title and the message's end (the
# built-in font's y reads as u to tesseract, so not "sysrq")
OCR_TEXTS = ("The Linux kernel crashed", "triggered crash")


# --- what the guest needs ---------------------------------------------------

def ensure_display_modules(cache, kernel_dir, version):
    """kernel_dir/display-modules: bochs and its dependencies in load order. A
    kernel directory cached before they were kept lacks them: the package is
    fetched again for them alone."""
    modules = kernel_dir / "display-modules"
    if modules.is_dir():
        return modules
    step = f"fetch the display modules of kernel {version}"
    tmp = cache / "kernel" / f"{version}.display.tmp"
    crashvm.unpack_kernel_package(step, tmp, version)
    crashvm.write_modules(tmp, version, DISPLAY_MODULES, tmp / "display-modules")
    (tmp / "display-modules").rename(modules)
    crashvm.rmtree(tmp)
    return modules


def ensure_holder(cache):
    """vt-holder.c built static, cached by the hash of its source."""
    source_hash = hashlib.sha256(HOLDER_SRC.read_bytes()).hexdigest()[:16]
    holder = cache / "panic-console" / "holder" / source_hash / "vt-holder"
    if holder.is_file():
        return holder
    tmp = holder.parent.with_suffix(".tmp")
    crashvm.rmtree(tmp)
    tmp.mkdir(parents=True)
    crashvm.run("build vt-holder", ["gcc", "-static", "-O2", "-Wall", "-Wextra",
                                    "-o", tmp / "vt-holder", HOLDER_SRC])
    tmp.rename(holder.parent)
    return holder


def add_program(cpio, program):
    closure = crashvm.program_closure(program)
    for path in closure:
        cpio.add_file(str(path), path)
    return str(closure[0])


def build_initramfs(kernel_dir, display_modules, holder, crashdesk, panic_console):
    """The first kernel's initramfs, with the capture kernel's inside."""
    tools = {}
    capture = crashvm.base_initramfs()
    capture.add_file("init", INIT, 0o100755)
    for ko in sorted(display_modules.iterdir()):
        capture.add_file(f"lib/modules/display/{ko.name}", ko)
    capture.add_file("bin/vt-holder", holder, 0o100755)
    tools["tool"] = add_program(capture, crashdesk)
    tools["console"] = add_program(capture, panic_console)
    capture.add("etc/crashdesk-guest-tool", tools["tool"].encode())
    capture.add("etc/crashdesk-guest-console", tools["console"].encode())

    first = crashvm.base_initramfs()
    first.add_file("init", INIT, 0o100755)
    add_program(first, crashdesk)
    add_program(first, panic_console)
    first.add("etc/crashdesk-guest-tool", tools["tool"].encode())
    first.add("etc/crashdesk-guest-console", tools["console"].encode())
    first.add("etc/capture-cmdline", CAPTURE_CMDLINE.encode())
    first.add_file("boot/vmlinuz", kernel_dir / "vmlinuz")
    first.add("boot/capture.cpio", capture.to_bytes())
    return first.to_bytes()


# --- QEMU ---------------------------------------------------------------------

def boot(cache, work, kernel_dir, shots_dir):
    """Run the VM, taking a screendump at each SHOT marker; return the console
    text, the screendumps ({name: ppm path}) and the run's seconds."""
    console_path = work / "console.log"
    monitor_path = work / "monitor.sock"
    control_path = work / "control.sock"
    for p in (console_path, monitor_path, control_path):
        p.unlink(missing_ok=True)
    command = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max",
               "-smp", "1", "-m", MEMORY, "-nodefaults", "-display", "none",
               "-vga", "std", "-no-reboot",
               "-kernel", kernel_dir / "vmlinuz", "-initrd", work / "initramfs.cpio",
               "-append", "console=ttyS0 crashkernel=192M quiet panic=-1 init_on_free=1",
               "-serial", f"file:{console_path}",
               "-chardev", f"socket,id=control,path={control_path},server=on,wait=off",
               "-serial", "chardev:control",
               "-monitor", f"unix:{monitor_path},server=on,wait=off"]
    shots = {}
    start = time.monotonic()
    deadline = start + RUN_TIMEOUT
    with crashvm.boot_slot(cache):
        qemu = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=crashvm.die_with_parent)
        try:
            monitor = screen.Monitor(monitor_path, deadline)
            control = screen.connect_unix(control_path, deadline)
            seen = 0
            while qemu.poll() is None:
                if time.monotonic() > deadline:
                    raise crashvm.StepError("boot", f"timed out after {RUN_TIMEOUT} s")
                text = console_path.read_text(errors="replace") if console_path.exists() else ""
                names = re.findall(r"^CRASHDESK-SHOT: (\S+)\r?$", text, re.M)
                for name in names[seen:]:
                    ppm = shots_dir / f"{name}.ppm"
                    ppm.unlink(missing_ok=True)
                    monitor.command(f"screendump {ppm}")
                    shots[name] = ppm
                    control.sendall(b"done\n")
                seen = len(names)
                time.sleep(0.2)
        except screen.MonitorError as e:
            raise crashvm.StepError(e.step, str(e)) from None
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
    output = qemu.stdout.read().decode(errors="replace")
    console = console_path.read_text(errors="replace").replace("\r", "")
    if crashvm.last_marker(console, "ERROR") is not None:
        raise crashvm.StepError("boot", "the guest script failed: " +
                                crashvm.last_marker(console, "ERROR") + "\n" +
                                "\n".join(console.splitlines()[-40:]))
    if qemu.returncode != 0:
        raise crashvm.StepError("boot", f"qemu exited with {qemu.returncode}: {output}")
    return console, shots, time.monotonic() - start


# --- the checks -------------------------------------------------------------------

def ocr(img):
    """What tesseract reads on the screen as it is; nothing if it fails."""
    try:
        return screen.ocr(img, scale=1)
    except screen.OcrError:
        return ""


def keep(path, png):
    """The screendump at path read, and kept as the PNG png."""
    img = screen.read_image(path)
    img.write_png(png)
    return img


def steps_of(console):
    steps = {}
    for m in re.finditer(r"^CRASHDESK-BEGIN: (\S+)\n(.*?)^CRASHDESK-END: \1 (\d+)$",
                         console, re.M | re.S):
        steps[m.group(1)] = (int(m.group(3)), m.group(2))
    return steps


def check_screen(tap, shots, artifacts, name, what, pixel):
    """The screendump of name: mostly brown, white glyphs; for pixel renderers the
    QR code and the message read back."""
    if name not in shots or not shots[name].exists():
        tap.result(False, f"{what}: a screendump was taken", ["no screendump"])
        if pixel:
            tap.result(False, f"{what}: the QR code carries the panic message")
            tap.result(False, f"{what}: OCR finds the title and the panic message")
        return None
    png = artifacts / f"{name}.png"
    img = keep(shots[name], png)
    brown, white = img.fraction(BROWN), img.fraction(WHITE)
    tap.result(brown > 0.6 and 0.002 < white < 0.3,
               f"{what}: {img.width}x{img.height}, mostly brown with white glyphs",
               [f"brown {brown:.1%}, white {white:.1%}, {png}"])
    if pixel:
        # every symbology, as before: the message must be in what it decodes
        rc, out, err = screen.zbar_run(png, qr_only=False)
        decoded = out + err
        tap.result(rc == 0 and MESSAGE in decoded,
                   f"{what}: the QR code carries the panic message",
                   [f"zbarimg exit {rc}", decoded[:2000]])
        text = screen.words(ocr(img))
        tap.result(all(t in text for t in OCR_TEXTS),
                   f"{what}: OCR finds the title and the panic message", [text])
    return png


def check(args, tap):
    cache = Path(args.cache_dir).absolute()
    artifacts = Path(args.artifacts).absolute()
    version = crashvm.kernel_version()
    with crashvm.locked(cache / "locks" / "prepare.lock"):
        kernel_dir = crashvm.ensure_kernel(cache, version)
        display_modules = ensure_display_modules(cache, kernel_dir, version)
        holder = ensure_holder(cache)
    work = cache / "panic-console" / f"run-{os.getpid()}"
    crashvm.rmtree(work)
    work.mkdir(parents=True)
    crashvm.rmtree(artifacts)
    artifacts.mkdir(parents=True)
    try:
        (work / "initramfs.cpio").write_bytes(build_initramfs(
            kernel_dir, display_modules, holder, args.crashdesk, args.panic_console))
        try:
            console, shots, seconds = boot(cache, work, kernel_dir, work)
        finally:
            if (work / "console.log").exists():
                shutil.copy(work / "console.log", artifacts / "console.log")
        print(f"# the VM ran {seconds:.0f} s")
        check_run(tap, console, shots, artifacts)
    finally:
        crashvm.rmtree(work)


def expect_step(tap, steps, name, rc, what, *texts):
    """Step name exited with rc and printed every text (a regular expression)."""
    got_rc, out = steps.get(name, (None, ""))
    missing = [t for t in texts if not re.search(t, out, re.M)]
    tap.result(got_rc == rc and not missing, what,
               [f"exit {got_rc}", *[f"missing: {t!r}" for t in missing], out])
    return out


def check_run(tap, console, shots, artifacts):
    steps = steps_of(console)
    expect_step(tap, steps, "check-on", 0,
                "--check exits 0 with crashdesk.panic_screen=brown on the command line")
    expect_step(tap, steps, "check-off", 1, "--check exits 1 without it")
    expect_step(tap, steps, "off", 0, "with the screen off the console exits 0 at once",
                "the panic screen is off$")
    if "off" in shots and shots["off"].exists():
        brown = keep(shots["off"], artifacts / "off.png").fraction(BROWN)
        tap.result(brown < 0.01, "with the screen off nothing brown is on the screen",
                   [f"brown {brown:.1%}"])
    else:
        tap.result(False, "with the screen off nothing brown is on the screen",
                   ["no screendump"])

    expect_step(tap, steps, "fbdev", 0,
                "fbdev: drawn on the DRM driver's fb0 once the driver appeared, stopped by "
                "SIGTERM",
                r"showing the panic on fb0 \(\d+x\d+, fbdev; a framebuffer device cannot "
                r"confirm a frame\)")
    check_screen(tap, shots, artifacts, "fbdev", "fbdev", True)
    expect_step(tap, steps, "drm", 0, "drm: drawn on card0, the driver confirmed the frame",
                r"showing the panic on card0 \(\d+x\d+, drm; the driver confirmed the "
                r"frame, \d+ ms after the mode set\)")
    check_screen(tap, shots, artifacts, "drm", "drm", True)
    expect_step(tap, steps, "text", 0, "text: drawn on the text console of a VT",
                r"showing the panic on tty\d+ \(\d+x\d+, text\)")
    check_screen(tap, shots, artifacts, "text", "text", False)

    before = steps.get("active-before", (None, ""))[1].strip()
    after = {name: steps.get(f"active-{name}", (None, ""))[1].strip()
             for name in ("drm", "fbdev", "text")}
    tap.result(before.startswith("tty") and all(a == before for a in after.values()),
               "after each renderer the VT active before is active again",
               [f"before {before!r}", f"after {after}"])
    held = expect_step(tap, steps, "held", 0,
                       "a VT held in VT_PROCESS mode: set back to VT_AUTO, drawn all the same",
                       "VT_PROCESS mode", "set it back to VT_AUTO",
                       r"showing the panic on card0 \(\d+x\d+, drm; the driver "
                       r"confirmed the frame, \d+ ms after the mode set\)")
    check_screen(tap, shots, artifacts, "held", "held VT", False)
    out = expect_step(tap, steps, "save", 0, "crashdesk save saves the report meanwhile")
    report = out.strip().splitlines()[-1] if out.strip() else ""
    tap.result(f"saved: {Path(report).name}" in held and "Saving the crashed kernel's log" in held,
               "the console was told the stages and the report's id",
               [f"report {report!r}", held])
    saved = shots.get("saved")
    text = ""
    if saved is not None and saved.exists():
        text = ocr(keep(saved, artifacts / "saved.png"))
    tap.result("Saved as" in text, "OCR finds \"Saved as\" on the screen after saving", [text])
    meta = steps.get("meta", (None, "{}"))[1]
    try:
        crash = json.loads(meta)["crash"]
        ok = crash["kind"] == "sysrq" and crash["message"] == MESSAGE
    except (ValueError, KeyError, TypeError) as e:
        ok, crash = False, f"{e}: {meta}"
    tap.result(ok, "the report's meta.json names the sysrq crash", [crash])

    final = console[console.find("CRASHDESK-STAGE: final"):]
    tap.result("The capture is over: poweroff." in final and "did not answer" not in final,
               "final-action: the console counted down and answered go", [final[-2000:]])


TOTAL = 22


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--crashdesk", required=True, type=Path)
    parser.add_argument("--panic-console", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--artifacts", type=Path,
                        default=Path("panic-console-screens"))
    args = parser.parse_args()
    sys.exit(crashvm.tap_main(TOTAL, check, args, missing="no VM run"))


if __name__ == "__main__":
    main()
