"""extract() on real bodies, and Response.from_recorded on the gateway's record of an INSi exchange."""

from __future__ import annotations

import base64

import pytest

from scenarios.expect import Capture, CaptureError, Expect, Response, check, extract


def capture(block: dict, response) -> dict[str, str]:
    return extract(Capture.model_validate(block), response)


def test_captures_from_each_source(bodies):
    assert capture({"ins": {"xpath": "//INSACTIF/IdIndividu/NumIdentifiant"}, "cr": {"xpath": "//CodeCR"},
                    "kind": {"header": "Content-Type", "regex": r"^[^;]+"}}, bodies["insi"]) == {
        "ins": "2751263220749", "cr": "00", "kind": "application/soap+xml"}
    token = capture({"token": {"json": "$.access_token"}, "type": {"json": "$.token_type"}}, bodies["token"])
    assert token["token"] == bodies["token"].json()["access_token"] and token["type"] == "Bearer"
    annuaire = capture({"id": {"fhirpath": "entry.resource.where(resourceType = 'Practitioner').id"},
                        "total": {"fhirpath": "Bundle.total"},
                        "rpps": {"fhirpath": "entry.resource.identifier.value", "regex": r"^8(\d+)$"}},
                       bodies["annuaire"])
    assert annuaire["total"] == "1" and annuaire["id"] == bodies["annuaire"].json()["entry"][0]["resource"]["id"]
    assert annuaire["rpps"].isdigit()


def test_a_capture_that_finds_nothing_names_itself_and_the_source(bodies):
    with pytest.raises(CaptureError) as caught:
        capture({"location": {"header": "location"}, "ok": {"xpath": "//CodeCR"},
                 "ins": {"xpath": "//INSACTIF/NIR"}, "letters": {"xpath": "//CodeCR", "regex": "[A-Z]+"}},
                bodies["insi"])
    assert [(f.where, f.expected, f.found) for f in caught.value.failures] == [
        (("location",), "a value for capture 'location' from header 'location'", "nothing"),
        (("ins",), "a value for capture 'ins' from xpath '//INSACTIF/NIR'", "nothing"),
        (("letters",), "a value for capture 'letters' from xpath '//CodeCR'",
         "nothing matches regex '[A-Z]+' in '00'"),
    ]
    assert str(caught.value).startswith("location: expected a value for capture 'location' from header")


def test_a_default_stands_in_for_nothing(bodies):
    assert capture({"next": {"fhirpath": "link.where(relation = 'next').url", "default": ""}},
                   bodies["annuaire"]) == {"next": ""}


def test_a_capture_on_an_unreadable_body_says_why(bodies):
    with pytest.raises(CaptureError) as caught:
        capture({"token": {"json": "$.access_token"}}, bodies["insi"])
    assert caught.value.failures[0].found.startswith("the body is not JSON: ")


def test_the_recorded_exchange_both_sides(bodies):
    recorded = bodies["recorded"]
    sent = Response.from_recorded(recorded, part="request")
    assert sent.content_type == "application/soap+xml" and sent.status == 200
    # what the vendor's software sent: the await step's body assertions
    assert check(Expect.model_validate({"xpath": {"//RECSANSVITALE/NomNaissance": "ADRUN",
                                                  "//RECSANSVITALE/Prenom": "ZOE",
                                                  "//ContexteLPS/LPS/IDAM": "SANDBOX-IDAM-DEMO"}}), sent) == []
    answered = Response.from_recorded(recorded)
    assert check(Expect.model_validate({"status": 200, "xpath": {"//CR/CodeCR": "00"},
                                        "headers": {"content-type": "application/soap+xml*"}}), answered) == []
    assert extract(Capture.model_validate({"ins": {"xpath": "//NumIdentifiant"}}), answered) == {
        "ins": "2751263220749"}


def test_a_recorded_body_in_base64_and_a_truncated_one(bodies):
    recorded = dict(bodies["recorded"], response_body=base64.b64encode(b"\xff<CodeCR>00</CodeCR>").decode(),
                    response_body_base64=True)
    assert Response.from_recorded(recorded).body == b"\xff<CodeCR>00</CodeCR>"
    cut = dict(bodies["recorded"], response_body=bodies["recorded"]["response_body"][:100],
               response_body_truncated=True)
    response = Response.from_recorded(cut)
    [failure] = check(Expect.model_validate({"xpath": {"//CodeCR": "00"}}), response)
    assert failure.found.startswith("the gateway recorded only the start of this body")
    [failure] = check(Expect.model_validate({"body_contains": "ADRUN"}), response)
    assert failure.found.endswith("(recorded body truncated)")


def test_a_recorded_exchange_without_bodies_and_bad_parts(bodies):
    empty = Response.from_recorded({"status": 204, "response_headers": {}, "response_body": None})
    assert (empty.status, empty.body, empty.content_type) == (204, b"", "")
    with pytest.raises(ValueError, match="part is 'response' or 'request'"):
        Response.from_recorded(bodies["recorded"], part="both")
    with pytest.raises(ValueError, match="marked base64 but is not"):
        Response.from_recorded({"status": 200, "response_body": "%%%", "response_body_base64": True})
