"""What a screen shows, for the panic screen's tests: images read (PPM from QEMU's
screendump, PNG from crashdesk-panic-console --render), colours counted, the QR code
decoded with zbarimg (zbar-tools) and the text read with tesseract (tesseract-ocr).
Standard library only, besides those two programs."""

import re
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path


class Image:
    def __init__(self, width, height, rgb):
        self.width = width
        self.height = height
        self.rgb = rgb  # width * height * 3 bytes, rows top to bottom

    def pixel(self, x, y):
        i = (y * self.width + x) * 3
        return (self.rgb[i] << 16) | (self.rgb[i + 1] << 8) | self.rgb[i + 2]

    def count(self, colour):
        """How many pixels are exactly colour (0xRRGGBB)."""
        want = bytes(((colour >> 16) & 0xff, (colour >> 8) & 0xff, colour & 0xff))
        n = 0
        for i in range(0, len(self.rgb), 3):
            n += self.rgb[i:i + 3] == want
        return n

    def fraction(self, colour):
        return self.count(colour) / (self.width * self.height)

    def colours(self, limit=16):
        """The distinct colours, most frequent first, at most limit of them."""
        counts = {}
        for i in range(0, len(self.rgb), 3):
            key = self.rgb[i:i + 3]
            counts[key] = counts.get(key, 0) + 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])[:limit]
        return [(int.from_bytes(k, "big"), n) for k, n in ranked]

    def scaled(self, factor):
        """Nearest-neighbour enlargement: small console glyphs read better."""
        rows = []
        stride = self.width * 3
        for y in range(self.height):
            row = self.rgb[y * stride:(y + 1) * stride]
            wide = b"".join(row[x:x + 3] * factor for x in range(0, stride, 3))
            rows.extend([wide] * factor)
        return Image(self.width * factor, self.height * factor, b"".join(rows))

    def write_ppm(self, path):
        Path(path).write_bytes(b"P6\n%d %d\n255\n" % (self.width, self.height) + self.rgb)


def _read_ppm(data):
    # P6, maxval 255: what QEMU's screendump writes
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m or int(m.group(3)) != 255:
        raise ValueError("not an 8-bit P6 PPM")
    width, height = int(m.group(1)), int(m.group(2))
    rgb = data[m.end():m.end() + width * height * 3]
    if len(rgb) != width * height * 3:
        raise ValueError("PPM cut short")
    return Image(width, height, rgb)


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
    out = bytearray()
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
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
            elif kind != 0:
                raise ValueError(f"PNG filter {kind}")
        prev = line
        if bpp == 3:
            out += line
        else:
            for x in range(0, stride, 4):
                out += line[x:x + 3]
    return Image(width, height, bytes(out))


def read_image(path):
    data = Path(path).read_bytes()
    if data[:2] == b"P6":
        return _read_ppm(data)
    return _read_png(data)


def zbar(path):
    """The QR code's text, or None when zbarimg finds none."""
    proc = subprocess.run(["zbarimg", "--raw", "-q", "-Sdisable", "-Sqrcode.enable",
                           str(path)], capture_output=True, timeout=120)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode(errors="replace").rstrip("\n")


def ocr(image, scale=2):
    """What tesseract reads on the image, enlarged scale times."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "screen.ppm"
        (image.scaled(scale) if scale > 1 else image).write_ppm(path)
        proc = subprocess.run(["tesseract", str(path), "stdout"], capture_output=True,
                              timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


def _squash(text):
    return re.sub(r"[^a-z0-9]", "", text.lower())


def finds(text, phrase):
    """Whether OCR'd text holds phrase, ignoring case, spaces and punctuation, which
    OCR gets wrong more often than letters."""
    return _squash(phrase) in _squash(text)
