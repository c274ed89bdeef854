#!/usr/bin/python3
"""Write the sample reports in this folder with apport's own problem_report.py.

    PYTHONPATH=APPORT_2_36_TREE make-samples.py new OUTDIR
    PYTHONPATH=APPORT_2_20_TREE make-samples.py old OUTDIR

"new" writes apport-2.36.crash and apport-2.36-quirks.crash, "old" writes
apport-2.20.crash. apport is not packaged for Debian 12: the trees are apport's
sources (canonical/apport at tags 2.36.0 and 2.20.11), which need nothing
beyond the Python 3 standard library. tests/test-apport.c builds the same
values (keep the two in step) and checks that crashdesk reads these files as
listed here, and writes apport-2.36.crash byte for byte.
"""

import io
import os
import sys

import problem_report

DATE = "Sat Nov 22 14:25:30 2025"


def lcg_bytes(n, seed):
    """Incompressible bytes, easy to make again in C."""
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = (x >> 16) & 0xFF
    return bytes(out)


def pattern_bytes(n):
    """Bytes that compress well but not to nothing."""
    return bytes((i * 7 + i // 251) & 0xFF for i in range(n))


def write(report, path):
    with open(path, "wb") as f:
        report.write(f)


def make_new(outdir):
    r = problem_report.ProblemReport("KernelCrash", DATE)
    r["Uname"] = "Linux 6.1.0-56-amd64 x86_64"
    r["Package"] = "linux-image-6.1.0-56-amd64 6.1.158-1"
    r["Empty"] = ""
    r["Multi"] = "first line\n\n  indented third\nlast\n"
    r["Unicode"] = "Grüße, 世界 😀"
    r["Escape"] = "\x1b[31mred\x1b[0m\ttab"
    # a file reference: gzip in base64, 128 KiB blocks
    r["CoreDump"] = (io.BytesIO(lcg_bytes(130 * 1024, 1)),)
    r["Zeros"] = (io.BytesIO(bytes(1024 * 1024)),)
    r["Small"] = (io.BytesIO(b"\x00\x01\x02\xff"),)
    r["EmptyBin"] = (io.BytesIO(b""),)
    write(r, os.path.join(outdir, "apport-2.36.crash"))

    # values apport's loader does not read back as apport wrote them
    q = problem_report.ProblemReport("Crash", DATE)
    q["LeadingNewline"] = "\n\nfoo\n"
    q["Padded"] = "  padded\t"
    q["Word"] = "base64"
    write(q, os.path.join(outdir, "apport-2.36-quirks.crash"))


def make_old(outdir):
    r = problem_report.ProblemReport("Crash", DATE)
    r["Text"] = "one\ntwo"
    # no CRC and size after an empty value, 1 MiB blocks
    r["EmptyBin"] = (io.BytesIO(b""),)
    r["Pattern"] = (io.BytesIO(pattern_bytes(1536 * 1024)),)
    write(r, os.path.join(outdir, "apport-2.20.crash"))


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("new", "old"):
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "new":
        make_new(sys.argv[2])
    else:
        make_old(sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
