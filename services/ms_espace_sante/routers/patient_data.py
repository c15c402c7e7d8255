"""The patient's own data beside their documents: prevention messages, a child's growth and vaccinations.

``GET /fhir/Communication`` (prevention.py), ``GET /fhir/Observation`` (growth measurements) and
``GET /fhir/Immunization`` (vaccinations; seed.py gives the child personas theirs): the resources of the
logged-in patient's record, or of one they act for (``patient.identifier``: a minor's representative, a
carer), newest first, with the kernel's search parameters. A citizen token with ``mes.documents.read``;
professionals and software get 403 MES-0305 (the real DMP shares these through documents).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.errors import SandboxError
from core.fhir.router import respond
from core.oidc.principals import Patient
from core.openapi import outcomes
from services.ms_espace_sante import access, search
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.deps import Caller, Store
from services.ms_espace_sante.records import consents_of
from services.ms_espace_sante.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR (the patient's)"], responses=outcomes(400, 401, 403, 404))
NEWEST_FIRST = {"Communication": "-sent", "Observation": "-date", "Immunization": "-date"}


def patient_search(request: Request, user, store, rtype: str) -> Response:  # noqa: ANN001 - Caller, DmpStore
    if not isinstance(user, Patient):
        raise SandboxError(403, MesCode.PATIENT_ONLY, f"{rtype} resources here are the patient's: log in with the "
                           "Mon espace santé citizen login.", issue="forbidden")
    ctx = store.context(request)
    params = request.query_params.multi_items()
    ins = search.audit_target(params, own=user.ins)
    params = [(k, v) for k, v in params if k != "patient.identifier"]
    if not any(k == "_sort" for k, _ in params):
        params.append(("_sort", NEWEST_FIRST[rtype]))
    with store.db.read() as conn:
        found = store.patient_by_ins(conn, ctx, ins)
        record = consents_of(json.loads(found.body)) if found else PatientConsents(ins=ins)
        access.decide_record(user, mode=access.AccessMode.NORMAL, patient_record=record).raise_if_refused()
        if found is None:
            raise SandboxError(404, MesCode.UNKNOWN_PATIENT, f"No record is open for INS {ins} in this tenant.",
                               issue="not-found")
        own = store.api.search_engine.criterion(ctx.tenant, rtype, "patient", f"Patient/{found.rid}")
        return respond(store.api.search(conn, ctx, rtype, params, extra=[own]))


@router.get("/Communication")
async def messages(request: Request, user: Caller, store: Store) -> Response:
    """The prevention messages of the record, newest first (``_sort=-sent``)."""
    return patient_search(request, user, store, "Communication")


@router.get("/Observation")
async def observations(request: Request, user: Caller, store: Store) -> Response:
    """The record's measurements (a child's growth: weight, height), newest first."""
    return patient_search(request, user, store, "Observation")


@router.get("/Immunization")
async def immunizations(request: Request, user: Caller, store: Store) -> Response:
    """The record's vaccinations, newest first."""
    return patient_search(request, user, store, "Immunization")
