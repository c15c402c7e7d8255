"""docs/scenarios.md: its complete example is a valid scenario, and its journeys table lists scenarios/journeys/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from scenarios.loader import load
from tests.scenarios.support import SERVICES

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")


def test_the_complete_example_loads(tmp_path):
    example = DOC.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    shutil.copytree(ROOT / "scenarios" / "fragments", tmp_path / "fragments")
    (tmp_path / "journeys").mkdir()
    path = tmp_path / "journeys" / "example.yaml"
    path.write_text(example, encoding="utf-8")
    plan = load(path, services=SERVICES)
    assert [step.kind for step in plan.steps] == ["request", "request", "fault", "await", "fault", "request"]


def test_the_journeys_table_lists_every_journey():
    listed = set(re.findall(r"`scenarios/journeys/([\w.-]+\.yaml)`", DOC))
    assert listed == {p.name for p in (ROOT / "scenarios" / "journeys").glob("*.yaml")}
