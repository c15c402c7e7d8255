"""authors.py gives the index rows the FHIRPath of the author-* / source-* parameters gives (spec.AUTHORS,
spec.SOURCES, run by fhirpathpy), on generated documents and lists and on the PDSm IG's examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.fhir.fhirpath import evaluator
from core.fhir.index import _rows, values_of
from services.ms_espace_sante.spec import DOCUMENT_REFERENCE, LIST

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "pdsm"
PARAMS = [p for p in (*DOCUMENT_REFERENCE.params, *LIST.params) if p.extract is not None]
IDS = st.sampled_from(["a", "b", "c", "au1", "x y"])
IDENTIFIER = st.fixed_dictionaries({"system": st.sampled_from(["urn:oid:1.2.250.1.71.4.2.1", "urn:x"]),
                                    "value": st.sampled_from(["899700218896", "1", "2"])})
REFERENCE = st.one_of(
    st.builds(lambda i: {"reference": f"#{i}"}, IDS), st.just({"reference": "Practitioner/p1"}),
    st.builds(lambda i: {"identifier": i}, IDENTIFIER), st.builds(lambda i, v: {"reference": f"#{i}", "identifier": v},
                                                                  IDS, IDENTIFIER))
NAME = st.fixed_dictionaries({}, optional={"family": st.sampled_from(["LEROY", "DOC"]),
                                           "given": st.lists(st.sampled_from(["Claire", "Kit"]), min_size=1,
                                                             max_size=2)})
CONTAINED = st.one_of(
    st.fixed_dictionaries({"resourceType": st.just("Practitioner"), "id": IDS},
                          optional={"name": st.lists(NAME, min_size=1, max_size=2),
                                    "identifier": st.lists(IDENTIFIER, min_size=1, max_size=2)}),
    st.fixed_dictionaries({"resourceType": st.just("PractitionerRole"), "id": IDS},
                          optional={"practitioner": REFERENCE}),
    st.fixed_dictionaries({"resourceType": st.just("Organization"), "id": IDS},
                          optional={"name": st.just("Clinique"), "identifier": st.lists(IDENTIFIER, max_size=1)}))
DOCUMENTS = st.fixed_dictionaries({"resourceType": st.just("DocumentReference"), "status": st.just("current")},
                                  optional={"contained": st.lists(CONTAINED, min_size=1, max_size=4),
                                            "author": st.lists(REFERENCE, min_size=1, max_size=3)})
LISTS = st.fixed_dictionaries({"resourceType": st.just("List"), "status": st.just("current")},
                              optional={"contained": st.lists(CONTAINED, min_size=1, max_size=4), "source": REFERENCE})


def same_rows(resource: dict) -> None:
    for param in PARAMS:
        if not param.expression.startswith(resource["resourceType"] + "."):
            continue
        slow = _rows(param, evaluator(param.expression)(resource), ())
        fast = _rows(param, values_of(param, resource), ())
        assert sorted(fast) == sorted(slow), (param.name, resource)


@settings(max_examples=300, deadline=None)
@given(resource=st.one_of(DOCUMENTS, LISTS))
def test_the_extraction_gives_the_rows_of_the_fhirpath(resource):
    same_rows(json.loads(json.dumps(resource)))


def test_every_author_and_source_parameter_is_extracted():
    assert sorted(p.name for p in PARAMS) == ["author-family", "author-given", "author-identifier", "source-family",
                                              "source-given"]


def test_the_examples_of_the_ig_give_the_same_rows():
    if not EXAMPLES.is_dir():
        pytest.skip(f"{EXAMPLES} is not here (the shared conformance examples are outside the product)")
    resources = []
    for path in sorted(EXAMPLES.glob("*.json")):
        data = json.loads(path.read_text())
        resources += [e.get("resource") or {} for e in data.get("entry", [])] if data["resourceType"] == "Bundle" \
            else [data]
    checked = [r for r in resources if r.get("resourceType") in ("DocumentReference", "List")]
    assert len(checked) >= 4
    for resource in checked:
        same_rows(resource)
