"""The patient's own data beside their documents: prevention messages, a child's growth and vaccinations,
the conditions the patient declares (``POST``/``GET /fhir/Condition``, what prevention rules look at).

``GET /fhir/Communication`` (prevention.py), ``GET /fhir/Observation`` (growth measurements) and
``GET /fhir/Immunization`` (vaccinations; seed.py gives the child personas theirs): the resources of the
logged-in patient's record, or of one they act for (``patient.identifier``: a minor's representative, a
carer), newest first, with the kernel's search parameters. A citizen token with ``mes.documents.read``;
professionals and software get 403 MES-0305 (the real DMP shares these through documents).
"""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core import jsonbody
from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.fhir.models import validate_resource
from core.fhir.router import JSON_TYPES, respond
from core.oidc.principals import Patient
from core.openapi import RESOURCE, body, outcomes
from services.ms_espace_sante import access, search
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consent_records import EVENTS
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.deps import Caller, Settings, Store
from services.ms_espace_sante.prevention_runs import DECLARED
from services.ms_espace_sante.records import consents_of, ins_of
from services.ms_espace_sante.settings import FHIR_PATH
from services.ms_espace_sante.spec import INS_NIR_SYSTEM

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR (the patient's)"], responses=outcomes(400, 401, 403, 404))
NEWEST_FIRST = {"Communication": "-sent", "Observation": "-date", "Immunization": "-date"}
CODE = re.compile(r"[a-z0-9-]{1,40}")


def patient_search(request: Request, user, store, rtype: str) -> Response:  # noqa: ANN001 - Caller, DmpStore
    if not isinstance(user, Patient):
        raise SandboxError(403, MesCode.PATIENT_ONLY, f"{rtype} resources here are the patient's: log in with the "
                           "Mon espace santé citizen login.", issue="forbidden")
    ctx = store.context(request)
    params = request.query_params.multi_items()
    ins = search.audit_target(params, own=user.ins)
    params = [(k, v) for k, v in params if k != "patient.identifier"]
    if not any(k == "_sort" for k, _ in params) and rtype in NEWEST_FIRST:
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


@router.get("/Condition")
async def conditions(request: Request, user: Caller, store: Store) -> Response:
    """The conditions the patient declared (what prevention rules look at)."""
    return patient_search(request, user, store, "Condition")


@router.post("/Condition", status_code=201, openapi_extra=body(RESOURCE), responses=outcomes(409, 422))
async def declare(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """The patient declares a condition (``code`` in the sandbox's declared-condition system): a prevention
    rule naming it then applies to them (prevention.py)."""
    if not isinstance(user, Patient):
        raise SandboxError(403, MesCode.PATIENT_ONLY, "A patient declares their own conditions: log in with the Mon "
                           "espace santé citizen login.", issue="forbidden")
    if refusal := access.patient_scope(user, access.WRITE_SCOPE):
        refusal.raise_if_refused()
    resource, _ = await jsonbody.read_json(request, max_bytes=16 * 1024, max_depth=settings.sandbox.max_json_depth,
                                           allowed=JSON_TYPES)
    condition = validate_resource(resource, "Condition")
    codes = [c for c in (condition.get("code") or {}).get("coding") or ()]
    if len(codes) != 1 or codes[0].get("system") != DECLARED or not CODE.fullmatch(str(codes[0].get("code"))):
        raise SandboxError(422, MesCode.BAD_CONDITION, f"A declared condition has one code of {DECLARED} (lower-case "
                           "letters, digits and '-', e.g. diabete).", issue="business-rule",
                           expression=["Condition.code"])
    ident = (condition.get("subject") or {}).get("identifier") or {}
    ctx = store.context(request)

    def write():  # noqa: ANN202
        with store.db.write() as conn:
            found = store.patient_by_ins(conn, ctx, str(ident.get("value") or "")) \
                if ident.get("system") == INS_NIR_SYSTEM else None
            related = consents_of(json.loads(found.body)).relation(user.ins) if found else None
            if related is None or "correct" not in related[1]:
                raise SandboxError(403, MesCode.NOT_YOUR_RECORD, "A patient declares conditions in their own record: "
                                   f"Condition.subject.identifier is {INS_NIR_SYSTEM}|<your INS>.", issue="forbidden",
                                   expression=["Condition.subject"])
            stored = {**condition, "subject": {**condition["subject"], "reference": f"Patient/{found.rid}"},
                      "clinicalStatus": condition.get("clinicalStatus") or {"coding": [
                          {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]}}
            result = store.api.create(conn, ctx, "Condition", stored)
            store.audit.write(conn, ctx, user, Access("C", "condition", subtype_system=EVENTS, entities=(
                f"Condition/{result.stored.rid}",), patient=PatientRef(ins=ins_of(json.loads(found.body)),
                                                                       reference=f"Patient/{found.rid}"),
                outcome_desc=f"declared {codes[0]['code']}"))
            result.headers["Location"] = f"{ctx.base}/Condition/{result.stored.rid}"
            return result

    return respond(await run_in_threadpool(write))
