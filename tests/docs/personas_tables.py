"""The personas tables of docs/personas.md, rendered from core/population/personas.py.

`tests/docs/test_personas_tables.py` compares the page with these tables, so the page cannot drift from
the data. After changing the personas, rewrite the tables with::

    python -m tests.docs.personas_tables --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from core.identifiers import INS_NIA_OID
from core.population.geography import commune
from core.population.model import Ins, Mailbox, Organization, Patient, Population, Professional
from core.population.personas import personas
from core.population.places import COUNTRIES

PAGE = Path(__file__).resolve().parents[2] / "docs" / "personas.md"
SECTIONS = ("Professionals", "Structures", "Patients")  # "## <name>" headings, each followed by its table

# TRE_G15 ProfessionSante labels of the codes the personas use.
PROFESSIONS = {"10": "médecin", "21": "pharmacien", "40": "chirurgien-dentiste", "50": "sage-femme",
               "60": "infirmier", "70": "masseur-kinésithérapeute", "80": "pédicure-podologue", "94": "ergothérapeute"}
NONE = "—"


def _code(text: str) -> str:
    return f"`{text}`"


def _html_safe(text: str) -> str:
    """Text for a table cell: XML element names (``<Prenom>``) as code, so Markdown does not eat them."""
    return re.sub(r"<[A-Za-z][\w:]*>", lambda m: _code(m.group(0)), text)


def _boxes(boxes: list[tuple[Mailbox, str]]) -> str:
    return "<br>".join(f"{_code(box.address)} ({box.type}{extra})" for box, extra in boxes) or NONE


def _professional(p: Professional) -> str:
    name = " ".join(part for part in (p.exercise_civility, p.given, p.family) if part)
    if not p.active:
        name += " **(inactive)**"
    profession = f"{p.profession} {PROFESSIONS.get(p.profession, '?')}" + (f", {p.specialty}" if p.specialty else "")
    cards = ", ".join(card.number for card in p.cards) or NONE
    situations = "<br>".join(
        f"{s.id} → {_code(s.organization)} ({s.mode}{'' if s.active else ', inactive'})" for s in p.situations
    ) or NONE
    boxes = [(box, "") for box in p.mailboxes] + [(box, ", situation") for s in p.situations for box in s.mailboxes]
    return (f"| {_code(p.id)} | {name} | {profession} | {p.rpps} / {p.id_nat_ps} | {cards} | {situations} "
            f"| {_boxes(boxes)} |")


def _structure(o: Organization) -> str:
    return (f"| {_code(o.id)} | {o.name} | {o.kind} / {o.level} | {o.finess or NONE} "
            f"| {o.siren or NONE} / {o.siret or NONE} | {o.id_nat_struct} | {_code(o.part_of) if o.part_of else NONE} "
            f"| {_boxes([(box, '') for box in o.mailboxes])} |")


def _place(cog: str) -> str:
    if not cog:
        return f"{NONE} {NONE}"
    known = commune(cog)
    name = known.name if known else COUNTRIES.get(cog, "") if cog.startswith("99") else ""
    return f"{cog} {name}".rstrip()


def _ins(ins: Ins) -> str:
    return f"{ins.matricule} {ins.key}"


def _patient(p: Patient, slugs: dict[str, str]) -> str:
    name = p.birth_name + (f" ({p.used_name})" if p.used_name else "")
    if p.ins is None:
        ins, oid = f"{NONE} (never found)", NONE
    else:
        ins = _ins(p.ins) + (" ; history " + ", ".join(_ins(h) for h in p.history) if p.history else "")
        oid = "NIA" if p.ins.oid == INS_NIA_OID else "NIR"
    gp = _code(slugs.get(p.medecin_traitant, p.medecin_traitant)) if p.medecin_traitant else NONE
    return (f"| {_code(p.id)} | {name} | {' '.join(p.first_names)} | {p.sex} | {p.birth_date} "
            f"| {_place(p.birth_place)} | {ins} | {oid} | {gp} | {_html_safe(p.note)} |")


def render(population: Population | None = None) -> dict[str, str]:
    """Each section's Markdown table, one row per persona in the data's order."""
    population = population or personas()
    slugs = {p.id_nat_ps: p.id for p in population.professionals}
    return {
        "Professionals": "\n".join([
            "| slug | name | profession (TRE_G15) | RPPS / idNat_PS | CPS "
            "| situations (idSituationExercice → structure) | MSSanté mailboxes |",
            "|---|---|---|---|---|---|---|",
            *map(_professional, population.professionals)]),
        "Structures": "\n".join([
            "| slug | name | kind / level | FINESS | SIREN / SIRET | idNat_Struct | part of | MSSanté mailboxes |",
            "|---|---|---|---|---|---|---|---|",
            *map(_structure, population.organizations)]),
        "Patients": "\n".join([
            "| slug | birth name (used name) | first names | sex | birth date | birth place (COG) "
            "| INS (matricule + key) | OID | médecin traitant | notes |",
            "|---|---|---|---|---|---|---|---|---|---|",
            *(_patient(p, slugs) for p in population.patients)]),
    }


def _section_table(text: str, section: str) -> re.Match[str] | None:
    """The table (consecutive ``|`` lines) that follows the ``## <section>`` heading."""
    return re.search(rf"^## {re.escape(section)}[ \t]*\n(?:[ \t]*\n)*(?P<table>(?:\|.*\n?)+)", text, re.M)


def tables_in(text: str) -> dict[str, str | None]:
    found = {section: _section_table(text, section) for section in SECTIONS}
    return {section: m.group("table").rstrip("\n") if m else None for section, m in found.items()}


def rewrite(text: str, tables: dict[str, str]) -> str:
    """``text`` with each section's table replaced by ``tables[section]``."""
    for section, table in tables.items():
        match = _section_table(text, section)
        if match is None:
            raise ValueError(f"docs/personas.md has no '## {section}' heading followed by a table")
        rest = text[match.end("table"):].lstrip("\n")
        text = text[:match.start("table")] + table + "\n" + ("\n" + rest if rest else "")
    return text


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        PAGE.write_text(rewrite(PAGE.read_text(encoding="utf-8"), render()), encoding="utf-8")
        print(f"rewrote the personas tables of {PAGE}")
    else:
        for name, table in render().items():
            print(f"## {name}\n\n{table}\n")
