"""Cancelling (cancelling.py) and the feed state of a prescription (feeds.py), for its prescriber.

- ``POST /fhir/MedicationRequest/$cancel`` with Parameters ``prescription-number`` (and ``reason``): the whole
  prescription; ``POST /fhir/MedicationRequest/{id}/$cancel`` (Parameters ``reason``, or no body): one line.
  Both answer the prescription's lines as they now stand (a ``collection`` Bundle).
- ``GET /prescriptions/{number}/feeds``: where its documents to Mon espace santé stand (pending, delivered...),
  for the prescriber and the patient.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from core import jsonbody
from core.audit import Access, PatientRef
from core.errors import FHIR_JSON, SandboxError
from core.fhir.router import JSON_TYPES
from core.openapi import RESOURCE, body, outcomes
from services.eprescription import bundles, cancelling, lines, numbers, roles, views
from services.eprescription.codes import EprCode
from services.eprescription.deps import Caller, Settings, Store
from services.eprescription.routers.fhir import LINE_ID
from services.eprescription.settings import FHIR_PATH

router = APIRouter(tags=["prescriptions"], responses=outcomes(400, 401, 403, 404, 409, 413, 415, 422))
NUMBER = Path(description="The prescription number (16 characters, dashes allowed).", max_length=40)


async def _parameters(request: Request, settings) -> object | None:  # noqa: ANN001
    if request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers:
        return None
    document, _ = await jsonbody.read_json(request, max_bytes=64 * 1024, max_depth=settings.sandbox.max_json_depth,
                                           allowed=JSON_TYPES)
    return document


def _number_param(parameters: object) -> str:
    for p in (parameters or {}).get("parameter") or () if isinstance(parameters, dict) else ():
        if isinstance(p, dict) and p.get("name") == "prescription-number":
            return numbers.canonical(p.get("valueString") or (p.get("valueIdentifier") or {}).get("value") or "",
                                     where="Parameters.parameter.valueString")
    raise SandboxError(400, EprCode.BAD_VALUE, "$cancel on MedicationRequest names the prescription: a parameter "
                       "prescription-number (valueString). To cancel one line, POST "
                       "MedicationRequest/<id>/$cancel.", issue="required", expression=["Parameters.parameter"])


async def _cancel(request: Request, user, store, settings, fn) -> Response:  # noqa: ANN001
    pro = roles.professional(user, "cancel a prescription")
    ctx = store.context(request)
    parameters = await _parameters(request, settings)
    reason = cancelling.reason_of(parameters)

    def write() -> list[dict]:
        with store.db.write() as conn:
            ended = fn(conn, ctx, pro, parameters, reason)
            store.audit.write(conn, ctx, pro, Access("U", "cancel", subtype_system=views.EVENTS,
                                                     patient=PatientRef(ins=lines.patient_ins(ended[0])),
                                                     entities=tuple(f"MedicationRequest/{x['id']}" for x in ended)))
            return [json.loads(s.body) for s in store.lines(conn, ctx, lines.number_of(ended[0]))]

    shown = await run_in_threadpool(write)
    return Response(bundles.dumps(bundles.of_resources(ctx, shown, kind="collection")), media_type=FHIR_JSON)


@router.post(f"{FHIR_PATH}/MedicationRequest/$cancel", openapi_extra=body(RESOURCE, required=False))
async def cancel_prescription(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """Cancel a whole prescription (its prescriber only): active lines end, cancelled or stopped."""
    return await _cancel(request, user, store, settings, lambda conn, ctx, pro, parameters, reason:
                         cancelling.cancel_prescription(store, conn, ctx, pro, _number_param(parameters), reason))


@router.post(f"{FHIR_PATH}/MedicationRequest/{{rid}}/$cancel", openapi_extra=body(RESOURCE, required=False))
async def cancel_line(request: Request, user: Caller, store: Store, settings: Settings,
                      rid: str = LINE_ID) -> Response:
    """Cancel one line (its prescriber only): cancelled, or stopped when partly dispensed."""
    return await _cancel(request, user, store, settings, lambda conn, ctx, pro, _parameters, reason:
                         cancelling.cancel_line(store, conn, ctx, pro, rid, reason))


@router.get("/prescriptions/{number}/feeds")
async def prescription_feeds(request: Request, user: Caller, store: Store, settings: Settings,
                             number: str = NUMBER) -> Response:
    """Where the prescription's documents for Mon espace santé stand (pending, delivered, refused, failed)."""
    ctx = store.context(request)
    prescription = views.load(store, ctx, user, number, settings)
    with store.db.read() as conn:
        feeds = store.feeds.listed(conn, tenant=ctx.tenant, number=prescription.number)
    return JSONResponse({"prescription": numbers.display(prescription.number),
                         "feeds": [f.public() for f in feeds]})
