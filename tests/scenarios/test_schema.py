"""scenarios/schema.json is the schema the models generate, and it agrees with the loader on real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs

from scenarios import schema
from scenarios.source import read

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_schema_is_current():
    committed = schema.SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == schema.text(), "scenarios/schema.json is stale: regenerate it with `python -m scenarios.schema`"


def test_journeys_and_fragments_validate_against_the_schema():
    validator = jsonschema_rs.validator_for(json.loads(schema.SCHEMA_FILE.read_text(encoding="utf-8")))
    files = sorted((ROOT / "scenarios" / "journeys").rglob("*.yaml")) + sorted(
        (ROOT / "scenarios" / "fragments").rglob("*.yaml"))
    assert files
    for file in files:
        errors = [e.message for e in validator.iter_errors(read(file).data)]
        assert not errors, f"{file.name}: {errors}"


def test_the_schema_refuses_what_the_loader_refuses():
    validator = jsonschema_rs.validator_for(schema.schema())
    assert validator.is_valid({"id": "x", "title": "t", "steps": [{"fault": {"clear": "all"}}]})
    for bad in ({"id": "x", "title": "t", "steps": [{"requets": {}}]},
                {"id": "x", "title": "t", "tittle": "", "steps": [{"fault": {"clear": "all"}}]},
                {"id": "x", "title": "t", "actors": {"a": {"login": "psc-cba"}}, "steps": [{"fault": {"clear": "a"}}]},
                {"id": "x", "title": "t", "steps": []}):
        assert not validator.is_valid(bad), bad
