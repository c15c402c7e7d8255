"""The gateway's shared state and its route dependencies, each named once as an ``Annotated`` alias."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request

from core.admin import check_admin
from core.db import Database
from core.settings import SandboxSettings

if TYPE_CHECKING:
    from gateway.fault_rules import FaultRules
    from gateway.metrics import Metrics
    from gateway.proxy import Service
    from gateway.recorder import Recorder
    from gateway.tenants import Tenants


@dataclass
class GatewayState:
    """Everything one gateway app owns; reachable from routes as ``request.app.state.gateway``."""

    settings: SandboxSettings
    db: Database
    services: dict[str, Service]
    tenants: Tenants
    recorder: Recorder
    metrics: Metrics
    faults: FaultRules


async def get_state(request: Request) -> GatewayState:
    return request.app.state.gateway


State = Annotated[GatewayState, Depends(get_state)]


async def require_admin(request: Request, state: State) -> None:
    """401 ``GW-0006`` unless the request carries ``SANDBOX_ADMIN_TOKEN`` (when one is set)."""
    check_admin(request, state.settings)


AdminGuard = Depends(require_admin)
