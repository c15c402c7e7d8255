"""The PDSm searches (digest §4.2): ITI-67 ``DocumentReference`` (GET and POST ``_search``) and ITI-66 ``List``.

Thin routes: search.py checks the mandatory parameters and builds the caller's filter; the kernel runs the
search with it (``FhirApi.search(extra=...)``), so ``total`` and the pages count only visible documents;
every search that reaches the record is traced with one AuditEvent (``E``, its query and the hits).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from core.audit import PatientRef
from core.codes import Code
from core.errors import FHIR_JSON, SandboxError
from core.openapi import body, outcomes
from services.ms_espace_sante import access, search
from services.ms_espace_sante.deps import Caller, Store
from services.ms_espace_sante.settings import FHIR_PATH

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"], responses=outcomes(400, 401, 403))
MAX_FORM_BYTES = 64 * 1024  # a search form; the query strings the gateway accepts are far shorter
SEARCH_FORM = body({"type": "object", "additionalProperties": {"type": "string"}},
                   ("application/x-www-form-urlencoded",), required=False)


async def read_form(request: Request) -> list[tuple[str, str]]:
    """The ``application/x-www-form-urlencoded`` parameters of a POST ``_search`` (413 beyond 64 KiB)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    raw = await request.body()
    if raw and kind != "application/x-www-form-urlencoded":
        raise SandboxError(415, Code.UNSUPPORTED_MEDIA_TYPE, f"POST _search takes an application/x-www-form-"
                           f"urlencoded body, not {kind[:60] or 'no content type'}.", issue="not-supported")
    if len(raw) > MAX_FORM_BYTES:
        raise SandboxError(413, Code.BODY_TOO_LARGE, f"A search form is at most {MAX_FORM_BYTES} bytes.",
                           issue="too-costly")
    return parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)


def run(request: Request, user, store, rtype: str, transaction: str,  # noqa: ANN001 - Caller, DmpStore
        params: list[tuple[str, str]]) -> tuple[access.Decision, search.Target, dict | None, str | None]:
    """The decision on the record, the patient, the screened searchset (None when refused) and, when the screen
    left it whole (no entry cut, no List whose items it could trim), the kernel's text of it, sent as it is."""
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    params = search.rewrite(params)
    name, value = search.check_params(params, transaction)
    with store.db.read() as conn:
        target = search.find_patient(store, conn, ctx, name, value)
        decision = access.decide_record(user, mode=mode, patient_record=target.consents, matrix=store.matrix)
        if not decision.allowed:
            return decision, target, None, None
        extra = search.document_filter(store.api.search_engine, ctx.tenant, user, mode=mode,
                                       record=target.consents, matrix=store.matrix,
                                       deleted=search.asks_deleted(params)) if rtype == "DocumentReference" else ()
        result = store.api.search(conn, ctx, rtype, params, extra=extra)
        # the SQL filter keeps what decide allows; every entry (included ones too) is screened all the same
        bundle = json.loads(result.body)
        found = len(bundle.get("entry", []))
        bundle = search.screen(store, conn, ctx, bundle, user, mode=mode, target=target, matrix=store.matrix)
        whole = len(bundle.get("entry", [])) == found and not any(
            e["resource"].get("resourceType") == "List" for e in bundle.get("entry", []))
        return decision, target, bundle, result.body if whole else None


def searched(request: Request, user, store, rtype: str, transaction: str,  # noqa: ANN001
             params: list[tuple[str, str]]) -> tuple[access.Decision, str | None]:
    """The search, then its AuditEvent in a transaction of its own: one call in the thread pool. Answers the
    decision and the searchset's JSON (the kernel's own text when the screen cut nothing: ~0.18 ms of
    ``json.dumps`` spared on a 9 KB page)."""
    decision, target, bundle, text = run(request, user, store, rtype, transaction, params)
    hits = [f"{rtype}/{e['resource']['id']}" for e in bundle.get("entry", [])
            if e.get("search", {}).get("mode") == "match"] if bundle is not None else []
    patient = PatientRef(ins=target.consents.ins or None, reference=target.reference)
    store.audit.write_own(store.context(request), user, access.trace(
        decision, action="E", subtype=transaction, patient=patient, entities=tuple(hits),
        query=urlencode(params)))
    if bundle is None:
        return decision, None
    return decision, text if text is not None else json.dumps(bundle, ensure_ascii=False)


async def traced(request: Request, user, store, rtype: str, transaction: str,  # noqa: ANN001
                 params: list[tuple[str, str]]) -> Response:
    decision, text = await run_in_threadpool(searched, request, user, store, rtype, transaction, params)
    decision.raise_if_refused()
    return Response(text, media_type=FHIR_JSON)


@router.get("/DocumentReference", responses=outcomes())
async def find_document_references(request: Request, user: Caller, store: Store) -> Response:
    """ITI-67 Find Document References: ``patient`` or ``patient.identifier``, and ``status``, are required."""
    return await traced(request, user, store, "DocumentReference", "ITI-67", request.query_params.multi_items())


@router.post("/DocumentReference/_search", openapi_extra=SEARCH_FORM, responses=outcomes(413, 415))
async def find_document_references_post(request: Request, user: Caller, store: Store) -> Response:
    """ITI-67 with the parameters in an application/x-www-form-urlencoded body (the same answer as GET)."""
    params = [*request.query_params.multi_items(), *await read_form(request)]
    return await traced(request, user, store, "DocumentReference", "ITI-67", params)


@router.get("/List", responses=outcomes())
async def find_document_lists(request: Request, user: Caller, store: Store) -> Response:
    """ITI-66 Find Document Lists: ``patient`` or ``patient.identifier``, ``code`` and ``status`` are required."""
    return await traced(request, user, store, "List", "ITI-66", request.query_params.multi_items())


@router.post("/List/_search", openapi_extra=SEARCH_FORM, responses=outcomes(413, 415))
async def find_document_lists_post(request: Request, user: Caller, store: Store) -> Response:
    """ITI-66 with the parameters in an application/x-www-form-urlencoded body."""
    params = [*request.query_params.multi_items(), *await read_form(request)]
    return await traced(request, user, store, "List", "ITI-66", params)

