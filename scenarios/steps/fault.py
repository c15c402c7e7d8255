"""``fault``: set or clear a fault rule of the run's tenant (``/_admin/faults``, docs/gateway.md).

``set`` is the gateway's own rule model (``core/fault_rule.py``: service, method, path pattern, one effect
among ``status``, ``drop``, ``expire_tokens``, optionally ``latency_ms``, for ``count`` requests or
``seconds``), so a scenario can hold exactly what ``POST /_admin/faults`` accepts; the loader also runs the
gateway's own checks (one effect) on it. Running it calls ``/t/{tenant}/_admin/faults`` of the run's tenant
(``/_admin/faults`` for ``default``) with the admin token; a refusal is an ``error`` with the gateway's
OperationOutcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from core.fault_rule import RuleSpec
from scenarios.runner.checks import refusal
from scenarios.runner.context import GATEWAY
from scenarios.runner.exchanges import send
from scenarios.steps import StepBody, runs, step
from scenarios.templates import render

if TYPE_CHECKING:
    from scenarios.loader import Placed
    from scenarios.results import StepResult
    from scenarios.runner.context import RunContext


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


# -- running -------------------------------------------------------------------------------------------

async def _call(ctx: RunContext, result: StepResult, method: str, path: str, *, gone_ok: bool = False,
                **options: Any) -> Any:
    """The gateway's answer, or ``None`` with the step in error (``gone_ok``: a 404 is fine, the rule ended)."""
    response, exchange = await send(ctx.http, method, ctx.url(GATEWAY, path), headers=ctx.admin_headers(),
                                    **options)
    result.exchanges.append(exchange)
    if response is None:
        result.status = "error"
        result.message = f"{method} {exchange.url}: {exchange.error}; is the sandbox running at {ctx.target}?"
    elif not response.is_success and not (gone_ok and response.status_code == 404):
        result.status = "error"
        result.message = f"the gateway refused {method} {path}: {refusal(response)}"
        return None
    return response


@runs("fault")
async def run(body: Fault, step: Placed, ctx: RunContext, result: StepResult) -> None:
    """Add the rule to the run's tenant, or remove its rules (all, or one service's: listed, then each deleted)."""
    faults = "/_admin/faults"
    if body.set is not None:
        await _call(ctx, result, "POST", faults, json=render(body.set.model_dump(exclude_none=True), ctx.templates))
    elif body.clear == "all":
        await _call(ctx, result, "DELETE", faults)
    else:  # the API clears all or one rule: a service's rules are those of the listing with its slug
        listed = await _call(ctx, result, "GET", faults)
        for rule in (listed.json().get("faults", []) if listed is not None else []):
            if isinstance(rule, dict) and rule.get("service") == body.clear and result.status == "passed":
                # gone_ok: used up or expired since the listing
                await _call(ctx, result, "DELETE", f"{faults}/{rule.get('id')}", gone_ok=True)
