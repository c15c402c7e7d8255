"""The PDSm FHIR API of Mon espace santé (digest §4.2): thin routes, each behind a Pro Santé Connect token
(or a patient's; the writes also take a feeding national service's software token, feeders.py).

The kernel's generic FHIR routes are not installed: a write goes through the PDSm rules of
submission.py / transactions.py / publish.py, a read through retrieval.py / dmp_status.py; only
``/metadata`` is public. Each write is one database transaction (``DmpStore.db.write``) run in the
thread pool: a refusal at any point stores nothing; one by an access rule (writes.py) is traced apart.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from core.audit import PatientRef
from core.errors import FHIR_JSON
from core.fhir.router import read_json, respond
from core.openapi import BUNDLE, RESOURCE, body, outcomes
from services.ms_espace_sante import (
    access,
    dmp_status,
    feeders,
    metadata,
    publish,
    retrieval,
    search,
    traces,
    transactions,
    writes,
)
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.deps import Caller, Professional, Settings, Store, Writer
from services.ms_espace_sante.feeding import confirm_patient
from services.ms_espace_sante.records import consents_for, consents_of
from services.ms_espace_sante.settings import FHIR_PATH
from services.ms_espace_sante.spec import INS_NIR_SYSTEM
from services.ms_espace_sante.submission import parse_submission

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"], responses=outcomes(400, 401, 403, 404, 413, 415))
WRITE_OUTCOMES = outcomes(409, 422)
BINARY_ID = Path(description="The id in a DocumentReference's content.attachment.url.", max_length=64,
                 pattern="^[A-Za-z0-9.-]{1,64}$")


async def read_body(request: Request, settings) -> object:  # noqa: ANN001 - the service's settings
    return (await read_json(request, settings.sandbox, max_bytes=settings.max_request_bytes))[0]


@router.get("/metadata")
async def capability(request: Request, store: Store) -> Response:
    """CapabilityStatement: the resource types and search parameters served here."""
    return store.fhir.capability(request)


@router.post("", openapi_extra=body(BUNDLE), responses=WRITE_OUTCOMES)
@router.post("/", include_in_schema=False)
async def provide_document_bundle(request: Request, user: Writer, store: Store, settings: Settings) -> Response:
    """ITI-65 Provide Document Bundle: a transaction of one SubmissionSet, its documents and their bytes."""
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    document = await read_body(request, settings)
    sub = parse_submission(document, max_document_bytes=settings.max_document_bytes)  # shape, first problem
    checked = metadata.check_submission(document, max_document_bytes=settings.max_document_bytes,
                                     valuesets=store.valuesets)  # every problem
    feeders.check_authors(user, checked)  # software writes for a professional
    await confirm_patient(request, store, ctx, checked.patient, "Bundle.entry")
    ins = checked.patient.value if checked.patient else None

    def write() -> list:
        with store.db.write() as conn:
            results = transactions.provide(store, conn, ctx, sub, may_replace=lambda old: writes.check_replaced(
                store, conn, ctx, user, old.body, old.rid, mode=mode, ins=ins,
                where=f"Bundle.entry[{old.by}].resource.relatesTo"))
            for document in traces.written_documents(results):
                writes.check_record(store, conn, ctx, user, document, mode=mode, subtype="ITI-65", ins=ins)
            store.audit.write(conn, ctx, user, traces.write_access("ITI-65", results, ins, mode))
            return results

    results = await writes.run_write(store, ctx, user, write)
    return Response(json.dumps(transactions.response_bundle(results), ensure_ascii=False), media_type=FHIR_JSON)


@router.post("/DocumentReference", openapi_extra=body(RESOURCE), responses=WRITE_OUTCOMES)
async def simplified_publish(request: Request, user: Writer, store: Store, settings: Settings) -> Response:
    """ITI-105 Simplified Publish: one DocumentReference with its document in content.attachment.data."""
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    resource = await read_body(request, settings)
    documents = publish.check_publish(resource, max_document_bytes=settings.max_document_bytes)
    checked = metadata.check_simplified_publish(resource, max_document_bytes=settings.max_document_bytes,
                                               valuesets=store.valuesets)
    feeders.check_authors(user, checked)
    await confirm_patient(request, store, ctx, checked.patient, "DocumentReference.subject")
    ins = checked.patient.value if checked.patient else None

    def write():  # noqa: ANN202
        with store.db.write() as conn:
            result = publish.publish(store, conn, ctx, resource, documents)
            for document in traces.written_documents([result]):
                writes.check_record(store, conn, ctx, user, document, mode=mode, subtype="ITI-105", ins=ins)
            store.audit.write(conn, ctx, user, traces.write_access("ITI-105", [result], ins, mode))
            return result

    return respond(await writes.run_write(store, ctx, user, write))


@router.get("/Binary/{rid}", responses=outcomes(406, 410))
async def retrieve_document(request: Request, user: Caller, store: Store, rid: str = BINARY_ID) -> Response:
    """ITI-68 Retrieve Document: the exact bytes, or the Binary with Accept: application/fhir+json.

    The caller's access to the document is decided by access.py (``X-Access-Mode``: normal, bris_de_glace,
    centre_15): 403 with the rule's MES-02xx code when refused.
    """
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    with store.db.read() as conn:
        found = retrieval.fetch(store, conn, ctx, rid)
        record = consents_for(store, conn, ctx, found.document)
    decision = access.decide(user, found.document, mode=mode, patient_record=record, matrix=store.matrix)
    patient = PatientRef(ins=record.ins or None, reference=found.document.get("subject", {}).get("reference"))
    await store.audit.record(ctx, user, access.trace(decision, action="R", subtype="ITI-68", patient=patient,
                                                     entities=(f"DocumentReference/{found.document.get('id')}",
                                                               f"Binary/{rid}")))
    decision.raise_if_refused()
    if retrieval.representation(request.headers.get("accept"), found.content_type) == "fhir":
        return Response(json.dumps(found.binary, ensure_ascii=False), media_type=FHIR_JSON)
    # the stored MIME type as is: media_type would append '; charset=utf-8' to a text/* document
    return Response(found.raw, headers={"content-type": found.content_type})


@router.get("/Patient", responses=outcomes())
async def check_dmp(request: Request, user: Professional, store: Store) -> Response:
    """TD02 DMP status: Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|<INS> (no entry: no DMP)."""
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    params = request.query_params.multi_items()
    identifier = dmp_status.check_query(params)
    with store.db.read() as conn:
        result = dmp_status.dmp_status(store, conn, ctx, params)
    await store.audit.record(ctx, user, traces.status_access(identifier, result, request.url.query, mode))
    return respond(result)


@router.get("/AuditEvent", responses=outcomes())
async def audit_events(request: Request, user: Caller, store: Store) -> Response:
    """The activity history of a record, newest first (``_sort=-date`` unless another ``_sort`` is asked): every
    access, by whom, in which mode. The patient's (or of whoever reads the record for them; ``patient.identifier``
    names it, the logged-in patient's own by default): 403 MES-0208 to professionals."""
    params = request.query_params.multi_items()
    access.decide_audit_search(user).raise_if_refused()  # professionals and software: 403 MES-0208
    ctx = store.context(request)
    ins = search.audit_target(params, own=user.ins)
    with store.db.read() as conn:
        found = store.patient_by_ins(conn, ctx, ins)
        record = consents_of(json.loads(found.body)) if found else PatientConsents(ins=ins)
        access.decide_audit_search(user, record).raise_if_refused()
        own = store.api.search_engine.criterion(ctx.tenant, "AuditEvent", "entity-identifier",
                                                f"{INS_NIR_SYSTEM}|{ins}")
        if not any(name == "_sort" for name, _ in params):
            params.append(("_sort", "-date"))
        return respond(store.api.search(conn, ctx, "AuditEvent", params, extra=[own]))
