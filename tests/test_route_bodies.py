"""Every JSON body the sandbox accepts is read by the kernel's one reader, core/jsonbody (issue 9, item 4).

FastAPI parses a body parameter (``body: Model``, ``Body(...)``) with ``request.json()``, which has no depth
limit: JSON nested 1,000 levels raises ``RecursionError`` there. No route of the gateway or of a service may
declare one; routes read their body with ``core.jsonbody.read_json`` / ``read_model`` instead.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import Body, FastAPI

from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import DEFAULT_SERVICES
from tests.routes import api_routes, sandbox_apps


def body_routes(routes, where: str = "") -> list[str]:  # noqa: ANN001
    """The routes (nested ones too) that let FastAPI parse their body."""
    return [label for label, route in api_routes(routes, where) if route.body_field is not None]


def test_no_route_of_the_gateway_or_its_services_lets_fastapi_parse_a_body(tmp_path):
    apps = sandbox_apps(tmp_path)
    assert sorted(apps) == sorted(["", *(f"/{spec.slug}" for spec in DEFAULT_SERVICES)])
    assert [route for where, app in apps.items() for route in body_routes(app.routes, where)] == []


def test_the_check_sees_a_fastapi_body():
    app = FastAPI()

    @app.post("/x")
    async def route(value: dict = Body(...)) -> dict:  # noqa: B008
        return value

    assert body_routes(app.routes) == ["/x POST"]


def deep(depth: int) -> bytes:
    return b'{"name":' + b"[" * depth + b"]" * depth + b"}"


@pytest.fixture
async def sandbox(tmp_path):
    gateway = create_app(SandboxSettings(data_dir=tmp_path, public_url="http://sandbox.test"))
    async with gateway.router.lifespan_context(gateway), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=gateway), base_url="http://sandbox.test") as client:
        yield client


@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_deep_json_to_the_admin_routes_with_a_model_gets_400_in_their_own_form(sandbox, depth):
    json_type = {"content-type": "application/json"}
    tenants = await sandbox.post("/_admin/tenants", content=deep(depth), headers=json_type)
    assert (tenants.status_code, tenants.json()["issue"][0]["details"]["coding"][0]["code"]) == (400, "FHIR-0021")
    ciba = await sandbox.put("/pro-sante-connect/_admin/ciba", content=deep(depth), headers=json_type)
    assert (ciba.status_code, ciba.json()["issue"][0]["details"]["coding"][0]["code"]) == (400, "FHIR-0021")
    clients = await sandbox.post("/pro-sante-connect/_admin/clients", content=deep(depth), headers=json_type)
    assert (clients.status_code, clients.json()["error"]) == (400, "invalid_client_metadata")  # RFC 7591 form
    assert [t["name"] for t in (await sandbox.get("/_admin/tenants")).json()["tenants"]] == ["default"]


async def test_the_model_routes_still_validate_and_accept_their_bodies(sandbox):
    wrong = await sandbox.post("/_admin/tenants", json={"name": 3})
    issue = wrong.json()["issue"][0]
    assert (wrong.status_code, issue["details"]["coding"][0]["code"], issue["expression"]) == (
        400, "HTTP-0400", ["name"])
    assert (await sandbox.post("/_admin/tenants", json={"name": "team-a"})).status_code == 201
    ciba = await sandbox.put("/pro-sante-connect/_admin/ciba", json={"auto_approve_after": 5})
    assert (ciba.status_code, ciba.json()) == (200, {"auto_approve_after": 5.0})
    declared = await sandbox.post("/pro-sante-connect/_admin/clients", json={"redirect_uris": ["https://rp.example/cb"]})
    assert declared.status_code == 201
