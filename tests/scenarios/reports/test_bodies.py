"""Bodies as the HTML report shows them: indented when they parse, named when binary, cut when long."""

from __future__ import annotations

import base64
import json

from scenarios.reports.bodies import SHOWN, pretty
from tests.scenarios.reports.sample import PDF, SOAP_FAULT


def test_json_and_xml_are_indented():
    shown = pretty('{"resourceType":"Patient","name":[{"family":"ADRUN"}]}')
    assert shown.kind == "json" and shown.text.startswith('{\n  "resourceType": "Patient",\n  "name": [')
    xml = pretty(SOAP_FAULT)
    assert xml.kind == "xml" and "\n  <soap:Body>\n    <soap:Fault>\n" in xml.text


def test_a_base64_body_is_binary_with_its_size_and_text_beside_it_stays_text():
    assert pretty(PDF, base64_flag=True).label == "binary, 1033 bytes"
    # the flag is one per exchange: the other body, plain text, is shown as text
    assert pretty("client_id=x&client_secret=***", base64_flag=True).kind == "text"
    assert pretty(base64.b64encode(b"plain").decode(), base64_flag=True).kind == "text"


def test_what_does_not_parse_is_shown_as_it_came():
    assert pretty('{"broken": ').kind == "text"
    assert pretty("<html><body><p>unclosed</body>").kind == "text"
    assert pretty("[" * 100_000).kind == "text"  # too deep for json, never an error
    assert pretty(None) is None and pretty("") is None


def test_xml_entities_are_never_resolved():
    shown = pretty('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    assert "root:" not in shown.text and "&e;" in shown.text


def test_a_long_body_is_cut_and_says_how_much():
    body = json.dumps(["x" * 100] * 2000)
    shown = pretty(body)
    assert len(shown.text) == SHOWN and shown.cut == len(json.dumps(["x" * 100] * 2000, indent=2)) - SHOWN
    assert shown.size == len(body)
