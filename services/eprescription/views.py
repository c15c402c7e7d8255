"""Who sees a prescription, and how (digest §5.1, §5.3): the scan, the follow-up, the patient's view.

- a pharmacist (EPRESCRIPTION_DISPENSER_PROFESSIONS) reads any prescription by its number, until it is
  spent: every line completed, cancelled or stopped -> 409 (the number is refused once fully dispensed);
- the prescriber who wrote it follows it up: the lines with what was dispensed, unless the patient
  objected (objections.py): then the dispensing extensions are taken out, ``completed`` reads
  ``unknown`` and ``stopped`` reads ``cancelled`` (what the prescriber did, not what the pharmacies did),
  and the line carries ``eprescription-dispensing-hidden``;
- the patient reads their own prescriptions, always with their state;
- anyone else gets 403 EPR-0023.
Every professional's read is traced (an AuditEvent the patient can be shown): routers call :func:`trace`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.oidc.principals import Patient, Practitioner, Principal
from services.eprescription import lines, numbers
from services.eprescription.codes import EprCode
from services.eprescription.settings import EprescriptionSettings
from services.eprescription.store import EprStore

EVENTS = "https://sandbox.esante.local/fhir/CodeSystem/eprescription-event"  # AuditEvent.subtype


@dataclass(frozen=True)
class Prescription:
    number: str
    lines: list[dict]
    patient: dict
    requester: dict
    authored_on: str
    dispensing_visible: bool
    role: str  # "dispenser", "prescriber" or "patient": how the caller sees it

    @property
    def ins(self) -> str:
        return (self.patient.get("identifier") or {}).get("value", "")


def role_of(user: Principal, first_line: dict, settings: EprescriptionSettings) -> str:
    """How ``user`` may see a prescription whose first line is ``first_line``; 403 EPR-0023 when not at all."""
    if isinstance(user, Patient):
        if user.ins.upper() == lines.patient_ins(first_line):
            return "patient"
        raise SandboxError(403, EprCode.NOT_YOUR_PRESCRIPTION, "This prescription is another patient's: a patient "
                           "reads their own prescriptions only.", issue="forbidden")
    assert isinstance(user, Practitioner)
    if user.id_nat_ps == lines.requester_id(first_line):
        return "prescriber"
    if user.profession in settings.dispenser_professions:
        return "dispenser"
    raise SandboxError(403, EprCode.NOT_YOUR_PRESCRIPTION, "Only the prescriber who wrote a prescription, a "
                       "pharmacist (who scans it) and the patient see it.", issue="forbidden")


def masked(line: dict) -> dict:
    """A line as the prescriber sees it once the patient objected: nothing of the dispensing."""
    hidden = [e for e in line.get("extension") or () if e.get("url") not in (lines.DISPENSED, lines.REMAINING)]
    status = {"completed": "unknown", "stopped": "cancelled"}.get(line.get("status"), line.get("status"))
    return {**line, "status": status, "extension": [*hidden, {"url": lines.HIDDEN, "valueBoolean": True}]}


def spent(stored_lines: list[dict]) -> SandboxError | None:
    """The 409 a pharmacist gets for a prescription with nothing left to dispense, else None."""
    if any(line.get("status") not in lines.ENDED for line in stored_lines):
        return None
    if any(line.get("status") == "completed" for line in stored_lines):
        return SandboxError(409, EprCode.FULLY_DISPENSED, "This prescription is fully dispensed (or its other lines "
                            "cancelled): its number cannot be used again.", issue="business-rule")
    return SandboxError(409, EprCode.LINE_CANCELLED, "Every line of this prescription was cancelled by its "
                        "prescriber: nothing may be dispensed.", issue="business-rule")


def visible(store: EprStore, conn, ctx: FhirContext, user: Principal, stored_lines: list[dict],  # noqa: ANN001
            settings: EprescriptionSettings) -> tuple[str, bool, list[dict]]:
    """(role, dispensing visible, the lines as ``user`` sees them) for lines of one prescription."""
    role = role_of(user, stored_lines[0], settings)
    if role == "dispenser" and (error := spent(stored_lines)):
        raise error
    show = role != "prescriber" or not store.objections.objected(conn, tenant=ctx.tenant,
                                                                 ins=lines.patient_ins(stored_lines[0]))
    return role, show, stored_lines if show else [masked(line) for line in stored_lines]


def load(store: EprStore, ctx: FhirContext, user: Principal, raw_number: str,
         settings: EprescriptionSettings) -> Prescription:
    """The prescription ``raw_number`` names, as ``user`` may see it (400 EPR-0010/0011, 404 EPR-0012, 403, 409)."""
    number = numbers.canonical(raw_number)
    with store.db.read() as conn:
        stored = [json.loads(s.body) for s in store.lines(conn, ctx, number)]
        if not stored:
            raise SandboxError(404, EprCode.UNKNOWN_NUMBER, f"No prescription {numbers.display(number)} in this "
                               "tenant: check the number (or the tenant the prescriber used).", issue="not-found")
        role, show, shown = visible(store, conn, ctx, user, stored, settings)
    first = stored[0]
    return Prescription(number, shown, first.get("subject") or {}, first.get("requester") or {},
                        first.get("authoredOn", ""), show, role)


def trace(prescription: Prescription, *, action: str = "R", subtype: str | None = None,
          entities: tuple[str, ...] = ()) -> Access:
    """The AuditEvent of a professional's read (scan or follow-up) or write of one prescription."""
    code = subtype or {"dispenser": "scan", "prescriber": "follow-up"}.get(prescription.role, "read")
    return Access(action, code, subtype_system=EVENTS, patient=PatientRef(ins=prescription.ins),  # type: ignore[arg-type]
                  entities=entities or tuple(f"MedicationRequest/{line.get('id')}" for line in prescription.lines),
                  query=f"group-identifier={prescription.number}")
