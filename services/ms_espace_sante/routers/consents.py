"""The patient's consents (consent_requests.py): ``POST``, ``GET /fhir/Consent``, ``DELETE /fhir/Consent/{id}``.

The patient's own routes: a citizen token (``mes.documents.write`` to change, ``.read`` to list); the patient
or a minor's legal representative gives and revokes them (403 MES-0303 for anyone else, 403 MES-0312 for a
carer); a professional's or software token gets 403 MES-0305. A consent naming a
professional is checked against the Annuaire Santé before anything is stored (422 MES-0307). Each change
is one write transaction run in the thread pool (consent_records.py): a refusal stores nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core import jsonbody
from core.errors import FHIR_JSON, SandboxError
from core.fhir.router import JSON_TYPES, respond
from core.oidc.principals import Patient, Principal
from core.openapi import RESOURCE, body, outcomes
from core.peers import peer
from services.ms_espace_sante import access, consent_records, consent_requests, professionals, search
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import FIRST_PARTY_APPS
from services.ms_espace_sante.deps import Caller, Settings, Store
from services.ms_espace_sante.records import consents_of
from services.ms_espace_sante.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR (the patient's)"], responses=outcomes(400, 401, 403))
CONSENT_ID = Path(max_length=64, pattern="^[A-Za-z0-9.-]{1,64}$")
MAX_CONSENT_BYTES = 64 * 1024


def the_patient(user: Principal, scope: str) -> Patient:
    """The caller when it is a patient whose token holds ``scope``; 403 MES-0305 / MES-0304 otherwise."""
    if not isinstance(user, Patient):
        raise SandboxError(403, MesCode.PATIENT_ONLY, "Consents are the patient's: log in with the Mon espace santé "
                           "citizen login (a professional's or software token may not read or change them).",
                           issue="forbidden")
    if user.client_id and user.client_id not in FIRST_PARTY_APPS:
        raise SandboxError(403, MesCode.PATIENT_ONLY, "Consents are managed in Mon espace santé itself, not by the "
                           f"app {user.client_id}: the patient lists and revokes app authorisations there.",
                           issue="forbidden")
    if refusal := access.patient_scope(user, scope):
        refusal.raise_if_refused()
    return user


@router.post("/Consent", status_code=201, openapi_extra=body(RESOURCE), responses=outcomes(404, 409, 422, 502))
async def give_consent(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """Block a professional, oppose an emergency mode, or grant a temporary access (a FHIR R4 Consent)."""
    patient = the_patient(user, access.WRITE_SCOPE)
    resource, _ = await jsonbody.read_json(request, max_bytes=MAX_CONSENT_BYTES,
                                           max_depth=settings.sandbox.max_json_depth, allowed=JSON_TYPES)
    asked = consent_requests.parse(resource, datetime.now(UTC))
    if asked.actor:
        await professionals.find(peer(request, professionals.ANNUAIRE), settings.annuaire_api_key, asked.actor,
                                 "Consent.provision.actor[0].reference")
    ctx = store.context(request)

    def write():  # noqa: ANN202
        with store.db.write() as conn:
            return consent_records.create(store, conn, ctx, patient, resource, asked)

    return respond(await run_in_threadpool(write))


@router.get("/Consent")
async def list_consents(request: Request, user: Caller, store: Store) -> Response:
    """The consents of the logged-in patient's record, or of the one ``patient.identifier`` names when they
    act for it (``status`` active or inactive, ``action`` deny or permit, ``actor``...)."""
    patient = the_patient(user, access.READ_SCOPE)
    ctx = store.context(request)
    params = request.query_params.multi_items()
    ins = search.audit_target(params, own=patient.ins)  # patient.identifier: a record the caller acts for
    params = [(k, v) for k, v in params if k != "patient.identifier"]
    with store.db.read() as conn:
        record = consent_records.record_of(store, conn, ctx, ins)
        access.decide_record(patient, mode=access.AccessMode.NORMAL,
                             patient_record=consents_of(json.loads(record.body))).raise_if_refused()
        own = store.api.search_engine.criterion(ctx.tenant, "Consent", "patient", f"Patient/{record.rid}")
        result = store.api.search(conn, ctx, "Consent", params, extra=[own])
    return Response(result.body, media_type=FHIR_JSON)


@router.delete("/Consent/{rid}", status_code=204, responses=outcomes(404))
async def revoke_consent(request: Request, user: Caller, store: Store, rid: str = CONSENT_ID) -> Response:
    """Revoke one of the patient's consents: it stays listed with status inactive and stops applying now."""
    patient = the_patient(user, access.WRITE_SCOPE)
    ctx = store.context(request)

    def write() -> None:
        with store.db.write() as conn:
            consent_records.revoke(store, conn, ctx, patient, rid)

    await run_in_threadpool(write)
    return Response(status_code=204)


