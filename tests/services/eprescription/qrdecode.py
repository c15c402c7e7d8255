"""Reading QR codes back in tests: PNG (segno's or a browser's screenshot) and segno's SVG to grey pixels,
decoded by zxing-cpp, an independent decoder (the one many Android and desktop scanners embed).

The PNG reader is the few lines of the format tests need (no Pillow, no numpy): 8-bit or 1-bit, grey, grey
and alpha, RGB or RGBA, not interlaced, every row filter. The SVG reader knows segno's path only (``M``/``m``
moves, ``h`` runs of dark modules on the row the stroke's centre line sits on).
"""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
import zlib

import zxingcpp

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}
SVG_NS = "{http://www.w3.org/2000/svg}"


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def png_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) of a PNG."""
    assert data[:8] == SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def png_grey(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, one byte a pixel: the first channel) of a PNG."""
    width, height, depth, colour = png_header(data)
    assert data[28] == 0 and depth in (1, 8) and colour in CHANNELS, "a PNG this reader does not take"
    pos, idat = 8, bytearray()
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    channels = CHANNELS[colour]
    stride, bpp = (width * channels * depth + 7) // 8, max(1, channels * depth // 8)
    raw, out, prev = zlib.decompress(bytes(idat)), bytearray(), bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a, c = (row[i - bpp], prev[i - bpp]) if i >= bpp else (0, 0)
            b = prev[i]
            row[i] = (row[i] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 255
        prev = row
        if depth == 1:
            out += bytes(255 if row[x // 8] >> (7 - x % 8) & 1 else 0 for x in range(width))
        else:
            out += row[::channels][:width]
    return width, height, bytes(out)


def svg_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG (its viewBox is the symbol's size, quiet zone included)."""
    root = ET.fromstring(svg)
    _, _, width, height = (int(float(v)) for v in root.attrib["viewBox"].split())
    dark = [[False] * width for _ in range(height)]
    path = next(p for p in root.iter(f"{SVG_NS}path") if p.get("stroke"))
    x = y = 0.0
    for op, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path.attrib["d"]):
        if op == "M":
            x, y = float(first), float(second)
        elif op == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                dark[int(y)][column] = True
            x += float(first)
    return dark


def grey_of(modules: list[list[bool]], scale: int = 4) -> tuple[int, int, bytes]:
    pixels = bytearray()
    for row in modules:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        pixels += line * scale
    return len(modules[0]) * scale, len(modules) * scale, bytes(pixels)


def decode(width: int, height: int, grey: bytes) -> list[zxingcpp.Barcode]:
    """Every QR code zxing-cpp finds in a grey image."""
    return zxingcpp.read_barcodes(memoryview(grey).cast("B", (height, width)), formats=zxingcpp.BarcodeFormat.QRCode)


def decode_png(data: bytes) -> list[zxingcpp.Barcode]:
    return decode(*png_grey(data))


def decode_svg(svg: str) -> list[zxingcpp.Barcode]:
    return decode(*grey_of(svg_modules(svg)))
