"""The printed prescription (ordonnance): a :class:`views.Prescription` as ``templates/prescription.html``
shows it (digest §5.1: the paper, or PDF, carries the QR code and the number to type when it is unreadable).

Everything here is plain text for the template, which core/pages.py autoescapes (a medicine name or a note
is data, never markup); the only markup is the QR code's SVG, made by segno from the canonical number
(0-9, A-Z only) with an escaped title (qr.py). Like a real ordonnance it names the prescriber (name,
structure, RPPS or idNat_PS), the date, the patient (name and matricule INS: the ordonnance numérique
carries the patient's identity) and, line by line, the medicine, its posology, the quantity, the renewals
("à renouveler N fois"), "non substituable", and what became of the line when it is no longer active or,
when the caller may see the dispensing, what was delivered and what remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from starlette.responses import HTMLResponse

from core.pages import Pages
from services.eprescription import lines, numbers, qr
from services.eprescription.medication_codes import NAMES
from services.eprescription.spec import INS_NIA_SYSTEM, INS_NIR_SYSTEM

if TYPE_CHECKING:
    from services.eprescription.views import Prescription

_pages = Pages(Path(__file__).parent / "templates", {})

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")
INS_KINDS = {INS_NIR_SYSTEM: "NIR", INS_NIA_SYSTEM: "NIA", "urn:oid:1.2.250.1.213.1.4.10": "NIR de test",
             "urn:oid:1.2.250.1.213.1.4.11": "NIR de démonstration"}
STATES = {"completed": "Délivrée en totalité", "cancelled": "Annulée par le prescripteur",
          "stopped": "Arrêtée par le prescripteur", "on-hold": "Suspendue", "entered-in-error": "Saisie erronée",
          "draft": "Brouillon"}
HIDDEN_STATE = "Délivrance non communiquée (opposition du patient)"
STRUCTURE = re.compile(r"^(?P<name>.+?)(?:\s+[—–-]\s+|,\s+|\s+\()(?P<structure>.+?)\)?$")


@dataclass(frozen=True)
class Party:
    """The prescriber or the patient as printed."""

    name: str
    structure: str  # the prescriber's "Cabinet ...", when the display names one
    identifier_label: str  # "N° RPPS", "Matricule INS (NIR)"...
    identifier: str  # spaced for reading
    raw_identifier: str  # as on the wire (the idNat_PS)


@dataclass(frozen=True)
class PrintedLine:
    """One line of the ordonnance."""

    medicine: str
    code: str  # "UCD 3400893766521", "" when uncoded
    posology: list[str]
    quantity: str
    renewals: int
    not_substitutable: str  # "" or "Non substituable" (with the reason given, e.g. "(MTE)")
    state: str  # "" while active
    delivered: str  # "" unless the dispensing is visible and something was dispensed
    remaining: str
    notes: list[str]


def amount(value: Any, unit: str) -> str:
    """``2`` ``boîte`` -> "2 boîte"; decimals with a French comma."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return unit
    shown = str(lines.number(float(value))).replace(".", ",")
    return f"{shown} {unit}".strip()


def _unit(quantity: dict) -> str:
    return str(quantity.get("unit") or quantity.get("code") or "")


def date_fr(value: str) -> str:
    """``2026-12-01T10:00:00+01:00`` -> "1er décembre 2026"; the text as is when it is no date."""
    try:
        when = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {MONTHS[when.month - 1]} {when.year}"


def spaced_ins(value: str) -> str:
    """A 15-character matricule INS in the groups of a carte Vitale: ``2 75 12 63 220 749 74``."""
    if len(value) != 15:
        return value
    return " ".join(value[a:b] for a, b in ((0, 1), (1, 3), (3, 5), (5, 7), (7, 10), (10, 13), (13, 15)))


def prescriber(requester: dict) -> Party:
    """Name and structure from ``requester.display`` ("Dr Claire LEROY — Cabinet du Parc"), RPPS from idNat_PS."""
    display = str(requester.get("display") or "")
    match = STRUCTURE.match(display)
    name, structure = (match["name"], match["structure"]) if match else (display, "")
    id_nat = str((requester.get("identifier") or {}).get("value") or "")
    if len(id_nat) == 12 and id_nat.startswith("8"):
        label, shown = "N° RPPS", id_nat[1:]
    elif id_nat.startswith("0"):
        label, shown = "N° ADELI", id_nat[1:]
    else:
        label, shown = "Identifiant national (idNat_PS)", id_nat
    return Party(name or "Prescripteur non nommé", structure, label, shown, id_nat)


def patient(subject: dict) -> Party:
    identifier = subject.get("identifier") or {}
    value = str(identifier.get("value") or "")
    kind = INS_KINDS.get(identifier.get("system"), "")
    label = f"Matricule INS ({kind})" if kind else "Identifiant"
    return Party(str(subject.get("display") or "Patient non nommé"), "", label, spaced_ins(value), value)


def _medicine(line: dict) -> tuple[str, str]:
    concept = line.get("medicationCodeableConcept") or {}
    codings = [c for c in concept.get("coding") or () if isinstance(c, dict)]
    first = codings[0] if codings else {}
    name = concept.get("text") or first.get("display") or first.get("code") or "Médicament non nommé"
    code = f"{NAMES.get(first.get('system'), 'code')} {first['code']}" if first.get("code") else ""
    return str(name), code


def _not_substitutable(line: dict) -> str:
    substitution = line.get("substitution") or {}
    if substitution.get("allowedBoolean") is not False:
        return ""
    reason = substitution.get("reason") or {}
    why = reason.get("text") or next((c.get("code") for c in reason.get("coding") or () if c.get("code")), "")
    return f"Non substituable ({why})" if why else "Non substituable"


def printed_line(line: dict, dispensing_visible: bool) -> PrintedLine:
    medicine, code = _medicine(line)
    request = line.get("dispenseRequest") or {}
    quantity = lines.quantity(line)
    unit = _unit(quantity)
    status = line.get("status", "")
    hidden = any(e.get("url") == lines.HIDDEN for e in line.get("extension") or ())
    if status == "unknown":
        state = HIDDEN_STATE if hidden else "État inconnu"
    else:
        state = STATES.get(status, "")
    # a paper handed over before any delivery shows none: "délivré 0" on every line would only be noise
    shown = dispensing_visible and not hidden and lines.dispensed(line) > 0
    return PrintedLine(
        medicine=medicine, code=code,
        posology=[str(d.get("text")) for d in line.get("dosageInstruction") or () if d.get("text")],
        quantity=amount(quantity.get("value"), unit), renewals=int(request.get("numberOfRepeatsAllowed") or 0),
        not_substitutable=_not_substitutable(line), state=state,
        delivered=amount(lines.dispensed(line), unit) if shown else "",
        remaining=amount(lines.remaining(line), unit) if shown else "",
        notes=[str(n["text"]) for n in line.get("note") or () if isinstance(n, dict) and n.get("text")],
    )


def context(prescription: Prescription) -> dict[str, object]:
    """What ``prescription.html`` shows."""
    dashed = numbers.display(prescription.number)
    return {
        "number": dashed,
        # safe: segno's SVG of the canonical number (0-9, A-Z), its title escaped by segno
        "qr_svg": Markup(qr.svg(prescription.number)),  # noqa: S704
        "prescriber": prescriber(prescription.requester),
        "patient": patient(prescription.patient),
        "date": date_fr(prescription.authored_on),
        "lines": [printed_line(line, prescription.dispensing_visible) for line in prescription.lines],
        "dispensing_visible": prescription.dispensing_visible,
    }


def render(prescription: Prescription) -> HTMLResponse:
    """The printable prescription, as an HTML response (core/pages.py headers: CSP, no framing, no-store)."""
    return _pages.render("prescription.html", **context(prescription))


def html(prescription: Prescription) -> str:
    """The page's HTML alone (tests, a PDF made from it)."""
    return bytes(render(prescription).body).decode()
