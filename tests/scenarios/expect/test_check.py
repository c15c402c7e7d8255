"""check() on real bodies: each assertion kind passing and failing, with the wording a person reads."""

from __future__ import annotations

import pytest

from scenarios.expect import Expect, Response, check
from scenarios.expect.check import masked

INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"


def failures(block: dict, response) -> list[str]:
    """The failures' first lines (the body excerpt, on the next line, is tested apart)."""
    return [str(failure).split("\n")[0] for failure in check(Expect.model_validate(block), response)]


@pytest.mark.parametrize("status", [200, "200", "2xx", [201, 200], ["4xx", "2xx"]])
def test_status_forms_that_hold(bodies, status):
    assert failures({"status": status}, bodies["token"]) == []


def test_wrong_status_shows_what_the_oauth_error_says(bodies):
    [failure] = check(Expect.model_validate({"status": [200, 201]}), bodies["oauth_error"])
    assert failure.where == ("status",)
    assert (failure.expected, failure.found) == ("200 or 201", "400")
    assert failure.excerpt.startswith("error unsupported_grant_type: grant_type 'password' is not supported")


def test_wrong_status_shows_the_soap_fault(bodies):
    [failure] = check(Expect.model_validate({"status": "2xx"}), bodies["insi_fault"])
    assert failure.found == "500"
    assert failure.excerpt.startswith("SOAP Fault soap:Sender soap:siram_100: L'accès par ce progiciel")


def test_headers_glob_is_case_insensitive_and_regex_and_absence(bodies):
    annuaire = bodies["annuaire"]
    assert failures({"headers": {"Content-Type": "application/FHIR+json*", "x-missing": {"exists": False}}},
                    annuaire) == []
    assert failures({"headers": {"content-type": {"regex": r"^application/fhir\+json(;|$)"}}}, annuaire) == []
    assert failures({"headers": {"content-type": "application/json*", "location": {"exists": True}}}, annuaire) == [
        f"headers content-type: expected a value matching 'application/json*'; found "
        f"{annuaire.headers['content-type']!r}",
        "headers location: expected a value; found nothing",  # headers: no body excerpt
    ]


def test_fhirpath_boolean_assertions_on_an_annuaire_bundle(bodies):
    assert failures({"fhirpath": [
        "Bundle.total > 0",
        "entry.resource.where(resourceType = 'Practitioner').name.family contains 'LEROY'",
        "entry.resource.identifier.where(system = 'urn:oid:1.2.250.1.71.4.2.1').exists()",
    ]}, bodies["annuaire"]) == []


def test_fhirpath_failures_name_the_expression_and_the_result(bodies):
    found = check(Expect.model_validate({"fhirpath": ["Bundle.total = 2", "entry.resource.name.family",
                                                      "entry.resource.nothing.exists()"]}), bodies["annuaire"])
    assert [(f.where, f.expected, f.found) for f in found] == [
        (("fhirpath", 0), "`Bundle.total = 2` to be true", "false"),
        (("fhirpath", 1), "`entry.resource.name.family` to be true",
         "'LEROY' (a path alone is not a test: add .exists())"),
        (("fhirpath", 2), "`entry.resource.nothing.exists()` to be true", "false"),
    ]
    assert str(found[0]).startswith("fhirpath[0]: expected `Bundle.total = 2` to be true; found false\n    body: ")
    assert found[0].as_dict() == {"where": ["fhirpath", 0], "label": "fhirpath[0]",
                                  "expected": "`Bundle.total = 2` to be true", "found": "false",
                                  "excerpt": found[0].excerpt}


def test_fhirpath_values_with_matches(bodies):
    annuaire = bodies["annuaire"]
    assert failures({"fhirpath": {"Bundle.total": 1, "entry.resource.name.family": {"equals": "LEROY", "count": 1},
                                  "entry.resource.name.given": {"regex": "^Cla"}}}, annuaire) == []
    [failure] = check(Expect.model_validate({"fhirpath": {"Bundle.total": "1"}}), annuaire)
    assert (failure.where, failure.expected, failure.found) == (("fhirpath", "Bundle.total"), "'1'", "1")


def test_fhirpath_on_a_body_that_is_not_json(bodies):
    [failure] = check(Expect.model_validate({"fhirpath": ["Bundle.total > 0"]}), bodies["insi"])
    assert failure.found.startswith("the body is not JSON: ")


def test_jsonpath_on_a_psc_token_answer(bodies):
    token = bodies["token"]
    assert failures({"json": {"$.access_token": {"exists": True, "regex": r"^[\w-]+\.[\w-]+\.[\w-]+$"},
                              "$.token_type": {"glob": "[Bb]earer"}, "$.expires_in": {"exists": True},
                              "$.refresh_token": {"exists": False}}}, token) == []
    expires = token.json()["expires_in"]
    assert failures({"json": {"$.expires_in": expires}}, token) == []
    [failure] = check(Expect.model_validate({"json": {"$.expires_in": str(expires)}}), token)
    assert (failure.expected, failure.found) == (f"'{expires}'", f"{expires}")  # JSON types count: 60 is not "60"


def test_jsonpath_filters_and_missing_members(bodies):
    annuaire = bodies["annuaire"]
    assert failures({"json": {"$.entry[?@.resource.resourceType == 'Practitioner'].resource.id": {"count": 1}}},
                    annuaire) == []
    [failure] = check(Expect.model_validate({"json": {"$.total": 3, "$.nope": {"exists": True}}}), annuaire)[:1]
    assert (failure.expected, failure.found) == ("3", "1")


def test_json_true_is_not_one():
    response = Response(200, {"content-type": "application/json"}, b'{"active": true, "n": 1}')
    assert failures({"json": {"$.active": True, "$.n": 1}}, response) == []
    assert [f.where for f in check(Expect.model_validate({"json": {"$.active": 1, "$.n": True}}), response)] == [
        ("json", "$.active"), ("json", "$.n")]


def test_xpath_on_an_insi_answer_without_prefixes(bodies):
    insi = bodies["insi"]
    assert failures({"xpath": {"//CR/CodeCR": "00", "//INSACTIF/IdIndividu/NumIdentifiant": "2751263220749",
                               "//INSACTIF/OID": "1.2.250.1.213.1.4.8", "count(//TIQ/*)": 6}}, insi) == []
    assert failures({"xpath": ["//CR[CodeCR = '00']", "/Envelope/Body/RESULTAT"]}, insi) == []


def test_xpath_with_prefixes_is_namespace_exact(bodies):
    insi = bodies["insi"]
    assert failures({"xpath": {"/soap:Envelope/soap:Body/insi:RESULTAT/insi:CR/insi:CodeCR": "00"}}, insi) == []
    assert failures({"xpath": ["//soap:Body/CR"]}, insi) == [  # CR without a prefix: no namespace, not found
        "xpath[0]: expected `//soap:Body/CR` to be true; found nothing"]
    [failure] = check(Expect.model_validate({"xpath": ["//zz:CR"]}), insi)
    assert failure.found.startswith("prefix 'zz' is declared neither by the document nor by the sandbox (")


def test_xpath_failure_wording(bodies):
    [failure] = check(Expect.model_validate({"xpath": {"//CR/CodeCR": "01"}}), bodies["insi"])
    assert str(failure) == ("xpath //CR/CodeCR: expected '01'; found '00'\n    body: <RESULTAT><CR><CodeCR>00</CodeCR>"
                            "<LibelleCR>OK</LibelleCR></CR><INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>"
                            "2751263220749</NumIdentifiant><Cle>74</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID>"
                            "</INSACTIF><TIQ><NomNaissance>ADRUN</Nom...")
    [failure] = check(Expect.model_validate({"xpath": {"//CodeCR": "00"}}), bodies["annuaire"])
    assert failure.found.startswith("the body is not XML: ")


def test_body_contains_and_not_contains(bodies):
    insi = bodies["insi"]
    assert failures({"body_contains": ["<CodeCR>00</CodeCR>", "ADRUN"], "body_not_contains": "Fault"}, insi) == []
    found = check(Expect.model_validate({"body_contains": "CR 02", "body_not_contains": ["ADRUN"]}), insi)
    assert [f"{f.label}: expected {f.expected}; found {f.found}" for f in found] == [
        f"body_contains: expected a body containing 'CR 02'; found no such text in {len(insi.body)} bytes",
        "body_not_contains[0]: expected no body containing 'ADRUN'; found it does",
    ]


def test_an_excerpt_masks_tokens_as_the_recorder_does(bodies):
    token = bodies["token"]
    [failure] = check(Expect.model_validate({"status": 201}), token)
    header, claims, _ = token.json()["access_token"].split(".")
    assert failure.excerpt.startswith(f'{{"access_token": "{header}.{claims}'[:200])
    assert masked({"access_token": "h.c.s", "id_token": "opaque"}) == {"access_token": "h.c.***", "id_token": "***"}
    response = Response(200, {}, b'{"refresh_token": "opaque", "nested": [{"client_secret": "s3cr3t"}]}')
    [failure] = check(Expect.model_validate({"status": 201}), response)
    assert failure.excerpt == '{"refresh_token": "***", "nested": [{"client_secret": "***"}]}'
