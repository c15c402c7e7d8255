"""Check keys and formats of French health identifiers, on the values published in the sources."""

import pytest

from core.identifiers import (
    finess_problem,
    idnat_ps,
    luhn_complete,
    luhn_valid,
    nir_key,
    nir_problem,
    parse_nir,
    rpps_problem,
    siren_problem,
    siret_problem,
    split_ins,
)


@pytest.mark.parametrize("matricule, key", [
    ("180032B020401", "23"),  # CORSE ANTHONY, born in 2B
    ("2751263220749", "74"), ("1090763220834", "89"), ("1100863220830", "60"), ("2360663220836", "56"),
    ("2090763220834", "39"), ("2090663220123", "55"), ("1090763220888", "35"),
])
def test_nir_key_of_cnda_identities(matricule, key):
    assert nir_key(matricule) == key
    assert nir_problem(matricule, key) is None


def test_hermann_gatien_keys_are_wrong():
    assert "expected" in nir_problem("1810363220456", "60")
    assert "expected" in nir_problem("2810363220456", "10")


@pytest.mark.parametrize("matricule", ["12345", "1800A2B020401", "5800363220456", "18003XX020401", 1800363220456])
def test_malformed_matricules_say_why(matricule):
    assert nir_problem(matricule) is not None


def test_parse_nir_and_split_ins():
    nir = parse_nir("180032B020401")
    assert (nir.sex, nir.year, nir.month, nir.place, nir.order) == ("1", "80", "03", "2B020", "401")
    assert parse_nir("1801099352123").born_abroad
    assert split_ins("180032B02040123") == ("180032B020401", "23")
    with pytest.raises(ValueError):
        split_ins("180032B020401")


def test_luhn_and_professional_ids():
    assert luhn_valid("99700218896") and luhn_valid("10000005479")
    assert luhn_complete("9970021889") == "99700218896"
    assert idnat_ps("99700218896") == "899700218896"
    assert rpps_problem("10101201234") is None  # not Luhn, accepted unless strict
    assert rpps_problem("10101201234", strict=True) is not None
    assert rpps_problem("1234") is not None


def test_structure_ids():
    assert finess_problem("750712184", strict=True) is None
    assert finess_problem("754567860") is None and finess_problem("754567860", strict=True) is not None
    assert finess_problem("2A0000000") is None and finess_problem("75071218") is not None
    assert siren_problem("264403106") is None and siren_problem("264403107") is not None
    assert siret_problem(luhn_complete("2644031060001")) is None and siret_problem("26440310600010") is not None
