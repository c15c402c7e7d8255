"""Durable recording (``SANDBOX_RECORD_DURABLE``): an exchange is journaled before its response completes."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
from starlette.types import Message

from gateway import recorder as recorder_module
from gateway.dispatch import Exchange
from tests.gateway.support import free_port, wait_ready
from tests.gateway.test_recorder import stored_counts

ROOT = Path(__file__).resolve().parents[2]
SCOPE = {"type": "http", "method": "GET", "path": "/x", "query_string": b"", "headers": []}


async def sent_order(messages: list[Message]) -> list[str]:
    """What happens, in order, when a service sends ``messages`` through a durable Exchange."""
    events: list[str] = []

    async def send(message: Message) -> None:
        events.append(f"send {message['type'].rsplit('.', 1)[1]} {message.get('body', b'')!r}")

    async def journal(exchange: Exchange) -> bool:
        events.append(f"journal {exchange.status} {exchange.response_size}")
        return True

    exchange = Exchange(send, SCOPE, "r-1", "default", "demo-service", 0.0, 100)
    exchange.durable = journal
    for message in messages:
        await exchange(message)
    assert exchange.recorded is True
    return events


async def test_the_last_message_waits_for_the_journal() -> None:
    assert await sent_order([
        {"type": "http.response.start", "status": 200, "headers": []},
        {"type": "http.response.body", "body": b"ab", "more_body": True},
        {"type": "http.response.body", "body": b"cd"},
    ]) == ["send start b''", "send body b'ab'", "journal 200 4", "send body b'cd'"]


async def test_the_message_reaching_the_content_length_waits_for_the_journal() -> None:
    assert await sent_order([
        {"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"4")]},
        {"type": "http.response.body", "body": b"abcd", "more_body": True},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]) == ["send start b''", "journal 201 4", "send body b'abcd'", "send body b''"]


async def test_a_durable_exchange_is_in_the_journal_when_its_response_arrives(start_gateway, monkeypatch) -> None:
    monkeypatch.setattr(recorder_module, "FLUSH_SECONDS", 3600)
    async with start_gateway(record_durable=True) as client:
        state = client.gateway.state
        state.recorder._wake.set()  # the writer flushes, then waits an hour
        await asyncio.sleep(0.1)
        response = await client.put("/demo-service/notes/d", content="v", headers={"x-request-id": "dur-1"})
        assert response.status_code == 201
        assert stored_counts(state.db) == (0, 1)
        assert state.recorder.buffer == []
        [record] = (await client.get("/_admin/exchanges")).json()["exchanges"]
        assert (record["request_id"], record["status"], record["path"]) == ("dur-1", 201, "/demo-service/notes/d")
        assert record["duration_ms"] > 0
        assert stored_counts(state.db) == (1, 0)


async def test_an_exchange_the_journal_refuses_goes_to_the_buffer(start_gateway, monkeypatch) -> None:
    async with start_gateway(record_durable=True) as client:
        recorder = client.gateway.state.recorder

        def refuse(_blob: bytes) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(recorder, "_append", refuse)
        assert (await client.get("/demo-service/notes/x", headers={"x-request-id": "dur-2"})).status_code == 404
        assert [entry[1] for entry in recorder.buffer] == ["dur-2"]
        monkeypatch.undo()
        assert [e["request_id"] for e in (await client.get("/_admin/exchanges")).json()["exchanges"]] == ["dur-2"]


def serve(data_dir: Path, durable: bool) -> tuple[subprocess.Popen, str]:
    """The gateway over the demo service in a uvicorn process on a free loopback port."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANDBOX_", "DEMO_SERVICE_"))}
    env |= {"PYTHONPATH": str(ROOT), "SANDBOX_DATA_DIR": str(data_dir),
            "SANDBOX_RECORD_DURABLE": "true" if durable else "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.gateway.demo_gateway_main:app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_ready(url, process)
    return process, url


def load_then_kill(process: subprocess.Popen, url: str, requests: int, clients: int, kill_at: int) -> set[str]:
    """``clients`` threads send ``requests`` in all; ``kill -9`` once ``kill_at`` are answered. The ids answered."""
    acknowledged: set[str] = set()

    def client(n: int) -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            for i in range(requests // clients):
                request_id = f"kill-{n}-{i}"
                try:
                    if i % 2:
                        http.put(f"/demo-service/notes/k{n}", content=request_id, headers={"x-request-id": request_id})
                    else:
                        http.get("/demo-service/notes/marker", headers={"x-request-id": request_id})
                except httpx.HTTPError:  # the server is gone
                    return
                acknowledged.add(request_id)  # a complete response came back

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    while len(acknowledged) < kill_at and any(thread.is_alive() for thread in threads):
        threading.Event().wait(0.001)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    return set(acknowledged)


def recorded_ids(url: str) -> set[str]:
    response = httpx.get(f"{url}/_admin/exchanges", params={"limit": 1000}, timeout=30)
    assert response.status_code == 200
    return {e["request_id"] for e in response.json()["exchanges"]}


def test_kill_9_loses_no_exchange_of_an_acknowledged_request(tmp_path: Path) -> None:
    kill_at = random.randint(20, 150)  # a random moment of the run; the assertions hold whatever it is
    print(f"kill -9 once {kill_at} requests are answered")
    process, url = serve(tmp_path / "data", durable=True)
    try:
        acknowledged = load_then_kill(process, url, requests=200, clients=4, kill_at=kill_at)
    finally:
        if process.poll() is None:
            process.kill()
    assert len(acknowledged) >= kill_at
    process, url = serve(tmp_path / "data", durable=True)
    try:
        assert acknowledged - recorded_ids(url) == set()
    finally:
        process.terminate()
        process.wait(timeout=10)
