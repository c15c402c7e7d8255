"""Every journey of scenarios/journeys runs and passes against the in-process sandbox, each in a fresh tenant
(those tagged vendor-in-the-loop wait for a vendor's software: tests/scenarios/runner/ plays one for journey 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.registry import DEFAULT_SERVICES
from scenarios.loader import load
from tests.gateway.conftest import _clean_env as _clean_env  # noqa: F401 - the developer's SANDBOX_* kept out
from tests.gateway.conftest import gateway_data_dir as gateway_data_dir  # noqa: F401
from tests.gateway.conftest import start_gateway as start_gateway  # noqa: F401
from tests.scenarios.runner.support import Sandbox, failures
from tests.scenarios.support import SERVICES

JOURNEYS = Path(__file__).resolve().parents[2] / "scenarios" / "journeys"
PLANS = [load(path, services=SERVICES) for path in sorted(JOURNEYS.glob("*.yaml"))]
RUN = [plan for plan in PLANS if "vendor-in-the-loop" not in plan.scenario.tags]


@pytest.mark.parametrize("plan", RUN, ids=lambda plan: plan.scenario.id)
async def test_the_journey_passes(plan, start_gateway, tmp_path):  # noqa: F811
    async with start_gateway(services=DEFAULT_SERVICES) as client:
        result = await Sandbox(client, tmp_path).run(plan)
    assert result.status == "passed", failures(result)
    assert result.steps and all(step.status == "passed" for step in result.steps)


def test_journeys_1_2_and_5_are_run_here():
    assert {"identity-vigilance", "gp-finds-a-colleague", "insi-outage"} <= {plan.scenario.id for plan in RUN}
