"""Prescribe (digest §5.4 point 1): a transaction Bundle of FR ePrescription MedicationRequest lines for one
patient becomes one prescription: a number (numbers.py) in every line's ``groupIdentifier``, the lines
stored as ``<number>-001``, ``-002`` ..., and a feed of the prescription document (57833-6) to Mon espace
santé in the same transaction (feeds.py).

:func:`parse` checks the whole Bundle before anything is written, so a refused prescription stores
nothing: the entries (POSTs of MedicationRequest only), one patient named by a qualified INS (a NIR under
OID …4.8 with a valid key: FR Core carries the INS only once the identity is qualified), a medication the
drug reference holds, a structured posology (dosage.py), a positive quantity, and the values the server
sets itself (status ``active``, intent ``order``, ``authoredOn``, ``requester`` from the token,
``groupIdentifier``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.identifiers import nir_problem
from core.oidc.principals import Practitioner
from services.eprescription import dosage, lines, medication_codes, numbers
from services.eprescription.codes import EprCode
from services.eprescription.roles import display_name
from services.eprescription.spec import ID_NAT_PS, INS_NIA_SYSTEM, INS_NIR_SYSTEM
from services.eprescription.store import EprStore

FR_MEDICATION_REQUEST = "https://interop.esante.gouv.fr/ig/fhir/eprescription/StructureDefinition/fr-medicationrequest"
SERVER_SET = ("groupIdentifier", "authoredOn")


@dataclass(frozen=True)
class Parsed:
    ins: str
    patient_display: str | None
    lines: list[dict]  # each a MedicationRequest as sent, checked, without what the server sets


def _bad(status: int, code: EprCode, text: str, where: str, issue: str = "invalid") -> SandboxError:
    return SandboxError(status, code, text, issue=issue, expression=[where])


def _ins(subject: Any, where: str) -> tuple[str, str | None]:
    """The INS a line's subject names: ``identifier`` (system, value) or ``Patient?identifier=<system>|<INS>``."""
    if not isinstance(subject, dict):
        raise dosage.missing(where, "the patient, named by their INS: {\"identifier\": {\"system\": "
                             f"\"{INS_NIR_SYSTEM}\", \"value\": <15 characters>}}.")
    ident = subject.get("identifier")
    if isinstance(ident, dict):
        system, value = ident.get("system"), ident.get("value")
    elif isinstance(subject.get("reference"), str) and subject["reference"].startswith("Patient?identifier="):
        system, _, value = subject["reference"].removeprefix("Patient?identifier=").partition("|")
    else:
        raise _bad(422, EprCode.NO_INS, "The patient is named by their INS: subject.identifier (or a reference "
                   f"Patient?identifier={INS_NIR_SYSTEM}|<INS>); a Patient/<id> means nothing here.", where)
    if system == INS_NIA_SYSTEM:
        raise _bad(422, EprCode.NO_INS, "A NIA (OID 1.2.250.1.213.1.4.9) is a provisional identity: an "
                   "e-prescription names a qualified INS (a NIR, OID 1.2.250.1.213.1.4.8). Qualify the identity "
                   "with INSi first.", where)
    if system != INS_NIR_SYSTEM or not isinstance(value, str):
        raise _bad(422, EprCode.NO_INS, f"The patient's identifier must be a qualified INS: system {INS_NIR_SYSTEM}"
                   f", value of 15 characters; got system {str(system)[:80]!r}.", where)
    problem = nir_problem(value[:13], value[13:]) if len(value) == 15 else "it must be 15 characters (13 + key)"
    if problem:
        raise _bad(422, EprCode.NO_INS, f"The INS {value[:20]!r} is not a valid NIR: {problem}.", where)
    display = subject.get("display")
    return value.upper(), display if isinstance(display, str) and display.strip() else None


def _medication(store: EprStore, conn: Connection, line: dict, where: str) -> dict:
    """The line's medicationCodeableConcept with displays from the drug reference; 422 for unknown codes."""
    if "medicationReference" in line:
        raise _bad(422, EprCode.BAD_MEDICATION, "medicationReference is not taken yet: code the medicine in "
                   "medicationCodeableConcept (UCD, CIS, CIP13, SMS substance or Medicabase).",
                   f"{where}.medicationReference")
    concept = line.get("medicationCodeableConcept")
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list) or not concept["coding"]:
        raise dosage.missing(f"{where}.medicationCodeableConcept", "the medicine, coded (UCD, CIS, CIP13, SMS "
                             "substance or Medicabase).")
    codings, known = [], 0
    for k, coding in enumerate(concept["coding"]):
        at = f"{where}.medicationCodeableConcept.coding[{k}]"
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            raise _bad(400, EprCode.BAD_ENTRY, f"{at} must be an object with a code.", at, "structure")
        system = coding.get("system")
        if system in medication_codes.PRESCRIBABLE:
            entry = store.drugs.lookup(conn, system, coding["code"])
            if entry is None:
                raise _bad(422, EprCode.UNKNOWN_MEDICATION, f"The drug reference holds no "
                           f"{medication_codes.NAMES[system]} code {coding['code'][:40]!r}: check the code, or "
                           "search /eprescription/fhir/Medication?name:contains=...", at, "code-invalid")
            known += 1
            coding = {**coding, "display": coding.get("display") or entry.display}
        codings.append(coding)
    if not known:
        names = ", ".join(f"{n} ({s})" for s, n in medication_codes.NAMES.items())
        raise _bad(422, EprCode.BAD_MEDICATION, f"No coding of a code system the profile takes: use one of {names}.",
                   f"{where}.medicationCodeableConcept.coding", "code-invalid")
    return {**concept, "coding": codings}


def _line(store: EprStore, conn: Connection, raw: dict, where: str) -> dict:
    for key in SERVER_SET:
        if key in raw:
            raise _bad(422, EprCode.BAD_VALUE, f"{key} is set by the server (the prescription number, the time "
                       "it was received): leave it out.", f"{where}.{key}")
    for key, fixed in (("status", "active"), ("intent", "order")):
        if raw.get(key, fixed) != fixed:
            later = " (linked lines, intent option, come later)" if key == "intent" else ""
            raise _bad(422, EprCode.BAD_VALUE, f"{key} must be {fixed!r} (or absent) for a new line; "
                       f"{str(raw.get(key))[:40]!r} is not taken{later}.", f"{where}.{key}")
    request = raw.get("dispenseRequest")
    if not isinstance(request, dict) or not isinstance(request.get("quantity"), dict):
        raise dosage.missing(f"{where}.dispenseRequest.quantity", "the quantity to dispense (value and unit).")
    dosage.positive(request["quantity"].get("value"), f"{where}.dispenseRequest.quantity.value")
    repeats = request.get("numberOfRepeatsAllowed", 0)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 0 <= repeats <= 12:
        raise _bad(422, EprCode.BAD_QUANTITY, "dispenseRequest.numberOfRepeatsAllowed (renewals) must be a whole "
                   f"number from 0 to 12; it is {str(repeats)[:20]!r}.",
                   f"{where}.dispenseRequest.numberOfRepeatsAllowed", "value")
    return {**raw, "status": "active", "intent": "order",
            "medicationCodeableConcept": _medication(store, conn, raw, where),
            "dosageInstruction": dosage.checked(raw.get("dosageInstruction"), f"{where}.dosageInstruction")}


def parse(store: EprStore, conn: Connection, document: Any, user: Practitioner, *, max_lines: int) -> Parsed:
    """The checked lines of a prescription Bundle (first problem raised, nothing written)."""
    if not isinstance(document, dict) or (document.get("resourceType"), document.get("type")) != ("Bundle",
                                                                                               "transaction"):
        raise _bad(400, EprCode.NOT_A_TRANSACTION, "A prescription is a Bundle of type transaction whose entries "
                   "POST MedicationRequest lines.", "Bundle.type", "structure")
    entries = document.get("entry")
    if not isinstance(entries, list) or not entries:
        raise _bad(422, EprCode.NO_LINE, "The Bundle holds no line: one entry per MedicationRequest.", "Bundle.entry")
    if len(entries) > max_lines:
        raise _bad(422, EprCode.NO_LINE, f"{len(entries)} lines: a prescription holds at most {max_lines} "
                   "(EPRESCRIPTION_MAX_LINES).", "Bundle.entry")
    ins = patient_display = None
    out = []
    for i, entry in enumerate(entries):
        where = f"Bundle.entry[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise _bad(400, EprCode.BAD_ENTRY, f"{where} must be an object with a resource.", where, "structure")
        resource, request = entry["resource"], entry.get("request")
        if resource.get("resourceType") != "MedicationRequest":
            raise _bad(422, EprCode.BAD_ENTRY, f"{where} is a {str(resource.get('resourceType'))[:40]}: a "
                       "prescription holds MedicationRequest lines only (the patient is named by their INS in "
                       "subject.identifier).", f"{where}.resource.resourceType")
        posted = (request.get("method"), request.get("url")) if isinstance(request, dict) else None
        if posted != ("POST", "MedicationRequest"):
            raise _bad(422, EprCode.BAD_ENTRY, f"{where}.request must be {{\"method\": \"POST\", \"url\": "
                       "\"MedicationRequest\"}: lines are created, never updated through a prescription.",
                       f"{where}.request")
        at = f"{where}.resource"
        line_ins, display = _ins(resource.get("subject"), f"{at}.subject")
        if ins is not None and line_ins != ins:
            raise _bad(422, EprCode.TWO_PATIENTS, f"{at}.subject names INS {line_ins} but an earlier line names "
                       f"{ins}: one prescription is for one patient; make two prescriptions.", f"{at}.subject")
        ins, patient_display = line_ins, patient_display or display
        requester = resource.get("requester")
        if requester is not None and ((requester.get("identifier") or {}).get("value") if isinstance(requester, dict)
                                      else None) != user.id_nat_ps:
            raise _bad(422, EprCode.REQUESTER_MISMATCH, f"{at}.requester must name the professional who is logged "
                       f"in (idNat_PS {user.id_nat_ps}), or be left out: the server sets it from the token.",
                       f"{at}.requester")
        out.append(_line(store, conn, resource, at))
    assert ins is not None
    return Parsed(ins, patient_display, out)


def stamp(parsed: Parsed, user: Practitioner, number: str, now: datetime | None = None) -> list[dict]:
    """The lines as stored: what the server sets added (number, patient, requester, time, dispensing state)."""
    authored = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    subject = {"identifier": {"system": INS_NIR_SYSTEM, "value": parsed.ins}}
    if parsed.patient_display:
        subject["display"] = parsed.patient_display
    requester = {"identifier": {"system": ID_NAT_PS, "value": user.id_nat_ps}, "display": display_name(user)}
    stamped = []
    for raw in parsed.lines:
        line = {key: value for key, value in raw.items() if key not in ("id", "meta")}
        line.update(subject=subject, requester=requester, authoredOn=authored,
                    groupIdentifier={"system": numbers.SYSTEM, "value": number},
                    meta={"profile": [FR_MEDICATION_REQUEST]})
        stamped.append(lines.with_dispensed(line, 0.0))
    return stamped


def write(store: EprStore, conn: Connection, ctx: FhirContext, stamped: list[dict]) -> list:
    """Store the lines (``<number>-001`` ...): the kernel validates each against the R4 model first."""
    number = lines.number_of(stamped[0])
    return [store.api.create(conn, ctx, "MedicationRequest", line, rid=f"{number}-{i:03d}")
            for i, line in enumerate(stamped, start=1)]
