"""FHIR façade ``Patient/$ins-verify``: an INS checked against the traits INSi holds, trait by trait."""

from __future__ import annotations

import pytest

from core.fhir.models import validate_resource
from tests.outcomes import assert_outcome
from tests.services.ins_teleservice.test_fhir_match import FHIR, patient

NIR = "urn:oid:1.2.250.1.213.1.4.8"
NIA = "urn:oid:1.2.250.1.213.1.4.9"


def verify_body(value: str | None, resource: dict, *, system: str | None = NIR, as_string: bool = False) -> dict:
    params: list[dict] = [{"name": "resource", "resource": resource}]
    if value is not None and as_string:
        params.append({"name": "ins", "valueString": value})
        if system:
            params.append({"name": "system", "valueUri": system})
    elif value is not None:
        params.append({"name": "ins", "valueIdentifier": {"system": system, "value": value}})
    return {"resourceType": "Parameters", "parameter": params}


async def verify(client, body) -> dict:
    response = await client.post("/fhir/Patient/$ins-verify", json=body, headers=FHIR)
    assert response.status_code == 200, response.text
    return validate_resource(response.json())


def traits(result: dict) -> dict:
    out = {}
    for param in result["parameter"]:
        if param["name"] == "trait":
            parts = {p["name"]: p.get("valueCode", p.get("valueString")) for p in param["part"]}
            out[parts["name"]] = (parts["status"], parts.get("expected"))
    return out


def outcome(result: dict) -> str:
    return next(p["valueCode"] for p in result["parameter"] if p["name"] == "result")


async def test_matching_ins_and_traits(insi):
    result = await verify(insi, verify_body("275126322074974", patient(place="63220")))
    assert outcome(result) == "match"
    assert {k: v[0] for k, v in traits(result).items()} == {
        "ins": "match", "family": "match", "given": "match", "gender": "match", "birthDate": "match",
        "birthPlace": "match"}
    shown = next(p["resource"] for p in result["parameter"] if p["name"] == "patient")
    assert shown["id"] == "adrun-zoe"


async def test_each_differing_trait_is_reported_with_the_registered_value(insi):
    result = await verify(insi, verify_body("275126322074974", patient("ADRUNE", ("Zoé", "Marie"), "female",
                                                                         "1975-12-30")))
    assert outcome(result) == "mismatch"
    found = traits(result)
    assert found["family"] == ("mismatch", "ADRUN") and found["given"] == ("mismatch", "ZOE")
    assert found["birthDate"] == ("mismatch", "1975-12-31")
    assert found["gender"] == ("match", None) and found["birthPlace"] == ("not-provided", None)


async def test_ins_as_string_with_system_and_from_the_patient_identifier(insi):
    assert outcome(await verify(insi, verify_body("275126322074974", patient(), as_string=True))) == "match"
    assert outcome(await verify(insi, verify_body("275126322074974", patient(), as_string=True,
                                                  system=None))) == "match"
    resource = patient(identifier=[{"system": NIR, "value": "275126322074974"}])
    assert outcome(await verify(insi, verify_body(None, resource))) == "match"


async def test_nia_must_be_verified_with_the_nia_system(insi):
    resource = patient("PROVISOIRE", ("MATRICULE",), "male", "2009-07-01")
    assert outcome(await verify(insi, verify_body("109076322088835", resource, system=NIA))) == "match"
    result = await verify(insi, verify_body("109076322088835", resource, system=NIR))
    assert (outcome(result), traits(result)["ins"][0]) == ("mismatch", "mismatch")


async def test_unknown_ins_and_former_ins(insi):
    result = await verify(insi, verify_body("275126322075073", patient()))
    assert (outcome(result), traits(result)) == ("mismatch", {"ins": ("not-found", None)})
    ecetinsi = patient("ECETINSI", ("PIERRE-ALAIN",), "male", "2009-07-14")
    result = await verify(insi, verify_body("209076322083439", ecetinsi))
    assert (outcome(result), traits(result)["ins"]) == ("mismatch", ("former", "109076322083489"))


async def test_hermann_invalid_key_is_accepted_because_insi_holds_it(insi):
    hermann = patient("HERMANN", ("GATIEN",), "male", "1981-03-24")
    assert outcome(await verify(insi, verify_body("181036322045660", hermann))) == "match"
    assert outcome(await verify(insi, verify_body("281036322045610", hermann))) == "mismatch"  # former INS


PLACE = "Parameters.parameter[0].resource.extension[0].valueAddress.extension[0].valueCoding.code"


@pytest.mark.parametrize("body, code, expression", [
    (verify_body("275126322074975", patient()), "INS-0025", "Parameters.parameter[1].valueIdentifier.value"),
    (verify_body("27512632207497", patient()), "INS-0025", "Parameters.parameter[1].valueIdentifier.value"),
    (verify_body("275126322074974", patient(), system="urn:oid:1.2.250.1.213.1.4.10"), "INS-0026",
     "Parameters.parameter[1].valueIdentifier.system"),
    (verify_body(None, patient()), "INS-0020", "Parameters.parameter"),
    (verify_body("275126322074974", patient(place="2A999X")), "INS-0024", PLACE),
    (verify_body("275126322074974", patient(place="20004")), "INS-0024", PLACE),
    (verify_body("275126322074974", patient(gender="unknown")), "INS-0022", "Parameters.parameter[0].resource.gender"),
    (patient(), "INS-0030", "resourceType"),
    ({"resourceType": "Parameters", "parameter": [{"name": "ins", "valueInteger": 3}]}, "INS-0031",
     "Parameters.parameter[0]"),
])
async def test_bad_verify_input(insi, body, code, expression):
    response = await insi.post("/fhir/Patient/$ins-verify", json=body, headers=FHIR)
    found = assert_outcome(response, 400, code)
    assert found["issue"][0]["expression"] == [expression]
