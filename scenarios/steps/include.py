"""``include``: the steps of a reusable fragment file, with its parameters (docs/scenarios.md, "Fragments").

The loader expands includes when it reads a scenario: ``${param.NAME}`` in the fragment's strings is
replaced, then its steps are checked as if written in place (actors, captures); cycles are refused.
"""

from __future__ import annotations

from pydantic import Field

from scenarios.steps import StepBody, step

Scalar = str | int | float | bool | None


@step("include")
class Include(StepBody):
    """A fragment file, relative to the including file, and the values of its parameters."""

    file: str = Field(min_length=1, max_length=1000)
    with_: dict[str, Scalar] = Field(default_factory=dict, alias="with")
