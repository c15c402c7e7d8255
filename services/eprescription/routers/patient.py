"""The patient's side (citizen token of Mon espace santé): the objection to prescribers seeing the dispensing.

``GET /patient/objection`` and ``PUT /patient/objection`` with ``{"objected": true|false}``;
``GET /fhir/AuditEvent``: who read or acted on the patient's prescriptions (scans, follow-ups, dispensings,
cancellations), the patient's alone (DESIGN.md "Audit"). The patient's prescriptions and dispensings are
the FHIR searches of routers/fhir.py with the same token.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from core import jsonbody
from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.fhir.router import respond
from core.openapi import body, outcomes
from services.eprescription import roles, views
from services.eprescription.codes import EprCode
from services.eprescription.deps import Caller, Store
from services.eprescription.settings import FHIR_PATH
from services.eprescription.spec import INS_NIR_SYSTEM

router = APIRouter(tags=["patient"], responses=outcomes(400, 401, 403, 415))
SCHEMA = {"type": "object", "properties": {"objected": {"type": "boolean"}}, "required": ["objected"],
          "additionalProperties": False}


def _answer(objected: bool, updated: float | None) -> JSONResponse:
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated)) if updated else None
    return JSONResponse({"objected": objected, "updated": when})


@router.get("/patient/objection")
async def read_objection(request: Request, user: Caller, store: Store) -> JSONResponse:
    """Whether the patient objects to their prescribers seeing the dispensing of their prescriptions."""
    patient = roles.patient(user, "read their objection")
    ctx = store.context(request)
    with store.db.read() as conn:
        return _answer(*store.objections.state(conn, tenant=ctx.tenant, ins=patient.ins.upper()))


@router.put("/patient/objection", openapi_extra=body(SCHEMA))
async def set_objection(request: Request, user: Caller, store: Store) -> JSONResponse:
    """Object (``{"objected": true}``) or stop objecting to prescribers seeing the dispensing."""
    patient = roles.patient(user, "object to their prescribers seeing the dispensing")
    ctx = store.context(request)
    document, _ = await jsonbody.read_json(request, max_bytes=4096, allowed={"application/json"})
    if not isinstance(document, dict) or set(document) != {"objected"} or not isinstance(document["objected"], bool):
        raise SandboxError(422, EprCode.BAD_VALUE, 'The body is {"objected": true} or {"objected": false}.',
                           issue="invalid", expression=["objected"])
    ins = patient.ins.upper()

    def write() -> float:
        with store.db.write() as conn:
            when = store.objections.set(conn, tenant=ctx.tenant, ins=ins, objected=document["objected"])
            store.audit.write(conn, ctx, patient, Access("U", "objection", subtype_system=views.EVENTS,
                                                         patient=PatientRef(ins=ins)))
            return when

    return _answer(document["objected"], await run_in_threadpool(write))


@router.get(f"{FHIR_PATH}/AuditEvent")
async def audit_events(request: Request, user: Caller, store: Store) -> Response:
    """The traces of every access to the patient's prescriptions, newest first (the patient's token only)."""
    patient = roles.patient(user, "read the traces of their prescriptions")
    ctx = store.context(request)
    params = request.query_params.multi_items()
    if not any(name == "_sort" for name, _ in params):
        params.append(("_sort", "-date"))
    with store.db.read() as conn:
        own = store.api.search_engine.criterion(ctx.tenant, "AuditEvent", "entity-identifier",
                                                f"{INS_NIR_SYSTEM}|{patient.ins.upper()}")
        return respond(store.api.search(conn, ctx, "AuditEvent", params, extra=[own], self_url=str(request.url)))
