"""Dates, INS, birth places and numbers take ASCII digits only, on every INSi channel (issue 9, item 5).

Python's ``\\d``, ``isdigit()`` and ``int()`` accept full-width (``１９８５``) and Arabic-Indic (``١٩٨٥``) digits:
before core/digits, such a birth date was stored as sent (201) and could never be found, and a SOAP query
with one got CR 01 instead of the INS-0023 format fault.
"""

from __future__ import annotations

import pytest

from core.identifiers import nir_key
from tests.outcomes import assert_outcome
from tests.services.ins_teleservice.support import TRAITS, VITALE, call, envelope, fault, traits_body, vitale_body

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MATRICULE = "1850763113042"


def identity(**changes) -> dict:
    return {"id": "vendor-1", "birthName": "DUPONT", "firstNames": ["JEAN"], "sex": "M", "birthDate": "1985-07-14",
            "birthPlace": "63113", "ins": MATRICULE + nir_key(MATRICULE), **changes}


def foreign(value: str, table: dict) -> str:
    return value.translate(table)


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
@pytest.mark.parametrize("field, value, code", [
    ("birthDate", "1985-07-14", "INS-0023"), ("birthDate", "1985", "INS-0023"),
    ("birthPlace", "63113", "INS-0024"), ("ins", MATRICULE + nir_key(MATRICULE), "INS-0025"),
    ("ouvrantDroit", MATRICULE, "INS-0025"),
])
async def test_the_admin_api_refuses_digits_that_are_not_ascii(insi, table, field, value, code):
    changed = foreign(value, table) if field != "birthDate" or value != "1985" else "1985-07-" + foreign("14", table)
    response = await insi.post("/_admin/identities", json=identity(**{field: changed}))
    outcome = assert_outcome(response, 400, code)
    assert outcome["issue"][0]["expression"] == [field]
    assert (await insi.get("/_admin/identities", params={"origin": "admin"})).json()["total"] == 0


async def test_an_ins_key_in_other_digits_is_refused_even_when_invalid_keys_are_allowed(insi):
    body = identity(ins=MATRICULE + foreign("42", FULL_WIDTH), allowInvalidKey=True)
    assert_outcome(await insi.post("/_admin/identities", json=body), 400, "INS-0025")


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
async def test_a_soap_traits_query_with_other_digits_gets_the_date_format_fault(insi, table):
    body = traits_body("ADRUN", "ZOE", sex="F", birth_date=foreign("1975-12-31", table))
    found = fault(await call(insi, envelope(body), action=TRAITS))
    assert (found["subcodes"], found["code"]) == (["soap:INS-0023"], "INS-0023")


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
@pytest.mark.parametrize("parts, code", [
    ({"individu": ("2751263220749", "74"), "birth_date": "1975-12-31"}, "INS-0023"),
    ({"individu": ("2751263220749", "TRANSLATE"), "birth_date": "1975-12-31"}, "INS-0025"),
    ({"individu": ("TRANSLATE", "74"), "birth_date": "1975-12-31"}, "INS-0025"),
    ({"od": ("2751263220749", None), "birth_date": "1975-12-31", "rank": "TRANSLATE"}, "INS-0027"),
])
async def test_a_soap_vitale_query_with_other_digits_gets_its_format_fault(insi, table, parts, code):
    matricule, key = parts.get("individu") or parts["od"]
    if matricule == "TRANSLATE":
        matricule = foreign("2751263220749", table)
    if key == "TRANSLATE":
        key = foreign("74", table)
    body = {**parts, "individu" if "individu" in parts else "od": (matricule, key)}
    if code == "INS-0023":
        body["birth_date"] = foreign("1975-12-31", table)
    if body.get("rank") == "TRANSLATE":
        body["rank"] = foreign("1", table)
    found = fault(await call(insi, envelope(vitale_body(**body), action=VITALE), action=VITALE))
    assert found["code"] == code


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
async def test_fhir_match_with_a_birth_date_in_other_digits_fails_fhir_validation(insi, table):
    patient = {"resourceType": "Patient", "name": [{"family": "ADRUN", "given": ["ZOE"]}], "gender": "female",
               "birthDate": foreign("1975-12-31", table)}
    body = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient}]}
    response = await insi.post("/fhir/Patient/$match", json=body, headers={"content-type": "application/fhir+json"})
    outcome = assert_outcome(response, 400, "FHIR-0003")
    assert outcome["issue"][0]["expression"] == ["Parameters.parameter[0].resource.birthDate"]


@pytest.mark.parametrize("params", [
    {"offset": str(2**63)}, {"offset": str(2**64)}, {"offset": str(10**30)}, {"offset": str(2**31)},
    {"offset": "-1"}, {"offset": "５"}, {"offset": "+1"}, {"limit": str(2**63)}, {"limit": "1001"}, {"limit": "0"},
    {"limit": "١٠"},
])
async def test_the_admin_list_bounds_its_integers_with_400_http_0400(insi, params):
    assert_outcome(await insi.get("/_admin/identities", params=params), 400, "HTTP-0400")


async def test_the_admin_list_answers_the_largest_offset(insi):
    listing = (await insi.get("/_admin/identities", params={"offset": str(2**31 - 1)})).json()
    assert listing["identities"] == [] and listing["total"] > 0
