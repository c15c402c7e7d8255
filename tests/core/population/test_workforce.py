"""Generated structures and professionals: valid identifiers, coherent references, no clash with personas."""

from __future__ import annotations

from collections import Counter

import pytest

from core.identifiers import finess_problem, luhn_complete, rpps_problem, siren_problem, siret_problem
from core.population.geography import department_of
from core.population.model import Organization, Professional
from core.population.personas import personas
from core.population.structures import luhn, slug
from core.population.workforce import professionals

COUNT = 4_000


@pytest.fixture(scope="module")
def directory() -> tuple[list[Organization], list[Professional]]:
    organizations, people = professionals(21, COUNT)
    return organizations, list(people)


def test_generated_rpps_are_unique_luhn_valid_and_outside_the_persona_range(directory) -> None:
    _, pros = directory
    assert len({p.rpps for p in pros}) == COUNT
    for p in pros:
        assert rpps_problem(p.rpps, strict=True) is None and p.rpps.startswith("19")
        assert p.id_nat_ps == "8" + p.rpps


def test_structure_identifiers_pass_their_checks_and_are_unique(directory) -> None:
    orgs, _ = directory
    finess = [o.finess for o in orgs if o.finess]
    assert len(set(finess)) == len(finess) and len({o.id for o in orgs}) == len(orgs)
    assert len(finess) >= 50 and sum(bool(o.siren) for o in orgs) >= 500 and sum(bool(o.siret) for o in orgs) >= 500
    for org in orgs:
        if org.finess:
            assert finess_problem(org.finess, strict=True) is None
            assert org.finess[:2] == department_of(org.address.insee)[:2] and org.finess[2] == "9"
        if org.siren:
            assert siren_problem(org.siren) is None
        if org.siret:
            assert siret_problem(org.siret) is None


def test_every_eg_with_finess_is_part_of_an_ej_whose_siren_prefixes_its_siret(directory) -> None:
    orgs, _ = directory
    by_id = {o.id: o for o in orgs}
    assert sum(o.level == "EG" and bool(o.finess) for o in orgs) >= 20
    assert sum(o.kind.endswith("practice") for o in orgs) >= 500
    for org in orgs:
        if org.level == "EG" and org.finess:
            parent = by_id[org.part_of]
            assert parent.level == "EJ" and org.siret.startswith(parent.siren)
        if org.kind.endswith("practice"):
            assert org.siret and not org.finess and org.id_nat_struct == "3" + org.siret


def test_situations_point_at_structures_fitting_the_profession(directory) -> None:
    orgs, pros = directory
    kinds = {o.id: o.kind for o in orgs}
    allowed = {"21": {"pharmacy", "hospital-eg", "laboratory"}, "40": {"dental-practice", "hospital-eg"},
               "80": {"podiatry-practice", "hospital-eg"}}
    situation_ids = [s.id for p in pros for s in p.situations]
    assert len(set(situation_ids)) == len(situation_ids)
    for p in pros:
        assert p.situations
        for s in p.situations:
            assert kinds[s.organization] in allowed.get(p.profession, set(kinds.values()))
            assert kinds[s.organization] != "hospital-ej"


def test_professions_and_doctor_specialties_are_spread(directory) -> None:
    _, pros = directory
    professions = Counter(p.profession for p in pros)
    assert set(professions) == {"10", "21", "40", "50", "60", "70", "80"}
    doctors = [p for p in pros if p.profession == "10"]
    assert all(p.specialty and p.exercise_civility == "DR" for p in doctors)
    assert Counter(p.specialty for p in doctors).most_common(1)[0][0] == "SM54"


def test_mailboxes_are_unique_mssante_addresses_including_the_personas(directory) -> None:
    orgs, pros = directory
    named = personas()
    everyone = [*pros, *named.professionals]
    addresses = [m.address for p in everyone for m in (*p.mailboxes, *(b for s in p.situations for b in s.mailboxes))]
    addresses += [m.address for o in (*orgs, *named.organizations) for m in o.mailboxes]
    assert len(set(addresses)) == len(addresses)
    assert all(a.endswith(".mssante.fr") and a == a.lower() and a.isascii() for a in addresses)
    assert sum(1 for p in pros if p.mailboxes) > COUNT * 0.7


def test_some_professionals_are_inactive_with_nothing_live(directory) -> None:
    _, pros = directory
    inactive = [p for p in pros if not p.active]
    assert 0.01 < len(inactive) / COUNT < 0.06
    for p in inactive:
        assert not p.mailboxes and not p.cards and not p.ecps
        assert all(not s.active and not s.mailboxes for s in p.situations)


def test_generated_identifiers_never_collide_with_the_personas(directory) -> None:
    orgs, pros = directory
    named = personas()
    assert not {p.rpps for p in named.professionals} & {p.rpps for p in pros}
    assert not {o.finess for o in named.organizations if o.finess} & {o.finess for o in orgs}
    assert not {o.siren for o in named.organizations if o.siren} & {o.siren for o in orgs}
    assert not {c.number for p in named.professionals for c in p.cards} & {c.number for p in pros for c in p.cards}
    assert not {s.id for p in named.professionals for s in p.situations} & {s.id for p in pros for s in p.situations}
    assert not {o.id for o in named.organizations} & {o.id for o in orgs}


def test_same_seed_same_directory() -> None:
    first_orgs, first = professionals(8, 300)
    second_orgs, second = professionals(8, 300)
    assert first_orgs == second_orgs and list(first) == list(second)


def test_structure_names_elide_de_before_vowels_and_articles(directory) -> None:
    names = {o.name for o in directory[0]}
    assert not any(" DE LE " in n or " DE LES " in n or " DE É" in n or " DE A" in n for n in names)


def test_zero_professionals_means_no_structures() -> None:
    orgs, pros = professionals(1, 0)
    assert orgs == [] and list(pros) == []


def test_fast_luhn_agrees_with_the_reference() -> None:
    for digits in ("1", "26440310", "9970021889", "1234567890123", "0000000"):
        assert luhn(digits) == luhn_complete(digits)


@pytest.mark.parametrize(("name", "expected"), [
    ("N'DIAYE", "ndiaye"), ("DE LA FONTAINE", "delafontaine"), ("Hélène", "helene"), ("Jean-Pierre", "jean-pierre"),
])
def test_slugs_are_ascii_mailbox_parts(name: str, expected: str) -> None:
    assert slug(name) == expected
