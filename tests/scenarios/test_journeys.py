"""Every file of scenarios/journeys/ loads without an issue (running them is the runner's, next)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.loader import load
from tests.scenarios.support import SERVICES

JOURNEYS = Path(__file__).resolve().parents[2] / "scenarios" / "journeys"


@pytest.mark.parametrize("path", sorted(JOURNEYS.rglob("*.yaml")), ids=lambda p: p.name)
def test_the_journey_loads(path):
    plan = load(path, services=SERVICES)
    assert plan.steps and plan.scenario.id == path.stem


def test_there_is_a_journey():
    assert list(JOURNEYS.glob("*.yaml"))
