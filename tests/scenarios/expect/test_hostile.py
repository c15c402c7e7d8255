"""Hostile bodies and expressions: every problem is a Failure, nothing is resolved, nothing hangs."""

from __future__ import annotations

import pytest

from scenarios.expect import Capture, CaptureError, Expect, Response, check, extract
from scenarios.expect.models import MAX_EXPRESSION
from scenarios.expect.response import MAX_BODY

XXE = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b"<Envelope><Body><CodeCR>&x;</CodeCR></Body></Envelope>")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]><lolz>&lol9;</lolz>")


def xml(body: bytes) -> Response:
    return Response(200, {"content-type": "application/soap+xml"}, body)


def found(block: dict, response: Response) -> list[str]:
    return [failure.found for failure in check(Expect.model_validate(block), response)]


@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_a_dtd_is_refused_unparsed(body):
    assert found({"xpath": {"//CodeCR": {"exists": True}}}, xml(body)) == [
        "the body declares a DTD (<!DOCTYPE>), which SOAP forbids; it is not parsed"]
    with pytest.raises(CaptureError, match="declares a DTD"):
        extract(Capture.model_validate({"cr": {"xpath": "//CodeCR"}}), xml(body))


def test_a_dtd_in_utf16_is_refused_too():
    body = '<?xml version="1.0" encoding="UTF-16"?>'.encode("utf-16") + XXE[21:].decode().encode("utf-16")[2:]
    assert b"<!DOCTYPE" not in body
    assert found({"xpath": ["//CodeCR"]}, xml(body)) == [
        "the body declares a DTD (<!DOCTYPE>), which SOAP forbids; it is not parsed"]


def test_an_external_entity_without_a_doctype_is_not_resolved():
    [problem] = found({"xpath": ["//CodeCR"]}, xml(b"<Envelope><CodeCR>&x;</CodeCR></Envelope>"))
    assert problem.startswith("the body is not XML: ")


def test_deep_json_is_refused_before_parsing():
    deep = Response(200, {"content-type": "application/json"}, b"[" * 100_000 + b"]" * 100_000)
    [problem] = found({"json": {"$[0]": {"exists": True}}}, deep)
    assert problem.startswith("the body is not JSON: The JSON nests arrays and objects more than 100 levels deep")
    [problem] = found({"fhirpath": ["exists()"]}, deep)
    assert "more than 100 levels deep" in problem


def test_duplicate_members_and_non_utf8_json_are_refused():
    assert "appears twice" in found({"json": {"$.a": 1}}, Response(200, {}, b'{"a": 1, "a": 2}'))[0]
    assert "not UTF-8" in found({"json": {"$.a": 1}}, Response(200, {}, b'{"a": "\xff"}'))[0]


def test_a_huge_body_is_not_parsed():
    huge = Response(200, {"content-type": "application/json"}, b'{"a": "' + b"x" * MAX_BODY + b'"}')
    [problem] = found({"json": {"$.a": {"exists": True}}}, huge)
    assert problem == f"the body is {len(huge.body)} bytes, more than the {MAX_BODY} parsed for assertions"


def test_a_backtracking_regex_is_stopped():
    body = Response(200, {"content-type": "application/json"}, b'{"a": "' + b"a" * 40 + b'!"}')
    [problem] = found({"json": {"$.a": {"regex": "^(a|aa)+$"}}}, body)
    assert problem == "the regex ran longer than 1 s on this body and was stopped"


def test_an_overlong_expression_is_a_failure_not_an_error():
    long = "$" + ".a" * MAX_EXPRESSION
    [problem] = found({"json": {long: {"exists": True}}}, Response(200, {}, b"{}"))
    assert problem == f"the expression is longer than {MAX_EXPRESSION} characters"


@pytest.mark.parametrize("block", [
    {"fhirpath": ["Bundle.total.foo()"]}, {"fhirpath": ["Bundle.("]}, {"json": {"$.a[": 1}},
    {"xpath": ["//a["]}, {"xpath": ["//zz:a"]}, {"json": {"$.a": {"regex": "("}}},
    {"headers": {"content-type": {"regex": "("}}},
])
def test_a_bad_expression_at_run_time_is_a_failure(block):
    response = Response(200, {"content-type": "application/json"}, b'{"a": 1}')
    assert len(check(Expect.model_validate(block), response)) == 1


def test_fhirpath_on_a_json_that_is_not_fhir_still_answers():
    assert found({"fhirpath": ["a = 1"]}, Response(200, {}, b'{"a": 1}')) == []


def test_a_library_surprise_is_a_failure(monkeypatch):
    from scenarios.expect import jsonpath

    def boom(document, expression):
        raise TypeError("unhashable")

    monkeypatch.setattr(jsonpath, "evaluate", boom)
    assert found({"json": {"$.a": 1}}, Response(200, {}, b'{"a": 1}')) == [
        "json evaluation failed: TypeError: unhashable"]
    long = "/" * (MAX_EXPRESSION + 1)
    assert found({"xpath": [long]}, xml(b"<a/>")) == [f"the expression is longer than {MAX_EXPRESSION} characters"]
