"""Cancel (digest §5.3): only the prescriber who wrote a prescription cancels it, or one of its lines.

A line nothing was dispensed of becomes ``cancelled``, a partly dispensed one ``stopped`` (what was handed
over stays handed over); ``statusReason.text`` keeps the prescriber's reason. A line already completed,
cancelled or stopped -> 409 EPR-0301; cancelling a whole prescription ends its active lines and skips the
others (409 when none is active). Dispensing an ended line afterwards -> 409 EPR-0202 (dispensing.py).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.fhir.store import Stored
from core.oidc.principals import Practitioner
from services.eprescription import lines
from services.eprescription.codes import EprCode
from services.eprescription.store import EprStore


def reason_of(parameters: Any) -> str | None:
    """The optional ``reason`` (valueString) of a ``Parameters`` body (or no body at all)."""
    if parameters is None:
        return None
    if not isinstance(parameters, dict) or parameters.get("resourceType") != "Parameters":
        raise SandboxError(400, EprCode.BAD_VALUE, "The body of $cancel is empty or a Parameters resource with an "
                           "optional parameter reason (valueString).", issue="structure", expression=["Parameters"])
    for p in parameters.get("parameter") or ():
        if isinstance(p, dict) and p.get("name") == "reason":
            value = p.get("valueString")
            if not isinstance(value, str) or not value.strip() or len(value) > 1000:
                raise SandboxError(422, EprCode.BAD_VALUE, "reason is a valueString of 1 to 1000 characters.",
                                   issue="value", expression=["Parameters.parameter.valueString"])
            return value.strip()
    return None


def _check_owner(user: Practitioner, line: dict) -> None:
    if lines.requester_id(line) != user.id_nat_ps:
        raise SandboxError(403, EprCode.NOT_YOUR_PRESCRIPTION, "Only the prescriber who wrote a prescription "
                           "cancels it or its lines.", issue="forbidden")


def _end(store: EprStore, conn: Connection, ctx: FhirContext, stored: Stored, reason: str | None) -> dict:
    line = json.loads(stored.body)
    line["status"] = "stopped" if lines.dispensed(line) > 0 else "cancelled"
    if reason:
        line["statusReason"] = {"text": reason}
    store.api.store.replace(conn, tenant=ctx.tenant, resource=line, rid=stored.rid, current_version=stored.version,
                            method="PATCH", base_urls=ctx.base_urls)
    return line


def cancel_line(store: EprStore, conn: Connection, ctx: FhirContext, user: Practitioner, rid: str,
                reason: str | None) -> list[dict]:
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="MedicationRequest", rid=rid)
    if found is None or found[1]:
        raise SandboxError(404, EprCode.UNKNOWN_LINE, f"No line MedicationRequest/{rid[:64]} here.",
                           issue="not-found")
    line = json.loads(found[0].body)
    _check_owner(user, line)
    if line.get("status") in lines.ENDED:
        raise SandboxError(409, EprCode.ALREADY_ENDED, f"This line is already {line['status']}.",
                           issue="business-rule")
    return [_end(store, conn, ctx, found[0], reason)]


def cancel_prescription(store: EprStore, conn: Connection, ctx: FhirContext, user: Practitioner, number: str,
                        reason: str | None) -> list[dict]:
    stored = store.lines(conn, ctx, number)
    if not stored:
        raise SandboxError(404, EprCode.UNKNOWN_NUMBER, "No prescription with that number in this tenant.",
                           issue="not-found")
    bodies = [json.loads(s.body) for s in stored]
    _check_owner(user, bodies[0])
    if all(b.get("status") in lines.ENDED for b in bodies):
        raise SandboxError(409, EprCode.ALREADY_ENDED, "Every line of this prescription is already completed, "
                           "cancelled or stopped.", issue="business-rule")
    return [_end(store, conn, ctx, s, reason) if b.get("status") not in lines.ENDED else b
            for s, b in zip(stored, bodies, strict=True)]
