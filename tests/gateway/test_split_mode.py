"""Split mode: the demo service runs in its own uvicorn process and the gateway forwards to its URL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from core.codes import Code
from gateway.proxy import RemoteService
from tests.gateway.support import GENERATED_ID, free_port, wait_ready
from tests.outcomes import assert_outcome

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def upstream_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo service as a separate uvicorn process on a free port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "DEMO_SERVICE_"))}
    env |= {"PYTHONPATH": str(ROOT), "SANDBOX_DATA_DIR": str(tmp_path_factory.mktemp("upstream"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.gateway.demo_service_main:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def split_client(start_gateway, upstream_url, monkeypatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("DEMO_SERVICE_URL", upstream_url)
    async with start_gateway() as client:
        assert isinstance(client.gateway.state.services["demo-service"], RemoteService)
        yield client


async def test_requests_are_forwarded_with_tenant_request_id_and_forwarded_headers(split_client) -> None:
    response = await split_client.get(
        "/t/team-a/demo-service/echo?q=a%20b&x=%2B",
        headers={"x-request-id": "split-1", "x-sandbox-tenant": "evil", "x-forwarded-for": "10.0.0.1"},
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "split-1"
    echo = response.json()
    assert echo["path"] == "/echo" and echo["query"] == "q=a%20b&x=%2B"
    headers = echo["headers"]
    assert headers["x-sandbox-tenant"] == "team-a"
    assert headers["x-request-id"] == "split-1"
    assert headers["x-forwarded-for"] == "10.0.0.1, 127.0.0.1"
    assert headers["x-forwarded-host"] == "sandbox.test"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-forwarded-prefix"] == "/t/team-a/demo-service"
    assert headers["host"] == split_client.gateway.state.services["demo-service"].base.netloc.decode()


async def test_hop_by_hop_headers_are_stripped_both_ways(split_client) -> None:
    response = await split_client.get(
        "/demo-service/echo",
        headers={"keep-alive": "300", "proxy-authorization": "Basic eDp5", "te": "trailers",
                 "connection": "x-hop", "x-hop": "1", "x-end-to-end": "kept"},
    )
    seen = response.json()["headers"]
    for name in ("keep-alive", "proxy-authorization", "te", "x-hop"):
        assert name not in seen, name
    assert seen["x-end-to-end"] == "kept"
    assert response.headers["x-demo"] == "1"
    for name in ("keep-alive", "proxy-authenticate", "transfer-encoding"):
        assert name not in response.headers, name


async def test_streamed_response_passes_whole_and_is_recorded_truncated(split_client) -> None:
    response = await split_client.get("/demo-service/stream?chunks=20&size=50000")
    assert response.content == b"".join(bytes([48 + i % 10]) * 50_000 for i in range(20))
    summary = (await split_client.get("/_admin/exchanges")).json()["exchanges"][0]
    record = (await split_client.get(f"/_admin/exchanges/{summary['id']}")).json()
    assert record["response_size"] == 1_000_000 and record["response_body_truncated"] is True
    assert len(record["response_body"]) == 64 * 1024


async def test_request_bodies_stream_to_the_upstream(split_client) -> None:
    async def chunks():
        for _ in range(3):
            yield b"c" * 10_000

    assert (await split_client.post("/demo-service/upload", content=chunks())).json() == {"size": 30_000}
    assert (await split_client.put("/t/team-s/demo-service/notes/k", content="v")).status_code == 201
    assert (await split_client.get("/t/team-s/demo-service/notes/k")).json()["value"] == "v"
    assert (await split_client.get("/demo-service/notes/k")).status_code == 404
    record = (await split_client.get("/_admin/exchanges", params={"tenant": "team-s"})).json()["exchanges"]
    assert [e["method"] for e in record] == ["GET", "PUT"]


async def test_new_tenant_is_seeded_over_http(split_client) -> None:
    assert (await split_client.get("/t/team-h/demo-service/notes/marker")).json()["value"] == "seeded"
    assert (await split_client.post("/_admin/tenants/team-h/reset")).status_code == 200
    assert (await split_client.delete("/_admin/tenants/team-h")).status_code == 204


async def test_body_limit_applies_in_split_mode(start_gateway, upstream_url, monkeypatch) -> None:
    monkeypatch.setenv("DEMO_SERVICE_URL", upstream_url)

    async def chunks():
        for _ in range(3):
            yield b"c" * 600

    async with start_gateway(max_body_bytes=1000) as client:
        for content in (b"x" * 1001, chunks()):
            response = await client.post("/demo-service/upload", content=content)
            assert_outcome(response, 413, Code.BODY_TOO_LARGE)


async def test_readyz_checks_the_upstream(split_client) -> None:
    response = await split_client.get("/readyz")
    assert response.status_code == 200 and response.json()["services"] == {"demo-service": "ok"}


async def test_unreachable_upstream_answers_502_gw_0005(start_gateway, monkeypatch) -> None:
    monkeypatch.setenv("DEMO_SERVICE_URL", f"http://127.0.0.1:{free_port()}")
    async with start_gateway() as client:
        response = await client.get("/demo-service/notes/marker")
        assert_outcome(response, 502, Code.SERVICE_UNAVAILABLE)
        assert GENERATED_ID.fullmatch(response.headers["x-request-id"])
        assert_outcome(await client.get("/t/team-x/demo-service/echo"), 502, Code.SERVICE_UNAVAILABLE)
        assert "team-x" not in client.gateway.state.tenants.known
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["services"] == {"demo-service": "unavailable"}
        exchanges = (await client.get("/_admin/exchanges")).json()["exchanges"]
        assert exchanges[0]["status"] == 502


async def test_fault_rules_apply_in_front_of_a_forwarded_service(split_client) -> None:
    added = await split_client.post("/_admin/faults", json={"service": "demo-service", "path": "/echo",
                                                            "status": 503, "count": 1})
    assert added.status_code == 201
    assert_outcome(await split_client.get("/demo-service/echo"), 503, Code.FAULT_INJECTED)
    assert (await split_client.get("/demo-service/echo")).status_code == 200
    await split_client.post("/_admin/faults", json={"service": "demo-service", "drop": True, "count": 1})
    with pytest.raises(httpx.RemoteProtocolError):
        await split_client.post("/demo-service/echo", content=b"x" * 100)
    assert (await split_client.get("/demo-service/echo")).status_code == 200
