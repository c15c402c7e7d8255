"""A DMP's consents as the store keeps them: extensions of its Patient resource (read for access.py).

The médecin traitant is the DMP's own extension (``dmp-medecin-traitant``, digest §4.5, carrying the
professional's idNat_PS); the patient's blocked professionals, oppositions to the emergency modes and
temporary accesses have no published FHIR form, so they are sandbox extensions: the summary of the
patient's active ``Consent`` resources (consent_requests.py), rewritten by :func:`with_consents` whenever
one changes, so that every access decision reads one resource. :func:`consents_for` gives the
:class:`PatientConsents` of the DMP a stored DocumentReference belongs to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from core.fhir.interactions import FhirContext
from services.ms_espace_sante.access import PatientConsents
from services.ms_espace_sante.consents import AppAccess, CarerAccess, TemporaryAccess
from services.ms_espace_sante.spec import INS_NIA_SYSTEM, INS_NIR_SYSTEM
from services.ms_espace_sante.store import DmpStore

MEDECIN_TRAITANT = "https://interop.esante.gouv.fr/ig/fhir/dmp/StructureDefinition/dmp-medecin-traitant"
SANDBOX_EXT = "https://sandbox.esante.local/fhir/StructureDefinition"
BLOCKED = f"{SANDBOX_EXT}/dmp-blocked-professional"  # valueIdentifier: idNat_PS
OPPOSED_MODE = f"{SANDBOX_EXT}/dmp-opposed-access-mode"  # valueCode: bris_de_glace | centre_15
TEMPORARY = f"{SANDBOX_EXT}/dmp-temporary-access"  # extension: actor (valueIdentifier), period (valuePeriod)
REPRESENTATIVE = f"{SANDBOX_EXT}/dmp-legal-representative"  # valueIdentifier: INS (seeded from the personas)
CARER = f"{SANDBOX_EXT}/dmp-carer"  # extension: actor (valueIdentifier INS), action (valueCode)*, period?
APP = f"{SANDBOX_EXT}/dmp-authorised-app"  # extension: client (valueIdentifier client_id), scope (valueCode)*
CLIENT_ID = "urn:ietf:params:oauth:client-id"
CONSENT_URLS = (MEDECIN_TRAITANT, BLOCKED, OPPOSED_MODE, TEMPORARY, REPRESENTATIVE, CARER, APP)
ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
MODES = ("bris_de_glace", "centre_15")


def _id_nat_ps(extension: Mapping[str, Any]) -> str | None:
    for key in ("valueIdentifier", "valueReference"):
        value = extension.get(key)
        ident = value.get("identifier") if key == "valueReference" and isinstance(value, dict) else value
        if isinstance(ident, dict) and isinstance(ident.get("value"), str):
            return ident["value"]
    return None


def ins_of(patient: Mapping[str, Any]) -> str:
    """The INS a DMP Patient carries ("" when none)."""
    return next((i.get("value") for i in patient.get("identifier") or ()
                 if isinstance(i, dict) and i.get("system") in (INS_NIR_SYSTEM, INS_NIA_SYSTEM)), "")


def consents_of(patient: Mapping[str, Any]) -> PatientConsents:
    """The consents a DMP Patient carries."""
    ins = ins_of(patient)
    extensions = [e for e in patient.get("extension") or () if isinstance(e, dict)]
    traitant = next((_id_nat_ps(e) for e in extensions if e.get("url") == MEDECIN_TRAITANT), None)
    blocked = frozenset(v for e in extensions if e.get("url") == BLOCKED and (v := _id_nat_ps(e)))
    opposed = {e.get("valueCode") for e in extensions if e.get("url") == OPPOSED_MODE}
    return PatientConsents(ins=ins, medecin_traitant=traitant, blocked=blocked,
                           opposes_bris_de_glace="bris_de_glace" in opposed, opposes_centre_15="centre_15" in opposed,
                           temporary=tuple(t for e in extensions if e.get("url") == TEMPORARY
                                           and (t := _temporary(e)) is not None),
                           birth_date=patient.get("birthDate") if isinstance(patient.get("birthDate"), str) else None,
                           representatives=frozenset(v for e in extensions if e.get("url") == REPRESENTATIVE
                                                     and (v := _identifier(e))),
                           carers=tuple(c for e in extensions if e.get("url") == CARER
                                        and (c := _carer(e)) is not None),
                           apps=tuple(a for e in extensions if e.get("url") == APP and (a := _app(e)) is not None))


def _app(extension: Mapping[str, Any]) -> AppAccess | None:
    parts = [e for e in extension.get("extension") or () if isinstance(e, dict)]
    client = next((_identifier(e) for e in parts if e.get("url") == "client"), None)
    scopes = frozenset(e.get("valueCode") for e in parts if e.get("url") == "scope" and e.get("valueCode"))
    return AppAccess(client, scopes) if client else None


def _identifier(extension: Mapping[str, Any]) -> str | None:
    value = (extension.get("valueIdentifier") or {}).get("value")
    return value if isinstance(value, str) and value else None


def _carer(extension: Mapping[str, Any]) -> CarerAccess | None:
    parts = [e for e in extension.get("extension") or () if isinstance(e, dict)]
    who = next((_identifier(e) for e in parts if e.get("url") == "actor"), None)
    actions = frozenset(e.get("valueCode") for e in parts if e.get("url") == "action" and e.get("valueCode"))
    period = next((e.get("valuePeriod") or {} for e in parts if e.get("url") == "period"), {})
    return CarerAccess(who, actions, period.get("start"), period.get("end")) if who and actions else None


def _temporary(extension: Mapping[str, Any]) -> TemporaryAccess | None:
    parts = {e.get("url"): e for e in extension.get("extension") or () if isinstance(e, dict)}
    who = _id_nat_ps(parts.get("actor") or {})
    period = (parts.get("period") or {}).get("valuePeriod") or {}
    start, end = period.get("start"), period.get("end")
    if who and isinstance(start, str) and isinstance(end, str):
        return TemporaryAccess(who, start, end)
    return None


def with_consents(patient: dict, consents: PatientConsents) -> dict:
    """``patient`` with its consent extensions replaced by those of ``consents`` (the others kept)."""
    kept = [e for e in patient.get("extension") or () if not (isinstance(e, dict) and e.get("url") in CONSENT_URLS)]
    return {**patient, "extension": [*kept, *consent_extensions(consents)]}


def consent_extensions(consents: PatientConsents) -> list[dict]:
    """The extensions :func:`consents_of` reads back (the seed and the patient side write them)."""
    found = []
    if consents.medecin_traitant:
        found.append({"url": MEDECIN_TRAITANT, "valueReference": {
            "identifier": {"system": ID_NAT_PS, "value": consents.medecin_traitant}}})
    found += [{"url": BLOCKED, "valueIdentifier": {"system": ID_NAT_PS, "value": v}} for v in sorted(consents.blocked)]
    opposed = {"bris_de_glace": consents.opposes_bris_de_glace, "centre_15": consents.opposes_centre_15}
    found += [{"url": OPPOSED_MODE, "valueCode": mode} for mode in MODES if opposed[mode]]
    found += [{"url": TEMPORARY, "extension": [
        {"url": "actor", "valueIdentifier": {"system": ID_NAT_PS, "value": t.id_nat_ps}},
        {"url": "period", "valuePeriod": {"start": t.start, "end": t.end}}]} for t in consents.temporary]
    found += [{"url": REPRESENTATIVE, "valueIdentifier": {"system": INS_NIR_SYSTEM, "value": v}}
              for v in sorted(consents.representatives)]
    found += [{"url": CARER, "extension": [
        {"url": "actor", "valueIdentifier": {"system": INS_NIR_SYSTEM, "value": c.ins}},
        *({"url": "action", "valueCode": a} for a in sorted(c.actions)),
        *([{"url": "period", "valuePeriod": {k: v for k, v in (("start", c.start), ("end", c.end)) if v}}]
          if c.start or c.end else [])]} for c in consents.carers]
    found += [{"url": APP, "extension": [
        {"url": "client", "valueIdentifier": {"system": CLIENT_ID, "value": a.client_id}},
        *({"url": "scope", "valueCode": s} for s in sorted(a.scopes))]} for a in consents.apps]
    return found


def consents_for(store: DmpStore, conn: Connection, ctx: FhirContext, document: Mapping[str, Any]) -> PatientConsents:
    """The consents of the DMP a stored DocumentReference belongs to (``subject`` = ``Patient/<id>``)."""
    ref = (document.get("subject") or {}).get("reference", "")
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="Patient", rid=ref.split("/", 1)[1]) \
        if isinstance(ref, str) and ref.startswith("Patient/") else None
    if found is None or found[1]:
        return PatientConsents(ins="")
    return consents_of(json.loads(found[0].body))
