"""Tenants: created on first use or by the admin API, reset, deleted, durable across restarts."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from core.codes import Code
from tests.outcomes import assert_outcome


async def tenant_names(client: httpx.AsyncClient) -> list[str]:
    return [t["name"] for t in (await client.get("/_admin/tenants")).json()["tenants"]]


async def test_default_tenant_always_exists(gateway_client: httpx.AsyncClient) -> None:
    body = (await gateway_client.get("/_admin/tenants")).json()
    assert body["count"] == 1
    assert body["tenants"][0]["name"] == "default"
    assert body["tenants"][0]["services"] == {"demo-service": "http://sandbox.test/demo-service"}


async def test_tenant_is_created_and_seeded_on_first_use(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.get("/t/team-a/demo-service/notes/marker")
    assert response.json()["value"] == "seeded"
    assert await tenant_names(gateway_client) == ["default", "team-a"]


async def test_concurrent_first_uses_create_the_tenant_once(gateway_client: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(gateway_client.get("/t/rush/demo-service/notes/marker") for _ in range(8))
    )
    assert {r.status_code for r in responses} == {200}
    assert await tenant_names(gateway_client) == ["default", "rush"]


async def test_post_creates_and_seeds_a_tenant(gateway_client: httpx.AsyncClient) -> None:
    response = await gateway_client.post("/_admin/tenants", json={"name": "team-a"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "team-a"
    assert body["services"] == {"demo-service": "http://sandbox.test/t/team-a/demo-service"}
    assert body["seeded"] == {"demo-service": {"markers": 1}}  # what each service's seed answer says it holds
    assert "team-a" in gateway_client.gateway.state.tenants.known  # so the marker below came from POST
    assert (await gateway_client.get("/t/team-a/demo-service/notes/marker")).json()["value"] == "seeded"


@pytest.mark.parametrize("name", ["Team-A", "team_a", "", "a" * 41, "é", "a/b"])
async def test_post_with_bad_name_answers_400_gw_0001(gateway_client: httpx.AsyncClient, name: str) -> None:
    assert_outcome(await gateway_client.post("/_admin/tenants", json={"name": name}), 400, Code.BAD_TENANT)


async def test_post_without_a_name_answers_400(gateway_client: httpx.AsyncClient) -> None:
    assert_outcome(await gateway_client.post("/_admin/tenants", json={}), 400, Code.BAD_PARAMETER)


async def test_post_of_an_existing_tenant_answers_409_gw_0007(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.get("/t/team-a/demo-service/notes/marker")
    for name in ("team-a", "default"):
        response = await gateway_client.post("/_admin/tenants", json={"name": name})
        assert_outcome(response, 409, Code.TENANT_EXISTS)


async def test_default_tenant_cannot_be_deleted(gateway_client: httpx.AsyncClient) -> None:
    assert_outcome(await gateway_client.delete("/_admin/tenants/default"), 409, Code.PROTECTED_TENANT)


async def test_actions_on_unknown_tenant_answer_404_gw_0002(gateway_client: httpx.AsyncClient) -> None:
    assert_outcome(await gateway_client.delete("/_admin/tenants/ghost"), 404, Code.UNKNOWN_TENANT)
    assert_outcome(await gateway_client.post("/_admin/tenants/ghost/reset"), 404, Code.UNKNOWN_TENANT)
    assert_outcome(await gateway_client.get("/t/ghost/_admin/exchanges"), 404, Code.UNKNOWN_TENANT)
    assert_outcome(await gateway_client.delete("/_admin/tenants/Ghost"), 400, Code.BAD_TENANT)


async def test_reset_wipes_reseeds_and_drops_exchanges(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.put("/t/team-a/demo-service/notes/a", content="1")
    await gateway_client.put("/demo-service/notes/a", content="kept")

    response = await gateway_client.post("/_admin/tenants/team-a/reset")
    assert response.status_code == 200 and response.json()["name"] == "team-a"

    assert (await gateway_client.get("/t/team-a/_admin/exchanges")).json()["count"] == 0
    assert (await gateway_client.get("/t/team-a/demo-service/notes/a")).status_code == 404
    assert (await gateway_client.get("/t/team-a/demo-service/notes/marker")).json()["value"] == "seeded"
    assert (await gateway_client.get("/demo-service/notes/a")).json()["value"] == "kept"


async def test_reset_of_default_tenant_reseeds_it(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.put("/demo-service/notes/a", content="1")
    assert (await gateway_client.post("/_admin/tenants/default/reset")).status_code == 200
    assert (await gateway_client.get("/demo-service/notes/a")).status_code == 404
    assert (await gateway_client.get("/demo-service/notes/marker")).status_code == 200


async def test_delete_removes_data_exchanges_and_tenant(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.put("/t/team-a/demo-service/notes/a", content="1")

    assert (await gateway_client.delete("/_admin/tenants/team-a")).status_code == 204

    assert await tenant_names(gateway_client) == ["default"]
    all_exchanges = (await gateway_client.get("/_admin/exchanges", params={"tenant": "*"})).json()
    assert all(e["tenant"] != "team-a" for e in all_exchanges["exchanges"])
    # A later use creates it again, empty and seeded.
    assert (await gateway_client.get("/t/team-a/demo-service/notes/a")).status_code == 404
    assert (await gateway_client.get("/t/team-a/demo-service/notes/marker")).status_code == 200


async def test_data_and_tenants_survive_a_restart(start_gateway) -> None:
    async with start_gateway() as client:
        await client.put("/t/team-a/demo-service/notes/a", content="durable")
        await client.put("/demo-service/notes/b", content="also durable")
        await client.post("/_admin/tenants", json={"name": "team-b"})

    async with start_gateway() as client:
        assert await tenant_names(client) == ["default", "team-a", "team-b"]
        assert (await client.get("/t/team-a/demo-service/notes/a")).json()["value"] == "durable"
        assert (await client.get("/demo-service/notes/b")).json()["value"] == "also durable"
        exchanges = (await client.get("/t/team-a/_admin/exchanges")).json()
        assert [e["method"] for e in exchanges["exchanges"]] == ["GET", "PUT"]  # newest first


ADMIN = {"authorization": "Bearer s3cret"}


async def test_with_an_admin_token_an_unknown_tenant_is_not_created_on_first_use(start_gateway) -> None:
    async with start_gateway(admin_token="s3cret") as client:
        response = await client.get("/t/team-a/demo-service/notes/marker")
        assert_outcome(response, 404, Code.TENANT_NOT_CREATED)
        assert "POST /_admin/tenants" in response.json()["issue"][0]["diagnostics"]
        assert await tenant_names_as_admin(client) == ["default"]
        assert (await client.post("/_admin/tenants", json={"name": "team-a"}, headers=ADMIN)).status_code == 201
        assert (await client.get("/t/team-a/demo-service/notes/marker")).json()["value"] == "seeded"


async def test_auto_tenants_brings_first_use_creation_back_with_a_token(start_gateway) -> None:
    async with start_gateway(admin_token="s3cret", auto_tenants=True) as client:
        assert (await client.get("/t/team-a/demo-service/notes/marker")).json()["value"] == "seeded"
        assert await tenant_names_as_admin(client) == ["default", "team-a"]


async def test_auto_tenants_false_turns_first_use_creation_off_without_a_token(start_gateway) -> None:
    async with start_gateway(auto_tenants=False) as client:
        assert_outcome(await client.get("/t/team-a/demo-service/notes/marker"), 404, Code.TENANT_NOT_CREATED)


async def tenant_names_as_admin(client: httpx.AsyncClient) -> list[str]:
    return [t["name"] for t in (await client.get("/_admin/tenants", headers=ADMIN)).json()["tenants"]]


async def test_the_tenant_cap_holds_on_first_use_and_admin_create(start_gateway) -> None:
    async with start_gateway(max_tenants=3) as client:
        assert (await client.get("/t/team-a/demo-service/notes/marker")).status_code == 200
        assert (await client.post("/_admin/tenants", json={"name": "team-b"})).status_code == 201
        assert_outcome(await client.get("/t/team-c/demo-service/notes/marker"), 409, Code.TENANT_LIMIT)
        assert_outcome(await client.post("/_admin/tenants", json={"name": "team-c"}), 409, Code.TENANT_LIMIT)
        assert (await client.get("/t/team-a/demo-service/notes/marker")).status_code == 200  # existing ones work
        assert await tenant_names(client) == ["default", "team-a", "team-b"]
        assert (await client.delete("/_admin/tenants/team-b")).status_code == 204
        assert (await client.get("/t/team-c/demo-service/notes/marker")).status_code == 200


async def test_concurrent_first_uses_never_go_over_the_cap(start_gateway) -> None:
    async with start_gateway(max_tenants=5) as client:
        names = [f"rush-{i}" for i in range(12) for _ in range(3)]  # each name three times at once
        responses = await asyncio.gather(*(client.get(f"/t/{n}/demo-service/notes/marker") for n in names))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 12 + [409] * 24
        assert len(await tenant_names(client)) == 5
        created = {n for n, r in zip(names, responses, strict=True) if r.status_code == 200}
        assert len(created) == 4  # and every request for a created name succeeded


async def test_a_refused_tenant_name_leaves_no_lock_behind(start_gateway) -> None:
    async with start_gateway(max_tenants=1) as client:
        for i in range(20):
            await client.get(f"/t/flood-{i}/demo-service/notes/marker")
        assert client.gateway.tenants._locks == {}


async def test_requests_to_a_refused_tenant_are_recorded_under_the_default_tenant(start_gateway) -> None:
    async with start_gateway(admin_token="s3cret", max_tenants=1) as client:
        assert_outcome(await client.get("/t/ghost/demo-service/notes/marker"), 404, Code.TENANT_NOT_CREATED)
        recorded = (await client.get("/_admin/exchanges", params={"tenant": "*"}, headers=ADMIN)).json()
        assert [(e["tenant"], e["path"], e["status"]) for e in recorded["exchanges"]] == [
            ("default", "/t/ghost/demo-service/notes/marker", 404)]


async def test_a_tenant_registered_outside_this_gateway_is_found_without_first_use_creation(start_gateway) -> None:
    async with start_gateway(admin_token="s3cret") as client:
        tenants = client.gateway.state.tenants
        await tenants.create("team-s")  # as `sandbox seed --tenant team-s` would, from another process
        tenants.known.discard("team-s")
        assert (await client.get("/t/team-s/demo-service/notes/marker")).json()["value"] == "seeded"
