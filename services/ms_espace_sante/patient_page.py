"""What the patient's page shows and does (routers/page.py): FHIR calls with the patient's own token.

:func:`view` reads the record as a patient app would (ITI-67, the activity history, the consents, the
prevention messages, a child's vaccinations and growth) and shapes it for ``templates/espace.html``;
:func:`act` turns one of the page's forms into the FHIR call that does it (mask or unmask a document, block
a professional, oppose an emergency mode, grant a temporary access, name a carer, revoke any consent) and
answers its outcome in a sentence: the OperationOutcome's own words when the service refuses.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from core.oidc.principals import Patient
from core.peers import PeerClient
from services.ms_espace_sante.access import ACCESS_MODE_SYSTEM, VISIBILITY_SYSTEM
from services.ms_espace_sante.consent_requests import ACTION_SYSTEM, CLIENT_ID, SCOPE_SYSTEM
from services.ms_espace_sante.spec import INS_NIR_SYSTEM

ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
FHIR = "application/fhir+json"
ACTIONS = {"C": "dépôt", "R": "lecture", "U": "modification", "D": "suppression", "E": "recherche"}


def challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept": FHIR, **extra}


def entries(answer: Any) -> list[dict]:
    if answer.status_code != 200:
        return []
    return [e["resource"] for e in answer.json().get("entry", []) if isinstance(e.get("resource"), dict)]


def who(event: dict) -> str:
    agent = next((a for a in event.get("agent") or () if a.get("requestor")), {})
    return ((agent.get("who") or {}).get("display") or ((agent.get("who") or {}).get("identifier") or {})
            .get("value") or "?")


def quantity(value: dict) -> str:
    return f"{value.get('value')} {value.get('unit') or ''}".strip()


def document_row(doc: dict) -> dict:
    labels = {c.get("code") for label in doc.get("securityLabel") or () for c in label.get("coding") or ()}
    attachment = ((doc.get("content") or [{}])[0]).get("attachment") or {}
    author = next((r for r in doc.get("contained") or () if r.get("resourceType") in ("Practitioner", "Patient")), {})
    name = next(iter(author.get("name") or ()), {})
    return {"id": doc.get("id"), "title": attachment.get("title") or "Document", "date": (doc.get("date") or "")[:10],
            "type": ((doc.get("type") or {}).get("coding") or [{}])[0].get("code", ""), "url": attachment.get("url"),
            "author": " ".join([*(name.get("given") or ()), name.get("family") or ""]).strip() or "—",
            "masked": "MASQUE_PS" in labels}


def consent_row(consent: dict) -> dict:
    provision = consent.get("provision") or {}
    actor = (((provision.get("actor") or [{}])[0].get("reference") or {}).get("identifier") or {})
    purpose = next((p.get("code") for p in provision.get("purpose") or ()), None)
    kind = ("app" if actor.get("system") == CLIENT_ID else "carer" if actor.get("system") == INS_NIR_SYSTEM
            else "block" if provision.get("type") == "deny" and actor else "oppose" if purpose
            else "temporary")
    codes = [c.get("code") for a in provision.get("action") or () for c in a.get("coding") or ()]
    return {"id": consent.get("id"), "kind": kind, "who": actor.get("value") or purpose, "what": ", ".join(codes),
            "until": ((provision.get("period") or {}).get("end") or "")[:16].replace("T", " ")}


async def view(client: PeerClient, token: str, user: Patient) -> dict:
    """Everything the page shows, read with the patient's token."""
    mine = f"{INS_NIR_SYSTEM}|{user.ins}"
    docs = entries(await client.get("/fhir/DocumentReference", params=[
        ("patient.identifier", mine), ("status", "current"), ("_count", "50"), ("_sort", "-date")],
        headers=headers(token)))
    events = entries(await client.get("/fhir/AuditEvent", params=[("_count", "30")], headers=headers(token)))
    consents = [consent_row(c) for c in entries(await client.get("/fhir/Consent", params=[("status", "active")],
                                                                   headers=headers(token)))]
    messages = entries(await client.get("/fhir/Communication", headers=headers(token)))
    vaccines = entries(await client.get("/fhir/Immunization", headers=headers(token)))
    growth = entries(await client.get("/fhir/Observation", params=[("_sort", "date")], headers=headers(token)))
    return {
        "patient_name": f"{user.given_name or ''} {user.family_name or ''}".strip(), "ins": user.ins,
        "documents": [document_row(d) for d in docs],
        "history": [{"when": (e.get("recorded") or "")[:19].replace("T", " "), "who": who(e),
                     "what": f"{ACTIONS.get(e.get('action'), e.get('action'))} "
                             f"({((e.get('subtype') or [{}])[0]).get('code', '')})",
                     "mode": next((c.get("code") for p in e.get("purposeOfEvent") or () for c in p.get("coding") or ()),
                                  "normal"),
                     "refused": e.get("outcome") != "0"} for e in events],
        "consents": {kind: [c for c in consents if c["kind"] == kind]
                     for kind in ("block", "oppose", "temporary", "carer", "app")},
        "messages": [{"title": (m.get("topic") or {}).get("text") or "", "sent": m.get("sent") or "",
                      "text": ((m.get("payload") or [{}])[0]).get("contentString") or ""} for m in messages],
        "vaccines": [{"name": (v.get("vaccineCode") or {}).get("text") or "", "date": v.get("occurrenceDateTime") or "",
                      "dose": ((v.get("protocolApplied") or [{}])[0]).get("doseNumberPositiveInt")} for v in vaccines],
        "growth": [{"date": o.get("effectiveDateTime") or "",
                    "what": (((o.get("code") or {}).get("coding") or [{}])[0]).get("display") or "",
                    "value": quantity(o.get("valueQuantity") or {})} for o in growth],
    }


def consent_body(user: Patient, provision: dict) -> dict:
    return {"resourceType": "Consent", "status": "active",
            "scope": {"coding": [{"system": SCOPE_SYSTEM, "code": "patient-privacy"}]},
            "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
            "patient": {"identifier": {"system": INS_NIR_SYSTEM, "value": user.ins}}, "provision": provision}


def actor(system: str, value: str, role: str) -> list[dict]:
    return [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": role}]},
             "reference": {"identifier": {"system": system, "value": value}}}]


def request_of(user: Patient, form: dict[str, str]) -> tuple[str, str, dict] | None:
    """(method, path, options) of the FHIR call a form asks, or None for an unknown control."""
    kind, value = form.get("action", ""), form.get("value", "").strip()
    if kind in ("mask", "unmask"):
        patch = ({"op": "add", "path": "/securityLabel/-", "value": {"coding": [
            {"system": VISIBILITY_SYSTEM, "code": "MASQUE_PS"}]}} if kind == "mask" else None)
        if patch:
            return "PATCH", f"/fhir/DocumentReference/{value}", {
                "content": json.dumps([patch]), "headers": {"Content-Type": "application/json-patch+json"}}
        body = {"resourceType": "Parameters", "parameter": [{"name": "operation", "part": [
            {"name": "type", "valueCode": "delete"},
            {"name": "path", "valueString": "DocumentReference.securityLabel.where(coding.code = 'MASQUE_PS')"}]}]}
        return "PATCH", f"/fhir/DocumentReference/{value}", {"content": json.dumps(body),
                                                             "headers": {"Content-Type": FHIR}}
    if kind == "revoke":
        return "DELETE", f"/fhir/Consent/{value}", {}
    if kind == "block":
        provision = {"type": "deny", "actor": actor(ID_NAT_PS, value, "PROV")}
    elif kind == "oppose":
        provision = {"type": "deny", "purpose": [{"system": ACCESS_MODE_SYSTEM, "code": value}]}
    elif kind == "temporary":
        days = int(form.get("days") or 7) if (form.get("days") or "7").isdigit() else 7
        end = datetime.now(UTC) + timedelta(days=max(1, min(days, 365)))
        provision = {"type": "permit", "actor": actor(ID_NAT_PS, value, "PROV"),
                     "period": {"end": end.isoformat(timespec="seconds")}}
    elif kind == "carer":
        actions = ["access", "correct"] if form.get("correct") else ["access"]  # "can also mask and add"
        provision = {"type": "permit", "actor": actor(INS_NIR_SYSTEM, value, "CAREGIVER"),
                     "action": [{"coding": [{"system": ACTION_SYSTEM, "code": a}]} for a in actions]}
    else:
        return None
    return "POST", "/fhir/Consent", {"content": json.dumps(consent_body(user, provision)),
                                     "headers": {"Content-Type": FHIR}}


DONE = {"mask": "Document masqué aux professionnels.", "unmask": "Document de nouveau visible des professionnels.",
        "revoke": "Autorisation retirée.", "block": "Professionnel bloqué.", "oppose": "Opposition enregistrée.",
        "temporary": "Accès temporaire accordé.", "carer": "Aidant enregistré."}


async def act(client: PeerClient, token: str, user: Patient, form: dict[str, str]) -> tuple[bool, str]:
    """Do what a form asks; (done, a sentence for the page)."""
    asked = request_of(user, form)
    if asked is None:
        return False, "Action inconnue."
    method, path, options = asked
    extra = options.pop("headers", {})
    answer = await client.request(method, path, headers=headers(token, **extra), **options)
    if answer.status_code < 300:
        return True, DONE[form["action"]]
    try:
        issue = (answer.json().get("issue") or [{}])[0]
        code = ((issue.get("details") or {}).get("coding") or [{}])[0].get("code", "")
        return False, f"{issue.get('diagnostics', 'Refusé.')} ({code})"
    except ValueError:
        return False, f"Refusé (HTTP {answer.status_code})."
