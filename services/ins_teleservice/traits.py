"""The five INS traits: normalisation to INSi's uppercase ASCII form and validation (spec digest §1.1, §1.3).

Every channel (SOAP, FHIR, admin) goes through these functions, so the same mistake gets the same code.
A :class:`TraitError` names the trait at fault; each channel maps it to its own element path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from core.population.geography import cog_problem
from services.ins_teleservice.codes import InsCode

NAME_RE = re.compile(r"[A-Z]+(?:(?:-{1,2}|[' ])[A-Z]+)*")  # TLSI client rule, digest §1.3
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")  # ASCII digits only: core/digits.py
LIGATURES = str.maketrans({"Œ": "OE", "œ": "OE", "Æ": "AE", "æ": "AE", "ß": "SS",
                           "’": "'", "‘": "'", "ʼ": "'", "`": "'", "‐": "-", "‑": "-", "–": "-"})
SPACES = re.compile(r"\s+")
MIN_YEAR = 1850


class TraitError(Exception):
    """A trait that is missing or invalid: ``trait`` is one of birth_name, first_names, sex, birth_date,
    birth_place, ins, rank."""

    def __init__(self, code: InsCode, trait: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.trait = trait
        self.message = message


@dataclass(frozen=True)
class Query:
    """A traits search: normalised values; ``first_names`` None means "not given"."""

    birth_name: str
    sex: str
    birth_date: str
    first_names: str | None = None
    birth_place: str | None = None


@lru_cache(maxsize=1 << 16)  # generated populations draw names from small tables
def normalise_name(raw: str) -> str:
    """Uppercase ASCII, accents dropped, apostrophes/hyphens/spaces kept: "Lefèvre d’Ô" -> "LEFEVRE D'O"."""
    if raw.isascii() and raw.isprintable() and "`" not in raw and "  " not in raw:  # the common, fast case
        return raw.strip().upper()
    text = unicodedata.normalize("NFKD", raw.translate(LIGATURES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return SPACES.sub(" ", text).strip().upper()


def check_name(raw: str | None, trait: str, label: str) -> str:
    if raw is None or not raw.strip():
        raise TraitError(InsCode.TRAIT_MISSING, trait, f"{label} is missing or empty.")
    name = normalise_name(raw)
    if not NAME_RE.fullmatch(name):
        raise TraitError(InsCode.BAD_NAME, trait, f"{label} {raw[:60]!r} may only hold letters, spaces, "
                         "hyphens and apostrophes (uppercase ASCII once accents are dropped).")
    return name


def check_first_names(values: list[str]) -> str | None:
    """Several first names travel as several elements or one space-separated list: join them."""
    if not values:
        return None
    return " ".join(check_name(v, "first_names", "a first name") for v in values)


def check_sex(raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise TraitError(InsCode.TRAIT_MISSING, "sex", "the sex is missing or empty.")
    if raw.strip() not in ("M", "F"):
        raise TraitError(InsCode.BAD_SEX, "sex", f"the sex {raw[:20]!r} must be M or F.")
    return raw.strip()


def check_birth_date(raw: str | None, *, lunar: bool, today: date | None = None) -> str:
    """A YYYY-MM-DD birth date; with ``lunar``, an unknown day or month may be written 00."""
    if raw is None or not raw.strip():
        raise TraitError(InsCode.TRAIT_MISSING, "birth_date", "the birth date is missing or empty.")
    found = DATE_RE.fullmatch(raw.strip())
    if not found:
        raise TraitError(InsCode.BAD_DATE, "birth_date", f"the birth date {raw[:30]!r} must be written YYYY-MM-DD.")
    text = found.group(0)
    year, month, day = (int(g) for g in found.groups())

    def fail(why: str) -> TraitError:
        return TraitError(InsCode.BAD_DATE, "birth_date", f"the birth date {text} {why}.")

    if month > 12 or day > 31:
        raise fail("is impossible (month 01-12, day 01-31)")
    if (month == 0 or day == 0) and not lunar:
        raise fail("has a day or month 00, which is not accepted here")
    try:
        when = date(year, month or 1, day or 1)
    except ValueError:
        raise fail("does not exist in the calendar") from None
    if year < MIN_YEAR:
        raise fail(f"is before {MIN_YEAR}")
    if when > (today or date.today()):
        raise fail("is in the future")
    return text


def check_birth_place(raw: str | None, *, required: bool = False) -> str | None:
    if raw is None or not raw.strip():
        if required:
            raise TraitError(InsCode.TRAIT_MISSING, "birth_place", "the birth place is missing or empty.")
        return None
    code = raw.strip().upper()
    problem = cog_problem(code)
    if problem:
        raise TraitError(InsCode.BAD_COG, "birth_place", f"the birth place {raw[:20]!r} is invalid: {problem}.")
    return code


def check_query(*, birth_name: str | None, first_names: list[str], sex: str | None, birth_date: str | None,
                birth_place: str | None, lunar: bool) -> Query:
    """The validated, normalised query; the first failing trait raises (in the XSD's element order)."""
    return Query(
        birth_name=check_name(birth_name, "birth_name", "the birth name"),
        first_names=check_first_names(first_names),
        sex=check_sex(sex),
        birth_date=check_birth_date(birth_date, lunar=lunar),
        birth_place=check_birth_place(birth_place),
    )
