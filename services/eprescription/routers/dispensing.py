"""``POST /fhir/MedicationDispense``: a pharmacist dispenses part or all of a line (dispensing.py has the
rules); once every line is ended, the dispensation document (60593-1) is fed to Mon espace santé."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.audit import Access, PatientRef
from core.fhir.router import respond
from core.openapi import RESOURCE, body, outcomes
from services.eprescription import dispensing, feeds, lines, roles, views
from services.eprescription.deps import Caller, Settings, Store
from services.eprescription.routers.fhir import read_body
from services.eprescription.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"], responses=outcomes(400, 401, 403, 409, 413, 415, 422))


@router.post("/MedicationDispense", openapi_extra=body(RESOURCE), status_code=201)
async def dispense(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """Dispense (FR Core MedicationDispense): partial or complete, substitution, non-delivery; 201."""
    pharmacist = roles.dispenser(user, settings)
    ctx = store.context(request)
    document = await read_body(request, settings)

    def write():  # noqa: ANN202
        with store.db.write() as conn:
            done = dispensing.apply(store, conn, ctx, pharmacist, document)
            fid = None
            if done.all_done:  # the pharmacist who completed it authors the dispensation document
                author = json.loads(done.result.stored.body)["performer"][0]["actor"]
                fid = feeds.add_dispensation(store, conn, ctx, done.number, author)
            store.audit.write(conn, ctx, pharmacist, Access(
                "C", "dispense", subtype_system=views.EVENTS, patient=PatientRef(ins=lines.patient_ins(done.line)),
                entities=(f"MedicationDispense/{done.result.stored.rid}", f"MedicationRequest/{done.line['id']}")))
            return done, fid

    done, fid = await run_in_threadpool(write)
    if fid:
        await feeds.deliver_ids(request.app, ctx.tenant, [fid])
    return respond(done.result)
