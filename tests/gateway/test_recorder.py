"""The exchange recorder: what is kept, what is masked, how it is filtered and scoped."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from core.codes import Code
from gateway import recorder as recorder_module
from gateway import store
from tests.gateway.support import jwt
from tests.outcomes import assert_outcome


async def newest(client: httpx.AsyncClient, **params) -> dict:
    summary = (await client.get("/_admin/exchanges", params=params)).json()["exchanges"][0]
    return (await client.get(f"/_admin/exchanges/{summary['id']}")).json()


async def test_exchange_is_recorded_with_masked_headers_actor_and_bodies(gateway_client) -> None:
    token = jwt({"SubjectNameID": "899700218896", "sub": "x"})
    response = await gateway_client.put(
        "/t/team-a/demo-service/notes/n1?trace=1",
        content="hello",
        headers={"authorization": f"Bearer {token}", "x-request-id": "rec-1", "cookie": "sid=2"},
    )
    record = await newest(gateway_client, tenant="team-a")
    assert record["tenant"] == "team-a"
    assert record["request_id"] == "rec-1"
    assert record["service"] == "demo-service"
    assert record["method"] == "PUT"
    assert (record["path"], record["query"]) == ("/t/team-a/demo-service/notes/n1", "trace=1")
    assert record["status"] == 201 and record["duration_ms"] > 0
    assert record["actor"] == "899700218896"
    assert record["request_headers"]["authorization"] == "Bearer ***"
    assert record["request_headers"]["cookie"] == "***"
    assert token not in json.dumps(record)
    assert record["response_headers"]["x-request-id"] == "rec-1"
    assert record["request_body"] == "hello" and record["request_body_truncated"] is False
    assert json.loads(record["response_body"]) == response.json()
    assert datetime.fromisoformat(record["started_at"]).tzinfo is not None


async def test_bodies_are_truncated_at_the_limit(start_gateway) -> None:
    async with start_gateway(record_body_bytes=1000) as client:
        await client.post("/demo-service/upload", content=b"u" * 5000)
        await client.get("/demo-service/big?size=4000")
        big, upload = (await client.get("/_admin/exchanges")).json()["exchanges"][:2]
        big = (await client.get(f"/_admin/exchanges/{big['id']}")).json()
        upload = (await client.get(f"/_admin/exchanges/{upload['id']}")).json()
    assert big["response_body"] == "x" * 1000 and big["response_body_truncated"] is True
    assert big["response_size"] == 4000
    assert upload["request_body"] == "u" * 1000 and upload["request_body_truncated"] is True
    assert upload["request_size"] == 5000


async def test_binary_bodies_are_stored_base64(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.get("/demo-service/binary")
    record = await newest(gateway_client)
    assert record["response_body_base64"] is True
    assert base64.b64decode(record["response_body"]) == bytes(range(256))


async def test_gateway_own_routes_are_not_recorded_but_unknown_paths_are(gateway_client) -> None:
    for path in ("/livez", "/readyz", "/metrics", "/_admin/tenants", "/"):
        await gateway_client.get(path)
    await gateway_client.get("/nowhere")
    exchanges = (await gateway_client.get("/_admin/exchanges")).json()["exchanges"]
    assert [(e["path"], e["service"], e["status"]) for e in exchanges] == [("/nowhere", None, 404)]


async def test_filters_by_service_status_since_and_limit(gateway_client: httpx.AsyncClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    await gateway_client.get("/demo-service/notes/marker")
    await gateway_client.get("/demo-service/notes/missing")
    await gateway_client.get("/nowhere")
    await gateway_client.get("/demo-service/boom")

    async def paths(**params) -> list[str]:
        body = (await gateway_client.get("/_admin/exchanges", params=params)).json()
        assert body["count"] == len(body["exchanges"])
        return [e["path"] for e in body["exchanges"]]

    assert await paths() == ["/demo-service/boom", "/nowhere", "/demo-service/notes/missing",
                             "/demo-service/notes/marker"]
    assert await paths(service="demo-service", status="4xx") == ["/demo-service/notes/missing"]
    assert await paths(status="404") == ["/nowhere", "/demo-service/notes/missing"]
    assert await paths(status="5XX") == ["/demo-service/boom"]
    assert await paths(limit=2) == ["/demo-service/boom", "/nowhere"]
    assert len(await paths(since=before.isoformat())) == 4
    assert await paths(since=(datetime.now(UTC) + timedelta(minutes=1)).isoformat()) == []
    assert len(await paths(since=before.strftime("%Y-%m-%dT%H:%M:%SZ"))) == 4


@pytest.mark.parametrize(
    "params", [{"status": "abc"}, {"status": "40"}, {"since": "yesterday"}, {"limit": "0"}, {"limit": "1001"}]
)
async def test_bad_filters_answer_400(gateway_client: httpx.AsyncClient, params: dict) -> None:
    assert_outcome(await gateway_client.get("/_admin/exchanges", params=params), 400, Code.BAD_PARAMETER)


async def test_unknown_exchange_answers_404_gw_0004(gateway_client: httpx.AsyncClient) -> None:
    assert_outcome(await gateway_client.get("/_admin/exchanges/nope"), 404, Code.UNKNOWN_EXCHANGE)


async def test_exchanges_are_scoped_by_tenant(gateway_client: httpx.AsyncClient) -> None:
    await gateway_client.get("/demo-service/notes/marker")
    await gateway_client.get("/t/team-a/demo-service/notes/marker")
    await gateway_client.get("/t/team-b/demo-service/notes/marker")

    async def tenants(path: str, **params) -> list[str]:
        return [e["tenant"] for e in (await gateway_client.get(path, params=params)).json()["exchanges"]]

    assert await tenants("/_admin/exchanges") == ["default"]
    assert await tenants("/_admin/exchanges", tenant="team-a") == ["team-a"]
    assert await tenants("/t/team-b/_admin/exchanges") == ["team-b"]
    assert await tenants("/_admin/exchanges", tenant="*") == ["team-b", "team-a", "default"]

    team_a = (await gateway_client.get("/t/team-a/_admin/exchanges")).json()["exchanges"][0]["id"]
    assert (await gateway_client.get(f"/t/team-a/_admin/exchanges/{team_a}")).status_code == 200
    assert (await gateway_client.get(f"/_admin/exchanges/{team_a}")).status_code == 200
    response = await gateway_client.get(f"/t/team-b/_admin/exchanges/{team_a}")
    assert_outcome(response, 404, Code.UNKNOWN_EXCHANGE)


def stored_counts(db) -> tuple[int, int]:
    """(exchange rows, journal batches) in the gateway database."""
    with db.read() as conn:
        rows = conn.execute(select(func.count()).select_from(store.exchanges)).scalar_one()
        batches = conn.execute(select(func.count()).select_from(store.exchange_batches)).scalar_one()
    return rows, batches


async def test_the_writer_flushes_in_the_background(gateway_client, monkeypatch) -> None:
    monkeypatch.setattr(recorder_module, "FLUSH_SECONDS", 0.02)
    state = gateway_client.gateway.state
    state.recorder._wake.set()  # end the current wait, so that the next one uses the short interval
    await asyncio.sleep(0.05)
    await gateway_client.get("/demo-service/notes/marker")
    for _ in range(100):
        if stored_counts(state.db)[0] == 1:
            break
        await asyncio.sleep(0.02)
    assert stored_counts(state.db) == (1, 0)


async def test_batches_under_load_are_journaled_and_read_back(gateway_client, monkeypatch) -> None:
    monkeypatch.setattr(recorder_module, "HEAVY_BATCH", 1)
    recorder = gateway_client.gateway.state.recorder
    await recorder.flush()
    await gateway_client.get("/demo-service/notes/marker")
    await gateway_client.get("/demo-service/notes/missing")
    async with recorder._lock:  # what the background writer does under load
        await recorder._flush_locked(drain=False)
    assert stored_counts(gateway_client.gateway.state.db) == (0, 1)

    body = (await gateway_client.get("/_admin/exchanges")).json()
    assert [e["status"] for e in body["exchanges"]] == [404, 200]
    assert stored_counts(gateway_client.gateway.state.db) == (2, 0)


async def test_journal_left_by_a_crash_is_read_after_a_restart(start_gateway, monkeypatch) -> None:
    monkeypatch.setattr(recorder_module, "HEAVY_BATCH", 1)
    async with start_gateway() as client:
        recorder = client.gateway.state.recorder
        await client.get("/demo-service/notes/marker")
        async with recorder._lock:
            await recorder._flush_locked(drain=False)
        monkeypatch.setattr(recorder, "flush", lambda: asyncio.sleep(0))  # the process dies: no final drain
    async with start_gateway() as client:
        exchanges = (await client.get("/_admin/exchanges")).json()["exchanges"]
        assert [e["path"] for e in exchanges] == ["/demo-service/notes/marker"]
