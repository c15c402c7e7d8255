"""The QR code of a prescription (qr.py): it holds the canonical number, level M, version 1, and an
independent decoder (zxing-cpp) reads the number back from both the SVG and the PNG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import segno

from core.errors import SandboxError
from services.eprescription import numbers, qr
from tests.services.eprescription.qrdecode import SVG_NS, decode_png, decode_svg, png_header, svg_modules

NUMBER = "7KQ2M9XW4TCBH3R" + numbers.check_character("7KQ2M9XW4TCBH3R")


def test_the_payload_is_the_canonical_number_whatever_form_it_is_given_in():
    assert qr.payload(numbers.display(NUMBER).lower()) == NUMBER
    assert qr.encode(f" {numbers.display(NUMBER)} ").matrix == qr.encode(NUMBER).matrix


def test_the_code_is_alphanumeric_level_m_version_1():
    code = qr.encode(NUMBER)
    assert (code.mode, code.error, code.version) == ("alphanumeric", "M", 1)
    assert code.matrix == segno.make_qr(NUMBER, error="m", mode="alphanumeric", boost_error=False).matrix


def test_a_mistyped_number_gets_no_code():
    with pytest.raises(SandboxError) as bad:
        qr.svg(NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1"))
    assert bad.value.code == "EPR-0011"
    with pytest.raises(SandboxError) as short:
        qr.png("7KQ2")
    assert short.value.code == "EPR-0010"


def test_the_svg_decodes_back_to_the_number():
    found = decode_svg(qr.svg(NUMBER))
    assert [(b.text, b.ec_level, b.extra["Version"]) for b in found] == [(NUMBER, "M", "1")]


def test_the_svg_is_scalable_titled_and_inline_able():
    svg = qr.svg(NUMBER)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg" and not svg.startswith("<?xml")
    assert root.attrib["viewBox"] == "0 0 29 29"  # 21 modules and 4 of quiet zone each side
    assert "width" not in root.attrib and "height" not in root.attrib
    assert root.find(f"{SVG_NS}title").text == f"QR code de l'ordonnance {numbers.display(NUMBER)}"
    assert svg_modules(svg)[0] == [False] * 29 and svg_modules(svg)[4][4:11] == [True] * 7  # quiet zone, finder


@pytest.mark.parametrize("scale", [1, 3, 8, 20])
def test_the_png_decodes_back_to_the_number_at_every_scale(scale):
    data = qr.png(NUMBER, scale)
    assert png_header(data)[:2] == (29 * scale, 29 * scale)
    assert [b.text for b in decode_png(data)] == [NUMBER]


def test_the_png_is_small_and_its_scale_bounded():
    assert len(qr.png(NUMBER, qr.MAX_SCALE)) < 2000  # 1 bit a pixel, compressed
    for scale in (qr.MIN_SCALE - 1, qr.MAX_SCALE + 1):
        with pytest.raises(ValueError):
            qr.png(NUMBER, scale)


def test_every_fresh_number_fits_the_same_symbol():
    for _ in range(50):
        number = numbers.new_number()
        code = qr.encode(number)
        assert (code.version, code.error) == (1, "M")
        assert [b.text for b in decode_png(qr.png(number, 2))] == [number]
