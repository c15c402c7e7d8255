"""scenarios.expect.fhirpath: the full language through fhirpathpy, and syntax errors fhirpathpy would hide."""

from __future__ import annotations

import pytest

from scenarios.expect import Expect, Response, check
from scenarios.expect.fhirpath import evaluate, syntax_error

PATIENT = {"resourceType": "Patient", "birthDate": "1975-12-31", "multipleBirthInteger": 2,
           "extension": [{"url": "http://x", "valueDecimal": 0.1}],
           "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "2751263220749"}]}


@pytest.mark.parametrize("expression, result", [
    ("Patient.birthDate", ["1975-12-31"]),
    ("birthDate > @1970-01-01", [True]),
    ("identifier.where(system = 'urn:oid:1.2.250.1.213.1.4.8').value.substring(0, 1)", ["2"]),
    ("iif(multipleBirth.exists(), 'twin', 'single')", ["twin"]),
    ("identifier.count() = 1 and birthDate.exists()", [True]),
])
def test_the_whole_language(expression, result):
    assert syntax_error(expression) is None
    assert evaluate(PATIENT, expression) == result


def test_decimals_compare_as_written():
    response = Response(200, {"content-type": "application/fhir+json"}, b'{"resourceType": "Observation", '
                        b'"valueQuantity": {"value": 0.1}}')
    assert check(Expect.model_validate({"fhirpath": {"Observation.value.value": 0.1}}), response) == []


@pytest.mark.parametrize("expression", ["Patient.name.where(", "a b", "name.exists() and", "'open", "x.nope()"])
def test_syntax_errors_fhirpathpy_would_recover_from(expression):
    assert syntax_error(expression).startswith("not FHIRPath: ")


def test_a_function_name_inside_a_string_is_not_a_call():
    assert syntax_error("name.given = 'nope()'") is None


def test_evaluation_errors_are_value_errors():
    with pytest.raises(ValueError, match="^FHIRPath error: "):
        evaluate(PATIENT, "birthDate.substring('a')")
