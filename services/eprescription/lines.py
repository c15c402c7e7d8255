"""What a prescription line (MedicationRequest) holds beyond the profile: what was dispensed, what remains.

The quantity a line allows is ``dispenseRequest.quantity`` for the first delivery and as much again for each
renewal (``numberOfRepeatsAllowed``); the sandbox keeps what was dispensed and what remains on the line
itself, in two extensions, written in the same transaction as each MedicationDispense (dispensing.py), so
a scan shows both and two pharmacies racing for the last units meet on the line's version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.eprescription.spec import SANDBOX_EXT

DISPENSED = f"{SANDBOX_EXT}/eprescription-dispensed-quantity"
REMAINING = f"{SANDBOX_EXT}/eprescription-remaining-quantity"
HIDDEN = f"{SANDBOX_EXT}/eprescription-dispensing-hidden"  # views.py: the patient objected
ENDED = frozenset({"completed", "cancelled", "stopped"})


def quantity(line: Mapping[str, Any]) -> dict:
    return dict((line.get("dispenseRequest") or {}).get("quantity") or {})


def allowed(line: Mapping[str, Any]) -> float:
    """Everything the line lets pharmacies dispense: the quantity times (1 + renewals)."""
    repeats = (line.get("dispenseRequest") or {}).get("numberOfRepeatsAllowed") or 0
    return float(quantity(line).get("value", 0)) * (1 + repeats)


def _ext(line: Mapping[str, Any], url: str) -> float | None:
    for ext in line.get("extension") or ():
        if ext.get("url") == url:
            return float(ext["valueQuantity"]["value"])
    return None


def dispensed(line: Mapping[str, Any]) -> float:
    return _ext(line, DISPENSED) or 0.0


def remaining(line: Mapping[str, Any]) -> float:
    value = _ext(line, REMAINING)
    return allowed(line) if value is None else value


def number(value: float) -> int | float:
    """1.0 -> 1 on the wire: quantities of whole units stay integers in the JSON."""
    return int(value) if float(value).is_integer() else round(value, 6)


def with_dispensed(line: dict, total: float) -> dict:
    """``line`` with its two dispensing extensions set to ``total`` dispensed (a new dict)."""
    unit = {k: v for k, v in quantity(line).items() if k in ("unit", "system", "code")}
    rest = max(allowed(line) - total, 0.0)
    others = [e for e in line.get("extension") or () if e.get("url") not in (DISPENSED, REMAINING)]
    return {**line, "extension": [*others, {"url": DISPENSED, "valueQuantity": {"value": number(total), **unit}},
                                  {"url": REMAINING, "valueQuantity": {"value": number(rest), **unit}}]}


def number_of(line: Mapping[str, Any]) -> str:
    return (line.get("groupIdentifier") or {}).get("value", "")


def patient_ins(line: Mapping[str, Any]) -> str:
    return ((line.get("subject") or {}).get("identifier") or {}).get("value", "")


def requester_id(line: Mapping[str, Any]) -> str:
    return ((line.get("requester") or {}).get("identifier") or {}).get("value", "")
