"""The printable prescription in a real browser (Debian's headless Chromium, driven by Playwright): printed
to PDF it is one A4 page for two lines, and the QR code on screen scans back to the number (zxing-cpp).
The page is rendered from a Prescription and loaded as HTML (no token needed that way); the PDF and a
screenshot are written to the test's directory (and to $SANDBOX_TEST_ARTIFACTS when set), for a person
to look at."""

from __future__ import annotations

import os
import re
from pathlib import Path

from services.eprescription import printed
from tests.services.eprescription.qrdecode import decode_png
from tests.services.eprescription.test_printout import DASHED, NUMBER, prescription

A4_POINTS = (595.28, 841.89)


def folders(tmp_path: Path) -> list[Path]:
    extra = os.environ.get("SANDBOX_TEST_ARTIFACTS")
    found = [tmp_path, *([Path(extra)] if extra else [])]
    for folder in found:
        folder.mkdir(parents=True, exist_ok=True)
    return found


def pages_of(pdf: bytes) -> list[tuple[float, float]]:
    """The (width, height) in points of each page of a PDF Chromium wrote (uncompressed page objects)."""
    assert pdf.startswith(b"%PDF-")
    count = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert len(boxes) == count, "a PDF of another shape"
    return [(float(w), float(h)) for w, h in boxes]


def test_the_printed_prescription_is_one_a4_page_whose_qr_code_scans(browser, tmp_path):
    page = browser.new_page(viewport={"width": 900, "height": 1200})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(printed.html(prescription()), wait_until="load")
    assert " ".join(page.inner_text(".qr figcaption").split()) == f"Numéro de l'ordonnance : {DASHED}"
    assert page.locator("ol.lines > li").count() == 2

    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    sizes = pages_of(pdf)
    assert len(sizes) == 1
    assert all(abs(got - want) < 2 for got, want in zip(sizes[0], A4_POINTS, strict=True)), sizes

    shot = page.screenshot(full_page=True)
    code = page.locator(".qr svg").screenshot()
    assert [b.text for b in decode_png(code)] == [NUMBER]
    for folder in folders(tmp_path):
        (folder / "prescription-print.pdf").write_bytes(pdf)
        (folder / "prescription-print.png").write_bytes(shot)
    assert not errors
