#!/usr/bin/python3
"""Read an apport .crash file without crashdesk's code, for tests/test-apport.c.

    apport-parse.py FILE    print FILE's keys and values as one line of JSON

The output lists the keys in file order, each value as "text" if it is UTF-8
without NUL, else as "base64" of the value's own bytes:

    [{"key": "ProblemType", "text": "Crash"}, {"key": "CoreDump", "base64": "..."}]

This is an *independent* reader, written from apport's format (apport's
problem_report.py and doc/data-format.tex), not from crashdesk's C code.  It
reads values as apport's loader does: the value on a key's line is stripped of
whitespace, continuation lines are joined with "\\n" only once the value is not
empty, a later value of a key replaces the earlier one in place.  It is as
strict as crashdesk: keys are checked, ProblemType comes first, each base64
line is valid on its own, and the gzip CRC and size must match (except that
apport before 2.28 left them out when the CRC was 0).

Python 3 standard library only.  Exits 1 with "line N: ..." on stderr.
"""

import base64
import binascii
import json
import re
import sys
import zlib

KEY_RE = re.compile(rb"[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*\Z")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT = 1, 2, 4, 8, 16


class ParseError(Exception):
    pass


def gunzip(data):
    """One gzip member, header parsed by hand, the deflate data inflated raw."""
    if len(data) < 10:
        raise ParseError("the gzip header is cut short")
    flags = data[3]
    if flags & 0xE0:
        raise ParseError(f"reserved gzip flags {flags:#04x}")
    pos = 10
    if flags & FEXTRA:
        if pos + 2 > len(data):
            raise ParseError("the gzip header is cut short")
        pos += 2 + int.from_bytes(data[pos:pos + 2], "little")
    for flag in (FNAME, FCOMMENT):
        if flags & flag:
            end = data.find(b"\0", pos)
            if end < 0:
                raise ParseError("the gzip header is cut short")
            pos = end + 1
    if flags & FHCRC:
        if zlib.crc32(data[:pos]) & 0xFFFF != int.from_bytes(data[pos:pos + 2], "little"):
            raise ParseError("gzip header CRC mismatch")
        pos += 2
    if pos > len(data):
        raise ParseError("the gzip header is cut short")
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        value = d.decompress(data[pos:]) + d.flush()
    except zlib.error as error:
        raise ParseError(f"invalid deflate data: {error}") from None
    if not d.eof:
        raise ParseError("the deflate data ends before its end")
    trailer = d.unused_data
    crc = zlib.crc32(value)
    if not trailer and crc == 0:
        return value  # apport < 2.28 wrote no trailer when the CRC was 0
    if len(trailer) != 8:
        raise ParseError(f"{len(trailer)} bytes after the deflate data, not 8")
    if int.from_bytes(trailer[:4], "little") != crc:
        raise ParseError("gzip CRC mismatch")
    if int.from_bytes(trailer[4:], "little") != len(value) & 0xFFFFFFFF:
        raise ParseError("gzip size mismatch")
    return value


def decompress(data):
    if not data:
        return b""
    if data.startswith(ZSTD_MAGIC):
        raise ParseError("zstandard values are not read")
    if data.startswith(b"\x1f\x8b\x08"):
        return gunzip(data)
    # before 2007 apport wrote a zlib stream with its own header
    d = zlib.decompressobj()
    try:
        value = d.decompress(data) + d.flush()
    except zlib.error as error:
        raise ParseError(f"invalid zlib data: {error}") from None
    if not d.eof or d.unused_data:
        raise ParseError("the zlib stream is cut short or followed by data")
    return value


def parse(blob):
    values = {}  # dicts keep the first place of a key, like apport's
    lines = blob.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline ending the last line
    key = None
    chunks = None  # base64-decoded pieces of a binary value
    parts = None  # pieces of a text value, joined at the end (a log has 100,000s of lines)
    start = 0

    def finish():
        if key is None:
            return
        try:
            values[key] = (decompress(b"".join(chunks)) if chunks is not None
                           else b"".join(parts))
        except ParseError as error:
            raise ParseError(f"line {start}: {key}: {error}") from None

    for number, line in enumerate(lines, 1):
        if line.startswith(b" "):
            if key is None:
                raise ParseError(f"line {number}: a continuation line with no key")
            body = line[1:]
            if chunks is not None:
                if len(body) % 4:
                    raise ParseError(f"line {number}: base64 length not a multiple of 4")
                try:
                    chunks.append(base64.b64decode(body, validate=True))
                except binascii.Error as error:
                    raise ParseError(f"line {number}: invalid base64: {error}") from None
            elif any(parts):
                parts += (b"\n", body)
            else:
                parts = [body]  # nothing yet: no newline before the first text
            continue
        finish()
        name, colon, rest = line.partition(b":")
        if not colon:
            raise ParseError(f"line {number}: no colon")
        if len(name) > 256 or not KEY_RE.match(name):
            raise ParseError(f"line {number}: invalid key {name!r}")
        key = name.decode("ascii")
        if not values and key != "ProblemType":
            raise ParseError(f"line {number}: the first key is {key}, not ProblemType")
        start = number
        rest = rest.strip()
        chunks, parts = ([], None) if rest == b"base64" else (None, [rest])
    finish()
    if not values:
        raise ParseError("no keys")
    return values


def as_json(values):
    out = []
    for key, value in values.items():
        try:
            if b"\0" in value:
                raise UnicodeDecodeError("utf-8", value, 0, 1, "NUL")
            out.append({"key": key, "text": value.decode("utf-8")})
        except UnicodeDecodeError:
            out.append({"key": key, "base64": base64.b64encode(value).decode("ascii")})
    return json.dumps(out)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "rb") as f:
        blob = f.read()
    try:
        values = parse(blob)
    except ParseError as error:
        print(f"{sys.argv[1]}: {error}", file=sys.stderr)
        return 1
    print(as_json(values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
