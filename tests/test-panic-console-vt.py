#!/usr/bin/python3
"""crashdesk-panic-console on a real VT, against a process that holds the display.

    test-panic-console-vt.py PANIC_CONSOLE VMCORE

Needs root and a machine with virtual terminals (/dev/tty0, VT_GETSTATE). A
"holder" takes a VT of its own, makes it the active one and puts it in
VT_PROCESS mode, then never answers the kernel's release request: what a hung
display server does. The console, with the text renderer, must take a VT of
its own within twice its --vt-timeout all the same, draw the panic white on
brown (read back through /dev/vcsa), show the progress it is sent on its
socket, answer "final reboot 1" with "go", and on SIGTERM give back the
original VT in KD_TEXT. With the screen off, it must do nothing. Whatever
happens, the machine's VTs are put back as they were. Prints TAP.
"""

import array
import fcntl
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tap import Tap  # noqa: E402

# linux/vt.h and linux/kd.h
VT_OPENQRY = 0x5600
VT_GETMODE = 0x5601
VT_SETMODE = 0x5602
VT_GETSTATE = 0x5603
VT_ACTIVATE = 0x5606
VT_DISALLOCATE = 0x5608
VT_AUTO = 0
VT_PROCESS = 1
KDGETMODE = 0x4B3B
KDSETMODE = 0x4B3A
KD_TEXT = 0
TIOCSTI = 0x5412
# the console's brown: ANSI colour 3, which /dev/vcsa reports as the VGA attribute's
# background colour 6
BROWN = 6

VT_TIMEOUT_MS = 500
HEADLINE = "sysrq triggered crash"
TOTAL = 28


def vt_state(fd):
    active, _, _ = struct.unpack("HhH", fcntl.ioctl(fd, VT_GETSTATE, b"\0" * 6))
    return active


def vt_mode(fd):
    return struct.unpack("bbhhh", fcntl.ioctl(fd, VT_GETMODE, b"\0" * 8))[0]


def kd_mode(fd):
    buf = array.array("i", [0])
    fcntl.ioctl(fd, KDGETMODE, buf)
    return buf[0]


def open_vt(number):
    return os.open(f"/dev/tty{number}", os.O_RDWR | os.O_NOCTTY)


def wait_active(tty0, number, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if vt_state(tty0) == number:
            return True
        time.sleep(0.02)
    return vt_state(tty0) == number


HOLDER = r"""
import fcntl, os, signal, struct, sys, time
# the release request comes as SIGUSR1, and is never answered
signal.signal(signal.SIGUSR1, lambda *a: None)
fd = os.open(f"/dev/tty{sys.argv[1]}", os.O_RDWR | os.O_NOCTTY)
fcntl.ioctl(fd, %d, struct.pack("bbhhh", %d, 0, signal.SIGUSR1, signal.SIGUSR1, 0))
print("holding", flush=True)
while True:
    time.sleep(60)
""" % (VT_SETMODE, VT_PROCESS)


class Console:
    """The console process, its stderr lines collected by a thread."""

    def __init__(self, argv, env):
        self.lines = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stderr:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_line(self, text, seconds):
        """The first line containing text, or None after seconds."""
        deadline = time.monotonic() + seconds
        with self.cond:
            while True:
                for line in self.lines:
                    if text in line:
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self.thread.is_alive():
                    return None
                self.cond.wait(min(left, 0.1))

    def log(self):
        with self.cond:
            return list(self.lines)

    def stop(self):
        """SIGTERM, as systemd stops it (it puts the VT back), SIGKILL if that hangs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def screen(vcsa):
    """(text, background colours) of a VT from its /dev/vcsaN."""
    with open(vcsa, "rb") as f:
        data = f.read()
    rows, cols = data[0], data[1]
    cells = data[4:4 + rows * cols * 2]
    text = "\n".join(bytes(cells[r * cols * 2:(r + 1) * cols * 2:2]).decode("latin-1")
                     for r in range(rows))
    backgrounds = [(a >> 4) & 7 for a in cells[1::2]]
    return text, backgrounds


def send(path, *messages, wait_go=False):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    for m in messages:
        s.send(m.encode() if isinstance(m, str) else m)
    answer = None
    if wait_go:
        answers = []
        deadline = time.monotonic() + 10
        while "go" not in answers and time.monotonic() < deadline:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.monotonic()))
            if not r:
                break
            data = s.recv(512)
            if not data:
                break
            answers.append(data.decode())
        answer = answers
    s.close()
    return answer


def wait_screen(vcsa, text, seconds):
    deadline = time.monotonic() + seconds
    while True:
        got, backgrounds = screen(vcsa)
        if text in got or time.monotonic() > deadline:
            return text in got, got, backgrounds
        time.sleep(0.1)


def check(tap, panic_console, vmcore, tmp, tty0, original, held):
    off_cmdline = tmp / "cmdline-off"
    off_cmdline.write_text("console=ttyS0 quiet\n")
    on_cmdline = tmp / "cmdline-on"
    on_cmdline.write_text("console=ttyS0 crashdesk.panic_screen=text\n")
    no_config = tmp / "no-such.conf"
    sock = str(tmp / "run" / "panic-console.socket")
    env = dict(os.environ, CRASHDESK_PANIC_CONSOLE_SOCKET=sock)
    base = [panic_console, "--input", vmcore, "--config", str(no_config)]

    # off: --check says so, and a run changes nothing
    rc = subprocess.run(base + ["--cmdline", str(off_cmdline), "--check"], env=env).returncode
    tap.result(rc == 1, "--check exits 1 when the screen is off", [f"exit {rc}"])
    rc = subprocess.run(base + ["--cmdline", str(on_cmdline), "--check"], env=env).returncode
    tap.result(rc == 0, "--check exits 0 with crashdesk.panic_screen=text", [f"exit {rc}"])
    proc = subprocess.run(base + ["--cmdline", str(off_cmdline), "--renderer", "text"],
                          env=env, capture_output=True, text=True, timeout=30)
    tap.result(proc.returncode == 0 and vt_state(tty0) == original
               and not os.path.exists(sock),
               "off: exits 0 without switching VT or listening",
               [f"exit {proc.returncode}", f"active VT {vt_state(tty0)}", proc.stderr])

    # the holder: a VT of its own, made active, held in VT_PROCESS mode
    holder_fd = open_vt(held)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(held)],
                              stdout=subprocess.PIPE, text=True)
    try:
        fcntl.ioctl(tty0, VT_ACTIVATE, held)
        activated = wait_active(tty0, held, 5)
        ready = holder.stdout.readline().strip() == "holding"
        tap.result(activated and ready and vt_mode(holder_fd) == VT_PROCESS,
                   f"the holder has tty{held} active in VT_PROCESS mode",
                   [f"active {vt_state(tty0)}", f"holder said ready: {ready}"])

        start = time.monotonic()
        console = Console(base + ["--cmdline", str(on_cmdline), "--renderer", "text",
                                  "--vt-timeout", str(VT_TIMEOUT_MS)], env)
        try:
            check_console(tap, console, start, tty0, held, holder_fd, sock, tmp)
        finally:
            console.stop()
    finally:
        holder.kill()
        holder.wait()
        os.close(holder_fd)

    # a socket directory others may write to: no progress, but the panic is shown
    unsafe = tmp / "unsafe"
    unsafe.mkdir()
    os.chmod(unsafe, 0o777)
    unsafe_sock = str(unsafe / "panic-console.socket")
    console = Console(base + ["--cmdline", str(on_cmdline), "--renderer", "text"],
                      dict(env, CRASHDESK_PANIC_CONSOLE_SOCKET=unsafe_sock))
    try:
        refused = console.wait_line("no progress:", 10)
        drawn = console.wait_line("showing the panic on", 1)
        tap.result(refused is not None and "only we may write to" in refused
                   and drawn is not None and not os.path.exists(unsafe_sock),
                   "a socket directory others may write to is refused; the panic is shown",
                   console.log())
    finally:
        console.stop()

    # brown on a machine without DRM or framebuffer: each renderer says why not, the
    # text console shows the panic (on one with them, this says nothing: skipped)
    brown_cmdline = tmp / "cmdline-brown"
    brown_cmdline.write_text("crashdesk.panic_screen=brown\n")
    if os.path.exists("/dev/dri") or os.path.exists("/dev/fb0"):
        tap.result(True, "brown falls back to the text console # SKIP this machine has a display")
        for name in ("udev busy: the wait for DRM goes on until its queue is empty",
                     "udev busy for good: the wait for DRM ends at 3 x --display-wait"):
            tap.result(True, f"{name} # SKIP this machine has a display")
    else:
        console = Console(base + ["--cmdline", str(brown_cmdline), "--display-wait", "300"], env)
        try:
            drawn = console.wait_line("showing the panic on", 10)
            log = "\n".join(console.log())
            tap.result(drawn is not None and ", text)" in drawn
                       and "drm: no DRM device appeared within 300 ms" in log
                       and "fbdev: no framebuffer device (/dev/fb0) appeared within 300 ms"
                       in log,
                       "brown without DRM or fbdev: each says why, the text console shows it",
                       console.log())
        finally:
            console.stop()
        check_udev_busy(tap, base, env, brown_cmdline, tmp)
    check_fbdev_wait(tap, base, env, brown_cmdline, tmp)

    shell_cmdline = tmp / "cmdline-shell"
    shell_cmdline.write_text("crashdesk.panic_screen=text crashdesk.shell=1\n")
    # no --renderer: crashdesk.panic_screen=text alone picks the text console, at once
    # (without waiting --display-wait for a DRM device this machine does not have)
    start = time.monotonic()
    console = Console(base + ["--cmdline", str(shell_cmdline)], env)
    try:
        drawn = console.wait_line("showing the panic on", 10)
        elapsed = time.monotonic() - start
        tap.result(drawn is not None and ", text)" in drawn and elapsed < 4,
                   "crashdesk.panic_screen=text: the text console, without waiting for DRM",
                   [f"after {elapsed:.1f} s", *console.log()])
        check_shell(tap, console, tty0, sock, tmp)
    finally:
        console.stop()


def check_udev_busy(tap, base, env, cmdline, tmp):
    """While udev has events queued (a driver may still be loading) the wait for a DRM
    device goes on past --display-wait, until the queue is empty or 3 times as long."""
    queue = tmp / "udev-queue"
    queue.touch()
    # emptied at 1.2 s: past --display-wait, well before 3 times it
    emptied = threading.Timer(1.2, queue.unlink)
    start = time.monotonic()
    console = Console(base + ["--cmdline", str(cmdline), "--display-wait", "600",
                              "--udev-queue", str(queue)], env)
    emptied.start()
    try:
        drawn = console.wait_line("showing the panic on", 10)
        elapsed = time.monotonic() - start
        log = "\n".join(console.log())
        m = re.search(r"no DRM device appeared within (\d+) ms", log)
        tap.result(drawn is not None and ", text)" in drawn and elapsed >= 1.2
                   and "udev is still handling events after 600 ms" in log
                   and m is not None and 700 <= int(m.group(1)) < 1750,
                   "udev busy: the wait for DRM goes on until its queue is empty",
                   [f"drawn after {elapsed:.1f} s (the queue emptied at 1.2 s)",
                    *console.log()])
    finally:
        emptied.cancel()
        console.stop()

    queue.touch()
    start = time.monotonic()
    console = Console(base + ["--cmdline", str(cmdline), "--display-wait", "300",
                              "--udev-queue", str(queue)], env)
    try:
        drawn = console.wait_line("showing the panic on", 10)
        elapsed = time.monotonic() - start
        gave_up = console.wait_line("no DRM device appeared within", 1)
        m = re.search(r"within (\d+) ms", gave_up or "")
        tap.result(drawn is not None and ", text)" in drawn and m is not None
                   and 900 <= int(m.group(1)) < 1500,
                   "udev busy for good: the wait for DRM ends at 3 x --display-wait",
                   [f"drawn after {elapsed:.1f} s", *console.log()])
    finally:
        console.stop()
        queue.unlink(missing_ok=True)


def check_fbdev_wait(tap, base, env, cmdline, tmp):
    """The framebuffer renderer waits for its device as the DRM one does: --display-wait,
    each round tried again; a device that never comes and one that comes but cannot be
    drawn on are told apart."""
    fb = tmp / "fb0"

    def give_up(wait_ms):
        """Run --renderer fbdev on fb until it gives up: (gave up, seconds, log)."""
        start = time.monotonic()
        console = Console(base + ["--cmdline", str(cmdline), "--renderer", "fbdev",
                                  "--display-wait", str(wait_ms), "--fbdev", str(fb),
                                  "--udev-queue", str(tmp / "no-queue")], env)
        try:
            gave_up = console.wait_line("no display to show the panic on", 10)
            return gave_up is not None, time.monotonic() - start, console.log()
        finally:
            console.stop()

    fb.unlink(missing_ok=True)
    gave_up, elapsed, log = give_up(400)
    tap.result(gave_up and elapsed >= 0.4
               and f"fbdev: no framebuffer device ({fb}) appeared within 400 ms" in
               "\n".join(log) and not any("drm:" in line for line in log),
               "--renderer fbdev: waits --display-wait for a device that never comes",
               [f"gave up after {elapsed:.1f} s", *log])

    # the device node appears 0.3 s in, and is no framebuffer: tried until the deadline
    appears = threading.Timer(0.3, fb.write_bytes, args=(b"not a framebuffer",))
    appears.start()
    try:
        gave_up, elapsed, log = give_up(800)
    finally:
        appears.cancel()
        fb.unlink(missing_ok=True)
    tap.result(gave_up and elapsed >= 0.8
               and f"fbdev: {fb}: FBIOGET_*SCREENINFO" in "\n".join(log)
               and not any("appeared within" in line for line in log),
               "--renderer fbdev: a device that appears while it waits is tried, and "
               "why it cannot be drawn on is told",
               [f"gave up after {elapsed:.1f} s", *log])


def type_into(number, text):
    """Keys typed on VT number, as the keyboard would (root: TIOCSTI)."""
    fd = open_vt(number)
    try:
        for c in text.encode():
            fcntl.ioctl(fd, TIOCSTI, bytes([c]))
    finally:
        os.close(fd)


def check_shell(tap, console, tty0, sock, tmp):
    """crashdesk.shell=1: Enter during the countdown runs a shell on the console's VT;
    final-action is told to hold, and go once the shell has exited."""
    drawn = console.wait_line("showing the panic on", 10)
    took = console.wait_line("took tty", 1)
    if drawn is None or took is None or console.wait_line("listening on", 5) is None:
        tap.result(False, "crashdesk.shell=1: the shell runs on Enter, hold then go",
                   console.log())
        return
    number = int(took.split("took tty")[1].split()[0])
    vcsa = tmp / f"vcsa{number}-shell"
    os.mknod(vcsa, 0o600 | 0o020000, os.makedev(7, 128 + number))
    marker = tmp / "shell-ran"
    final = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    final.connect(sock)
    with final:
        final.send(b"final reboot 30")
        offered, text, _ = wait_screen(vcsa, "Press Enter for a shell", 5)
        type_into(number, "\n")
        final.settimeout(10)
        answers = []
        try:
            answers.append(final.recv(512).decode())
            # the shell reads from the VT: what is typed there now is the shell's
            time.sleep(0.5)
            type_into(number, f"echo ran > {marker}; exit\n")
            answers.append(final.recv(512).decode())
        except (socket.timeout, OSError) as e:
            answers.append(str(e))
    tap.result(offered and answers == ["hold", "go"] and marker.exists(),
               "crashdesk.shell=1: the shell runs on Enter, hold then go",
               [f"offered {offered}", f"answers {answers}", f"shell ran {marker.exists()}",
                text, *console.log()])


def check_console(tap, console, start, tty0, held, holder_fd, sock, tmp):
    took = console.wait_line("took tty", 10)
    elapsed = time.monotonic() - start
    number = int(took.split("took tty")[1].split()[0]) if took else None
    # two bounded waits of the timeout each, and time to start under ASan
    tap.result(took is not None and elapsed < 2 * VT_TIMEOUT_MS / 1000 + 3,
               f"took a VT of its own within 2 x {VT_TIMEOUT_MS} ms despite the holder",
               [f"after {elapsed:.1f} s", *console.log()])
    overridden = console.wait_line("VT_PROCESS", 1)
    tap.result(overridden is not None and f"tty{held}" in overridden
               and vt_mode(holder_fd) == VT_AUTO,
               "the holder's VT was set back to VT_AUTO, and the log says so",
               [f"mode {vt_mode(holder_fd)}", *console.log()])
    tap.result(number is not None and vt_state(tty0) == number and number != held,
               "the console's VT is the active one",
               [f"active {vt_state(tty0)}, console's {number}"])
    drawn = console.wait_line("showing the panic on", 10)
    tap.result(drawn is not None and f"tty{number} (" in drawn and ", text)" in drawn,
               "the log names the VT, its size and the text renderer", console.log())
    if number is None:
        raise RuntimeError("the console took no VT: " + "\n".join(console.log()))

    # the screen as the console shows it, through the VT's own vcsa device
    vcsa = tmp / f"vcsa{number}"
    os.mknod(vcsa, 0o600 | 0o020000, os.makedev(7, 128 + number))
    found, text, backgrounds = wait_screen(vcsa, HEADLINE, 5)
    brown = backgrounds.count(BROWN) / max(1, len(backgrounds))
    tap.result(found and brown > 0.99,
               "the panic is on the VT, every cell on brown",
               [f"brown cells {brown:.2%}", text])
    fd = open_vt(number)
    try:
        tap.result(kd_mode(fd) == KD_TEXT, "the text renderer leaves the VT in KD_TEXT")
    finally:
        os.close(fd)
    tap.result(console.wait_line("listening on", 5) is not None,
               "it listens on the test's socket", console.log())

    # a saver that goes away mid-way, malformed messages, then one that finishes
    send(sock, "stage Writing the dump", "percent 40")
    found, text, _ = wait_screen(vcsa, "Saving stopped unexpectedly during: Writing the dump", 5)
    tap.result(found, "a saver gone without an outcome: saving stopped unexpectedly", [text])
    send(sock, b"\xff\xfe", "percent 400", "stage " + "x" * 600, "bogus thing")
    saver = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    saver.connect(sock)
    with saver:
        saver.send(b"stage Writing the dump")
        saver.send(b"percent 50")
        found, text, _ = wait_screen(vcsa, "Writing the dump: 50%", 5)
        tap.result(found and console.proc.poll() is None,
                   "malformed messages are ignored, the next stage and percentage shown",
                   [text, *console.log()])
        saver.send(b"stage Writing the report")
        saver.send(b"saved 2026-11-22-21:00:00-test")
    found, text, backgrounds = wait_screen(vcsa, "Saved as 2026-11-22-21:00:00-test.", 5)
    brown = backgrounds.count(BROWN) / max(1, len(backgrounds))
    # the rows redrawn since are erased in the page's colours too
    tap.result(found and brown > 0.99, "the saved report's id is shown, still all on brown",
               [f"brown cells {brown:.2%}", text])

    started = time.monotonic()
    answers = send(sock, "final reboot 1", wait_go=True)
    waited = time.monotonic() - started
    tap.result(answers == ["go"] and 0.8 < waited < 5,
               "final reboot 1: counted down, then answered go",
               [f"answers {answers} after {waited:.1f} s", *console.log()])
    text, _ = screen(vcsa)
    tap.result("Rebooting in" in text, "the countdown is on the screen", [text])

    console.proc.send_signal(signal.SIGTERM)
    try:
        rc = console.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    tap.result(rc == 0, "exits 0 on SIGTERM", [f"exit {rc}", *console.log()])
    tap.result(vt_state(tty0) == held, "the original VT is active again",
               [f"active {vt_state(tty0)}, original {held}"])
    fd = open_vt(number)
    try:
        tap.result(kd_mode(fd) == KD_TEXT and kd_mode(holder_fd) == KD_TEXT,
                   "both VTs are in KD_TEXT")
    finally:
        os.close(fd)
    tap.result(not os.path.exists(sock), "the socket is removed")


def restore(tty0, original, held):
    """The machine's VTs as they were: whatever the test left, however it ended."""
    for number in (held,):
        try:
            fd = open_vt(number)
            fcntl.ioctl(fd, VT_SETMODE, struct.pack("bbhhh", VT_AUTO, 0, 0, 0, 0))
            fcntl.ioctl(fd, KDSETMODE, KD_TEXT)
            os.close(fd)
        except OSError:
            pass
    try:
        fcntl.ioctl(tty0, VT_ACTIVATE, original)
        wait_active(tty0, original, 3)
    except OSError:
        pass
    if held != original:
        try:
            fcntl.ioctl(tty0, VT_DISALLOCATE, held)
        except OSError:
            pass


def main():
    panic_console, vmcore = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        return 0
    try:
        tty0 = os.open("/dev/tty0", os.O_RDWR | os.O_NOCTTY)
        original = vt_state(tty0)
    except OSError as e:
        print(f"1..0 # SKIP no virtual terminals: {e}")
        return 0
    tap = Tap(TOTAL)
    # the VT the holder will take, known before it is taken, for the cleanup
    held = struct.unpack("i", fcntl.ioctl(tty0, VT_OPENQRY, b"\0" * 4))[0]
    with tempfile.TemporaryDirectory(prefix="crashdesk-panic-vt-") as tmp:
        try:
            check(tap, panic_console, vmcore, Path(tmp), tty0, original, held)
        except Exception as e:  # noqa: BLE001 - a crash of the test is a failure, and cleaned up
            tap.result(False, f"the test ran to its end: {type(e).__name__}: {e}")
        finally:
            restore(tty0, original, held)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
