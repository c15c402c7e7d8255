"""French geography for identities and addresses: departments, communes (INSEE COG), countries of birth.

A birth place (INS trait, NIR characters 6-10) is the COG of the birth commune: department (2 characters,
``2A``/``2B`` for Corsica) + commune number (3 digits), overseas department (3 digits) + commune (2 digits),
or ``99`` + the INSEE country code for a birth abroad (spec digest §0.2). The tables are small and hand
written: enough real communes to spread people and structures over the territory, not the whole COG.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.digits import ascii_digits
from core.population.places import COMMUNE_ROWS, COUNTRIES, DEPARTMENTS, PERSONA_COMMUNE_ROWS

__all__ = ["COMMUNES", "COUNTRIES", "DEPARTMENTS", "Commune", "cog_problem", "commune", "department_of"]

OVERSEAS = frozenset(code for code in DEPARTMENTS if len(code) == 3)
FRANCE = "99100"  # INSEE code of France in the country table: never a birth place


@dataclass(frozen=True)
class Commune:
    """A commune: INSEE COG, name, main postal code and department code."""

    cog: str
    name: str
    postal_code: str
    department: str


COMMUNES: tuple[Commune, ...] = tuple(
    Commune(cog, name, postal, department_code) for cog, name, postal in COMMUNE_ROWS
    for department_code in (cog[:3] if cog.startswith("97") else cog[:2],)
)
_BY_COG = {c.cog: c for c in (*COMMUNES, *(Commune(cog, name, postal, cog[:2])
                                             for cog, name, postal in PERSONA_COMMUNE_ROWS))}


def commune(cog: str) -> Commune | None:
    """The commune of this COG in the tables (the sample and the personas' birth communes), or None."""
    return _BY_COG.get(cog)


def department_of(cog: str) -> str:
    """The department part of a commune COG (3 characters overseas, else 2)."""
    return cog[:3] if cog.startswith("97") else cog[:2]


def cog_problem(code: str) -> str | None:
    """Why ``code`` is not a structurally valid birth-place COG, or None when it is.

    Valid: a known department and a commune number (001-999; overseas 01-99), or 99 + a known country.
    The commune itself need not be in :data:`COMMUNES` (the table is a sample of the real COG).
    """
    if not isinstance(code, str) or len(code) != 5:
        return "a COG is 5 characters: department + commune (e.g. 63113), or 99 + country code (e.g. 99134)"
    if code.startswith("99"):
        if code == FRANCE:
            return "99100 is France: someone born in France has the COG of their birth commune"
        if code not in COUNTRIES:
            return f"{code} is not a known INSEE country code (99 + 3 digits, e.g. 99134 Espagne)"
        return None
    if code[:2].upper() == "20":
        return "Corsica has no department 20 since 1976: use 2A (Corse-du-Sud) or 2B (Haute-Corse)"
    if code[:2] in ("2a", "2b"):
        return f"write the Corsican department in capitals: {code[:2].upper()}{code[2:]}"
    department = department_of(code)
    if department not in DEPARTMENTS:
        return f"{department!r} is not a French department (01-95, 2A, 2B, 971-976)"
    number = code[len(department):]
    if not ascii_digits(number) or int(number) == 0:
        width = len(number)
        return f"the commune number after department {department} must be {width} digits, not all zero"
    return None
