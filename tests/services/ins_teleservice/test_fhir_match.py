"""FHIR façade ``Patient/$match`` (INSi traits search as the FHIR MPI operation), read and metadata."""

from __future__ import annotations

import pytest

from core.fhir.models import validate_resource
from core.identifiers import nir_key
from tests.outcomes import assert_outcome

INSEE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
FHIR = {"content-type": "application/fhir+json"}


def patient(family="Adrun", given=("Zoé",), gender="female", birth_date="1975-12-31", place=None, **extra) -> dict:
    resource = {"resourceType": "Patient", "name": [{"use": "official", "family": family, "given": list(given)}],
                "gender": gender, "birthDate": birth_date, **extra}
    if place is not None:
        resource["extension"] = [{"url": BIRTH_PLACE, "valueAddress": {"extension": [
            {"url": INSEE, "valueCoding": {"code": place}}]}}]
    return resource


def parameters(resource: dict, **options) -> dict:
    params = [{"name": "resource", "resource": resource}]
    params += [{"name": k, ("valueBoolean" if isinstance(v, bool) else "valueInteger"): v} for k, v in options.items()]
    return {"resourceType": "Parameters", "parameter": params}


async def match(client, body):
    return await client.post("/fhir/Patient/$match", json=body, headers=FHIR)


def cr_of(bundle: dict) -> str:
    outcome = next(e for e in bundle["entry"] if e["search"]["mode"] == "outcome")["resource"]
    return outcome["issue"][0]["details"]["coding"][0]["code"]


async def test_match_returns_a_fr_core_patient_ins_with_status_recup(insi):
    response = await match(insi, parameters(patient(), onlyCertainMatches=True, count=1))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    bundle = validate_resource(response.json())
    assert (bundle["type"], bundle["total"], cr_of(bundle)) == ("searchset", 1, "00")
    entry = bundle["entry"][0]
    assert entry["fullUrl"] == f"http://sandbox.test/t/{insi.tenant}/ins-teleservice/fhir/Patient/adrun-zoe"
    assert entry["search"]["score"] == 1
    assert entry["search"]["extension"][0]["valueCode"] == "certain"
    found = entry["resource"]
    assert found["meta"]["profile"] == ["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-ins"]
    assert found["identifier"] == [{
        "use": "official", "system": "urn:oid:1.2.250.1.213.1.4.8", "value": "275126322074974",
        "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                             "code": "INS-NIR"}]}}]
    reliability = {e["url"]: e for e in found["extension"]}[
        "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"]
    parts = {e["url"]: e for e in reliability["extension"]}
    assert parts["identityStatus"]["valueCoding"]["code"] == "RECUP"
    assert parts["methodCollection"]["valueCoding"]["code"] == "INSI"
    assert len(parts["dateInterrogationINSi"]["valueDate"]) == 10
    place = {e["url"]: e for e in found["extension"]}[BIRTH_PLACE]["valueAddress"]["extension"][0]
    assert place["valueCoding"]["code"] == "63220"
    assert (found["name"][0]["family"], found["name"][0]["given"], found["gender"]) == ("ADRUN", ["ZOE"], "female")


async def test_a_bare_patient_body_is_accepted(insi):
    bundle = (await match(insi, patient())).json()
    assert (bundle["total"], cr_of(bundle)) == (1, "00")


async def test_nia_has_type_ins_nia_and_use_temp(insi):
    bundle = (await match(insi, patient("PROVISOIRE", ("MATRICULE",), "male", "2009-07-01"))).json()
    ident = bundle["entry"][0]["resource"]["identifier"][0]
    assert (ident["system"], ident["use"], ident["type"]["coding"][0]["code"]) == (
        "urn:oid:1.2.250.1.213.1.4.9", "temp", "INS-NIA")


async def test_former_ins_are_old_identifiers_and_birth_list_is_kept(insi):
    found = (await match(insi, patient("ECETINSI", ("Pierre-Alain",), "male", "2009-07-14"))).json()["entry"][0]
    resource = found["resource"]
    assert [i["use"] for i in resource["identifier"]] == ["official", "old", "old"]
    lists = [e["valueString"] for e in resource["extension"] if e["url"].endswith("birth-list-given-name")]
    assert lists == ["PIERRE-ALAIN MURIEL FLORIANT"]
    assert resource["name"][0]["given"] == ["PIERRE-ALAIN"]


@pytest.mark.parametrize("resource, code, total", [
    (patient("TCHITCHI", ("Ola",), "female", "1936-06-21"), "01", 0),
    (patient("HOUILLES", ("Pierre", "Paul", "Jacques"), "male", "1993-01-27"), "01", 0),
    (patient("TCHITCHI", ("Catarina", "Bella"), "female", "1936-06-21"), "00", 1),
    (patient(place="63113"), "01", 0),
    (patient(place="63220"), "00", 1),
])
async def test_cr_codes(insi, resource, code, total):
    bundle = (await match(insi, resource)).json()
    assert (cr_of(bundle), bundle["total"]) == (code, total)


async def test_several_matches_return_no_patient_and_cr_02(insi):
    for matricule, place in (("2751263220711", "63220"), ("2751263113711", "63113")):
        body = {"birthName": "DOUBLE", "firstNames": "ANNE", "sex": "F", "birthDate": "1975-12-31",
                "birthPlace": place, "ins": matricule + nir_key(matricule)}
        assert (await insi.post("/_admin/identities", json=body)).status_code == 201
    bundle = (await match(insi, patient("DOUBLE", ("ANNE",)))).json()
    assert (cr_of(bundle), bundle["total"], len(bundle["entry"])) == ("02", 0, 1)
    outcome = bundle["entry"][0]["resource"]["issue"][0]
    assert (outcome["severity"], outcome["code"]) == ("warning", "multiple-matches")


async def test_ins_identifier_on_the_query_must_be_held_by_the_match(insi):
    ident = {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "275126322074974"}
    assert cr_of((await match(insi, patient(identifier=[ident]))).json()) == "00"
    other = {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "236066322083656"}
    assert cr_of((await match(insi, patient(identifier=[other]))).json()) == "01"


async def test_read_returns_the_patient_of_the_fullurl(insi):
    response = await insi.get("/fhir/Patient/corse-anthony")
    assert response.status_code == 200
    assert validate_resource(response.json())["identifier"][0]["value"] == "180032B020401" + "23"
    assert_outcome(await insi.get("/fhir/Patient/nobody"), 404, "FHIR-0006")


async def test_metadata_lists_both_operations(insi):
    statement = validate_resource((await insi.get("/fhir/metadata")).json())
    patient_rest = statement["rest"][0]["resource"][0]
    assert patient_rest["type"] == "Patient"
    assert [o["name"] for o in patient_rest["operation"]] == ["match", "ins-verify"]


@pytest.mark.parametrize("body, status, code, expression", [
    ({"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, 400, "INS-0030", "resourceType"),
    ({"resourceType": "Parameters", "parameter": []}, 400, "INS-0030", "Parameters.parameter"),
    (parameters(patient(), count=0), 400, "INS-0031", "Parameters.parameter[1].valueInteger"),
    ({"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient()},
                                                   {"name": "resource", "resource": patient()}]},
     400, "INS-0031", "Parameters.parameter[1].resource"),
    ({"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": patient()},
                                                   {"name": "limit", "valueInteger": 3}]}, 400, "INS-0031",
     "Parameters.parameter[1]"),
    ({"resourceType": "Parameters", "parameter": [{"name": "count", "valueString": "3"},
                                                   {"name": "resource", "resource": patient()}]},
     400, "INS-0031", "Parameters.parameter[0]"),
    (parameters({"resourceType": "Organization", "name": "x"}), 400, "INS-0030", "Parameters.parameter[0].resource"),
    ({**patient(), "name": [{"use": "official", "given": ["ZOE"]}]}, 400, "INS-0020", "Patient.name[0].family"),
    (parameters(patient(family="D4LTON")), 400, "INS-0021", "Parameters.parameter[0].resource.name[0].family"),
    (patient(gender="other"), 400, "INS-0022", "Patient.gender"),
    ({k: v for k, v in patient().items() if k != "gender"}, 400, "INS-0020", "Patient.gender"),
    (patient(birth_date="1975-12"), 400, "INS-0023", "Patient.birthDate"),
    (patient(birth_date="2999-12-31"), 400, "INS-0023", "Patient.birthDate"),
    (patient(birth_date="1975-02-30"), 400, "FHIR-0003", "Patient.birthDate"),
    (patient(place="99100"), 400, "INS-0024", "Patient.extension[0].valueAddress.extension[0].valueCoding.code"),
    (patient(identifier=[{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "275126322074975"}]), 400, "INS-0025",
     "Patient.identifier[0].value"),
    (patient(gender=3), 400, "FHIR-0003", "Patient.gender"),
    ([1, 2], 400, "INS-0030", "resourceType"),
])
async def test_bad_match_input(insi, body, status, code, expression):
    outcome = assert_outcome(await match(insi, body), status, code)
    assert outcome["issue"][0]["expression"] == [expression]


async def test_malformed_json_wrong_media_type_and_oversized_bodies(make_client):
    async with make_client(max_request_bytes=2048) as client:
        response = await client.post("/fhir/Patient/$match", content=b"{not json", headers=FHIR)
        assert_outcome(response, 400, "FHIR-0001")
        response = await client.post("/fhir/Patient/$match", content=b"<Patient/>",
                                     headers={"content-type": "application/fhir+xml"})
        assert_outcome(response, 415, "HTTP-0415")
        big = patient(text={"status": "generated", "div": f"<div xmlns='http://www.w3.org/1999/xhtml'>{'a' * 4000}"
                            "</div>"})
        assert_outcome(await client.post("/fhir/Patient/$match", json=big, headers=FHIR), 413, "HTTP-0413")
