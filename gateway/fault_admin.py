"""Sandbox-only fault rule routes: ``/_admin/faults`` (default tenant) and ``/t/{tenant}/_admin/faults``.

Guarded by the admin token like every ``/_admin`` route; bodies are read by core/jsonbody and validated by
gateway/fault_rules.py (400 ``GW-0012`` naming the member). Adding a rule to a tenant that does not exist
creates it where first use does (``SANDBOX_AUTO_TENANTS``); listing and deleting need it to exist.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from core.app import SANDBOX_ONLY
from core.fault_rule import RuleSpec, parse_rule
from core.jsonbody import read_json
from core.openapi import body as openapi_body
from core.openapi import model_schema, outcomes
from core.settings import DEFAULT_TENANT
from core.tenancy import check_tenant
from gateway.deps import AdminGuard, State

router = APIRouter(tags=[SANDBOX_ONLY], dependencies=[AdminGuard])
RULE_BODY = openapi_body(model_schema(RuleSpec), ("application/json",))


async def add_rule(request: Request, state: State, tenant: str) -> JSONResponse:
    check_tenant(tenant)
    value, _ = await read_json(request, max_bytes=min(state.settings.max_body_bytes, 64 * 1024),
                               max_depth=state.settings.max_json_depth, allowed=frozenset({"application/json"}))
    spec = parse_rule(value, services=state.services, max_latency_ms=state.settings.fault_max_latency_ms)
    await state.tenants.ensure(tenant)
    rule = state.faults.add(tenant, spec)
    return JSONResponse(rule.describe(state.faults.clock()), status_code=201,
                        headers={"Location": f"{prefix(tenant)}/_admin/faults/{rule.id}"})


def prefix(tenant: str) -> str:
    return "" if tenant == DEFAULT_TENANT else f"/t/{tenant}"


async def list_rules(state: State, tenant: str) -> dict[str, Any]:
    await state.tenants.require(tenant)
    now = state.faults.clock()
    rules = [rule.describe(now) for rule in state.faults.list(tenant)]
    return {"tenant": tenant, "faults": rules, "count": len(rules)}


async def one_rule(state: State, tenant: str, rule_id: str) -> dict[str, Any]:
    await state.tenants.require(tenant)
    return state.faults.get(tenant, rule_id).describe(state.faults.clock())


async def delete_rule(state: State, tenant: str, rule_id: str) -> Response:
    await state.tenants.require(tenant)
    state.faults.delete(tenant, rule_id)
    return Response(status_code=204)


async def clear_rules(state: State, tenant: str) -> Response:
    await state.tenants.require(tenant)
    state.faults.clear(tenant)
    return Response(status_code=204)


@router.post("/_admin/faults", status_code=201, openapi_extra=RULE_BODY, responses=outcomes(400, 409, 413, 415))
async def add_default_rule(request: Request, state: State) -> JSONResponse:
    """Add a fault rule for the default tenant (latency, error status, dropped connection or expired tokens)."""
    return await add_rule(request, state, DEFAULT_TENANT)


@router.get("/_admin/faults")
async def default_rules(state: State) -> dict[str, Any]:
    """The default tenant's fault rules in force, oldest first, with what is left of each."""
    return await list_rules(state, DEFAULT_TENANT)


@router.delete("/_admin/faults", status_code=204)
async def clear_default_rules(state: State) -> Response:
    """Remove every fault rule of the default tenant."""
    return await clear_rules(state, DEFAULT_TENANT)


@router.get("/_admin/faults/{rule_id}", responses=outcomes(404))
async def default_rule(rule_id: str, state: State) -> dict[str, Any]:
    """One fault rule of the default tenant."""
    return await one_rule(state, DEFAULT_TENANT, rule_id)


@router.delete("/_admin/faults/{rule_id}", status_code=204, responses=outcomes(404))
async def delete_default_rule(rule_id: str, state: State) -> Response:
    """Remove one fault rule of the default tenant."""
    return await delete_rule(state, DEFAULT_TENANT, rule_id)


@router.post("/t/{tenant}/_admin/faults", status_code=201, openapi_extra=RULE_BODY,
             responses=outcomes(400, 404, 409, 413, 415))
async def add_tenant_rule(tenant: str, request: Request, state: State) -> JSONResponse:
    """Add a fault rule for a tenant (created on first use where SANDBOX_AUTO_TENANTS allows)."""
    return await add_rule(request, state, tenant)


@router.get("/t/{tenant}/_admin/faults", responses=outcomes(400, 404))
async def tenant_rules(tenant: str, state: State) -> dict[str, Any]:
    """A tenant's fault rules in force, oldest first, with what is left of each."""
    return await list_rules(state, tenant)


@router.delete("/t/{tenant}/_admin/faults", status_code=204, responses=outcomes(400, 404))
async def clear_tenant_rules(tenant: str, state: State) -> Response:
    """Remove every fault rule of a tenant."""
    return await clear_rules(state, tenant)


@router.get("/t/{tenant}/_admin/faults/{rule_id}", responses=outcomes(400, 404))
async def tenant_rule(tenant: str, rule_id: str, state: State) -> dict[str, Any]:
    """One fault rule of a tenant."""
    return await one_rule(state, tenant, rule_id)


@router.delete("/t/{tenant}/_admin/faults/{rule_id}", status_code=204, responses=outcomes(400, 404))
async def delete_tenant_rule(tenant: str, rule_id: str, state: State) -> Response:
    """Remove one fault rule of a tenant."""
    return await delete_rule(state, tenant, rule_id)
