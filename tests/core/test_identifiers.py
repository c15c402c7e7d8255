"""Check keys and formats of French health identifiers, on the values published in the sources."""

import pytest

from core.identifiers import (
    Nir,
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

MATRICULE = "the matricule must be 13 characters: 6 digits, one digit or letter (2A/2B), 6 digits"
SEX = "the first character (sex) must be 1 or 2 (3, 7 or 8 for temporary numbers)"
KEY = "the key must be 2 digits"
RPPS = "an RPPS number is 11 digits"
RPPS_LUHN = "the RPPS number fails its Luhn check digit"
FINESS = "a FINESS number is 9 characters"
FINESS_LUHN = "the FINESS number fails its Luhn check digit"
SIREN = "a SIREN is 9 digits with a Luhn check digit"
SIRET = "a SIRET is 14 digits (SIREN + establishment) with a Luhn check digit"


@pytest.mark.parametrize("matricule, key", [
    ("180032B020401", "23"),  # CORSE ANTHONY, born in 2B
    ("2751263220749", "74"), ("1090763220834", "89"), ("1100863220830", "60"), ("2360663220836", "56"),
    ("2090763220834", "39"), ("2090663220123", "55"), ("1090763220888", "35"),
])
def test_nir_key_of_cnda_identities(matricule, key):
    assert nir_key(matricule) == key
    assert nir_problem(matricule, key) is None


def test_corsican_departments_count_as_19_and_18_whatever_their_case():
    assert nir_key("180032A020401") == f"{97 - 1800319020401 % 97:02d}" == "93"  # 2A -> 19
    assert nir_key("180032b020401") == nir_key("180032B020401") == "23"  # 2B -> 18
    assert nir_key("1800363220087") == "09"  # 97 - 1800363220087 mod 97 = 9: the key keeps its leading 0


def test_hermann_gatien_keys_are_wrong():
    assert nir_problem("1810363220456", "60") == "the key 60 does not match the matricule (expected 76)"
    assert nir_problem("2810363220456", "10") == "the key 10 does not match the matricule (expected 26)"


@pytest.mark.parametrize("matricule, problem", [
    ("12345", MATRICULE),
    ("18003632204560", MATRICULE),  # 14 characters
    ("1800A2B020401", MATRICULE),
    ("18003XX020401", MATRICULE),
    ("1800363220A56", MATRICULE),
    (1800363220456, MATRICULE),
    (None, MATRICULE),
    ("5800363220456", SEX),
    ("0800363220456", SEX),
    ("4800363220456", SEX),
    ("180036C020401", "birth place '6C020' must start with a department (digits, 2A or 2B)"),
    ("180032C020401", "birth place '2C020' must start with a department (digits, 2A or 2B)"),
])
def test_malformed_matricules_say_why(matricule, problem):
    assert nir_problem(matricule) == problem


@pytest.mark.parametrize("first", ["1", "2", "3", "7", "8"])
def test_every_sex_digit_of_the_digest_is_accepted(first):
    assert nir_problem(first + "800363220456") is None


@pytest.mark.parametrize("key", ["7", "007", "ab", "", "7a"])
def test_a_key_that_is_not_two_digits_says_so(key):
    assert nir_problem("2751263220749", key) == KEY


@pytest.mark.parametrize("matricule", ["", "180032B02040", "180032B0204012", "180032X020401", "18003 B020401",
                                       "1800A2B020401", "2751263220 49"])
def test_nir_key_refuses_what_is_not_a_matricule(matricule):
    with pytest.raises(ValueError, match="is not a 13-character matricule"):
        nir_key(matricule)


def test_parse_nir_and_split_ins():
    assert parse_nir("180032B020401") == Nir(sex="1", year="80", month="03", place="2B020", order="401")
    assert parse_nir("180032b020401") == Nir(sex="1", year="80", month="03", place="2B020", order="401")
    assert parse_nir("1801099352123").born_abroad is True
    assert parse_nir("2751263220749").born_abroad is False
    assert split_ins("180032B02040123") == ("180032B020401", "23")


@pytest.mark.parametrize("matricule, problem", [
    ("12345", MATRICULE), ("5800363220456", SEX), (None, MATRICULE),
    ("180036C020401", "birth place '6C020' must start with a department (digits, 2A or 2B)"),
])
def test_parse_nir_refuses_a_malformed_matricule_with_its_reason(matricule, problem):
    with pytest.raises(ValueError) as raised:
        parse_nir(matricule)
    assert str(raised.value) == problem


@pytest.mark.parametrize("value", ["180032B020401", "180032B0204012300", None, 180032020401023, ""])
def test_split_ins_needs_15_characters(value):
    with pytest.raises(ValueError) as raised:
        split_ins(value)
    assert str(raised.value) == "an INS is 15 characters: the 13-character matricule and its 2-digit key"


@pytest.mark.parametrize("digits, valid", [
    ("79927398713", True), ("79927398710", False), ("79927398703", False),  # the textbook example
    ("99700218896", True), ("10000005479", True), ("0", True), ("18", True), ("59", True), ("91", True),
    ("1", False), ("19", False), ("90", False),
])
def test_luhn_on_digits(digits, valid):
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize("text", ["", "7992739871a", " 79927398713", "79927398713 ", "7992-7398713", "-18", "+18",
                                  "1.8"])
def test_luhn_is_false_for_anything_but_digits(text):
    assert luhn_valid(text) is False


def test_luhn_complete_appends_the_check_digit():
    assert luhn_complete("9970021889") == "99700218896"
    assert luhn_complete("7992739871") == "79927398713"
    assert luhn_complete("1") == "18"


def test_professional_ids():
    assert idnat_ps("99700218896") == "899700218896"
    assert rpps_problem("99700218896") is None and rpps_problem("99700218896", strict=True) is None
    assert rpps_problem("10101201234") is None  # not Luhn, accepted unless strict
    assert rpps_problem("10101201234", strict=True) == RPPS_LUHN


@pytest.mark.parametrize("value", ["1234", "9970021889", "997002188960", "9970021889a", "", None, 99700218896])
def test_a_malformed_rpps_says_so(value):
    assert rpps_problem(value) == RPPS
    assert rpps_problem(value, strict=True) == RPPS


def test_finess_numbers():
    assert finess_problem("750712184", strict=True) is None
    assert finess_problem("754567860") is None and finess_problem("754567860", strict=True) == FINESS_LUHN
    assert finess_problem("2A0000000") is None


@pytest.mark.parametrize("value", ["2A1234564", "2a1234564", "2B1234564", "2b1234564"])
def test_a_corsican_finess_counts_its_department_as_20_whatever_its_case(value):
    assert finess_problem(value, strict=True) is None  # 201234564 passes Luhn


def test_lowercase_letters_elsewhere_are_a_format_only_a_strict_check_refuses():
    assert finess_problem("75a712184") is None
    assert finess_problem("75a712184", strict=True) == FINESS_LUHN
    assert finess_problem("2a1234565", strict=True) == FINESS_LUHN


@pytest.mark.parametrize("value", ["75071218", "7507121840", "75071218-", "", None, 750712184])
def test_a_finess_of_the_wrong_shape_says_so(value):
    assert finess_problem(value) == FINESS
    assert finess_problem(value, strict=True) == FINESS


def test_siren_and_siret_of_the_right_length():
    assert siren_problem("264403106") is None and siren_problem("264403107") == SIREN
    assert siret_problem(luhn_complete("2644031060001")) is None and siret_problem("26440310600010") == SIRET


@pytest.mark.parametrize("value", [
    luhn_complete("2644031"), luhn_complete("264403106"),  # 8 and 10 digits, Luhn-valid: the length is wrong
    "26440310A", "", None, 264403106,
])
def test_a_siren_of_the_wrong_length_or_not_digits_says_so(value):
    assert siren_problem(value) == SIREN


@pytest.mark.parametrize("value", [
    luhn_complete("264403106000"), luhn_complete("26440310600010"),  # 13 and 15 digits, Luhn-valid
    luhn_complete("264403106"),  # a SIREN is not a SIRET
    "2644031060001A", "", None,
])
def test_a_siret_of_the_wrong_length_or_not_digits_says_so(value):
    assert siret_problem(value) == SIRET
