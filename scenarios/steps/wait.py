"""``wait``: let time pass, for what happens by itself (a consent's period ends, a token expires).

``seconds`` (more than 0, at most 300) and an optional ``reason`` shown in the report. The step passes
once the time has passed; nothing is sent.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pydantic import Field

from scenarios.steps import StepBody, runs, step

if TYPE_CHECKING:
    from scenarios.loader import Placed
    from scenarios.results import StepResult
    from scenarios.runner.context import RunContext


@step("wait")
class Wait(StepBody):
    """Wait ``seconds`` before the next step."""

    seconds: float = Field(gt=0, le=300, description="How long, in seconds (at most 300).")
    reason: str = Field(default="", max_length=200, description="Why, for the report.")


@runs("wait")
async def run(body: Wait, step: Placed, ctx: RunContext, result: StepResult) -> None:
    await asyncio.sleep(body.seconds)
    result.message = f"waited {body.seconds:g} s" + (f": {body.reason}" if body.reason else "")
