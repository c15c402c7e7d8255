"""Schemathesis over every OpenAPI document the sandbox serves (issue 9, "Keep it fixed").

A real server (every registered service behind the gateway) takes generated requests, valid and
invalid, for each operation of each document: bounded examples, derandomized (the same cases every run).
Any 5xx fails, except the SOAP faults that INSi documents (HTTP 500 with a SOAP 1.2 ``Fault`` body, as
the real teleservice answers them). Seeding routes are left out: a generated count of millions of
patients is a legitimate, documented request that only costs time.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

EXAMPLES = 20  # per operation and generation mode: ~70 operations stay within a couple of minutes
DOCUMENTS = ["", *(f"/{spec.slug}" for spec in DEFAULT_SERVICES)]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_gateway(tmp_path_factory.mktemp("fuzz"), DEFAULT_SERVICES) as base:
        yield base


def documented_soap_fault(response: schemathesis.Response) -> bool:
    kind = response.headers.get("content-type", [""])[0]
    return response.status_code == 500 and "soap+xml" in kind and b"<soap:Fault>" in response.content


def server_errors(operation: schemathesis.APIOperation, base_url: str) -> list[str]:
    """Every distinct 5xx that generated requests to ``operation`` got."""
    found: dict[tuple[str, int], str] = {}

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        with requests.Session() as session:
            response = case.call(base_url=base_url, session=session, timeout=20)
        if response.status_code >= 500 and not documented_soap_fault(response):
            found.setdefault((operation.label, response.status_code),
                             f"{case.method} {case.formatted_path} {case.query or ''} -> "
                             f"{response.status_code}: {response.text[:300]}")

    for mode in MODES:
        try:
            given(case=operation.as_strategy(generation_mode=mode))(run)()
        except Unsatisfiable:  # nothing invalid to send: an operation without parameters or body
            assert mode is schemathesis.GenerationMode.NEGATIVE
    return list(found.values())


@pytest.mark.parametrize("prefix", DOCUMENTS, ids=lambda prefix: prefix.strip("/") or "gateway")
def test_no_operation_answers_a_server_error(sandbox: str, prefix: str) -> None:
    # Fuzzing the gateway's document adds valid fault rules (503s, latency) to the default tenant: clear them,
    # so that the services' documents are fuzzed against the services themselves.
    assert requests.delete(f"{sandbox}/_admin/faults", timeout=10).status_code == 204
    schema = schemathesis.openapi.from_url(f"{sandbox}{prefix}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    fuzzed = [op for op in operations if not op.path.endswith("/seed")]
    assert len(fuzzed) >= 5
    failures = [failure for op in fuzzed for failure in server_errors(op, f"{sandbox}{prefix}")]
    assert not failures, "\n".join(failures)
