"""ASCII digits only and bounded integers, for every number a client sends (core/digits.py)."""

from __future__ import annotations

import pytest

from core.digits import MAX_INT, ascii_digits, bounded_int
from core.identifiers import (
    finess_problem,
    luhn_valid,
    nir_key,
    nir_problem,
    rpps_problem,
    siren_problem,
    siret_problem,
)
from core.population.geography import cog_problem

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
OTHER_DIGITS = [FULL_WIDTH, ARABIC_INDIC]


@pytest.mark.parametrize("value, length, expected", [
    ("0123456789", None, True), ("12", 2, True), ("123", 2, False), ("", None, False), ("12a", None, False),
    ("１２", None, False), ("١٢", None, False), ("²", None, False), ("1 2", None, False), ("-1", None, False),
    (12, None, False), (None, None, False),
])
def test_ascii_digits(value, length, expected):
    assert ascii_digits(value, length) is expected


@pytest.mark.parametrize("value, expected", [("0", 0), ("42", 42), (str(MAX_INT), MAX_INT), ("007", 7)])
def test_bounded_int_reads_ascii_integers_up_to_max_int(value, expected):
    assert bounded_int(value) == expected


@pytest.mark.parametrize("value", [str(MAX_INT + 1), str(2**63), str(2**64), str(10**30), "9" * 5000, "-1", "+1",
                                   "1_000", "1.0", " 1", "1 ", "", "０", "٣", "²", None])
def test_bounded_int_refuses_anything_else(value):
    with pytest.raises(ValueError):
        bounded_int(value)


def test_bounded_int_takes_its_own_bounds():
    assert bounded_int("-5", minimum=-10, maximum=10) == -5
    with pytest.raises(ValueError):
        bounded_int("11", maximum=10)


def test_max_int_fits_every_database_integer():
    assert MAX_INT == 2**31 - 1


# The identifier checkers of core/identifiers.py go through ascii_digits (issue 9, item 5) ------------------------

NIR = "1850763113042"


@pytest.mark.parametrize("table", OTHER_DIGITS)
def test_nir_rpps_finess_siren_siret_and_cog_refuse_other_digits(table):
    key = nir_key(NIR)
    assert nir_problem(NIR, key) is None and nir_problem(NIR.translate(table)) is not None
    assert nir_problem(NIR, key.translate(table)) == "the key must be 2 digits"
    with pytest.raises(ValueError):
        nir_key(NIR.translate(table))
    assert rpps_problem("10003456789") is None and rpps_problem("10003456789".translate(table)) is not None
    assert finess_problem("750712184") is None and finess_problem("750712184".translate(table)) is not None
    assert siren_problem("732829320") is None and siren_problem("732829320".translate(table)) is not None
    assert siret_problem("73282932000074") is None and siret_problem("73282932000074".translate(table)) is not None
    assert luhn_valid("732829320") and not luhn_valid("732829320".translate(table))
    assert cog_problem("63113") is None and cog_problem("63113".translate(table)) is not None


def test_a_corsican_department_stays_accepted():
    matricule = "1850720004042"[:5] + "2A" + "004042"
    assert nir_problem(matricule, nir_key(matricule)) is None
