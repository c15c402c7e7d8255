"""Errors render once, in the wire format of their kind."""

import json

from core.errors import OAuthError, SandboxError, SoapFault


def test_sandbox_error_renders_operation_outcome_with_stable_code():
    response = SandboxError(404, "FHIR-0006", "Patient/1 does not exist.", issue="not-found",
                            expression=["Patient.id"]).render()
    body = json.loads(response.body)
    assert response.status_code == 404 and response.media_type == "application/fhir+json"
    issue = body["issue"][0]
    assert issue["code"] == "not-found" and issue["details"]["coding"][0]["code"] == "FHIR-0006"
    assert issue["expression"] == ["Patient.id"] and issue["severity"] == "error"


def test_oauth_error_renders_rfc6749_json():
    response = OAuthError("invalid_grant", "The code was already used.").render()
    assert response.status_code == 400 and response.headers["cache-control"] == "no-store"
    assert json.loads(response.body) == {"error": "invalid_grant", "error_description": "The code was already used."}


def test_soap_fault_renders_soap12_with_subcode():
    response = SoapFault("siram_100", "Logiciel inconnu <IDAM>").render()
    text = response.body.decode()
    assert response.media_type.startswith("application/soap+xml")
    assert "<soap:Value>soap:Sender</soap:Value>" in text and "<soap:Value>siram_100</soap:Value>" in text
    assert "&lt;IDAM&gt;" in text
