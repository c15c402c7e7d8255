"""Index extraction and the normalisations search relies on."""

import pytest

from core.fhir.declare import SearchParam
from core.fhir.index import date_range, extract, normalize


def test_normalize_folds_case_accents_and_spaces():
    assert normalize("  Hélène   ÉLODIE-Zoë ") == "helene elodie-zoe"


@pytest.mark.parametrize("value, width", [
    ("2024", 366 * 86400), ("2023-02", 28 * 86400), ("2024-03-01", 86400),
    ("2024-03-01T10:00:00Z", 1), ("2024-03-01T10:00Z", 60), ("2024-03-01T10:00:00.250+01:00", 1e-3),
])
def test_date_range_width_follows_precision(value, width):
    low, high = date_range(value)
    assert high - low == pytest.approx(width, abs=1e-6)  # epoch floats resolve ~0.2 µs


@pytest.mark.parametrize("value", ["2024-13", "2024-02-30", "24-01-01", "2024-01-01T25:00:00Z", "soon"])
def test_date_range_rejects_impossible_dates(value):
    assert date_range(value) is None


def test_extract_types_by_shape():
    resource = {"resourceType": "Patient",
                "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "1"}],
                "telecom": [{"system": "phone", "value": "0600000000"}],
                "name": [{"family": "Dupré", "given": ["Zoé"]}],
                "generalPractitioner": [{"reference": "https://s/fhir/Practitioner/9"}, {"reference": "#c1"}],
                "birthDate": "1980"}
    assert extract(SearchParam("i", "token", "Patient.identifier"), resource) == [("urn:oid:1.2.250.1.213.1.4.8", "1")]
    assert extract(SearchParam("t", "token", "Patient.telecom"), resource) == [(None, "0600000000")]
    assert extract(SearchParam("n", "string", "Patient.name"), resource) == [("dupre", "Dupré"), ("zoe", "Zoé")]
    refs = extract(SearchParam("g", "reference", "Patient.generalPractitioner"), resource, ("https://s/fhir",))
    assert refs == [("Practitioner", "9", None), (None, None, "#c1")]
    assert len(extract(SearchParam("b", "date", "Patient.birthDate"), resource)) == 1
