"""The exchange recorder: what is kept, what is masked, how it is filtered and scoped."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import marshal
import re
import time
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
    assert datetime.fromisoformat(record["started_at"]).utcoffset() == timedelta(0)


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


# ---- hostile and damaged data (issue 9) -------------------------------------------------------------

POISON = b'{"token": ' + b"[" * 1000 + b"]" * 1000 + b"}"  # 2 KB of nested arrays, with a secret hint


def entry(request_id: str, tenant: str | None = "default", path: str = "/journaled") -> tuple:
    """A recorder entry as the journal holds it (see recorder.to_entry)."""
    return (tenant, request_id, None, "GET", path, b"", 404, 0.001, time.time(), None,
            ((b"accept", b"*/*"),), ((b"content-type", b"text/plain"),), b"", 0, b"nope", 4)


def journal(db, *blobs: bytes) -> list[int]:
    """Append batches to the (empty) journal directly, as stored data the recorder has to cope with; their seqs."""
    with db.write() as conn:
        for blob in blobs:
            store.append_batch(conn, blob=blob)
        return list(conn.execute(select(store.exchange_batches.c.seq).order_by("seq")).scalars())


def quarantined(db) -> list[tuple[int, bytes]]:
    with db.read() as conn:
        return [tuple(r) for r in conn.execute(select(store.exchange_quarantine.c.batch_seq,
                                                      store.exchange_quarantine.c.rows))]


def recorder_errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "gateway.recorder" and r.levelno >= logging.ERROR]


@pytest.fixture
def slow_writer(monkeypatch) -> None:
    """The background writer waits an hour between flushes: the tests drive it."""
    monkeypatch.setattr(recorder_module, "FLUSH_SECONDS", 3600)


async def test_nested_arrays_under_load_do_not_poison_the_recorder(start_gateway, slow_writer) -> None:
    async with start_gateway() as client:
        state = client.gateway.state
        state.recorder._wake.set()  # the writer flushes, then starts its hour-long wait
        await asyncio.sleep(0.1)
        others = [client.get(f"/demo-service/notes/n{i}") for i in range(recorder_module.HEAVY_BATCH)]
        poisoned, *_ = await asyncio.gather(
            client.post("/nowhere", content=POISON, headers={"content-type": "application/json"}), *others,
        )
        assert poisoned.status_code == 404
        async with state.recorder._lock:  # what the writer does under load: the batch goes to the journal
            await state.recorder._flush_locked(drain=False)
        assert stored_counts(state.db) == (0, 1)
        await client.get("/demo-service/notes/after")

        listing = await client.get("/_admin/exchanges", params={"limit": 1000})
        assert listing.status_code == 200
        assert listing.json()["count"] == recorder_module.HEAVY_BATCH + 2
        assert stored_counts(state.db) == (recorder_module.HEAVY_BATCH + 2, 0)
        [poisoned] = [e for e in listing.json()["exchanges"] if e["path"] == "/nowhere"]
        record = (await client.get(f"/_admin/exchanges/{poisoned['id']}")).json()
        assert (record["method"], record["status"], record["request_body"]) == ("POST", 404, "***")
        assert (await client.post("/_admin/tenants/default/reset")).status_code == 200

    async with start_gateway() as client:  # a restart on the same database
        await client.get("/demo-service/notes/restarted")
        listing = await client.get("/_admin/exchanges")
        assert listing.status_code == 200
        assert [e["path"] for e in listing.json()["exchanges"]] == ["/demo-service/notes/restarted"]


async def assert_unreplayable_batches_set_aside(start_gateway, caplog, tenant: str, **settings) -> None:
    """Journal batches that are not batches, left by a previous run: moved aside at start, logged once each."""
    bad = [b"\x00 not a batch " + tenant.encode(), marshal.dumps({"not": "a list", "tenant": tenant})]
    async with start_gateway(**settings) as client:
        await client.get(f"/t/{tenant}/demo-service/notes/first")
        db = client.gateway.state.db
        await client.gateway.state.recorder.flush()
        seqs = journal(db, *bad, marshal.dumps([entry("good-1", tenant)]))
        client.gateway.state.recorder.journal = 0  # written behind the recorder's back: seen at the next start
    caplog.set_level(logging.ERROR, logger="gateway.recorder")

    async with start_gateway(**settings) as client:
        db = client.gateway.state.db
        listing = await client.get(f"/t/{tenant}/_admin/exchanges")
        assert listing.status_code == 200
        assert [e["request_id"] for e in listing.json()["exchanges"] if e["path"] == "/journaled"] == ["good-1"]
        assert [row for row in quarantined(db) if row[0] in seqs] == list(zip(seqs[:2], bad, strict=True))
        assert [m.split(":")[0] for m in recorder_errors(caplog)] == [
            f"Journal batch {seq} cannot be replayed and is set aside in gateway_exchange_quarantine"
            for seq in seqs[:2]
        ]
        await client.get(f"/t/{tenant}/demo-service/notes/later")
        assert (await client.get(f"/t/{tenant}/_admin/exchanges")).json()["count"] == 3
        assert len(recorder_errors(caplog)) == 2  # set aside once, never retried
        assert (await client.delete(f"/_admin/tenants/{tenant}")).status_code == 204


async def test_a_journal_batch_that_cannot_be_replayed_is_set_aside_at_start(start_gateway, caplog) -> None:
    await assert_unreplayable_batches_set_aside(start_gateway, caplog, "default-aside")


async def assert_refused_row_is_isolated(start_gateway, caplog, tenant: str, **settings) -> None:
    """A journal batch with one row the database refuses (NULL tenant): the rest is written, one line logged."""
    async with start_gateway(**settings) as client:
        batch = [entry("iso-1", tenant), entry("iso-bad", None), entry("iso-2", tenant)]
        journal(client.gateway.state.db, marshal.dumps(batch))
        client.gateway.state.recorder.journal = 0
    caplog.set_level(logging.ERROR, logger="gateway.recorder")
    async with start_gateway(**settings) as client:
        await client.get(f"/t/{tenant}/demo-service/notes/live")
        listing = await client.get(f"/t/{tenant}/_admin/exchanges")
        assert listing.status_code == 200
        assert sorted(e["request_id"] or "live" for e in listing.json()["exchanges"]
                      if e["path"] == "/journaled") == ["iso-1", "iso-2"]
        assert listing.json()["count"] == 3
        errors = recorder_errors(caplog)
        assert len(errors) == 1
        assert re.fullmatch(r"Recorded exchange [0-9a-f]{32} was refused by the database and is dropped: .+",
                            errors[0])
        assert (await client.delete(f"/_admin/tenants/{tenant}")).status_code == 204


async def test_a_row_the_database_refuses_is_dropped_alone(start_gateway, caplog) -> None:
    await assert_refused_row_is_isolated(start_gateway, caplog, "default-iso")


async def test_values_no_database_stores_are_recorded_escaped(gateway_client) -> None:
    token = jwt({"sub": "\ud800"})
    await gateway_client.get("/nowhere%00x", headers={"authorization": f"Bearer {token}"})
    record = await newest(gateway_client)
    assert (record["path"], record["actor"]) == ("/nowhere\\x00x", "\\ud800")


async def test_damaged_stored_rows_are_shown_with_what_can_be_read(gateway_client) -> None:
    await gateway_client.get("/demo-service/notes/marker")
    db = gateway_client.gateway.state.db
    await gateway_client.gateway.state.recorder.flush()
    with db.write() as conn:
        conn.execute(store.exchanges.update().values(detail=b"\x00damaged"))
        conn.exec_driver_sql(  # past SQLAlchemy's type processing, as another writer might store it
            'INSERT INTO gateway_exchanges (id, tenant, method, path, "query", status, duration_ms, started, '
            "detail) VALUES (?, 'default', 'GET', '/odd', '', 200, 'slow', 1e300, ?)",
            ("0" * 32, marshal.dumps((1, "not", "a", "detail"))),
        )
    listing = await gateway_client.get("/_admin/exchanges")
    assert listing.status_code == 200
    odd, marker = listing.json()["exchanges"]
    assert (odd["started_at"], odd["duration_ms"], odd["unreadable"]) == (None, None, ["started_at", "duration_ms"])
    assert "unreadable" not in marker

    damaged = (await gateway_client.get(f"/_admin/exchanges/{marker['id']}")).json()
    assert (damaged["path"], damaged["status"]) == ("/demo-service/notes/marker", 200)
    assert damaged["unreadable"] == ["detail"]
    assert damaged["request_headers"] is None and damaged["response_body"] is None
    odd = (await gateway_client.get("/_admin/exchanges/" + "0" * 32)).json()
    assert odd["unreadable"] == ["started_at", "duration_ms", "detail"]


async def test_secrets_in_redirects_queries_and_mislabelled_bodies_are_masked(gateway_client) -> None:
    callback = "http://localhost:3000/callback?code=SplxlOBe&state=s#id_token=a.b.c"
    await gateway_client.get("/demo-service/redirect", params={"to": callback})
    record = await newest(gateway_client)
    assert record["status"] == 302
    assert record["response_headers"]["location"] == "http://localhost:3000/callback?code=***&state=s#id_token=a.b.***"

    await gateway_client.get("/demo-service/echo?code=c&client_secret=s&access_token=t&_count=2")
    record = await newest(gateway_client)
    assert record["query"] == "code=***&client_secret=***&access_token=***&_count=2"
    assert '"code=c' not in record["response_body"] and "client_secret=s" not in record["response_body"]

    await gateway_client.put("/demo-service/notes/n", content=b"client_id=x&client_assertion=h.c.sig",
                             headers={"content-type": "text/plain"})
    record = await newest(gateway_client)
    assert record["request_body"] == "client_id=x&client_assertion=h.c.***"
