"""Search modifiers beyond the basics: declared parts (name:family), :text on strings and tokens, :of-type, _total."""

import pytest

from tests.outcomes import assert_outcome, patient

V2 = "http://terminology.hl7.org/CodeSystem/v2-0203"
NIR = "urn:oid:1.2.250.1.213.1.4.8"
LOINC = "http://loinc.org"


async def ids(fhir, query: str) -> list[str]:
    r = await fhir.get(f"/{query}")
    assert r.status_code == 200, r.text
    return [e["resource"]["id"] for e in r.json().get("entry", []) if e["search"]["mode"] == "match"]


async def created(fhir, body: dict) -> str:
    r = await fhir.post(f"/{body['resourceType']}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture
async def people(fhir):
    mr = {"coding": [{"system": V2, "code": "MR", "display": "Medical record number"}], "text": "Dossier"}
    return {
        "anne": await created(fhir, patient("Saint-Exupéry", "Anne Marie", identifier=[
            {"type": mr, "system": "urn:hopital", "value": "446053"},
            {"type": {"coding": [{"system": V2, "code": "NI"}]}, "system": NIR, "value": "280052B02012345"}])),
        "marc": await created(fhir, patient("Dupont", "Jean-Marc", identifier=[
            {"system": "urn:hopital", "value": "446053"}])),  # same value, no type
        "luc": await created(fhir, patient("Marchal", "Luc")),
    }


async def test_declared_part_is_a_modifier_of_name(fhir, people):
    assert await ids(fhir, "Patient?name:family=dupont") == [people["marc"]]
    assert await ids(fhir, "Patient?name:family=SAINT&name:given=anne") == [people["anne"]]
    assert await ids(fhir, "Patient?name:given=dupont") == []  # the part, not the whole name
    assert await ids(fhir, "Patient?name:family:exact=Dupont") == [people["marc"]]
    assert await ids(fhir, "Patient?name:family:exact=DUPONT") == []
    assert await ids(fhir, "Patient?name:family:contains=exup") == [people["anne"]]


async def test_unknown_part_or_modifier_names_what_is_supported(fhir, people):
    body = assert_outcome(await fhir.get("/Patient?name:prefix=dr"), 400, "FHIR-0014")
    assert body["issue"][0]["expression"] == ["name:prefix"] and ":family" in body["issue"][0]["diagnostics"]
    assert_outcome(await fhir.get("/Patient?family:given=x"), 400, "FHIR-0014")  # family declares no parts
    assert_outcome(await fhir.get("/Patient?name:family:bogus=x"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?gender:exact=male"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?birthdate:text=1980"), 400, "FHIR-0014")


async def test_string_text_matches_word_beginnings(fhir, people):
    assert await ids(fhir, "Patient?name:text=exupery") == [people["anne"]]  # after a hyphen
    assert await ids(fhir, "Patient?given:text=marc") == [people["marc"]]
    assert await ids(fhir, "Patient?given:text=marie anne") == [people["anne"]]  # every word, any order
    assert await ids(fhir, "Patient?given:text=marie luc") == []
    assert await ids(fhir, "Patient?name:text=anne exupery") == [people["anne"]]  # across the parts of a name
    assert await ids(fhir, "Patient?name:text=archal") == []  # inside a word: :contains, not :text
    assert sorted(await ids(fhir, "Patient?name:text=MARC")) == sorted([people["marc"], people["luc"]])
    assert await ids(fhir, "Patient?name:text=100%25") == []  # LIKE wildcards are literal


async def test_string_text_refuses_empty_or_long_values(fhir, people):
    assert_outcome(await fhir.get("/Patient?name:text=%20"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?name:text=" + "+".join(f"w{i}" for i in range(11))), 400, "FHIR-0022")
    assert await ids(fhir, "Patient?name:text=" + "+".join(["anne"] * 11)) == [people["anne"]]  # one word, repeated


async def test_token_text_searches_displays_and_identifier_type_text(fhir, people):
    weight = await created(fhir, {"resourceType": "Observation", "status": "final", "code": {
        "coding": [{"system": LOINC, "code": "29463-7", "display": "Body weight"}], "text": "Poids du patient"}})
    assert await ids(fhir, "Observation?code:text=weight") == [weight]
    assert await ids(fhir, "Observation?code:text=poids") == [weight]
    assert await ids(fhir, "Observation?code:text=29463") == []  # codes are not text
    assert await ids(fhir, "Patient?identifier:text=medical record") == [people["anne"]]
    assert await ids(fhir, "Patient?identifier:text=dossier,nothing") == [people["anne"]]


async def test_identifier_of_type(fhir, people):
    assert await ids(fhir, f"Patient?identifier:of-type={V2}|MR|446053") == [people["anne"]]
    assert await ids(fhir, "Patient?identifier=446053&_sort=_id") == sorted([people["anne"], people["marc"]])
    assert await ids(fhir, f"Patient?identifier:of-type={V2}|NI|280052B02012345") == [people["anne"]]
    assert await ids(fhir, f"Patient?identifier:of-type={V2}|NI|446053") == []
    assert await ids(fhir, "Patient?identifier:of-type=|MR|446053") == []  # a coding without system
    assert await ids(fhir, f"Patient?identifier:of-type=urn:other|MR|446053,{V2}|MR|446053") == [people["anne"]]


@pytest.mark.parametrize("value", ["446053", f"{V2}|MR", f"{V2}||446053", f"{V2}|MR|", "||"])
async def test_identifier_of_type_needs_three_parts(fhir, people, value):
    body = assert_outcome(await fhir.get("/Patient", params={"identifier:of-type": value}), 400, "FHIR-0014")
    assert body["issue"][0]["expression"] == ["identifier:of-type"]


async def test_derived_index_entries_follow_updates(fhir, people):
    r = await fhir.get(f"/Patient/{people['anne']}")
    body = r.json()
    body["identifier"] = [{"system": "urn:hopital", "value": "446053"}]
    assert (await fhir.put(f"/Patient/{people['anne']}", json=body)).status_code == 200
    assert await ids(fhir, f"Patient?identifier:of-type={V2}|MR|446053") == []
    assert await ids(fhir, "Patient?identifier:text=dossier") == []
    assert_outcome(await fhir.get("/Patient?identifier:of-type:missing=false"), 400, "FHIR-0014")  # one modifier


async def test_total_modes(fhir, people):
    accurate = (await fhir.get("/Patient?_total=accurate&_count=1")).json()
    assert accurate["total"] == 3 and len(accurate["entry"]) == 1
    assert (await fhir.get("/Patient?_total=estimate")).json()["total"] == 3
    none = (await fhir.get("/Patient?_total=none&_count=2&_sort=_id")).json()
    assert "total" not in none and len(none["entry"]) == 2
    links = {link["relation"]: link["url"] for link in none["link"]}
    assert "_total=none" in links["next"]
    last = (await fhir.get(links["next"].split("/fhir", 1)[1])).json()
    assert "total" not in last and len(last["entry"]) == 1 and "next" not in {k["relation"] for k in last["link"]}
    exact = (await fhir.get("/Patient?_total=none&_count=3")).json()
    assert len(exact["entry"]) == 3 and "next" not in {k["relation"] for k in exact["link"]}
    assert (await fhir.get("/Patient?_total=none&_summary=count")).json()["total"] == 3


@pytest.mark.parametrize("value", ["all", "", "ACCURATE", "none,accurate"])
async def test_total_refuses_other_values(fhir, value):
    assert_outcome(await fhir.get("/Patient", params={"_total": value}), 400, "FHIR-0014")
