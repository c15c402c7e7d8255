"""The compiled FHIRPath walker returns what fhirpathpy returns, on many expressions and resources."""

from decimal import Decimal

import fhirpathpy
import pytest
from fhirpathpy.models import models

from core.fhir.fhirpath import evaluator, fast_evaluator
from core.population.generator import professionals
from core.population.personas import personas
from services.annuaire_sante.resources import directory
from services.annuaire_sante.spec import SPEC as DIRECTORY
from tests.kernel_app.app import SPEC as KERNEL_DEMO

EXT = "http://example.org/ext"
RESOURCES = [
    {"resourceType": "Patient", "id": "p1", "active": False, "birthDate": "1980-05-02",
     "_birthDate": {"extension": [{"url": EXT, "valueDateTime": "1980-05-02T10:00:00Z"}]},
     "name": [{"use": "official", "family": "Dupré", "given": ["Hélène", "Marie"], "prefix": ["MME"]},
              {"family": "Martin", "_family": {"extension": [{"url": EXT, "valueString": "x"}]}}],
     "telecom": [{"system": "email", "value": "h@example.org"}, {"system": "phone", "value": "0600"}],
     "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "280052B02012345",
                     "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                          "code": "INS-NIR"}]}}],
     "extension": [{"url": EXT, "valueDecimal": 1.5}, {"url": EXT, "valueCode": "second"},
                   {"url": "http://example.org/complex", "extension": [{"url": "a", "valueString": "A"},
                                                                      {"url": "b", "valueBoolean": True}]}],
     "multipleBirthInteger": 0, "deceasedBoolean": False,
     "contained": [{"resourceType": "Organization", "id": "o", "name": "Inner"}],
     "generalPractitioner": [{"reference": "Practitioner/9"}, {"reference": "#o"}],
     "address": [{"line": ["1 rue A", "bât B"], "city": "Ajaccio", "postalCode": "20000"}]},
    {"resourceType": "Observation", "id": "o1", "status": "final", "code": {"text": "poids"},
     "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2024-01-01", "end": "2024-01-02"},
     "valueQuantity": {"value": 72.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
     "component": [{"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]}, "valueInteger": 120},
                   {"code": {"text": "note"}, "valueString": "ok"}]},
    {"resourceType": "Observation", "id": "o2", "status": "preliminary", "code": {"text": "t"},
     "effectiveDateTime": "2024-05-01T08:00:00+02:00", "valueCodeableConcept": {"text": "positif"}},
    {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {"resourceType": "Patient", "id": "b"}}]},
    {"resourceType": "Practitioner", "id": "empty"},
]
EXPRESSIONS = [
    "Patient.name", "Patient.name.family", "Patient.name.given", "Patient.birthDate", "Patient.birthDate.extension",
    "Patient.name.family.extension.value", "Patient.active", "Patient.multipleBirth", "Patient.deceased",
    "Patient.extension.value", f"Patient.extension.where(url='{EXT}').value", f"Patient.extension('{EXT}').value",
    "Patient.extension('http://example.org/complex').extension('b').value",
    "Patient.extension.where(url='http://example.org/complex').extension.where(url='a').value",
    "Patient.telecom.where(system='email').value", "Patient.telecom.where(system = 'fax')",
    "Patient.name.where(given='Marie').family", "Patient.name.where(family='Martin').use",
    "Patient.identifier.type", "Patient.identifier.where(system='urn:oid:1.2.250.1.213.1.4.8')",
    "Patient.contained.name", "Patient.contained.id", "Patient.generalPractitioner", "Patient.address",
    "Patient.address.line | Patient.address.city", "name.family | name.given | name.family", "telecom.value",
    "Observation.value", "Observation.effective", "Observation.effective.start", "Observation.component.value",
    "Observation.component.code", "Observation.code | Observation.component.code", "Observation.subject",
    "Bundle.entry.resource", "Bundle.entry.resource.id", "Practitioner.name", "Patient.nothing.here",
    *{p.expression for spec in (KERNEL_DEMO, DIRECTORY) for r in spec.resources for p in r.params},
]
SLOW = ["Patient.name.first()", "Patient.name[0].given", "Observation.value.ofType(Quantity)",
        "Patient.telecom.where(system='email' or system='phone').value", "Patient.name.given.length",
        "Patient.name.exists()", "Patient.extension.where(url.startsWith('http')).value", "%context.id"]


def comparable(value):
    """fhirpathpy's output converts nested floats to Decimal and drops nested {"extension"}-only items."""
    if isinstance(value, list):
        return [comparable(v) for v in value if not (isinstance(v, dict) and list(v) == ["extension"])]
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    return float(value) if isinstance(value, Decimal) else value


def reference(expression: str, resource: dict) -> list:
    return comparable(fhirpathpy.compile(expression, model=models["r4"])(resource))


def directory_sample() -> list[dict]:
    population = personas()
    organizations, stream = professionals(5, 150)
    return [*directory(population.organizations, population.professionals), *directory(organizations, stream)]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_simple_paths_compile_and_match_fhirpathpy(expression):
    fast = fast_evaluator(expression)
    assert fast is not None, f"{expression} should take the compiled path"
    for resource in RESOURCES:
        assert comparable(fast(resource)) == reference(expression, resource), (expression, resource.get("id"))


def test_directory_resources_index_the_same_through_both_engines():
    checked = 0
    for resource in directory_sample():
        for param in DIRECTORY.by_type[resource["resourceType"]].params:
            assert comparable(fast_evaluator(param.expression)(resource)) == reference(param.expression, resource)
            checked += 1
    assert checked > 3000


@pytest.mark.parametrize("expression", SLOW)
def test_other_expressions_fall_back_to_fhirpathpy(expression):
    assert fast_evaluator(expression) is None
    for resource in RESOURCES[:3]:
        assert comparable(evaluator(expression)(resource)) == reference(expression, resource)


def test_unbalanced_or_empty_unions_are_not_compiled():
    assert fast_evaluator("Patient.name |") is None
    assert fast_evaluator("Patient.name.where(family='x'") is None
    assert fast_evaluator("Patient.Name.family") is None  # a type name mid-path
