"""Prevention messages (prevention.py, prevention_runs.py): the patient reads them, the operator runs the rules.

- ``GET /fhir/Communication``: the messages of the logged-in patient's record (or of one they act for,
  ``patient.identifier``), newest first; a citizen token with ``mes.documents.read``; professionals and
  software get 403 MES-0305;
- ``POST /_admin/prevention/run`` (sandbox-only, admin token when set), body ``{"date": "YYYY-MM-DD"}``
  (today when absent): the rules run over every record of the tenant; runs are idempotent;
- ``GET /_admin/prevention/rules``: the rules in force (the shape of MS_ESPACE_SANTE_PREVENTION_RULES_FILE).
"""

from __future__ import annotations

import datetime
import json

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.admin import check_admin
from core.app import SANDBOX_ONLY
from core.errors import SandboxError
from core.fhir.router import respond
from core.jsonbody import read_model
from core.oidc.principals import Patient
from core.openapi import outcomes
from services.ms_espace_sante import access, prevention_runs, search
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.deps import Caller, Settings, Store
from services.ms_espace_sante.prevention import rules_to_json
from services.ms_espace_sante.records import consents_of
from services.ms_espace_sante.settings import FHIR_PATH

router = APIRouter(tags=["prevention"], responses=outcomes(400, 401, 403))


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: datetime.date | None = Field(None, description="The day the rules run for (YYYY-MM-DD); today when absent.")


@router.get(FHIR_PATH + "/Communication")
async def messages(request: Request, user: Caller, store: Store) -> Response:
    """The prevention messages of a record the caller reads as a citizen, newest first (``_sort=-sent``)."""
    if not isinstance(user, Patient):
        raise SandboxError(403, MesCode.PATIENT_ONLY, "Prevention messages are the patient's: log in with the Mon "
                           "espace santé citizen login.", issue="forbidden")
    ctx = store.context(request)
    params = request.query_params.multi_items()
    ins = search.audit_target(params, own=user.ins)
    params = [(k, v) for k, v in params if k != "patient.identifier"]
    if not any(k == "_sort" for k, _ in params):
        params.append(("_sort", "-sent"))
    with store.db.read() as conn:
        found = store.patient_by_ins(conn, ctx, ins)
        record = consents_of(json.loads(found.body)) if found else PatientConsents(ins=ins)
        access.decide_record(user, mode=access.AccessMode.NORMAL, patient_record=record).raise_if_refused()
        if found is None:
            raise SandboxError(404, MesCode.UNKNOWN_PATIENT, f"No record is open for INS {ins} in this tenant.",
                               issue="not-found")
        own = store.api.search_engine.criterion(ctx.tenant, "Communication", "patient", f"Patient/{found.rid}")
        return respond(store.api.search(conn, ctx, "Communication", params, extra=[own]))


@router.post("/_admin/prevention/run", tags=[SANDBOX_ONLY])
async def run_rules(request: Request, store: Store, settings: Settings) -> Response:
    """Run the prevention rules over every record of the tenant for a date; answer what was sent."""
    check_admin(request, settings.sandbox)
    empty = request.headers.get("content-length", "0") == "0" and "transfer-encoding" not in request.headers
    body = RunRequest() if empty else await read_model(request, RunRequest, max_bytes=4096, max_depth=4)
    ctx = store.context(request)
    day = body.date or datetime.date.today()

    def write() -> dict:
        with store.db.write() as conn:
            return prevention_runs.run(store, conn, ctx, store.prevention, day)

    return Response(json.dumps(await run_in_threadpool(write), ensure_ascii=False), media_type="application/json")


@router.get("/_admin/prevention/rules", tags=[SANDBOX_ONLY])
async def rules(request: Request, store: Store, settings: Settings) -> Response:
    """The prevention rules in force."""
    check_admin(request, settings.sandbox)
    return Response(rules_to_json(store.prevention), media_type="application/json")
