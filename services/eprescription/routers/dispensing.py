"""``POST /fhir/MedicationDispense``: a pharmacist dispenses part or all of a line (dispensing.py has the
rules); once every line is ended, the dispensation document (60593-1) is fed to Mon espace santé."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.fhir.router import respond
from core.openapi import RESOURCE, body, outcomes
from services.eprescription import dispensing, feeds, roles, views
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
            if done.all_done:
                stored = [json.loads(s.body) for s in store.lines(conn, ctx, done.number)]
                handed = [json.loads(s.body) for s in store.api.store.by_token(
                    conn, tenant=ctx.tenant, rtype="MedicationDispense", param="prescription-number",
                    value=f"{stored[0]['groupIdentifier']['system']}|{done.number}", limit=1000)]
                author = handed[-1]["performer"][0]["actor"] if handed else stored[0]["requester"]
                fid = store.feeds.add(conn, tenant=ctx.tenant, number=done.number, kind="dispensation",
                                      payload=feeds.document("dispensation", done.number, stored, author, handed))
            stored_dispense = done.result.stored
            store.audit.write(conn, ctx, pharmacist, views.Access(
                "C", "dispense", subtype_system=views.EVENTS, patient=views.PatientRef(ins=done.line["subject"][
                    "identifier"]["value"]), entities=(f"MedicationDispense/{stored_dispense.rid}",
                                                        f"MedicationRequest/{done.line['id']}")))
            return done, fid

    done, fid = await run_in_threadpool(write)
    if fid:
        await feeds.deliver_ids(request.app, ctx.tenant, [fid])
    return respond(done.result)
