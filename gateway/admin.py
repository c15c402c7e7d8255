"""Sandbox-only ``/_admin`` routes of the gateway: tenants and recorded exchanges (DESIGN.md "URL map").

Every route is guarded by ``SANDBOX_ADMIN_TOKEN`` when it is set. ``/t/{tenant}/_admin/exchanges`` is the
tenant-scoped view of the recorder; the root view takes ``tenant`` as a filter (``*`` for all).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response

from core.app import SANDBOX_ONLY
from core.codes import Code
from core.digits import AsciiInt, ascii_digits
from core.errors import SandboxError
from core.jsonbody import read_model
from core.settings import DEFAULT_TENANT
from gateway.deps import AdminGuard, State

router = APIRouter(tags=[SANDBOX_ONLY], dependencies=[AdminGuard])

STATUS_CLASS = re.compile(r"([1-5])xx", re.IGNORECASE)
Limit = Annotated[AsciiInt, Query(ge=1, le=1000, description="Most exchanges returned (newest first).")]
Faulted = Annotated[bool | None, Query(description="true: only exchanges a fault rule applied to; false: the others.")]


class NewTenant(BaseModel):
    name: str


# The body is read by core.jsonbody (depth and size limits), not by FastAPI: described here for OpenAPI.
NEW_TENANT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": NewTenant.model_json_schema()}}}}


def bad_parameter(name: str, message: str) -> SandboxError:
    return SandboxError(400, Code.BAD_PARAMETER, message, expression=[name])


def status_range(value: str | None) -> tuple[int | None, int | None]:
    """``404`` -> (404, 404); ``4xx`` -> (400, 499)."""
    if value is None:
        return None, None
    if ascii_digits(value, 3):
        return int(value), int(value)
    if match := STATUS_CLASS.fullmatch(value):
        low = int(match.group(1)) * 100
        return low, low + 99
    raise bad_parameter("status", f"status {value!r} must be a status code like 404 or a class like 4xx.")


def since_epoch(value: str | None) -> float | None:
    """An ISO 8601 date-time as an epoch timestamp; naive values are taken as UTC."""
    if value is None:
        return None
    for candidate in (value, re.sub(r" ([0-9]{2}:?[0-9]{2})$", r"+\1", value)):  # an unencoded '+' arrives as ' '
        try:
            moment = datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()
    raise bad_parameter("since", f"since {value!r} is not an ISO 8601 date-time (e.g. 2025-01-31T08:00:00Z).")


async def list_exchanges(
    state: State, tenant: str, service: str | None, status: str | None, since: str | None, limit: int,
    faulted: bool | None = None,
) -> dict[str, Any]:
    if tenant != "*":
        await state.tenants.require(tenant)
    low, high = status_range(status)
    rows = await state.recorder.list(
        tenant=None if tenant == "*" else tenant, service=service, status_min=low, status_max=high,
        since=since_epoch(since), limit=limit, faulted=faulted,
    )
    return {"exchanges": rows, "count": len(rows)}


async def get_exchange(state: State, exchange_id: str, tenant: str | None) -> dict[str, Any]:
    record = await state.recorder.get(exchange_id, tenant=tenant)
    if record is None:
        raise SandboxError(
            404, Code.UNKNOWN_EXCHANGE, f"No recorded exchange {exchange_id!r}.", issue="not-found",
            expression=["id"],
        )
    return record


@router.post("/_admin/tenants", status_code=201, openapi_extra=NEW_TENANT_BODY)
async def create_tenant(request: Request, state: State) -> JSONResponse:
    """Create a tenant and seed it on every service."""
    body = await read_model(request, NewTenant, max_bytes=state.settings.max_body_bytes,
                            max_depth=state.settings.max_json_depth)
    row = await state.tenants.create(body.name)
    return JSONResponse(state.tenants.describe(row), status_code=201)


@router.get("/_admin/tenants")
async def list_tenants(state: State) -> dict[str, Any]:
    """List the tenants, oldest first, with each service's base URL."""
    rows = [state.tenants.describe(row) for row in await state.tenants.list()]
    return {"tenants": rows, "count": len(rows)}


@router.post("/_admin/tenants/{tenant}/reset")
async def reset_tenant(tenant: str, state: State) -> dict[str, Any]:
    """Wipe a tenant's data on every service, seed it again and drop its recorded exchanges."""
    return state.tenants.describe(await state.tenants.reset(tenant))


@router.delete("/_admin/tenants/{tenant}", status_code=204)
async def delete_tenant(tenant: str, state: State) -> Response:
    """Delete a tenant: its data on every service and its recorded exchanges (not the default tenant)."""
    await state.tenants.delete(tenant)
    return Response(status_code=204)


@router.get("/_admin/exchanges")
async def exchanges(
    state: State,
    tenant: str = DEFAULT_TENANT,
    service: str | None = None,
    status: str | None = None,
    since: str | None = None,
    limit: Limit = 100,
    faulted: Faulted = None,
) -> dict[str, Any]:
    """Recorded exchanges, newest first, without bodies (``tenant=*`` for every tenant)."""
    return await list_exchanges(state, tenant, service, status, since, limit, faulted)


@router.get("/_admin/exchanges/{exchange_id}")
async def exchange(exchange_id: str, state: State) -> dict[str, Any]:
    """One recorded exchange in full: headers (secrets masked) and bodies."""
    return await get_exchange(state, exchange_id, None)


@router.get("/t/{tenant}/_admin/exchanges")
async def tenant_exchanges(
    tenant: str,
    state: State,
    service: str | None = None,
    status: str | None = None,
    since: str | None = None,
    limit: Limit = 100,
    faulted: Faulted = None,
) -> dict[str, Any]:
    """Recorded exchanges of one tenant, newest first, without bodies."""
    return await list_exchanges(state, tenant, service, status, since, limit, faulted)


@router.get("/t/{tenant}/_admin/exchanges/{exchange_id}")
async def tenant_exchange(tenant: str, exchange_id: str, state: State) -> dict[str, Any]:
    """One recorded exchange of a tenant in full."""
    await state.tenants.require(tenant)
    return await get_exchange(state, exchange_id, tenant)
