"""Step kinds: a small registry, one module per kind (docs/scenarios.md, "Steps").

A step is a mapping with ``name`` (optional), ``description`` (optional) and exactly one kind key whose
value the kind's model validates: ``request``, ``await``, ``fault``, ``include``. A module registers its
model with :func:`step`; the loader, the JSON Schema and the runner read :data:`STEPS`.
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from pydantic import BaseModel, ConfigDict

STEPS: dict[str, type[BaseModel]] = {}
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


def load_kinds() -> dict[str, type[BaseModel]]:
    """Every step kind: each module of this package is imported (once) and registers its own."""
    for module in pkgutil.iter_modules(__path__):
        import_module(f"{__name__}.{module.name}")
    return STEPS
