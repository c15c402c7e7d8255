"""scenarios/steps/wait.py: a bounded pause, reported with its reason."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from scenarios.results import StepResult
from scenarios.steps.wait import Wait, run


@pytest.mark.parametrize("seconds", [0, -1, 301])
def test_the_pause_is_bounded(seconds):
    with pytest.raises(ValidationError):
        Wait(seconds=seconds)


async def test_it_waits_and_says_why():
    result = StepResult(index=1, kind="wait", name="The period ends", where="x.yaml:1:1")
    started = time.monotonic()
    await run(Wait(seconds=0.2, reason="the access ends"), None, None, result)
    assert time.monotonic() - started >= 0.2
    assert result.status == "passed" and result.message == "waited 0.2 s: the access ends"
