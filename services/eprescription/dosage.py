"""A line's structured posology (FR ePrescription: ``dosageInstruction`` 1.., ``patientInstruction`` 0..0,
HAS posology structuring): a positive dose and a timing (or "as needed") in every instruction, and a
``text`` rendered from them when the prescriber's software sent none, so a pharmacist always reads one.
"""

from __future__ import annotations

import math
from typing import Any

from core.errors import SandboxError
from services.eprescription.codes import EprCode

PERIOD_UNITS = {"s": ("seconde", "secondes"), "min": ("minute", "minutes"), "h": ("heure", "heures"),
                "d": ("jour", "jours"), "wk": ("semaine", "semaines"), "mo": ("mois", "mois"), "a": ("an", "ans")}


def positive(value: Any, where: str, what: str = "quantity") -> float:
    """``value`` as a positive finite number; 422 EPR-0107 otherwise (zero, negative, text, true)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise SandboxError(422, EprCode.BAD_QUANTITY, f"{where} must be a positive number ({what}); it is "
                           f"{str(value)[:40]!r}.", issue="value", expression=[where])
    return float(value)


def missing(where: str, why: str) -> SandboxError:
    return SandboxError(422, EprCode.MISSING_ELEMENT, f"{where} is required: {why}", issue="required",
                        expression=[where])


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise SandboxError(400, EprCode.BAD_ENTRY, f"{where} must be a JSON object.", issue="structure",
                           expression=[where])
    return value


def _dose(dosage: dict, where: str) -> tuple[float, str] | None:
    rates = dosage.get("doseAndRate")
    if not isinstance(rates, list) or not rates:
        return None
    rate = _object(rates[0], f"{where}.doseAndRate[0]")
    if "doseQuantity" in rate:
        quantity = _object(rate["doseQuantity"], f"{where}.doseAndRate[0].doseQuantity")
        return positive(quantity.get("value"), f"{where}.doseAndRate[0].doseQuantity.value", "the dose"), \
            str(quantity.get("unit") or quantity.get("code") or "")
    if "doseRange" in rate:
        high = _object(_object(rate["doseRange"], f"{where}.doseAndRate[0].doseRange").get("high"),
                       f"{where}.doseAndRate[0].doseRange.high")
        return positive(high.get("value"), f"{where}.doseAndRate[0].doseRange.high.value", "the dose"), \
            str(high.get("unit") or high.get("code") or "")
    return None


def _timing(dosage: dict, where: str) -> str | None:
    """The timing in words, or None when there is none; checks the numbers it reads."""
    if dosage.get("asNeededBoolean") is True or "asNeededCodeableConcept" in dosage:
        suffix = "si besoin"
    else:
        suffix = ""
    timing = dosage.get("timing")
    if timing is None:
        return suffix or None
    repeat = _object(_object(timing, f"{where}.timing").get("repeat", {}), f"{where}.timing.repeat")
    words = []
    if "frequency" in repeat:
        frequency = positive(repeat["frequency"], f"{where}.timing.repeat.frequency", "times per period")
        period = positive(repeat.get("period", 1), f"{where}.timing.repeat.period", "the period")
        unit = PERIOD_UNITS.get(repeat.get("periodUnit"))
        if unit is None:
            raise SandboxError(422, EprCode.BAD_VALUE, f"{where}.timing.repeat.periodUnit must be one of "
                               f"{', '.join(PERIOD_UNITS)} (UCUM units of time).", issue="value",
                               expression=[f"{where}.timing.repeat.periodUnit"])
        per = unit[0] if period == 1 else f"{_n(period)} {unit[1]}"
        words.append(f"{_n(frequency)} fois par {per}")
    elif not (repeat.get("when") or repeat.get("timeOfDay") or timing.get("code") or timing.get("event")):
        return suffix or None
    if "boundsDuration" in repeat:
        bounds = _object(repeat["boundsDuration"], f"{where}.timing.repeat.boundsDuration")
        length = positive(bounds.get("value"), f"{where}.timing.repeat.boundsDuration.value", "the duration")
        unit = PERIOD_UNITS.get(bounds.get("code") or bounds.get("unit"), ("", ""))
        words.append(f"pendant {_n(length)} {unit[0] if length == 1 else unit[1]}".rstrip())
    if suffix:
        words.append(suffix)
    return " ".join(words) or "selon les horaires indiqués"


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def checked(dosages: Any, where: str) -> list[dict]:
    """The line's dosage instructions, each with a ``text``; 4xx EPR-01xx naming the element otherwise."""
    if not isinstance(dosages, list) or not dosages:
        raise missing(where, "a line carries its structured posology (a dose and a timing), FR ePrescription "
                             "dosageInstruction 1..*.")
    out = []
    for j, raw in enumerate(dosages):
        at = f"{where}[{j}]"
        dosage = _object(raw, at)
        if "patientInstruction" in dosage:
            raise SandboxError(422, EprCode.BAD_VALUE, f"{at}.patientInstruction is not allowed (FR ePrescription "
                               "0..0): put the instructions in text.", issue="value",
                               expression=[f"{at}.patientInstruction"])
        dose, timing = _dose(dosage, at), _timing(dosage, at)
        if dose is None:
            raise missing(f"{at}.doseAndRate", "a structured dose (doseQuantity or doseRange) with its unit.")
        if timing is None:
            raise missing(f"{at}.timing", "when to take it (timing.repeat frequency and period, or "
                                          "asNeededBoolean).")
        text = dosage.get("text")
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise SandboxError(422, EprCode.BAD_VALUE, f"{at}.text must be a non-empty string.", issue="value",
                               expression=[f"{at}.text"])
        out.append(dosage if text else {**dosage, "text": f"{_n(dose[0])} {dose[1]} {timing}".replace("  ", " ")})
    return out
