"""The admin token guard and the OpenAPI description of the gateway's sandbox-only routes."""

from __future__ import annotations

import pytest

from core.codes import Code
from tests.gateway.support import GENERATED_ID
from tests.outcomes import assert_outcome

TOKEN = "s3cret-admin"
GUARDED = [
    ("GET", "/_admin/tenants"),
    ("POST", "/_admin/tenants"),
    ("POST", "/_admin/tenants/default/reset"),
    ("DELETE", "/_admin/tenants/team-a"),
    ("GET", "/_admin/exchanges"),
    ("GET", "/_admin/exchanges/some-id"),
    ("GET", "/t/team-a/_admin/exchanges"),
    ("POST", "/_admin/faults"),
    ("GET", "/_admin/faults"),
    ("DELETE", "/_admin/faults"),
    ("GET", "/_admin/faults/some-id"),
    ("DELETE", "/_admin/faults/some-id"),
    ("POST", "/t/team-a/_admin/faults"),
    ("GET", "/t/team-a/_admin/faults"),
    ("DELETE", "/t/team-a/_admin/faults/some-id"),
]


@pytest.mark.parametrize(("method", "path"), GUARDED)
async def test_admin_routes_require_the_token_when_set(start_gateway, method: str, path: str) -> None:
    async with start_gateway(admin_token=TOKEN) as client:
        response = await client.request(method, path, json={"name": "x"} if method == "POST" else None)
        assert_outcome(response, 401, Code.ADMIN_TOKEN_REQUIRED)
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
        wrong = await client.request(method, path, headers={"authorization": "Bearer nope"})
        assert_outcome(wrong, 401, Code.ADMIN_TOKEN_REQUIRED)


@pytest.mark.parametrize("body", [b"{", b"[1, 2]", b'{"name": 3}', b'{"name": "Bad_Name"}', b"\xff" * 10])
async def test_the_admin_token_is_checked_before_the_body_is_parsed(start_gateway, body: bytes) -> None:
    json_type = {"content-type": "application/json"}
    async with start_gateway(admin_token=TOKEN) as client:
        response = await client.post("/_admin/tenants", content=body, headers=json_type)
        assert_outcome(response, 401, Code.ADMIN_TOKEN_REQUIRED)
        allowed = await client.post("/_admin/tenants", content=body,
                                    headers={**json_type, "authorization": f"Bearer {TOKEN}"})
        assert allowed.status_code == 400


async def test_the_admin_token_is_checked_before_the_query_is_parsed(start_gateway) -> None:
    async with start_gateway(admin_token=TOKEN) as client:
        for path in ("/_admin/exchanges?limit=0", "/t/default/_admin/exchanges?limit=nope"):
            assert_outcome(await client.get(path), 401, Code.ADMIN_TOKEN_REQUIRED)
            allowed = await client.get(path, headers={"authorization": f"Bearer {TOKEN}"})
            assert_outcome(allowed, 400, Code.BAD_PARAMETER)


async def test_admin_token_is_accepted_as_bearer_or_header(start_gateway) -> None:
    async with start_gateway(admin_token=TOKEN) as client:
        bearer = await client.get("/_admin/tenants", headers={"authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200
        header = await client.get("/_admin/exchanges", headers={"x-sandbox-admin-token": TOKEN})
        assert header.status_code == 200


async def test_gateway_sends_the_token_when_it_seeds_resets_and_deletes(start_gateway) -> None:
    auth = {"authorization": f"Bearer {TOKEN}"}
    async with start_gateway(admin_token=TOKEN, auto_tenants=True) as client:
        # First use (allowed here by SANDBOX_AUTO_TENANTS): the gateway seeds the tenant with the token.
        assert (await client.get("/t/team-a/demo-service/notes/marker")).json()["value"] == "seeded"
        created = await client.post("/_admin/tenants", json={"name": "team-b"}, headers=auth)
        assert created.status_code == 201
        assert (await client.post("/_admin/tenants/team-b/reset", headers=auth)).status_code == 200
        assert (await client.delete("/_admin/tenants/team-b", headers=auth)).status_code == 204


async def test_service_traffic_and_health_do_not_need_the_token(start_gateway) -> None:
    async with start_gateway(admin_token=TOKEN) as client:
        assert (await client.get("/demo-service/notes/marker")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200


async def test_admin_routes_are_tagged_sandbox_only(gateway_client) -> None:
    paths = (await gateway_client.get("/openapi.json")).json()["paths"]
    admin = {path: ops for path, ops in paths.items() if "/_admin" in path}
    assert set(admin) == {
        "/_admin/tenants", "/_admin/tenants/{tenant}/reset", "/_admin/tenants/{tenant}",
        "/_admin/exchanges", "/_admin/exchanges/{exchange_id}",
        "/t/{tenant}/_admin/exchanges", "/t/{tenant}/_admin/exchanges/{exchange_id}",
        "/_admin/faults", "/_admin/faults/{rule_id}",
        "/t/{tenant}/_admin/faults", "/t/{tenant}/_admin/faults/{rule_id}",
    }
    for ops in admin.values():
        for op in ops.values():
            assert op["tags"] == ["sandbox-only"]
            assert op["description"] or op["summary"]
