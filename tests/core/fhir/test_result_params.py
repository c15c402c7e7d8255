"""The result parameters (core/fhir/result_params.py): recorded on the request, a wrong value is 400 with the
parameter named, never a 500."""

import pytest

from core.errors import SandboxError
from core.fhir import result_params
from core.fhir.search import SearchRequest
from tests.kernel_app.app import SPEC


def param_of(rtype: str, name: str):  # noqa: ANN201
    spec = SPEC.by_type.get(rtype)
    return spec.param(name) if spec else None


def apply(*pairs: tuple[str, str]) -> SearchRequest:
    req = SearchRequest(rtype="Observation", count=SPEC.default_count)
    for name, value in pairs:
        result_params.apply(SPEC, req, name, value, param_of)
    return req


def test_values_are_recorded_and_echoed_for_links():
    req = apply(("_count", "5"), ("_offset", "10"), ("_sort", "-_lastUpdated,_id"), ("_total", "none"),
                ("_elements", "status, code"), ("_include", "Observation:subject"), ("_format", "json"))
    assert (req.count, req.offset, req.total, req.elements) == (5, 10, "none", ["status", "code"])
    assert req.sort == [("_lastUpdated", True), ("_id", False)] and req.includes == [("subject", None)]
    assert ("_sort", "-_lastUpdated,_id") in req.echo and ("_count", "5") not in req.echo
    assert apply(("_count", str(SPEC.max_count + 5))).count == SPEC.max_count  # clipped to the server's most


@pytest.mark.parametrize("name, value", [
    ("_count", "-1"), ("_count", "1e3"), ("_count", "9" * 30), ("_offset", "١٢"), ("_sort", "nonsense"),
    ("_summary", "true"),
    ("_total", "maybe"), ("_include", "Observation:status"), ("_include", "Patient:general-practitioner"),
    ("_revinclude", "Observation:nonsense"),
])
def test_a_wrong_value_is_400_naming_the_parameter(name, value):
    with pytest.raises(SandboxError) as err:
        apply((name, value))
    assert err.value.status == 400 and err.value.expression == [name]
