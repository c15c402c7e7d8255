"""Trait normalisation and validation rules shared by every channel (digest §1.3)."""

from __future__ import annotations

from datetime import date

import pytest

from services.ins_teleservice.traits import TraitError, check_birth_date, check_birth_place, normalise_name


@pytest.mark.parametrize("raw, expected", [
    ("Lefèvre", "LEFEVRE"), ("N’Diaye", "N'DIAYE"), ("  de   la  Tour ", "DE LA TOUR"), ("Œdipe", "OEDIPE"),
    ("Jean-Luc", "JEAN-LUC"), ("Ç\u0327a", "CA"), ("Dupont--Durand", "DUPONT--DURAND"), ("Zoé", "ZOE"),
])
def test_names_become_uppercase_ascii(raw, expected):
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("value", ["1975-12-31", "2000-02-29", "1975-00-00", "1975-06-00"])
def test_valid_and_lunar_dates(value):
    assert check_birth_date(value, lunar=True, today=date(2025, 1, 1)) == value


@pytest.mark.parametrize("value, lunar", [
    ("1975-02-29", True), ("1975-13-01", True), ("1975-01-32", True), ("1975-00-00", False), ("75-01-01", True),
    ("2025-01-02", True), ("1849-12-31", True),
])
def test_impossible_dates(value, lunar):
    with pytest.raises(TraitError) as raised:
        check_birth_date(value, lunar=lunar, today=date(2025, 1, 1))
    assert raised.value.code == "INS-0023"


def test_birth_place_is_upper_cased_and_checked():
    assert check_birth_place("2b020") == "2B020"
    assert check_birth_place(None) is None
    with pytest.raises(TraitError):
        check_birth_place("99100")
