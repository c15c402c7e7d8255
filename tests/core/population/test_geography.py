"""Geography tables and COG checks (spec digest §0.2: birth place = commune COG or 99 + country)."""

from __future__ import annotations

import pytest

from core.population.geography import COMMUNES, COUNTRIES, DEPARTMENTS, cog_problem, commune, department_of


def test_departments_are_mainland_corsica_and_overseas_without_20() -> None:
    mainland = {f"{n:02d}" for n in range(1, 96) if n != 20}
    assert mainland | {"2A", "2B"} <= set(DEPARTMENTS)
    assert {"971", "972", "973", "974", "976"} <= set(DEPARTMENTS)
    assert "20" not in DEPARTMENTS


def test_every_listed_commune_is_a_valid_cog_of_its_department() -> None:
    for c in COMMUNES:
        assert cog_problem(c.cog) is None, c
        assert c.department == department_of(c.cog) and c.department in DEPARTMENTS
        assert len(c.postal_code) == 5 and c.postal_code.isdigit(), c


def test_communes_are_unique_and_spread_over_many_departments() -> None:
    assert len({c.cog for c in COMMUNES}) == len(COMMUNES)
    assert 80 <= len(COMMUNES) <= 150
    assert len({c.department for c in COMMUNES}) >= 80


@pytest.mark.parametrize(("cog", "name"), [
    ("2A004", "Ajaccio"), ("2B033", "Bastia"), ("97411", "Saint-Denis"), ("63113", "Clermont-Ferrand"),
])
def test_commune_lookup_finds_known_communes(cog: str, name: str) -> None:
    found = commune(cog)
    assert found is not None and found.name == name


def test_commune_lookup_of_an_unlisted_code_is_none() -> None:
    assert commune("01999") is None


def test_the_cnda_birth_place_63220_is_listed() -> None:
    found = commune("63220")
    assert (found.cog, found.name, found.department) == ("63220", "Medeyrolles", "63")


def test_countries_are_99_codes_without_france() -> None:
    assert len(COUNTRIES) >= 40
    assert all(code.startswith("99") and len(code) == 5 and code[2:].isdigit() for code in COUNTRIES)
    assert "99100" not in COUNTRIES
    assert COUNTRIES["99134"] == "Espagne" and COUNTRIES["99352"] == "Algérie"


@pytest.mark.parametrize("cog", ["01001", "2A004", "2B999", "97101", "97611", "99134", "75114"])
def test_structurally_valid_cogs_have_no_problem(cog: str) -> None:
    assert cog_problem(cog) is None


@pytest.mark.parametrize(("cog", "words"), [
    ("6311", "5 characters"),
    ("20004", "2A"),
    ("2a004", "capitals"),
    ("96001", "department"),
    ("63000", "commune number"),
    ("97100", "commune number"),
    ("97801", "department"),
    ("99100", "France"),
    ("99999", "country"),
    ("63A13", "commune number"),
])
def test_invalid_cogs_name_the_fix(cog: str, words: str) -> None:
    problem = cog_problem(cog)
    assert problem is not None and words in problem


def test_persona_birth_communes_are_known_to_lookups_but_never_drawn() -> None:
    """2B020 (Aregno: CORSE ANTHONY, ADRTROIS TOUSSAINT) has a name; 2A020 (ADRTROIS DOMINIQUE) is a valid COG
    that no real commune holds; neither is in COMMUNES, which the generator draws from."""
    assert (commune("2B020").name, commune("2B020").postal_code, commune("2B020").department) == (
        "Aregno", "20220", "2B")
    assert cog_problem("2A020") is None and commune("2A020") is None
    assert not {"2B020", "2A020"} & {c.cog for c in COMMUNES}
