"""Metadata updates (digest §4.2 flux 03/04): ``PATCH DocumentReference?identifier=<system>|<value>`` and by id.

JSON Patch (``application/json-patch+json``) or FHIRPath Patch (a ``Parameters``, ``application/fhir+json``)
through core/fhir/patch.py, limited to status, securityLabel and pdsm-ext-is-archived (updates.py says
what may change and who may). In one write transaction: the document found (404 MES-0031, 412 MES-0032),
the caller's access decided (access.py, 403), ``If-Match`` checked (412), the patch applied, the result
checked (405, 422, 403) and re-validated (metadata.py), the new version and its AuditEvent (action U)
stored. A patient (citizen token with ``mes.documents.write``) masks and unmasks their own documents to
professionals the same way. Any refusal stores nothing; a 403 (an access rule, or who may make the
change) is traced with outcome 4 in a transaction of its own once the write is rolled back (writes.py).
"""

from __future__ import annotations

import json
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from sqlalchemy import Connection
from starlette.responses import Response

from core import jsonbody
from core.audit import Access, PatientRef
from core.codes import Code
from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult, http_date, parse_if_match
from core.fhir.models import validate_resource
from core.fhir.patch import apply_fhirpath_patch, apply_json_patch
from core.fhir.router import JSON_PATCH_TYPE, JSON_TYPES, respond
from core.fhir.store import Stored, check_id
from core.oidc.principals import Patient
from core.openapi import outcomes
from services.ms_espace_sante import access, metadata, updates, writes
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.deps import Caller, Settings, Store
from services.ms_espace_sante.records import consents_for
from services.ms_espace_sante.settings import FHIR_PATH
from services.ms_espace_sante.store import DmpStore

router = APIRouter(prefix=FHIR_PATH, tags=["FHIR"],
                   responses=outcomes(400, 401, 403, 404, 405, 409, 412, 413, 415, 422))
PATCH_TYPES = {*JSON_TYPES, JSON_PATCH_TYPE}
MAX_PATCH_BYTES = 256 * 1024  # a metadata patch is a few hundred bytes
DOCUMENT_ID = Path(description="The DocumentReference's id (entryUUID).", max_length=64,
                   pattern="^[A-Za-z0-9.-]{1,64}$")


def identifier_query(params: list[tuple[str, str]]) -> str:
    """The one ``identifier=<system>|<value>`` of a conditional PATCH; 400 MES-0035 otherwise."""
    found = [v for k, v in params if k == "identifier"]
    others = sorted({k for k, _ in params if k != "identifier"})
    system, bar, value = found[0].partition("|") if len(found) == 1 else ("", "", "")
    if others or len(found) != 1 or not bar or not system or not value:
        raise SandboxError(400, MesCode.BAD_UPDATE_QUERY, "A conditional PATCH names its document by one "
                           "identifier=<system>|<value> (e.g. urn:ietf:rfc:3986|urn:oid:1.2.250.1.999.42.2, the "
                           f"uniqueId){'; not ' + ', '.join(others) if others else ''}.", expression=["identifier"])
    return found[0]


def by_identifier(store: DmpStore, conn: Connection, ctx: FhirContext, identifier: str) -> Stored:
    found = store.api.find(conn, ctx, "DocumentReference", urlencode({"identifier": identifier}))
    if not found:
        raise SandboxError(404, MesCode.UPDATE_NOT_FOUND, "No DocumentReference has the identifier "
                           f"{identifier[:120]!r}: search the document first (ITI-67) and use its masterIdentifier "
                           "or identifier.",
                           issue="not-found", expression=["identifier"])
    if len(found) > 1:
        raise SandboxError(412, MesCode.UPDATE_AMBIGUOUS, f"Several DocumentReferences have the identifier "
                           f"{identifier[:120]!r}: patch one by its id (PATCH DocumentReference/<id>).",
                           issue="multiple-matches", expression=["identifier"])
    return found[0]


def by_id(store: DmpStore, conn: Connection, ctx: FhirContext, rid: str) -> Stored:
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="DocumentReference", rid=check_id(rid))
    if found is None or found[1]:
        raise SandboxError(404, MesCode.UPDATE_NOT_FOUND, f"DocumentReference/{rid} does not exist here: search the "
                           "document first (ITI-67).", issue="not-found")
    return found[0]


def check_if_match(current: Stored, if_match: str | None) -> None:
    expected = parse_if_match(if_match)
    if expected is not None and expected != current.version:
        raise SandboxError(412, Code.VERSION_CONFLICT, f"If-Match names version {expected} but DocumentReference/"
                           f"{current.rid} is at version {current.version}: read it again and retry.",
                           issue="conflict", expression=["If-Match"])


def result(ctx: FhirContext, stored: Stored) -> FhirResult:
    return FhirResult(200, stored.body, {
        "Location": f"{ctx.base}/DocumentReference/{stored.rid}/_history/{stored.version}", "ETag": stored.etag,
        "Last-Modified": http_date(stored.last_updated)}, stored)


async def update(request: Request, user: Caller, store: Store, settings: Settings, locate) -> Response:  # noqa: ANN001
    ctx = store.context(request)
    mode = access.parse_access_mode(request.headers.get(access.ACCESS_MODE_HEADER))
    document, media = await jsonbody.read_json(request, max_bytes=MAX_PATCH_BYTES,
                                               max_depth=settings.sandbox.max_json_depth, allowed=PATCH_TYPES)
    if_match = request.headers.get("if-match")

    if isinstance(user, Patient) and (refusal := access.patient_scope(user, access.WRITE_SCOPE, mode)):
        refusal.raise_if_refused()  # the patient's own changes (mask, unmask) need the write scope

    def write() -> FhirResult:
        with store.db.write() as conn:
            current = locate(conn, ctx)
            original = json.loads(current.body)
            record = consents_for(store, conn, ctx, original)
            patient = PatientRef(ins=record.ins or None, reference=(original.get("subject") or {}).get("reference"))
            denied = partial(writes.refused, action="U", mode=mode, patient=patient,
                             entities=(f"DocumentReference/{current.rid}",))
            try:
                access.decide(user, original, mode=mode, patient_record=record,
                              matrix=store.matrix).raise_if_refused()
            except SandboxError as exc:
                raise denied(exc, subtype="TD3.3", subtype_display="Mise à jour des métadonnées") from None
            check_if_match(current, if_match)
            patched = (apply_json_patch if media == JSON_PATCH_TYPE else apply_fhirpath_patch)(original, document)
            if not isinstance(patched, dict) or patched.get("resourceType") != "DocumentReference" \
                    or patched.get("id") != current.rid:
                raise SandboxError(405, MesCode.UPDATE_ELEMENT_FORBIDDEN, "A metadata update may not change "
                                   "resourceType or id.", issue="not-supported")
            plan = updates.plan(original, patched)
            try:
                updates.check_who(user, plan, original, record)
            except SandboxError as exc:
                raise denied(exc, subtype=plan.subtype, subtype_display=f"Mise à jour des métadonnées: "
                             f"{plan.summary}") from None
            checked = {**patched, "status": "current"} if patched.get("status") == updates.DELETED else patched
            metadata.check_document_reference(checked, valuesets=store.valuesets)
            validate_resource(patched, "DocumentReference")
            stored = current if not plan.changes else store.api.store.replace(
                conn, tenant=ctx.tenant, resource=patched, rid=current.rid, current_version=current.version,
                method="PATCH", base_urls=ctx.base_urls)
            store.audit.write(conn, ctx, user, Access(
                "U", plan.subtype, subtype_display=f"Mise à jour des métadonnées: {plan.summary}", patient=patient,
                entities=(f"DocumentReference/{current.rid}",), outcome_desc=plan.summary,
                purpose=access.mode_coding(mode)))
            return result(ctx, stored)

    return respond(await writes.run_write(store, ctx, user, write))


@router.patch("/DocumentReference")
async def conditional_update(request: Request, user: Caller, store: Store, settings: Settings) -> Response:
    """Metadata update (PDSm flux 03/04) of the document ``identifier=<system>|<value>`` names (its uniqueId)."""
    identifier = identifier_query(request.query_params.multi_items())
    return await update(request, user, store, settings,
                        lambda conn, ctx: by_identifier(store, conn, ctx, identifier))


@router.patch("/DocumentReference/{rid}")
async def update_by_id(request: Request, user: Caller, store: Store, settings: Settings,
                       rid: str = DOCUMENT_ID) -> Response:
    """Metadata update of ``DocumentReference/<id>`` (the id an ITI-67 search gives)."""
    return await update(request, user, store, settings, lambda conn, ctx: by_id(store, conn, ctx, rid))
