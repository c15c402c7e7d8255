"""The patient's Consent resources in the store, and the summary the access rules read (records.py).

Each change is one write transaction: the Consent created (or revoked: ``status`` inactive, kept, never
deleted), the DMP Patient's consent extensions rewritten from every active Consent of the record
(records.with_consents), and the AuditEvent of the change. A duplicate is refused (409 MES-0309) inside
that transaction, so two identical requests at once store one Consent.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from sqlalchemy import Connection

from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult
from core.fhir.store import Stored
from core.oidc.principals import Patient
from services.ms_espace_sante import consent_requests
from services.ms_espace_sante.citizen.provider import subject
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consent_requests import ConsentRequest
from services.ms_espace_sante.records import consents_of, ins_of, with_consents
from services.ms_espace_sante.store import DmpStore


def record_of(store: DmpStore, conn: Connection, ctx: FhirContext, ins: str) -> Stored:
    """The patient's DMP Patient (a logged-in patient has one; 404 MES-0017 when it was closed since)."""
    found = store.patient_by_ins(conn, ctx, ins)
    if found is None:
        raise SandboxError(404, MesCode.UNKNOWN_PATIENT, f"No record is open for INS {ins} in this tenant.",
                           issue="not-found")
    return found


def active(store: DmpStore, conn: Connection, ctx: FhirContext, patient: Stored) -> list[tuple[Stored, ConsentRequest]]:
    """The record's active Consents and what each asks."""
    engine = store.api.search_engine
    req = engine.parse("Consent", [("patient", f"Patient/{patient.rid}"), ("status", "active"),
                                   ("_count", str(MAX_ACTIVE + 1))])
    found = engine.run(conn, tenant=ctx.tenant, req=req, base_urls=ctx.base_urls).matches
    return [(c, consent_requests.shape(json.loads(c.body))) for c in found]


def summarise(store: DmpStore, conn: Connection, ctx: FhirContext, patient: Stored,
              requests: list[ConsentRequest]) -> None:
    """Rewrite the Patient's consent extensions from ``requests`` (the record's active consents)."""
    body = json.loads(patient.body)
    summary = consent_requests.summary(consents_of(body), requests)
    store.api.store.replace(conn, tenant=ctx.tenant, resource=with_consents(body, summary), rid=patient.rid,
                            current_version=patient.version, method="PATCH", base_urls=ctx.base_urls)


MAX_ACTIVE = 200  # active consents per record: each decision reads their summary on the Patient
EVENTS = "https://sandbox.esante.local/fhir/CodeSystem/mes-patient-event"  # sandbox: no published code


def trace(action: str, user: Patient, patient: Stored, consent: str, label: str) -> Access:
    return Access(action, "consent", subtype_display=f"Consentement : {label}",  # type: ignore[arg-type]
                  subtype_system=EVENTS,
                  patient=PatientRef(ins=ins_of(json.loads(patient.body)) or None, reference=f"Patient/{patient.rid}"),
                  entities=(f"Consent/{consent}",), outcome_desc=label)


def check_grantor(user: Patient, patient: Stored) -> None:
    """Only the patient, or a minor's legal representative, gives and revokes the record's consents."""
    related = consents_of(json.loads(patient.body)).relation(user.ins)
    if related is None:
        raise SandboxError(403, MesCode.NOT_YOUR_RECORD, "A patient gives consents about their own record (or "
                           "a minor's they represent): Consent.patient must name such a record's INS.",
                           issue="forbidden", expression=["Consent.patient"])
    if "consent" not in related[1]:
        raise SandboxError(403, MesCode.CARER_CANNOT_GRANT, "A carer cannot grant or revoke rights they do not "
                           "hold: only the patient (or a minor's legal representative) manages the record's "
                           "consents.", issue="forbidden")


def create(store: DmpStore, conn: Connection, ctx: FhirContext, user: Patient, resource: dict,
           request: ConsentRequest) -> FhirResult:
    """Store a checked Consent about ``request.ins``'s record (409 MES-0309 when it duplicates an active one)."""
    patient = record_of(store, conn, ctx, request.ins)
    check_grantor(user, patient)
    if request.kind == "carer" and (request.carer == request.ins or store.patient_by_ins(
            conn, ctx, request.carer or "") is None):
        raise SandboxError(422, MesCode.UNKNOWN_CARER, f"A carer is another citizen with a Mon espace santé record "
                           f"in this tenant: {str(request.carer)[:20]!r} is not one.", issue="business-rule",
                           expression=["Consent.provision.actor[0].reference"])
    current = active(store, conn, ctx, patient)
    if len(current) >= MAX_ACTIVE:
        raise SandboxError(422, MesCode.BAD_CONSENT, f"A record holds at most {MAX_ACTIVE} active consents: revoke "
                           "some first.", issue="too-costly", expression=["Consent"])
    why = consent_requests.conflict(request, [r for _, r in current])
    if why:
        raise SandboxError(409, MesCode.CONSENT_EXISTS, f"Refused: {why}. Revoke the active consent first "
                           "(DELETE /Consent/{id}) to change it.", issue="duplicate", expression=["Consent.provision"])
    stored = {**resource, "patient": {**resource["patient"], "reference": f"Patient/{patient.rid}"},
              "dateTime": resource.get("dateTime") or datetime.now(UTC).isoformat(timespec="seconds")}
    if request.start and request.end:
        stored["provision"] = {**stored["provision"], "period": {"start": request.start, "end": request.end}}
    result = store.api.create(conn, ctx, "Consent", stored)
    summarise(store, conn, ctx, patient, [*(r for _, r in current), request])
    store.audit.write(conn, ctx, user, trace("C", user, patient, result.stored.rid, request.label))
    result.headers["Location"] = f"{ctx.base}/Consent/{result.stored.rid}"
    return result


def revoke(store: DmpStore, conn: Connection, ctx: FhirContext, user: Patient, rid: str) -> None:
    """Revoke a Consent (kept with status inactive); 404 MES-0310 when it is no record's the caller may manage."""
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="Consent", rid=rid)
    consent = json.loads(found[0].body) if found and not found[1] else {}
    ref = (consent.get("patient") or {}).get("reference") or ""
    patient = store.api.store.current(conn, tenant=ctx.tenant, rtype="Patient", rid=ref.partition("/")[2]) \
        if ref.startswith("Patient/") else None
    if not consent or patient is None or patient[1] or consents_of(json.loads(patient[0].body)).relation(
            user.ins) is None:
        raise SandboxError(404, MesCode.UNKNOWN_CONSENT, f"No Consent {rid!r} in your record: GET /Consent lists "
                           "yours.", issue="not-found")
    record = patient[0]
    check_grantor(user, record)
    if consent.get("status") != "active":
        return  # already revoked: revoking again changes nothing
    store.api.store.replace(conn, tenant=ctx.tenant, resource={**consent, "status": "inactive"}, rid=rid,
                            current_version=found[0].version, method="DELETE", base_urls=ctx.base_urls)
    revoked = consent_requests.shape(consent)
    if revoked.kind == "app" and revoked.app and store.logins is not None:  # its refresh tokens end too
        store.logins.store.revoke_sessions(conn, tenant=ctx.tenant, client_id=revoked.app,
                                           subject=subject(revoked.ins), now=time.time())
    remaining = [(c, r) for c, r in active(store, conn, ctx, record) if c.rid != rid]
    summarise(store, conn, ctx, record, [r for _, r in remaining])
    store.audit.write(conn, ctx, user, trace("D", user, record, rid, "revoked: " + revoked.label))


def authorise_app(store: DmpStore, conn: Connection, ctx: FhirContext, user: Patient, client_id: str,
                  scopes: frozenset[str]) -> None:
    """The patient approved ``client_id`` on the consent screen: its app Consent, replacing an earlier one."""
    patient = record_of(store, conn, ctx, user.ins)
    current = active(store, conn, ctx, patient)
    for stored, request in current:
        if request.kind == "app" and request.app == client_id:  # re-authorised (other scopes): the old one ends
            store.api.store.replace(conn, tenant=ctx.tenant, resource={**json.loads(stored.body), "status": "inactive"},
                                    rid=stored.rid, current_version=stored.version, method="PUT",
                                    base_urls=ctx.base_urls)
    kept = [r for _, r in current if not (r.kind == "app" and r.app == client_id)]
    request = ConsentRequest("app", user.ins, app=client_id, actions=scopes)
    resource = consent_requests.app_consent(user.ins, client_id, scopes)
    resource["patient"]["reference"] = f"Patient/{patient.rid}"
    resource["dateTime"] = datetime.now(UTC).isoformat(timespec="seconds")
    result = store.api.create(conn, ctx, "Consent", resource)
    summarise(store, conn, ctx, patient, [*kept, request])
    store.audit.write(conn, ctx, user, trace("C", user, patient, result.stored.rid, request.label))
