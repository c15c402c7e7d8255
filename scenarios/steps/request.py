"""``request``: an HTTP request made as an actor, then its ``expect`` and ``capture`` (docs/scenarios.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from core.fault_rule import METHODS
from scenarios.expect import Capture, Expect
from scenarios.logins import ACTOR_REF
from scenarios.steps import StepBody, step

# The gateway's tuple, in its order: typing caches Literal types regardless of their values' order, so two
# orders would make the generated schema depend on which module was imported first.
Method = Literal[METHODS]


@step("request")
class Request(StepBody):
    """One request to a service of the sandbox; strings in ``path``, ``query``, ``headers`` and bodies are templates."""

    actor: str = Field(pattern=ACTOR_REF, description="An actor of this scenario (its token is sent).")
    service: str = Field(description="The service slug (gateway/registry.py), or 'gateway' for /_admin routes.")
    method: Method = "GET"
    path: str = Field(pattern=r"^/", max_length=4000, description="Under the service, e.g. /fhir/Patient/$match.")
    query: dict[str, str | list[str]] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = Field(default=None, description="Inline body: a mapping or list is sent as JSON, a string as is.")
    body_file: str | None = Field(default=None, description="A file beside the scenario, sent as is (templated).")
    expect: Expect | None = None
    capture: Capture | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Request:
        if self.body is not None and self.body_file is not None:
            raise ValueError("give body or body_file, not both")
        return self
