"""Building FHIR R4 AuditEvents: who (the principal), what (entities, the patient), when, action, outcome.

Shape (IHE BALP / MHD audit conventions, R4 elements):
- ``type``: DICOM 110107 Import for ITI-65/ITI-105 received, 110112 Query for ITI-66/67 and TD02,
  110106 Export for ITI-68 retrievals; otherwise the FHIR ``rest`` interaction (read, search, update ...);
- ``subtype``: the IHE transaction (``urn:ihe:event-type-code``, e.g. ITI-65) or the PDSm one (TD3.3a ...);
- ``action`` C/R/U/D/E; ``recorded`` the instant; ``outcome`` 0 success, 4 refused (minor failure),
  8 serious failure, with ``outcomeDesc`` the reason (the refusal's code and sentence);
- ``purposeOfEvent``: the access mode the request asserted (the real DMP carries it in the VIHF
  assertion, i.e. the XUA purposeOfUse, which BALP records in purposeOfEvent), e.g. TRE_R248 centre_15;
- ``agent``: the principal as requestor (a professional by idNat_PS with their TRE_G15 profession as
  role, a patient by INS, software by client id as ``altId``) and, for a user, the software they use;
- ``source``: the service (slug as ``site`` and ``observer.display``), type 4 application server;
- ``entity``: the patient (role 1, type 1 person; ``what`` a Patient reference and/or the INS identifier),
  the resources touched (role 3 report, type 2 system object) and, for a search, its query (role 24,
  base64 of the query string).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from core.fhir.store import new_id
from core.identifiers import IDNAT_PS_OID, INS_NIR_OID
from core.oidc.principals import Patient, Practitioner, Principal, System

DCM = "http://dicom.nema.org/resources/ontology/DCM"
IHE_EVENT = "urn:ihe:event-type-code"
REST = "http://terminology.hl7.org/CodeSystem/audit-event-type"
REST_INTERACTIONS = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
PROFESSION_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
CLIENT_ID_SYSTEM = "urn:ietf:params:oauth:client-id"  # sandbox: the OAuth client id of a software agent

Action = Literal["C", "R", "U", "D", "E"]
Outcome = Literal["0", "4", "8", "12"]

# IHE transactions and the DICOM event type a responder records for each
TRANSACTIONS: dict[str, tuple[str, str, str]] = {
    "ITI-65": ("Provide Document Bundle", "110107", "Import"),
    "ITI-105": ("Simplified Publish", "110107", "Import"),
    "ITI-66": ("Find Document Lists", "110112", "Query"),
    "ITI-67": ("Find Document References", "110112", "Query"),
    "ITI-68": ("Retrieve Document", "110106", "Export"),
    "TD02": ("Vérification du DMP", "110112", "Query"),
    "ITI-78": ("Mobile Patient Demographics Query", "110112", "Query"),
}
ACTION_INTERACTIONS = {"C": "create", "R": "read", "U": "update", "D": "delete", "E": "search"}


@dataclass(frozen=True)
class PatientRef:
    """The patient whose data is accessed: a Patient reference of the service and/or the INS."""

    ins: str | None = None
    system: str = INS_NIR_OID
    reference: str | None = None  # e.g. "Patient/dmp-adrun-zoe" (lets patient.identifier chain)


@dataclass(frozen=True)
class Access:
    """What happened: the action on which resources, by which transaction, with which outcome and mode."""

    action: Action
    subtype: str | None = None  # "ITI-67", or any code of ``subtype_system``
    subtype_display: str | None = None
    subtype_system: str = IHE_EVENT
    patient: PatientRef | None = None
    entities: tuple[str, ...] = ()  # references of the resources touched ("DocumentReference/1")
    query: str | None = None  # a search's query string
    outcome: Outcome = "0"
    outcome_desc: str | None = None
    purpose: dict | None = None  # a Coding (the access mode)
    extra: dict = field(default_factory=dict)  # any further AuditEvent elements (e.g. "extension")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agents(principal: Principal | None) -> list[dict]:
    """The requestor (and the software a user goes through)."""
    if isinstance(principal, Practitioner):
        name = " ".join(p for p in (principal.given_name, principal.family_name) if p)
        user = {"who": {"identifier": {"system": IDNAT_PS_OID, "value": principal.id_nat_ps}, **_display(name)},
                "requestor": True}
        if principal.profession:
            user["role"] = [{"coding": [{"system": PROFESSION_SYSTEM, "code": principal.profession}]}]
        return [user, *_software(principal.client_id, requestor=False)]
    if isinstance(principal, Patient):
        name = " ".join(p for p in (principal.given_name, principal.family_name) if p)
        user = {"who": {"identifier": {"system": INS_NIR_OID, "value": principal.ins}, **_display(name)},
                "requestor": True}
        return [user, *_software(principal.client_id, requestor=False)]
    if isinstance(principal, System):
        return _software(principal.client_id, requestor=True)
    return [{"who": {"display": "anonymous"}, "requestor": True}]


NOT_FHIR_SPACE = re.compile(r"[^\S \r\n\t]")  # whitespace a FHIR string may not hold (\v, \f, U+2028...)


def text(value: str | None) -> str | None:
    """``value`` as a FHIR string: other whitespace than space, tab, CR and LF becomes a space, the ends are
    trimmed; None when nothing is left. Names, client ids and refusal reasons may carry a client's text."""
    cleaned = NOT_FHIR_SPACE.sub(" ", value).strip() if value else ""
    return cleaned or None


def _display(name: str) -> dict:
    shown = text(name)
    return {"display": shown} if shown else {}


def _software(client_id: str | None, *, requestor: bool) -> list[dict]:
    client_id = text(client_id)
    if not client_id:
        return []
    return [{"type": {"coding": [{"system": DCM, "code": "110150", "display": "Application"}]},
             "who": {"identifier": {"system": CLIENT_ID_SYSTEM, "value": client_id}, "display": client_id},
             "altId": client_id, "requestor": requestor}]


def entities(access: Access) -> list[dict]:
    out: list[dict] = []
    if access.patient is not None:
        what: dict = {}
        if access.patient.reference:
            what["reference"] = access.patient.reference
        if access.patient.ins:
            what["identifier"] = {"system": access.patient.system, "value": access.patient.ins}
        out.append({"what": what, "type": {"system": ENTITY_TYPE, "code": "1", "display": "Person"},
                    "role": {"system": OBJECT_ROLE, "code": "1", "display": "Patient"}})
    for reference in access.entities:
        out.append({"what": {"reference": reference},
                    "type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
                    "role": {"system": OBJECT_ROLE, "code": "3", "display": "Report"}})
    if access.query is not None:
        out.append({"type": {"system": ENTITY_TYPE, "code": "2", "display": "System Object"},
                    "role": {"system": OBJECT_ROLE, "code": "24", "display": "Query"},
                    "query": base64.b64encode(access.query.encode()).decode()})
    return out


def audit_event(principal: Principal | None, access: Access, *, source: str, recorded: str | None = None) -> dict:
    """The AuditEvent (a dict, not yet validated) of ``access`` by ``principal`` on the service ``source``."""
    known = TRANSACTIONS.get(access.subtype or "") if access.subtype_system == IHE_EVENT else None
    if known:
        kind = {"system": DCM, "code": known[1], "display": known[2]}
    else:
        kind = {"system": REST, "code": "rest", "display": "RESTful Operation"}
    event: dict = {"resourceType": "AuditEvent", "id": new_id(), "type": kind}
    subtypes = []
    if access.subtype:
        display = text(access.subtype_display) or (known[0] if known else None)
        subtypes.append({"system": access.subtype_system, "code": access.subtype, **({"display": display}
                                                                                      if display else {})})
    if not known:
        subtypes.append({"system": REST_INTERACTIONS, "code": ACTION_INTERACTIONS[access.action]})
    event["subtype"] = subtypes
    event["action"] = access.action
    event["recorded"] = recorded or now()
    event["outcome"] = access.outcome
    if text(access.outcome_desc):
        event["outcomeDesc"] = text(access.outcome_desc)
    if access.purpose:
        event["purposeOfEvent"] = [{"coding": [access.purpose]}]
    event["agent"] = agents(principal)
    event["source"] = {"site": source, "observer": {"display": source},
                       "type": [{"system": SOURCE_TYPE, "code": "4", "display": "Application Server"}]}
    found = entities(access)
    if found:
        event["entity"] = found
    event.update(access.extra)
    return event
