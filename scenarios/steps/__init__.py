"""Step kinds: a small registry, one module per kind (docs/scenarios.md, "Steps").

A step is a mapping with ``name`` (optional), ``description`` (optional) and exactly one kind key whose
value the kind's model validates: ``request``, ``await``, ``fault``, ``include``, ``wait``. A module registers its
model with :func:`step`; the loader, the JSON Schema and the runner read :data:`STEPS`. The same module
registers how the kind runs with :func:`runs` (``include`` needs none: the loader expands it); the runner
(``scenarios/runner/scenario.py``) reads :data:`RUNNERS`.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from scenarios.loader import Placed
    from scenarios.results import StepResult
    from scenarios.runner.context import RunContext

# run(body, step, ctx, result): fills ``result`` (status, message, exchanges, failures) and ``ctx.captures``
Executor = Callable[[Any, "Placed", "RunContext", "StepResult"], Awaitable[None]]
STEPS: dict[str, type[BaseModel]] = {}
RUNNERS: dict[str, Executor] = {}
COMMON = ("name", "description")


class StepBody(BaseModel):
    """The base of every kind's model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def step(key: str):
    """Register the model of the step kind ``key``."""
    def register(model: type[BaseModel]) -> type[BaseModel]:
        STEPS[key] = model
        return model
    return register


def runs(key: str):
    """Register how the step kind ``key`` runs: ``async def run(body, step, ctx, result) -> None``."""
    def register(function: Executor) -> Executor:
        RUNNERS[key] = function
        return function
    return register


def load_kinds() -> dict[str, type[BaseModel]]:
    """Every step kind: each module of this package is imported (once) and registers its own."""
    for module in pkgutil.iter_modules(__path__):
        import_module(f"{__name__}.{module.name}")
    return STEPS
