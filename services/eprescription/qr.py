"""The QR code printed on a prescription (digest §5.1: it holds the unique prescription number).

The national payload is not public (digest §5.1, U), so the sandbox's is the number itself, canonical form
(numbers.py: 16 digits and capital letters, no dashes), which QR's alphanumeric mode (ISO/IEC 18004)
stores in 5.5 bits a character: a version 1 symbol (21 x 21 modules) holds it. A pharmacy's scanner reads
the same characters a person types from the dashed number printed beneath.

Error correction is level M (about 15 % of the symbol may be lost: a crease, a stamp, a smudge), fixed
rather than boosted by segno, so a number always has the same symbol. M is the usual choice for print, and
here it is also the level that leaves room: version 1 holds 20 alphanumeric characters at M against 16 at Q,
so the payload may grow (a prefix, a version character) without the code changing size on the page, while
L would save nothing (version 1 either way). More redundancy buys little on an office print read at the
counter: the number carries its own check character (a misread is refused, 400 EPR-0011) and is printed,
dashed, beneath the code for when the code cannot be read.

Rendering is segno's (pure Python, no Pillow): SVG with a ``<title>`` and a ``viewBox`` and no fixed
size, so a page sizes it with CSS and it stays sharp in print; PNG at a whole number of pixels a module.
Both keep the 4-module quiet zone the standard requires, on a white background (a scanner needs the
contrast even when the page or a viewer's background is dark).
"""

from __future__ import annotations

import io

import segno

from services.eprescription import numbers

ERROR = "M"
BORDER = 4  # modules of quiet zone (ISO/IEC 18004)
MIN_SCALE, MAX_SCALE, DEFAULT_SCALE = 1, 20, 8  # pixels a module in the PNG
DARK, LIGHT = "#000", "#fff"


def payload(number: str) -> str:
    """What the code holds: the canonical number (dashes, spaces and case forgiven; 400 EPR-0010/0011)."""
    return numbers.canonical(number)


def encode(number: str) -> segno.QRCode:
    """The QR code of prescription ``number``: alphanumeric mode, level M, the smallest version it fits."""
    return segno.make_qr(payload(number), error=ERROR, mode="alphanumeric", boost_error=False)


def title(number: str) -> str:
    """The SVG's title (what a screen reader says): the dashed number, as printed."""
    return f"QR code de l'ordonnance {numbers.display(payload(number))}"


def svg(number: str) -> str:
    """A standalone SVG document that can also be inlined in HTML (no XML declaration, no fixed size)."""
    out = io.BytesIO()
    encode(number).save(out, kind="svg", border=BORDER, dark=DARK, light=LIGHT, title=title(number),
                        xmldecl=False, svgns=True, omitsize=True, svgclass="qr", lineclass=None, nl=False,
                        encoding="utf-8")
    return out.getvalue().decode()


def png(number: str, scale: int = DEFAULT_SCALE) -> bytes:
    """The PNG of the code, ``scale`` pixels a module (MIN_SCALE..MAX_SCALE), grey-scale, 1 bit a pixel."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale {scale} is not within {MIN_SCALE}..{MAX_SCALE}")
    out = io.BytesIO()
    encode(number).save(out, kind="png", scale=scale, border=BORDER, dark=DARK, light=LIGHT)
    return out.getvalue()
