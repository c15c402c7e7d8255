"""Dispense (digest §5.1, §5.3): a FR Core MedicationDispense executes part or all of one prescription line.

The body names its line in ``authorizingPrescription`` (``MedicationRequest/<id>``), the quantity handed
over in ``quantity`` (positive; its unit the line's), and its completeness in ``type`` (HL7 v3 ActCode, the
codes FR Core's value set draws on: FFP / RFP partial, FFC / RFC complete; the CI-SIS value set's own codes
are not published): a partial dispense leaves something to dispense, a complete one dispenses exactly what
remains. ``substitution`` (``wasSubstituted`` with type ``G``) hands over a generic of the same group
(drug_reference.substitutable) unless the line says ``substitution.allowedBoolean: false``. A non-delivery
is ``status: declined`` with a ``statusReasonCodeableConcept`` and a quantity of 0: recorded, nothing
dispensed.

:func:`apply` runs in the write transaction: it reads the line, checks it is active (409 EPR-0201 completed,
EPR-0202 cancelled or stopped) and that the quantity fits what remains (422 EPR-0203), then writes the line
with its new dispensed and remaining quantities (``completed`` at 0) over the version it read, so that two
pharmacies dispensing the same units at once get one 201 and one 409 (SQLite: one writer at a time, the
second sees the line completed; PostgreSQL: the second's update finds a newer version, EPR-0206).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from core.codes import Code
from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult
from core.oidc.principals import Practitioner
from services.eprescription import lines
from services.eprescription.codes import EprCode
from services.eprescription.roles import display_name
from services.eprescription.spec import ID_NAT_PS, NUMBER_EXT
from services.eprescription.store import EprStore

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTIAL, COMPLETE = frozenset({"FFP", "RFP"}), frozenset({"FFC", "RFC"})
SUBSTITUTION = "http://terminology.hl7.org/CodeSystem/v3-substanceAdminSubstitution"
FR_DISPENSE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-medication-dispense"


@dataclass(frozen=True)
class Dispensed:
    result: FhirResult  # the stored MedicationDispense
    line: dict  # the line after it
    number: str
    all_done: bool  # every line of the prescription is now completed, cancelled or stopped


def _bad(code: EprCode, text: str, where: str, status: int = 422, issue: str = "invalid") -> SandboxError:
    return SandboxError(status, code, text, issue=issue, expression=[f"MedicationDispense.{where}"])


def line_id(body: dict, ctx: FhirContext) -> str:
    refs = body.get("authorizingPrescription")
    if not isinstance(refs, list) or len(refs) != 1 or not isinstance(refs[0], dict):
        raise _bad(EprCode.BAD_DISPENSE, "authorizingPrescription names the one line dispensed: "
                   "[{\"reference\": \"MedicationRequest/<id>\"}] (dispense each line on its own).",
                   "authorizingPrescription")
    ref = refs[0].get("reference")
    ref = ref.removeprefix(ctx.base + "/") if isinstance(ref, str) else ""
    kind, _, rid = ref.partition("/")
    if kind != "MedicationRequest" or not rid or "/" in rid or len(rid) > 64:
        raise _bad(EprCode.UNKNOWN_LINE, f"authorizingPrescription {str(ref)[:80]!r} is not a reference to a line "
                   "(MedicationRequest/<id>, as the scan gives).", "authorizingPrescription")
    return rid


def _quantity(body: dict, declined: bool) -> float:
    quantity = body.get("quantity")
    value = quantity.get("value") if isinstance(quantity, dict) else None
    ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    if declined:
        if not ok or value != 0:
            raise _bad(EprCode.BAD_QUANTITY, "A non-delivery (status declined) hands over nothing: quantity.value 0.",
                       "quantity.value")
        return 0.0
    if not ok or value <= 0:
        raise _bad(EprCode.BAD_QUANTITY, f"quantity.value must be a positive number; it is {str(value)[:40]!r}.",
                   "quantity.value")
    return float(value)


def _completeness(body: dict) -> str:
    codings = (body.get("type") or {}).get("coding") if isinstance(body.get("type"), dict) else None
    for coding in codings or ():
        if isinstance(coding, dict) and coding.get("system") == ACT_CODE:
            if coding.get("code") in PARTIAL:
                return "partial"
            if coding.get("code") in COMPLETE:
                return "complete"
    raise _bad(EprCode.BAD_DISPENSE, f"type gives the completeness of the dispensing: {ACT_CODE} FFP or RFP "
               "(partial: something remains), FFC or RFC (complete: what remained is handed over).", "type")


def _substitution(store: EprStore, conn: Connection, body: dict, line: dict) -> dict:
    """The medication handed over (the line's unless substituted); 422 EPR-0207 for a wrong substitution."""
    prescribed = line.get("medicationCodeableConcept") or {}
    sub = body.get("substitution")
    substituted = isinstance(sub, dict) and sub.get("wasSubstituted") is True
    given = body.get("medicationCodeableConcept")
    if not substituted:
        if given is not None and given != prescribed and not _same(given, prescribed):
            raise _bad(EprCode.BAD_SUBSTITUTION, "medicationCodeableConcept differs from the line's: a different "
                       "medicine is a substitution (substitution.wasSubstituted true, type G).",
                       "medicationCodeableConcept")
        return prescribed
    if (line.get("substitution") or {}).get("allowedBoolean") is False:
        raise _bad(EprCode.BAD_SUBSTITUTION, "The prescriber wrote this line 'non substituable' "
                   "(substitution.allowedBoolean false): hand over the medicine prescribed.", "substitution")
    kinds = [c.get("code") for c in ((sub.get("type") or {}).get("coding") or []) if isinstance(c, dict)]
    if "G" not in kinds:
        raise _bad(EprCode.BAD_SUBSTITUTION, f"substitution.type must be {SUBSTITUTION} G (generic): the only "
                   "substitution a pharmacist makes alone.", "substitution.type")
    codings = (given or {}).get("coding") if isinstance(given, dict) else None
    dispensed = _entry(store, conn, codings)
    wanted = _entry(store, conn, prescribed.get("coding"))
    if dispensed is None or wanted is None or not store.drugs.substitutable(conn, wanted, dispensed):
        raise _bad(EprCode.BAD_SUBSTITUTION, "The medicine handed over is not a generic of the one prescribed (same "
                   "spécialité or the same generic group of the BDPM, or the prescribed substance).",
                   "medicationCodeableConcept")
    return given


def _same(a: dict, b: dict) -> bool:
    keys = {(c.get("system"), c.get("code")) for c in a.get("coding") or () if isinstance(c, dict)}
    return bool(keys & {(c.get("system"), c.get("code")) for c in b.get("coding") or ()})


def _entry(store: EprStore, conn: Connection, codings: Any):  # noqa: ANN202 - a DrugEntry or None
    for coding in codings or ():
        if isinstance(coding, dict) and isinstance(coding.get("code"), str) and isinstance(coding.get("system"), str):
            if (found := store.drugs.lookup(conn, coding["system"], coding["code"])) is not None:
                return found
    return None


def apply(store: EprStore, conn: Connection, ctx: FhirContext, user: Practitioner, body: Any) -> Dispensed:
    """Check and store one MedicationDispense on the write connection ``conn``."""
    if not isinstance(body, dict) or body.get("resourceType") != "MedicationDispense":
        raise _bad(EprCode.BAD_DISPENSE, "The body is a MedicationDispense.", "resourceType", 400, "structure")
    status = body.get("status", "completed")
    if status not in ("completed", "declined"):
        raise _bad(EprCode.BAD_DISPENSE, f"status must be completed (handed over) or declined (not delivered, "
                   f"with statusReasonCodeableConcept); {str(status)[:40]!r} is not taken.", "status")
    declined = status == "declined"
    if declined and not isinstance(body.get("statusReasonCodeableConcept"), dict):
        raise _bad(EprCode.BAD_DISPENSE, "A non-delivery gives its reason in statusReasonCodeableConcept.",
                   "statusReasonCodeableConcept")
    rid = line_id(body, ctx)
    value = _quantity(body, declined)
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="MedicationRequest", rid=rid)
    if found is None or found[1]:
        raise _bad(EprCode.UNKNOWN_LINE, f"No line MedicationRequest/{rid[:64]} here: scan the prescription "
                   "number to get its lines.", "authorizingPrescription")
    current = found[0]
    line = json.loads(current.body)
    if line.get("status") == "completed":
        raise _bad(EprCode.FULLY_DISPENSED, "This line is fully dispensed: nothing remains.",
                   "authorizingPrescription", 409, "business-rule")
    if line.get("status") in ("cancelled", "stopped"):
        raise _bad(EprCode.LINE_CANCELLED, f"This line was {line['status']} by its prescriber: it may not be "
                   "dispensed.", "authorizingPrescription", 409, "business-rule")
    unit = lines.quantity(line)
    given_unit = body["quantity"]
    if unit.get("code") and given_unit.get("code") and given_unit.get("code") != unit.get("code"):
        raise _bad(EprCode.BAD_DISPENSE, f"quantity is counted in the line's unit ({unit.get('code')}, "
                   f"{unit.get('unit', '')}), not {str(given_unit.get('code'))[:20]!r}.", "quantity.code")
    left = lines.remaining(line)
    if value > left + 1e-9:
        raise _bad(EprCode.OVER_DISPENSED, f"{lines.number(value)} is more than what remains on the line "
                   f"({lines.number(left)} {unit.get('unit', '')}).".replace(" )", ")"), "quantity.value")
    if not declined:
        kind = _completeness(body)
        if kind == "complete" and value < left - 1e-9:
            raise _bad(EprCode.BAD_DISPENSE, f"type says complete, but {lines.number(left - value)} would remain: "
                       "use FFP/RFP (partial), or hand over all that remains.", "type")
        if kind == "partial" and value >= left - 1e-9:
            raise _bad(EprCode.BAD_DISPENSE, "type says partial, but this hands over all that remains: use "
                       "FFC/RFC (complete).", "type")
    medication = _substitution(store, conn, body, line)
    if not declined:
        total = lines.dispensed(line) + value
        line = lines.with_dispensed(line, total)
        if lines.remaining(line) <= 1e-9:
            line["status"] = "completed"
        try:
            store.api.store.replace(conn, tenant=ctx.tenant, resource=line, rid=rid, current_version=current.version,
                                    method="PATCH", base_urls=ctx.base_urls)
        except SandboxError as exc:
            if exc.code != Code.WRITE_CONFLICT:
                raise
            raise _bad(EprCode.CONCURRENT_DISPENSE, "Another pharmacy dispensed this line at the same moment: scan "
                       "the prescription again to see what remains.", "authorizingPrescription", 409,
                       "conflict") from None
    number = lines.number_of(line)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    dispense = {k: v for k, v in body.items() if k not in ("id", "meta", "subject", "performer")}
    dispense.update(
        meta={"profile": [FR_DISPENSE]}, status=status, medicationCodeableConcept=medication,
        subject=line.get("subject"),
        performer=[{"actor": {"identifier": {"system": ID_NAT_PS, "value": user.id_nat_ps},
                              "display": display_name(user)}}],
        authorizingPrescription=[{"reference": f"MedicationRequest/{rid}"}],
        whenHandedOver=body.get("whenHandedOver") or now,
        extension=[*(e for e in body.get("extension") or () if isinstance(e, dict) and e.get("url") != NUMBER_EXT),
                   {"url": NUMBER_EXT, "valueIdentifier": (line.get("groupIdentifier") or {})}])
    if organisation := _organisation(user):
        dispense["performer"][0]["actor"]["display"] += f", {organisation}"
    result = store.api.create(conn, ctx, "MedicationDispense", dispense)
    others = [json.loads(s.body) for s in store.lines(conn, ctx, number) if s.rid != rid]
    all_done = not declined and line.get("status") in lines.ENDED and all(
        o.get("status") in lines.ENDED for o in others)
    return Dispensed(result, line, number, all_done)


def _organisation(user: Practitioner) -> str | None:
    for org in user.organisations:
        name = getattr(org, "name", None)
        if name:
            return name
    return None
