"""What a screen shows, for the panic screen's tests: images read (PPM from QEMU's
screendump, PNG from crashdesk-panic-console --render) and written (PNG), colours
counted, the QR code decoded with zbarimg (zbar-tools), the text read with tesseract
(tesseract-ocr) and matched the way OCR needs, and QEMU's human monitor (HMP) on a
unix socket for its screendumps. Standard library only, besides those two programs.

The pixel work is done on whole byte strings (strided slices, translate, big-integer
masks), not pixel by pixel in Python: a 3840x2160 screen has eight million pixels."""

import collections
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

# the unsigned 32-bit array code: a pixel padded to a word (colour_counts)
_WORD = "I"
# where red, green and blue go in a native 32-bit word that reads 0x00RRGGBB
_WORD_RGB = (2, 1, 0) if sys.byteorder == "little" else (1, 2, 3)


class Image:
    def __init__(self, width, height, rgb):
        self.width = width
        self.height = height
        self.rgb = rgb  # width * height * 3 bytes, rows top to bottom

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return (self.rgb[i] << 16) | (self.rgb[i + 1] << 8) | self.rgb[i + 2]

    def mask(self, colour, rgb=None):
        """An int whose bytes, big-endian, one a pixel of rgb (the image's by
        default), are 1 where the pixel is exactly colour (0xRRGGBB), else 0: each
        channel compared on its own strided slice, the three ANDed."""
        rgb = self.rgb if rgb is None else rgb
        bits = -1
        for channel in range(3):
            value = (colour >> (16 - 8 * channel)) & 0xff
            table = bytearray(256)
            table[value] = 1
            bits &= int.from_bytes(rgb[channel::3].translate(table), "big")
        return bits

    def count(self, colour):
        """How many pixels are exactly colour (0xRRGGBB). Not bytes.count: a
        3-byte pattern may straddle two pixels."""
        return self.mask(colour).bit_count()

    def fraction(self, colour):
        return self.count(colour) / max(self.width * self.height, 1)

    def colour_counts(self):
        """{colour (0xRRGGBB): how many pixels}, each pixel padded to a 32-bit word."""
        n = self.width * self.height
        words = bytearray(n * 4)
        for channel, place in enumerate(_WORD_RGB):
            words[place::4] = self.rgb[channel:n * 3:3]
        return collections.Counter(memoryview(words).cast(_WORD))

    def colours(self, limit=16):
        """The distinct colours, most frequent first, at most limit of them."""
        return self.colour_counts().most_common(limit)

    def runs(self, colour, y):
        """The runs of colour in row y, left to right: (first x, length)."""
        stride = self.width * 3
        flags = self.mask(colour, self.rgb[y * stride:(y + 1) * stride]).to_bytes(
            self.width, "big")
        return [(m.start(), m.end() - m.start()) for m in re.finditer(rb"\x01+", flags)]

    def scaled(self, factor):
        """Nearest-neighbour enlargement: small console glyphs read better."""
        if factor == 1:
            return self
        n = self.width * self.height
        wide = bytearray(n * 3 * factor)
        for copy in range(factor):
            for channel in range(3):
                wide[copy * 3 + channel::3 * factor] = self.rgb[channel::3]
        stride = self.width * 3 * factor
        rgb = b"".join(bytes(wide[y * stride:(y + 1) * stride]) * factor
                       for y in range(self.height))
        return Image(self.width * factor, self.height * factor, rgb)

    def sampled(self, step):
        """Every step-th pixel of every step-th row, from the top left: a reduction."""
        if step == 1:
            return self
        stride = self.width * 3
        width = -(-self.width // step)
        rows = []
        for y in range(0, self.height, step):
            row = self.rgb[y * stride:(y + 1) * stride]
            small = bytearray(width * 3)
            for channel in range(3):
                small[channel::3] = row[channel::3 * step]
            rows.append(bytes(small))
        return Image(width, len(rows), b"".join(rows))

    def filled(self, x, y, width, height, colour):
        """A copy with the rectangle painted colour (clipped to the image)."""
        rgb = bytearray(self.rgb)
        x1, y1 = min(x + width, self.width), min(y + height, self.height)
        pixel = bytes(((colour >> 16) & 0xff, (colour >> 8) & 0xff, colour & 0xff))
        for row in range(max(y, 0), y1):
            i = (row * self.width + max(x, 0)) * 3
            rgb[i:(row * self.width + x1) * 3] = pixel * (x1 - max(x, 0))
        return Image(self.width, self.height, bytes(rgb))

    def write_ppm(self, path):
        Path(path).write_bytes(b"P6\n%d %d\n255\n" % (self.width, self.height) + self.rgb)

    def write_png(self, path):
        """An 8-bit RGB PNG, no interlacing, filter none on every row."""
        def chunk(kind, body):
            return (struct.pack(">I", len(body)) + kind + body +
                    struct.pack(">I", zlib.crc32(kind + body)))
        stride = self.width * 3
        raw = b"".join(b"\0" + self.rgb[y * stride:(y + 1) * stride]
                       for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
                               chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _read_ppm(data):
    # P6, maxval 255: what QEMU's screendump writes
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m or int(m.group(3)) != 255:
        raise ValueError("not an 8-bit P6 PPM")
    width, height = int(m.group(1)), int(m.group(2))
    rgb = data[m.end():m.end() + width * height * 3]
    if len(rgb) != width * height * 3:
        raise ValueError(f"PPM cut short: {len(rgb)} bytes of pixels for {width}x{height}")
    return Image(width, height, rgb)


def _unfilter(kind, line, prev, bpp):
    """Undo a PNG row filter other than none, byte by byte (slow: crashdesk and
    write_png write none)."""
    for x in range(len(line)):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if kind == 1:
            line[x] = (line[x] + a) & 0xff
        elif kind == 2:
            line[x] = (line[x] + b) & 0xff
        elif kind == 3:
            line[x] = (line[x] + (a + b) // 2) & 0xff
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            line[x] = (line[x] + pred) & 0xff
        else:
            raise ValueError(f"PNG filter {kind}")


def _read_png(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"PNG chunk {kind!r}: bad CRC")
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if header is None:
        raise ValueError("PNG without IHDR")
    width, height, depth, colour_type, _, _, interlace = header
    if depth != 8 or colour_type not in (2, 6) or interlace != 0:
        raise ValueError("only 8-bit RGB or RGBA PNGs without interlacing are read")
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    if len(raw) != (stride + 1) * height:
        raise ValueError("PNG image data of the wrong size")
    lines = []
    prev = bytes(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
        if kind != 0:
            line = bytearray(line)
            _unfilter(kind, line, prev, bpp)
            line = bytes(line)
        lines.append(line)
        prev = line
    pixels = b"".join(lines)
    if bpp == 4:
        rgb = bytearray(width * height * 3)
        for channel in range(3):
            rgb[channel::3] = pixels[channel::4]
        pixels = bytes(rgb)
    return Image(width, height, pixels)


def read_image(path):
    """An Image from a PPM (P6) or a PNG (8-bit RGB or RGBA); ValueError if neither."""
    data = Path(path).read_bytes()
    if data[:2] == b"P6":
        return _read_ppm(data)
    return _read_png(data)


# --- zbarimg and tesseract -----------------------------------------------------------

def zbar_run(path, qr_only=True):
    """zbarimg's (exit status, stdout, stderr) on the image file. qr_only: QR codes
    alone, since zbar's other symbologies find bar codes in lines of text."""
    symbologies = ["-Sdisable", "-Sqrcode.enable"] if qr_only else []
    proc = subprocess.run(["zbarimg", "--raw", "-q", *symbologies, str(path)],
                          capture_output=True, timeout=120)
    return (proc.returncode, proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"))


def zbar(path, qr_only=True):
    """The QR code's text, or None when zbarimg finds none."""
    status, text, _ = zbar_run(path, qr_only)
    if status != 0:
        return None
    return text.rstrip("\n")


class OcrError(RuntimeError):
    """tesseract failed; the message holds what it said."""


def ocr(image, scale=2):
    """What tesseract reads on the image, enlarged scale times (1: as it is)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screen.ppm"
        image.scaled(scale).write_ppm(path)
        proc = subprocess.run(["tesseract", str(path), "stdout"], capture_output=True,
                              timeout=300)
    if proc.returncode != 0:
        raise OcrError(f"tesseract: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


def squash(text, digits=True):
    """The text's letters (and digits), lower case, nothing else."""
    return re.sub(r"[^a-z0-9]" if digits else r"[^a-z]", "", text.lower())


def finds(text, phrase, digits=True):
    """Whether OCR'd text holds phrase, ignoring case, spaces and punctuation, which
    OCR gets wrong more often than letters; digits=False ignores digits as well."""
    return squash(phrase, digits) in squash(text, digits)


def words(text):
    """The text with each run of white space made one space: OCR's line breaks and
    column gaps out of the way of an exact match."""
    return " ".join(text.split())


# --- QEMU's human monitor ----------------------------------------------------------

class MonitorError(Exception):
    """QEMU's monitor could not be reached or closed; step: the harness's name for
    what failed ("boot": QEMU never opened the socket, "monitor": it closed it)."""

    def __init__(self, message, step="monitor", reply=""):
        super().__init__(message)
        self.step = step
        self.reply = reply  # what the monitor said before it closed


def connect_unix(path, deadline=None):
    """A stream socket connected to path; until the time.monotonic() deadline, the
    attempts go on while QEMU has not opened it yet (MonitorError then). Without a
    deadline, one attempt (OSError)."""
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(path))
            return s
        except OSError:
            s.close()
            if deadline is None:
                raise
            if time.monotonic() > deadline:
                raise MonitorError(f"QEMU never opened {path}", "boot") from None
            time.sleep(0.1)


class Monitor:
    """QEMU's human monitor on a unix socket (-monitor unix:PATH,server=on,wait=off)."""

    PROMPT = b"(qemu) "

    def __init__(self, path, deadline=None, timeout=60):
        self.sock = connect_unix(path, deadline)
        try:
            self.sock.settimeout(timeout)
            self._until_prompt()
        except BaseException:
            self.sock.close()
            raise

    def _until_prompt(self):
        data = b""
        while not data.endswith(self.PROMPT):
            chunk = self.sock.recv(4096)
            if not chunk:
                raise MonitorError("QEMU closed its monitor",
                                   reply=data.decode(errors="replace"))
            data += chunk
        return data.decode(errors="replace")

    def command(self, line):
        """Send one command; what the monitor answered, up to its next prompt."""
        self.sock.sendall(line.encode() + b"\n")
        return self._until_prompt()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def screendump(monitor_socket_path, out_path, timeout=30):
    """QEMU's screendump of the display into out_path (PPM), on a connection of its
    own to the monitor's socket; the error, or None."""
    try:
        with Monitor(monitor_socket_path, timeout=timeout) as monitor:
            reply = monitor.command(f"screendump {out_path}")
    except MonitorError as e:
        reply = e.reply  # closed after the command: the file says whether it worked
    except OSError as e:
        return f"monitor: {e}"
    return None if Path(out_path).is_file() else f"screendump wrote nothing: {reply!r}"
