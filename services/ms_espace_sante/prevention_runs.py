"""Running the prevention rules (prevention.py) over a tenant's records for a date: the Communications stored.

One write transaction: every open DMP Patient read once (in id order, core/fhir ``FhirStore.each``) with
the conditions it declared (active ``Condition`` resources coded in :data:`DECLARED`), the rules due that
day computed, those already sent in their window left out (the Communication's
``identifier`` is the rule and window), one ``Communication`` stored per message, addressed to the patient
(``recipient`` and ``subject`` the DMP Patient), ``medium`` the rule's channel, ``topic`` the rule.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from sqlalchemy import Connection

from core.fhir.interactions import FhirContext
from services.ms_espace_sante.prevention import Due, Person, Rule, due
from services.ms_espace_sante.records import ins_of
from services.ms_espace_sante.store import DmpStore

RULES = "https://sandbox.esante.local/fhir/CodeSystem/mes-prevention-rule"
DECLARED = "https://sandbox.esante.local/fhir/CodeSystem/mes-declared-condition"  # routers/patient_data.py
MEDIUM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
SEX = {"male": "M", "female": "F"}


def person_of(rid: str, patient: dict, conditions: frozenset[str] = frozenset()) -> Person | None:
    """The rules' view of a DMP Patient, or None when it has no INS or birth date, or is closed."""
    ins, born = ins_of(patient), patient.get("birthDate")
    if not ins or not isinstance(born, str) or patient.get("active") is False:
        return None
    try:
        birth = date.fromisoformat(born[:10])
    except ValueError:
        return None
    return Person(f"Patient/{rid}", ins, birth, SEX.get(patient.get("gender")), conditions)


def communication(item: Due, day: date) -> dict:
    rule = item.rule
    media = [{"coding": [{"system": MEDIUM, "code": "ELECTRONIC", "display": "Mon espace santé"}]}]
    if rule.channel == "mes+email":
        media.append({"coding": [{"system": MEDIUM, "code": "EMAILWRIT", "display": "email"}]})
    return {"resourceType": "Communication", "status": "completed",
            "identifier": [{"system": RULES, "value": item.key}],
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/communication-category",
                                      "code": "reminder"}], "text": "Prévention"}],
            "medium": media, "subject": {"reference": item.person.reference},
            "recipient": [{"reference": item.person.reference}], "sent": day.isoformat(),
            "topic": {"coding": [{"system": RULES, "code": rule.id, "display": rule.title}], "text": rule.title},
            "payload": [{"contentString": rule.message}],
            **({"note": [{"text": f"Source : {rule.source}"}]} if rule.source else {})}


def run(store: DmpStore, conn: Connection, ctx: FhirContext, rules: tuple[Rule, ...], day: date) -> dict:
    """Store the messages due on ``day``; answer what was done (patients looked at, messages per rule)."""
    declared: dict[str, set[str]] = {}
    for stored in store.api.store.each(conn, tenant=ctx.tenant, rtype="Condition"):
        body = json.loads(stored.body)
        status = {c.get("code") for c in (body.get("clinicalStatus") or {}).get("coding") or ()}
        if "active" in status:
            declared.setdefault((body.get("subject") or {}).get("reference"), set()).update(
                c.get("code") for c in (body.get("code") or {}).get("coding") or () if c.get("system") == DECLARED)
    people = [p for s in store.api.store.each(conn, tenant=ctx.tenant, rtype="Patient")
              if (p := person_of(s.rid, json.loads(s.body), frozenset(declared.get(f"Patient/{s.rid}", ()))))
              is not None]
    sent = set()
    for stored in store.api.store.each(conn, tenant=ctx.tenant, rtype="Communication"):
        body = json.loads(stored.body)
        keys = [i.get("value") for i in body.get("identifier") or () if i.get("system") == RULES]
        sent.update(((body.get("subject") or {}).get("reference"), k) for k in keys)
    found = due(rules, people, day, sent)
    for item in found:
        store.api.create(conn, ctx, "Communication", communication(item, day))
    by_rule = Counter(item.rule.id for item in found)
    return {"date": day.isoformat(), "patients": len(people), "sent": len(found),
            "by_rule": {r.id: by_rule.get(r.id, 0) for r in rules}}
