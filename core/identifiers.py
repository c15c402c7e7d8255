"""French health identifiers: systems/OIDs and check keys (spec digest §0.1–0.4).

Rules tagged (E)/(U) in the digest — Luhn on RPPS and FINESS — are offered as ``strict`` checks only:
real directories hold values that fail them, so services must not reject them by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.digits import ascii_digits

# Patient identifiers (§0.1, FR Core)
INS_NIR_OID = "urn:oid:1.2.250.1.213.1.4.8"
INS_NIA_OID = "urn:oid:1.2.250.1.213.1.4.9"
INS_NIR_TEST_OID = "urn:oid:1.2.250.1.213.1.4.10"
INS_NIR_DEMO_OID = "urn:oid:1.2.250.1.213.1.4.11"
IDENTIFIER_TYPE_SYSTEM = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
# Professionals and structures (§0.3, §0.4)
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"
IDNAT_PS_OID = "urn:oid:1.2.250.1.71.4.2.1"
IDNAT_STRUCT_OID = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
SIRENE_SYSTEM = "https://sirene.fr"

MATRICULE_RE = re.compile(r"[0-9]{6}[A-Za-z0-9][0-9]{6}")  # CNAM XSD pattern (INSi_RESULTAT_INS.xsd)
CORSICA = {"2A": "19", "2B": "18"}


@dataclass(frozen=True)
class Nir:
    """The parts of a 13-character NIR/NIA matricule (§0.2)."""

    sex: str  # "1" male, "2" female
    year: str
    month: str  # may be outside 01-12 for incomplete civil records
    place: str  # department (2) + commune (3), or 99 + INSEE country code
    order: str

    @property
    def born_abroad(self) -> bool:
        return self.place.startswith("99")


def nir_key(matricule: str) -> str:
    """The 2-digit key of a 13-character matricule: 97 - (number mod 97), 2A -> 19 and 2B -> 18."""
    number = matricule[:5] + CORSICA.get(matricule[5:7].upper(), matricule[5:7]) + matricule[7:]
    if len(matricule) != 13 or not ascii_digits(number):
        raise ValueError(f"{matricule!r} is not a 13-character matricule")
    return f"{97 - int(number) % 97:02d}"


def nir_problem(matricule: str, key: str | None = None) -> str | None:
    """Why ``matricule`` (+ ``key``) is not a valid NIR/NIA, or None when it is."""
    if not isinstance(matricule, str) or not MATRICULE_RE.fullmatch(matricule):
        return "the matricule must be 13 characters: 6 digits, one digit or letter (2A/2B), 6 digits"
    if matricule[0] not in "12378":
        return "the first character (sex) must be 1 or 2 (3, 7 or 8 for temporary numbers)"
    department = matricule[5:7].upper()
    if not (ascii_digits(department) or department in CORSICA):
        return f"birth place {matricule[5:10]!r} must start with a department (digits, 2A or 2B)"
    if key is not None:
        if not ascii_digits(key, 2):
            return "the key must be 2 digits"
        expected = nir_key(matricule)
        if key != expected:
            return f"the key {key} does not match the matricule (expected {expected})"
    return None


def parse_nir(matricule: str) -> Nir:
    problem = nir_problem(matricule)
    if problem:
        raise ValueError(problem)
    m = matricule.upper()
    return Nir(sex=m[0], year=m[1:3], month=m[3:5], place=m[5:10], order=m[10:13])


def split_ins(value: str) -> tuple[str, str]:
    """A 15-character INS (matricule + key) as it travels in FHIR -> (matricule, key)."""
    if not isinstance(value, str) or len(value) != 15:
        raise ValueError("an INS is 15 characters: the 13-character matricule and its 2-digit key")
    return value[:13], value[13:]


def luhn_valid(digits: str) -> bool:
    if not ascii_digits(digits):
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def luhn_complete(digits: str) -> str:
    """``digits`` followed by the Luhn check digit that makes it valid."""
    return next(digits + d for d in "0123456789" if luhn_valid(digits + d))


def rpps_problem(value: str, *, strict: bool = False) -> str | None:
    if not isinstance(value, str) or not ascii_digits(value, 11):
        return "an RPPS number is 11 digits"
    if strict and not luhn_valid(value):
        return "the RPPS number fails its Luhn check digit"
    return None


def idnat_ps(rpps: str) -> str:
    """The national professional id of an RPPS holder: ``8`` + RPPS (§0.3)."""
    return "8" + rpps


def finess_problem(value: str, *, strict: bool = False) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9]{9}", value):
        return "a FINESS number is 9 characters"
    digits = value[:2].upper().replace("2A", "20").replace("2B", "20") + value[2:]
    if strict and not luhn_valid(digits):
        return "the FINESS number fails its Luhn check digit"
    return None


def siren_problem(value: str) -> str | None:
    if not isinstance(value, str) or not ascii_digits(value, 9) or not luhn_valid(value):
        return "a SIREN is 9 digits with a Luhn check digit"
    return None


def siret_problem(value: str) -> str | None:
    if not isinstance(value, str) or not ascii_digits(value, 14) or not luhn_valid(value):
        return "a SIRET is 14 digits (SIREN + establishment) with a Luhn check digit"
    return None
