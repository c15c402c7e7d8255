"""The printed prescription and its QR code (digest §5.1): ``GET /prescriptions/{number}`` and ``.../qr.svg|png``.

Each route loads the prescription as the caller may see it first (views.py: 400 EPR-0010/0011 for a bad
number, 404 EPR-0012, 403 EPR-0023, 409 for a pharmacist once it is spent; 401 without a token), so a QR
code is drawn only for a prescription the caller could read. The page inlines its QR code as SVG (a
browser sends no bearer token for an ``<img>``) and is traced like any professional's read of it (an
AuditEvent the patient can be shown); the QR images hold only the number the caller already has, and are
not. Errors are the kernel's OperationOutcome JSON; answers carry core/pages.py's headers (CSP, no
framing, no-store).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse, Response

from core.openapi import outcomes
from core.pages import HEADERS
from services.eprescription import printed, qr, views
from services.eprescription.deps import Caller, Settings, Store

router = APIRouter(prefix="/prescriptions", tags=["printed prescription"], responses=outcomes(400, 401, 403, 404, 409))
Number = Annotated[str, Path(max_length=40, description="The prescription number (16 characters, dashes "
                                                        "allowed: 7KQ2-M9XW-4TCB-H3RC).")]
Scale = Annotated[int, Query(ge=qr.MIN_SCALE, le=qr.MAX_SCALE, description="Pixels a module of the code")]


def image(media_type: str) -> dict[int | str, dict]:
    return {200: {"description": "The QR code", "content": {media_type: {}}}}


@router.get("/{number}", response_class=HTMLResponse)
def printable(request: Request, number: Number, user: Caller, store: Store, settings: Settings) -> Response:
    """The printable prescription (HTML, A4): prescriber, patient, lines, QR code and number."""
    ctx = store.context(request)
    prescription = views.load(store, ctx, user, number, settings)
    if prescription.role != "patient":
        store.audit.write_own(ctx, user, views.trace(prescription))
    return printed.render(prescription)


@router.get("/{number}/qr.svg", response_class=Response, responses=image("image/svg+xml"))
def qr_svg(request: Request, number: Number, user: Caller, store: Store, settings: Settings) -> Response:
    """The prescription's QR code as SVG (it holds the canonical number)."""
    prescription = views.load(store, store.context(request), user, number, settings)
    return Response(qr.svg(prescription.number), media_type="image/svg+xml", headers=HEADERS)


@router.get("/{number}/qr.png", response_class=Response, responses=image("image/png"))
def qr_png(request: Request, number: Number, user: Caller, store: Store, settings: Settings,
           scale: Scale = qr.DEFAULT_SCALE) -> Response:
    """The prescription's QR code as PNG, ``scale`` pixels a module (it holds the canonical number)."""
    prescription = views.load(store, store.context(request), user, number, settings)
    return Response(qr.png(prescription.number, scale), media_type="image/png", headers=HEADERS)
