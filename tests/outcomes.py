"""Assertion helpers: tests check stable codes, never prose."""

from __future__ import annotations

import httpx


def sandbox_code(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome", body
    return body["issue"][0]["details"]["coding"][0]["code"]


def assert_outcome(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert sandbox_code(response) == code, response.text
    return response.json()


def patient(family: str = "Martin", given: str = "Jeanne", **extra) -> dict:
    return {"resourceType": "Patient", "name": [{"family": family, "given": [given]}], **extra}
