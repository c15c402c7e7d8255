"""The patient's side (citizen token of Mon espace santé): the objection to prescribers seeing the dispensing.

``GET /patient/objection`` and ``PUT /patient/objection`` with ``{"objected": true|false}``. The patient's
prescriptions and dispensings are the FHIR searches of routers/fhir.py with the same token.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from core import jsonbody
from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.openapi import body, outcomes
from services.eprescription import roles, views
from services.eprescription.codes import EprCode
from services.eprescription.deps import Caller, Store

router = APIRouter(prefix="/patient", tags=["patient"], responses=outcomes(400, 401, 403, 415))
SCHEMA = {"type": "object", "properties": {"objected": {"type": "boolean"}}, "required": ["objected"],
          "additionalProperties": False}


def _answer(objected: bool, updated: float | None) -> JSONResponse:
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated)) if updated else None
    return JSONResponse({"objected": objected, "updated": when})


@router.get("/objection")
async def read_objection(request: Request, user: Caller, store: Store) -> JSONResponse:
    """Whether the patient objects to their prescribers seeing the dispensing of their prescriptions."""
    patient = roles.patient(user, "read their objection")
    ctx = store.context(request)
    with store.db.read() as conn:
        return _answer(*store.objections.state(conn, tenant=ctx.tenant, ins=patient.ins.upper()))


@router.put("/objection", openapi_extra=body(SCHEMA))
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
