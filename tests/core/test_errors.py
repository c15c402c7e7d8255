"""Errors render once, in the wire format of their kind."""

import json

from lxml import etree

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


def test_soap_fault_carries_nested_subcodes_header_and_detail():
    fault = SoapFault("wsa:InvalidAddressingHeader", "x", subsubcode="wsa:InvalidCardinality", status=500,
                      value="soap:Sender", detail='<e:Err xmlns:e="urn:e" code="1"/>', header="<h:H xmlns:h='urn:h'/>",
                      namespaces={"wsa": "http://www.w3.org/2005/08/addressing"})
    root = etree.fromstring(fault.render().body)
    ns = {"s": "http://www.w3.org/2003/05/soap-envelope"}
    assert [v.text for v in root.iterfind(".//s:Subcode/s:Value", ns)] == [
        "wsa:InvalidAddressingHeader", "wsa:InvalidCardinality"]
    assert root.find("s:Header", ns)[0].tag == "{urn:h}H"
    assert root.find("s:Body/s:Fault/s:Detail", ns)[0].get("code") == "1"
