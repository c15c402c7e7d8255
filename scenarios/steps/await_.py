"""``await``: wait until the gateway records an exchange matching a pattern (a vendor's software takes part).

The step prints ``instruction`` for the operator, then polls the recorded exchanges of the run's tenant until
one matches or ``timeout`` seconds pass (docs/scenarios.md, "await").
"""

from __future__ import annotations

from pydantic import Field

from scenarios.expect import Capture, Expect
from scenarios.logins import ACTOR_REF
from scenarios.steps import StepBody, step
from scenarios.steps.request import Method

MAX_TIMEOUT = 3600.0


class Pattern(StepBody):
    """What the awaited exchange must be; every key given must hold."""

    service: str = Field(description="The service slug the exchange went to.")
    method: Method | None = None
    path: str | None = Field(default=None, max_length=4000,
                             description="The path under the service; '*' matches any run of characters.")
    actor: str | None = Field(default=None, pattern=ACTOR_REF, description="An actor of this scenario (its token).")
    client: str | None = Field(default=None, max_length=200, description="The OAuth client the token was issued to.")
    tenant: str | None = Field(default=None, max_length=63, description="Default: the run's tenant.")
    request: Expect | None = Field(default=None, description="Assertions the recorded request must hold (its body).")


@step("await")
class Await(StepBody):
    """An exchange that someone else (the vendor's software) must perform against the sandbox."""

    instruction: str = Field(min_length=1, max_length=4000, description="What the operator must do (templated).")
    match: Pattern
    timeout: float = Field(default=120.0, gt=0, le=MAX_TIMEOUT, description="Seconds to wait.")
    expect: Expect | None = Field(default=None, description="Assertions on the sandbox's answer to that exchange.")
    capture: Capture | None = Field(default=None, description="Values taken from the sandbox's answer.")
