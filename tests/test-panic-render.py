#!/usr/bin/python3
# Copyright 2026 The crashdesk authors
# SPDX-License-Identifier: GPL-2.0-or-later
"""The brown screen as a person and a phone see it.

    test-panic-render.py CRASHDESK-PANIC-CONSOLE CRASH-TEXTS-DIR FIXTURES-DIR

Renders real crash logs (tests/crash-texts) and a vmcore fixture with
crashdesk-panic-console --render at 640x480, 1024x768, 1920x1080 and 3840x2160,
with Debian's console font and with the built-in one, then reads each PNG back
(tests/screen.py): its colours are counted; zbarimg must decode the QR code to a
text holding the crash message and the log's last lines; tesseract must read the
crash message's words off the screen. A missing tool is a failure: CI installs
zbar-tools, tesseract-ocr and tesseract-ocr-eng (tools/install-deps). Prints TAP.
"""

import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screen  # noqa: E402
from tap import Tap  # noqa: E402

SIZES = [(640, 480), (1024, 768), (1920, 1080), (3840, 2160)]
FONTS = ["debian", "builtin"]
CASES = [
    "real-6.1-oops",
    "real-6.1-bug",
    "real-6.1-panic",
    "gpf-softirq-6.1",
    "arm64-null-deref-6.1",
]
VMCORE = "lockless-basic"
BROWN = 0xAA5500
WHITE = 0xFFFFFF


def qr_box(img):
    """The QR code's square (x, y, side): its quiet zone starts with the longest white run."""
    best = None
    for y in range(img.height):
        for x, run in img.runs(WHITE, y):
            if best is None or run > best[2]:
                best = (x, y, run)
        # the first row with the longest run is the top of the quiet zone
        if best is not None and best[2] >= 116 and best[1] < y:
            break
    return best


def ocr_image(img, scale):
    """The screen for tesseract: QR code blanked, text brought to about 2x an 8x16 font."""
    box = qr_box(img)
    if box is not None and box[2] >= 116:
        x0, y0, side = box
        img = img.filled(x0, y0, side, side, BROWN)
    if scale == 1:
        return img.scaled(2)
    if scale >= 4:
        return img.sampled(scale // 2)
    return img


def clean_log_line(line):
    """A log line as the QR code carries it: no time stamp, printable ASCII."""
    line = re.sub(r"^<\d+>", "", line.rstrip("\r"))
    for _ in range(2):
        m = re.match(r"^\[[^\]]{0,30}\] ?", line)
        if m is None:
            break
        line = line[m.end():]
    line = "".join(c if 0x20 <= ord(c) < 0x7F else ("?" if ord(c) >= 0x80 else " ")
                   for c in line)
    return line.rstrip()


def expected_message(path):
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or ": " not in line:
                continue
            key, value = line.rstrip("\n").split(": ", 1)
            fields[key] = value
    return fields.get("message") or fields.get("panic_message")


def ocr_words(message):
    """The message's words (not its paths or numbers): letters only, three or more."""
    words = [w.strip(",.:;!()") for w in message.split()]
    words = [w for w in words if re.fullmatch(r"[A-Za-z]{3,}", w)]
    return [w.lower() for w in words[:6]]


def check(tool, work, case, log, message, size, font):
    width, height = size
    name = f"{os.path.splitext(os.path.basename(case))[0]}-{width}x{height}-{font}"
    png = os.path.join(work, name + ".png")
    args = [tool, "--render", png, "--size", f"{width}x{height}",
            "--progress", "Saving the crash: 42 %"]
    args += ["--input", case] if case.endswith(".vmcore") else ["--dmesg", case]
    if font == "builtin":
        args.append("--builtin-font")
    problems = []
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return name, [f"exit {p.returncode}: {p.stderr}"]
    img = screen.read_image(png)
    w, h = img.width, img.height
    if (w, h) != size:
        return name, [f"the PNG is {w}x{h}"]
    brown, white = img.count(BROWN), img.count(WHITE)
    if brown + white != w * h:
        problems.append("colours other than brown and white: "
                        f"{[f'{c:06x}' for c in sorted(img.colour_counts())[:4]]}")
    if brown <= w * h // 2:
        problems.append("the background is not mostly brown")
    if white == 0:
        problems.append("no white pixels")

    # the QR code: the message, and the log's last lines, ending with the very last
    # QR codes only: zbar's other symbologies find bar codes in lines of text
    status, qr, _ = screen.zbar_run(png, qr_only=True)
    if status != 0 or not qr:
        problems.append(f"zbarimg found no QR code (exit {status})")
    else:
        if clean_log_line(message)[:40] not in qr:
            problems.append(f"the QR text lacks the message {message!r}: {qr[:200]!r}")
        last = [clean_log_line(x) for x in log.splitlines()]
        last = [x for x in last if x]
        qr_lines = qr.rstrip("\n").split("\n")
        if "--" in qr_lines:
            tail = qr_lines[qr_lines.index("--") + 1:]
            if not tail or tail != last[-len(tail):]:
                problems.append(f"the QR text's log lines are not the log's last: {tail[-3:]!r}")
        elif width >= 1024:
            problems.append("the QR code carries no log lines on a large screen")

    # the words on the screen
    try:
        text = screen.ocr(ocr_image(img, max(1, min(w // 960, h // 480))), scale=1)
    except screen.OcrError as e:
        problems.append(f"tesseract failed: {str(e)[-300:]!r}")
    else:
        missing = [word for word in ocr_words(message)
                   if not screen.finds(text, word, digits=False)]
        if missing:
            problems.append(f"tesseract did not read {missing} of {message!r}: "
                            f"{screen.squash(text, digits=False)[:300]}")
    return name, problems


def main():
    tool, texts, fixtures = sys.argv[1:4]
    cases = []
    for case in CASES:
        with open(os.path.join(texts, case + ".txt"), encoding="utf-8", errors="replace") as f:
            log = f.read()
        cases.append((os.path.join(texts, case + ".txt"), log,
                      expected_message(os.path.join(texts, case + ".expected"))))
    with open(os.path.join(fixtures, VMCORE + ".json"), encoding="utf-8") as f:
        vm_log = json.load(f)["stdout"]
    cases.append((os.path.join(fixtures, VMCORE + ".vmcore"), vm_log, "sysrq triggered crash"))

    tools = [t for t in ("zbarimg", "tesseract") if shutil.which(t) is None]
    tap = Tap(len(cases) * len(SIZES) * len(FONTS) + 3)
    tap.result(not tools, "zbarimg and tesseract are installed",
               [f"missing: {' '.join(tools)} (tools/install-deps installs them)"])

    with tempfile.TemporaryDirectory() as work:
        # errors: a missing font, a missing log, a bad size
        p = subprocess.run([tool, "--render", os.path.join(work, "x.png"), "--size", "640x480",
                            "--dmesg", cases[0][0], "--font", "/nonexistent/font.psf.gz"],
                           capture_output=True, text=True)
        tap.result(p.returncode == 1 and "/nonexistent/font.psf.gz" in p.stderr
                   and not os.path.exists(os.path.join(work, "x.png")),
                   "--font naming a missing file fails, naming it", [p.returncode, p.stderr])
        p = subprocess.run([tool, "--render", os.path.join(work, "x.png"), "--size", "640x480",
                            "--dmesg", "/nonexistent/dmesg.txt"], capture_output=True, text=True)
        q = subprocess.run([tool, "--render", os.path.join(work, "x.png"), "--size", "640x0",
                            "--dmesg", cases[0][0]], capture_output=True, text=True)
        tap.result(p.returncode == 1 and "/nonexistent/dmesg.txt" in p.stderr
                   and q.returncode == 2 and "640x0" in q.stderr,
                   "a missing log exits 1 naming it, a bad size is a usage error (2)",
                   [p.returncode, p.stderr, q.returncode, q.stderr])

        jobs = []
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for path, log, message in cases:
                for size in SIZES:
                    for font in FONTS:
                        jobs.append(pool.submit(check, tool, work, path, log, message, size,
                                                font))
            for job in jobs:
                try:
                    name, problems = job.result()
                except (OSError, ValueError, subprocess.SubprocessError) as e:
                    name, problems = "a render", [repr(e)]
                tap.result(not problems, f"{name}: the screen reads back",
                           problems)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
