"""The gateway's own database on PostgreSQL (``SANDBOX_DATABASE_URL``): tenants and recorded exchanges."""

from __future__ import annotations

from core.db import make_engine
from gateway import recorder as recorder_module
from tests.gateway.support import jwt
from tests.gateway.test_recorder import assert_refused_row_is_isolated, assert_unreplayable_batches_set_aside


async def test_tenants_and_exchanges_work_on_postgresql(start_gateway, postgres_url, monkeypatch) -> None:
    async with start_gateway(database_url=postgres_url) as client:
        assert (await client.post("/_admin/tenants", json={"name": "pg-a"})).status_code == 201
        basic = {"authorization": "Basic eDp5"}  # x:y
        await client.put("/t/pg-a/demo-service/notes/n", content="é" * 10, headers=basic)
        monkeypatch.setattr(recorder_module, "HEAVY_BATCH", 1)
        await client.get("/t/pg-a/demo-service/binary")
        recorder = client.gateway.state.recorder
        async with recorder._lock:  # journaled, as under load
            await recorder._flush_locked(drain=False)

        summaries = (await client.get("/t/pg-a/_admin/exchanges")).json()["exchanges"]
        assert [(e["method"], e["status"]) for e in summaries] == [("GET", 200), ("PUT", 201)]
        put = (await client.get(f"/_admin/exchanges/{summaries[1]['id']}")).json()
        assert put["request_body"] == "é" * 10 and put["actor"] == "x"
        assert put["request_headers"]["authorization"] == "Basic ***"
        binary = (await client.get(f"/_admin/exchanges/{summaries[0]['id']}")).json()
        assert binary["response_body_base64"] is True

        assert (await client.post("/_admin/tenants/pg-a/reset")).status_code == 200
        assert (await client.get("/t/pg-a/_admin/exchanges")).json()["count"] == 0
        assert (await client.delete("/_admin/tenants/pg-a")).status_code == 204

    async with start_gateway(database_url=postgres_url) as client:
        names = [t["name"] for t in (await client.get("/_admin/tenants")).json()["tenants"]]
        assert names == ["default"]


async def test_a_row_postgresql_refuses_is_dropped_alone(start_gateway, postgres_url, caplog) -> None:
    await assert_refused_row_is_isolated(start_gateway, caplog, "pg-iso", database_url=postgres_url)


async def test_a_journal_batch_postgresql_cannot_replay_is_set_aside(start_gateway, postgres_url, caplog) -> None:
    await assert_unreplayable_batches_set_aside(start_gateway, caplog, "pg-aside", database_url=postgres_url)


async def test_values_postgresql_cannot_store_are_recorded_escaped(start_gateway, postgres_url) -> None:
    async with start_gateway(database_url=postgres_url) as client:
        token = jwt({"sub": "pg-\ud800"})
        await client.get("/nowhere%00pg", headers={"authorization": f"Bearer {token}"})
        exchanges = (await client.get("/_admin/exchanges", params={"tenant": "*"})).json()["exchanges"]
        assert [(e["path"], e["actor"]) for e in exchanges if e["path"].startswith("/nowhere")] == [
            ("/nowhere\\x00pg", "pg-\\ud800"),
        ]


async def test_an_older_postgresql_database_gets_the_fault_column(start_gateway, postgres_url) -> None:
    async with start_gateway(database_url=postgres_url) as client:
        assert (await client.get("/t/pg-old/demo-service/notes/marker")).status_code == 200
    engine = make_engine(postgres_url)
    with engine.begin() as conn:  # the table as the gateway created it before fault injection
        conn.exec_driver_sql("ALTER TABLE gateway_exchanges DROP COLUMN fault")
    engine.dispose()
    async with start_gateway(database_url=postgres_url) as client:
        old = (await client.get("/t/pg-old/_admin/exchanges")).json()["exchanges"]
        assert [x["fault"] for x in old] == [None]
        added = await client.post("/t/pg-old/_admin/faults", json={"service": "demo-service", "status": 503})
        assert (await client.get("/t/pg-old/demo-service/notes/marker")).status_code == 503
        newest = (await client.get("/t/pg-old/_admin/exchanges")).json()["exchanges"][0]
        assert newest["fault"]["id"] == added.json()["id"]
