"""core/fhir/models: validation answers a precise SandboxError for any resource, never another exception."""

from __future__ import annotations

import pytest

from core.errors import SandboxError
from core.fhir.models import validate_resource


def test_nested_resource_of_unknown_type_is_fhir_0002_not_a_key_error():
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "IdentityToMatch",
                                                               "resource": {"resourceType": "Nonsense"}}]}
    with pytest.raises(SandboxError) as caught:
        validate_resource(parameters)
    assert (caught.value.status, caught.value.code) == (400, "FHIR-0002")
    assert "'Nonsense'" in caught.value.diagnostics


def test_valid_nested_resource_passes():
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "p", "resource": {"resourceType": "Patient"}}]}
    assert validate_resource(parameters) is parameters
