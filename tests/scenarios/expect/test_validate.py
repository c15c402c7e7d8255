"""validate_expect / validate_capture: shape and syntax problems found before anything runs, with paths."""

from __future__ import annotations

from scenarios.expect import validate_capture, validate_expect
from scenarios.expect.models import MAX_ASSERTIONS


def test_a_sound_block_has_no_problem():
    assert validate_expect({
        "status": [200, "2xx"], "headers": {"content-type": "application/fhir+json*", "etag": {"regex": "^W/"}},
        "fhirpath": ["Bundle.total > 0", "entry.resource.identifier.where(system='urn:oid:1.2.250.1.213.1.4.8')"
                                         ".exists()"],
        "json": {"$.access_token": {"exists": True}, "$.token_type": "Bearer", "$['a-b'][0]": 1},
        "xpath": {"//CR/CodeCR": "00", "//soap:Fault/soap:Code/soap:Value": {"exists": False}},
        "body_contains": "INSi", "body_not_contains": ["Fault"],
    }) == []
    assert validate_capture({"ins": {"fhirpath": "Patient.identifier.value"}, "token": {"json": "$.access_token"},
                             "cr": {"xpath": "//CodeCR"}, "location": {"header": "location", "regex": "/(\\d+)$"},
                             "raw": {"body": True}}) == []


def test_templates_are_allowed_in_expressions():
    assert validate_expect({"fhirpath": ["identifier.value = '${ins}'", "${path}.exists()"],
                            "json": {"$['${name}']": "${value}"}, "xpath": ["//NumIdentifiant = '${ins}'"],
                            "headers": {"location": {"regex": "${id}$"}}}) == []


def test_bad_syntax_is_reported_at_its_path():
    problems = dict(validate_expect({
        "fhirpath": ["Bundle.total >", "total.foo()", "a b"],
        "json": {"access_token": {"exists": True}, "$.a[": 1, "$.b": {"regex": "(unclosed"}},
        "xpath": {"//CR[": "00"},
        "headers": {"etag": {"regex": "["}},
    }))
    assert set(problems) == {("fhirpath", 0), ("fhirpath", 1), ("fhirpath", 2), ("json", "access_token"),
                             ("json", "$.a["), ("json", "$.b", "regex"), ("xpath", "//CR["),
                             ("headers", "etag", "regex")}
    assert problems[("fhirpath", 0)].startswith("not FHIRPath: column 15: mismatched input '<EOF>'")
    assert problems[("fhirpath", 1)].startswith("not FHIRPath: no function foo()")
    assert problems[("fhirpath", 2)] == "not FHIRPath: column 3: extraneous input 'b' expecting <EOF>"
    assert problems[("json", "access_token")] == "not JSONPath: a query starts with '$' (e.g. $.access_token)"
    assert problems[("json", "$.a[")].startswith("not JSONPath: ")
    assert problems[("json", "$.b", "regex")].startswith("bad regex: missing )")
    assert problems[("xpath", "//CR[")].startswith("not XPath 1.0: ")


def test_bad_shapes_follow_the_data():
    problems = dict(validate_expect({"status": [200, "ok"], "fhirpath": {"Bundle.total": {"equal": 1}},
                                     "jsonpath": {}, "headers": {"bad name": "x"}}))
    assert problems == {
        ("status",): "status 'ok' is not a code (200), a class (\"2xx\") or a list of them",
        ("fhirpath", "Bundle.total", "equal"): "Extra inputs are not permitted",
        ("jsonpath",): "Extra inputs are not permitted",
        ("headers",): "'bad name' is not a header name",
    }


def test_matches_that_cannot_hold():
    assert dict(validate_expect({"json": {"$.a": {}, "$.b": {"exists": False, "equals": 1}}})) == {
        ("json", "$.a"): "a match needs one of exists, count, equals, glob, regex, contains",
        ("json", "$.b"): "exists: false cannot be combined with a value to match",
    }


def test_limits():
    assert dict(validate_expect({"fhirpath": ["true"] * (MAX_ASSERTIONS + 1)})) == {
        ("fhirpath",): f"at most {MAX_ASSERTIONS} fhirpath assertions in one block"}
    [(path, message)] = validate_expect({"fhirpath": ["a" * 2001]})
    assert path == ("fhirpath", 0) and message == "the expression is longer than 2000 characters"


def test_capture_problems():
    assert dict(validate_capture({"a": {"json": "$.x", "xpath": "//x"}, "b": {}})) == {
        ("a",): "a capture takes exactly one of fhirpath, json, xpath, header, body",
        ("b",): "a capture takes exactly one of fhirpath, json, xpath, header, body",
    }
    assert dict(validate_capture({"ins": {"fhirpath": "a b", "regex": "("}, "t": {"json": "access_token"}})) == {
        ("ins", "fhirpath"): "not FHIRPath: column 3: extraneous input 'b' expecting <EOF>",
        ("ins", "regex"): "bad regex: missing ) at position 1",
        ("t", "json"): "not JSONPath: a query starts with '$' (e.g. $.access_token)",
    }
    assert dict(validate_capture({"1st": {"header": "location"}})) == {
        (): "capture name '1st': letters, digits, '_' and '-', starting with a letter or '_'"}
    assert validate_capture(["not", "a", "mapping"]) != []
