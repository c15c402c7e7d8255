"""``fault``: set or clear a fault rule of the run's tenant (``/_admin/faults``, docs/gateway.md).

``set`` is the gateway's own rule model (``core/fault_rule.py``: service, method, path pattern, one effect
among ``status``, ``drop``, ``expire_tokens``, optionally ``latency_ms``, for ``count`` requests or
``seconds``), so a scenario can hold exactly what ``POST /_admin/faults`` accepts; the loader also runs the
gateway's own checks (one effect) on it.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from core.fault_rule import RuleSpec
from scenarios.steps import StepBody, step


@step("fault")
class Fault(StepBody):
    """``set`` adds a rule; ``clear: all`` removes the tenant's rules, ``clear: <service>`` those of one service."""

    set: RuleSpec | None = None
    clear: str | None = Field(default=None, description="'all' or a service slug.")

    @model_validator(mode="after")
    def _one_action(self) -> Fault:
        if (self.set is None) == (self.clear is None):
            raise ValueError("a fault step takes either set or clear")
        return self
