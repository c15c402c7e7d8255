"""Reset and delete are all-or-nothing across the gateway's row, its exchanges and every service.

A service that fails before anything is touched (down, refusing, failing its dry run) leaves every service,
the tenant's row and its exchanges as they were (503 ``GW-0010``). A service failing after the dry run
passed (it died half-way) stops the action there (502 ``GW-0011``, one issue per service): the services
before it are done, the others untouched, the exchanges kept, the tenant usable; the retry completes it.
"""

from __future__ import annotations

import httpx
import pytest

from core.codes import Code
from tests.gateway.demo_service import SPEC as DEMO
from tests.gateway.flaky_service import SPEC as FLAKY
from tests.gateway.flaky_service import Failure
from tests.outcomes import assert_outcome

SERVICES = ("demo-service", "flaky-service")


@pytest.fixture
async def client(start_gateway):
    """A gateway over the demo service then the flaky one; tenant team-a holds a note on each."""
    async with start_gateway(services=[DEMO, FLAKY]) as client:
        for slug in SERVICES:
            assert (await client.put(f"/t/team-a/{slug}/notes/mine", content=slug)).status_code == 201
        yield client


def flaky(client: httpx.AsyncClient):
    return client.gateway.services["flaky-service"].app.state


async def state_of(client: httpx.AsyncClient) -> dict:
    """What a reset or delete changes: each service's note, the exchanges and the tenants."""
    notes = {}
    for slug in SERVICES:
        service = client.gateway.services[slug]
        response = await service.client.get("/notes/mine", headers={"x-sandbox-tenant": "team-a"})
        notes[slug] = response.json().get("value")
    exchanges = (await client.get("/_admin/exchanges", params={"tenant": "*", "limit": 1000})).json()
    tenants = (await client.get("/_admin/tenants")).json()["tenants"]
    return {
        "notes": notes,
        "exchanges": sorted(e["id"] for e in exchanges["exchanges"] if e["tenant"] == "team-a"),
        "tenants": [t["name"] for t in tenants],
    }


def per_service(response: httpx.Response) -> list[tuple[str, str]]:
    """The issues after the first: (severity, text) of each service and of the gateway."""
    return [(issue["severity"], issue["diagnostics"]) for issue in response.json()["issue"][1:]]


@pytest.mark.parametrize("raises", [False, True], ids=["answers-500", "raises"])
@pytest.mark.parametrize(("method", "path"), [("POST", "/_admin/tenants/team-a/reset"),
                                              ("DELETE", "/_admin/tenants/team-a")])
async def test_a_failing_service_leaves_everything_untouched(client, method, path, raises) -> None:
    before = await state_of(client)
    flaky(client).failing = Failure(method, raises=raises)

    response = await client.request(method, path)

    body = assert_outcome(response, 503, Code.TENANT_UNCHANGED)
    assert "flaky-service" in body["issue"][0]["diagnostics"]
    flaky(client).failing = None
    assert await state_of(client) == before
    assert before["notes"] == {"demo-service": "demo-service", "flaky-service": "flaky-service"}
    assert len(before["exchanges"]) == 2


async def test_a_recorder_that_cannot_write_stops_the_reset_before_any_service(client, monkeypatch) -> None:
    before = await state_of(client)

    async def broken_flush() -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(client.gateway.recorder, "flush", broken_flush)
    response = await client.post("/_admin/tenants/team-a/reset")
    monkeypatch.undo()

    assert_outcome(response, 503, Code.TENANT_UNCHANGED)
    assert await state_of(client) == before


async def test_a_service_failing_half_way_through_a_reset_is_named_and_the_retry_completes_it(client) -> None:
    before = await state_of(client)
    flaky(client).failing = Failure("POST", dry_run_too=False)

    response = await client.post("/_admin/tenants/team-a/reset")

    assert_outcome(response, 502, Code.TENANT_PARTIAL)
    assert per_service(response) == [("information", "demo-service: reset done"),
                                     ("error", "flaky-service: reset not done: answered 500")]
    after = await state_of(client)
    assert after["notes"] == {"demo-service": None, "flaky-service": "flaky-service"}  # done / untouched
    assert after["exchanges"] == before["exchanges"] and after["tenants"] == before["tenants"]
    for slug in SERVICES:  # usable: every service holds either a fresh seed or its previous data
        assert (await client.get(f"/t/team-a/{slug}/notes/marker")).json()["value"] == "seeded"

    flaky(client).failing = None
    assert (await client.post("/_admin/tenants/team-a/reset")).status_code == 200
    final = await state_of(client)
    assert final["notes"] == {"demo-service": None, "flaky-service": None}
    assert final["exchanges"] == []


async def test_a_service_failing_half_way_through_a_delete_keeps_the_tenant_usable(client) -> None:
    before = await state_of(client)
    flaky(client).failing = Failure("DELETE", dry_run_too=False, raises=True)

    response = await client.delete("/_admin/tenants/team-a")

    assert_outcome(response, 502, Code.TENANT_PARTIAL)
    assert per_service(response) == [("information", "demo-service: delete done"),
                                     ("error", "flaky-service: delete not done: failed (RuntimeError)")]
    after = await state_of(client)
    assert after["tenants"] == ["default", "team-a"] and after["exchanges"] == before["exchanges"]
    assert after["notes"] == {"demo-service": None, "flaky-service": "flaky-service"}
    # the demo service was wiped, then seeded again: the tenant still works everywhere
    for slug in SERVICES:
        assert (await client.get(f"/t/team-a/{slug}/notes/marker")).json()["value"] == "seeded"

    flaky(client).failing = None
    assert (await client.delete("/_admin/tenants/team-a")).status_code == 204
    assert (await state_of(client))["tenants"] == ["default"]


async def test_a_reset_whose_exchanges_cannot_be_dropped_says_so(client, monkeypatch) -> None:
    async def broken_drop(tenant: str) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(client.gateway.recorder, "drop_tenant", broken_drop)
    response = await client.post("/_admin/tenants/team-a/reset")

    assert_outcome(response, 502, Code.TENANT_PARTIAL)
    assert per_service(response) == [("information", "demo-service: reset done"),
                                     ("information", "flaky-service: reset done"),
                                     ("error", "gateway: reset not done: disk full")]


async def test_the_real_services_reset_and_delete_a_tenant_each_in_one_transaction(start_gateway) -> None:
    """INSi, the Annuaire and PSC wipe and seed inside one transaction each (their seeders join it)."""
    from gateway.registry import DEFAULT_SERVICES
    from tests.services.ins_teleservice.test_admin import identity

    async with start_gateway(services=DEFAULT_SERVICES) as client:
        insi, psc = "/t/team-r/ins-teleservice/_admin", "/t/team-r/pro-sante-connect/_admin"
        assert (await client.post(f"{insi}/identities", json=identity())).status_code == 201
        mine = (await client.post(f"{psc}/clients", json={"redirect_uris": ["https://rp.example/cb"]})).json()

        assert (await client.post("/_admin/tenants/team-r/reset")).status_code == 200

        assert (await client.get(f"{insi}/identities", params={"origin": "admin"})).json()["total"] == 0
        assert (await client.get(f"{insi}/identities", params={"origin": "persona"})).json()["total"] > 0
        clients = {c["client_id"] for c in (await client.get(f"{psc}/clients")).json()["clients"]}
        assert "sandbox-practice-software" in clients and mine["client_id"] not in clients
        directory = await client.get("/t/team-r/annuaire-sante/fhir/v2/Practitioner",
                                     params={"identifier": "899700218896"},
                                     headers={"ESANTE-API-KEY": "sandbox-demo-key"})
        assert directory.json()["total"] == 1

        assert (await client.delete("/_admin/tenants/team-r")).status_code == 204
        assert [t["name"] for t in (await client.get("/_admin/tenants")).json()["tenants"]] == ["default"]
