"""JSON nested past the kernel's depth limit gets a 400 OperationOutcome FHIR-0021 on every INSi JSON route."""

from __future__ import annotations

import pytest

from tests.outcomes import assert_outcome

ROUTES = [("/fhir/Patient/$match", "application/fhir+json"), ("/fhir/Patient/$ins-verify", "application/fhir+json"),
          ("/_admin/identities", "application/json")]


def deep(depth: int) -> bytes:
    """A Parameters resource whose one parameter value is an array nested ``depth`` levels."""
    return b'{"resourceType":"Parameters","parameter":' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.parametrize("path, media", ROUTES)
@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_deeply_nested_json_is_refused_as_fhir_0021_and_stores_nothing(insi, path, media, depth):
    before = (await insi.get("/_admin/identities", params={"origin": "admin"})).json()["total"]
    response = await insi.post(path, content=deep(depth), headers={"content-type": media})
    assert_outcome(response, 400, "FHIR-0021")
    assert (await insi.get("/_admin/identities", params={"origin": "admin"})).json()["total"] == before


@pytest.mark.parametrize("path, media", ROUTES)
async def test_repeated_members_and_non_utf8_bodies_are_refused_as_fhir_0001(insi, path, media):
    for body in (b'{"resourceType":"Parameters","resourceType":"Patient"}', '{"a":"é"}'.encode("utf-16")):
        assert_outcome(await insi.post(path, content=body, headers={"content-type": media}), 400, "FHIR-0001")
