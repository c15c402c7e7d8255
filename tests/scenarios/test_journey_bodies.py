"""The ITI-65 bodies of the DMP journeys (scenarios/journeys/bodies/dmp-*.json) carry, for each document, the
size and SHA-1 of the fixed bytes of its Binary, and name only variables the journeys define (the loader
checks ``${...}`` against the steps; here the JSON and the attachments)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from scenarios.loader import load
from tests.scenarios.support import SERVICES

JOURNEYS = Path(__file__).resolve().parents[2] / "scenarios" / "journeys"
BODIES = sorted((JOURNEYS / "bodies").glob("dmp-*.json"))
DMP_JOURNEYS = {"dmp-gp-consultation", "dmp-lab-results", "dmp-replacement-and-masking", "dmp-identity-vigilance",
                "dmp-emergency"}


def entries(path: Path) -> dict[str, dict]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "transaction"
    return {e.get("fullUrl", e["request"]["url"]): e["resource"] for e in bundle["entry"]}


@pytest.mark.parametrize("path", BODIES, ids=lambda p: p.name)
def test_each_attachment_has_the_size_and_sha1_of_its_binary(path):
    by_url = entries(path)
    documents = [r for r in by_url.values() if r["resourceType"] == "DocumentReference"]
    assert documents
    for doc in documents:
        attachment = doc["content"][0]["attachment"]
        binary = by_url[attachment["url"]]
        raw = base64.b64decode(binary["data"], validate=True)
        assert attachment["size"] == len(raw)
        assert attachment["hash"] == base64.b64encode(hashlib.sha1(raw).digest()).decode()  # noqa: S324
        assert attachment["contentType"] == binary["contentType"]


def test_every_dmp_body_is_used_by_a_journey():
    used = {step.body.body_file for path in JOURNEYS.glob("dmp-*.yaml")
            for step in load(path, services=SERVICES).steps if getattr(step.body, "body_file", None)}
    assert {f"bodies/{p.name}" for p in BODIES} == used


def test_the_dmp_journeys_are_there_and_run_in_ci():
    plans = [load(path, services=SERVICES) for path in JOURNEYS.glob("dmp-*.yaml")]
    assert {plan.scenario.id for plan in plans} == DMP_JOURNEYS
    assert all("vendor-in-the-loop" not in plan.scenario.tags and "dmp" in plan.scenario.tags for plan in plans)
