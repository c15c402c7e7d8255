"""The peer client: in-process gateway first, then the service's URL, then the public URL."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from core.peers import Peers
from core.settings import SandboxSettings
from gateway.app import Gateway, create_app
from tests.gateway.demo_service import SLUG as DEMO_SLUG
from tests.gateway.demo_service import SPEC as DEMO_SPEC
from tests.gateway.peer_service import SLUG as CALLER_SLUG
from tests.gateway.peer_service import SPEC as CALLER_SPEC

PUBLIC = "http://sandbox.test"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Peers read ``<SLUG>_URL`` from the environment: keep the developer's out."""
    for key in list(os.environ):
        if key.startswith(("SANDBOX_", "DEMO_SERVICE_", "PEER_CALLER_")) and key != "SANDBOX_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)


class Seen:
    """A network transport that answers 200 and remembers the requests."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def seen() -> Seen:
    return Seen()


def peers_with(seen: Seen) -> Peers:
    return Peers(SandboxSettings(public_url=PUBLIC + "/"), transport=seen.transport)


async def test_public_url_mode_goes_through_the_remote_gateway_with_the_tenant_prefix(seen: Seen) -> None:
    peers = peers_with(seen)
    client = peers.client(DEMO_SLUG, "acme")
    await client.get("/echo", params={"a": "1"})
    await peers.client(DEMO_SLUG, "default").post("/upload", json={"x": 1})
    await peers.aclose()
    first, second = seen.requests
    assert str(first.url) == f"{PUBLIC}/t/acme/{DEMO_SLUG}/echo?a=1"
    assert "x-sandbox-tenant" not in first.headers  # the remote gateway sets it from the path
    assert str(second.url) == f"{PUBLIC}/{DEMO_SLUG}/upload"
    assert second.content == b'{"x":1}'
    assert client.base_url == f"{PUBLIC}/t/acme/{DEMO_SLUG}"


async def test_direct_url_mode_sends_the_tenant_header(seen: Seen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_SERVICE_URL", "http://demo.internal:9000/")
    peers = peers_with(seen)
    client = peers.client(DEMO_SLUG, "acme")
    await client.get("/notes/k", headers={"accept": "application/json"})
    await peers.aclose()
    (request,) = seen.requests
    assert str(request.url) == "http://demo.internal:9000/notes/k"
    assert request.headers["x-sandbox-tenant"] == "acme"
    assert request.headers["accept"] == "application/json"
    assert client.base_url == f"{PUBLIC}/t/acme/{DEMO_SLUG}"  # issuer checks use the public URL


async def test_a_mounted_gateway_wins_over_the_service_url(seen: Seen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_SERVICE_URL", "http://demo.internal:9000")
    paths: list[tuple[str, str]] = []

    async def gateway(scope: Scope, receive: Receive, send: Send) -> None:
        paths.append((scope["path"], dict(scope["headers"])[b"host"].decode()))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    peers = peers_with(seen)
    peers.mount(gateway)
    assert (await peers.client(DEMO_SLUG, "acme").get("/echo")).status_code == 204
    assert (await peers.client(DEMO_SLUG, "default").get("/echo")).status_code == 204
    await peers.aclose()
    assert paths == [(f"/t/acme/{DEMO_SLUG}/echo", "sandbox.test"), (f"/{DEMO_SLUG}/echo", "sandbox.test")]
    assert seen.requests == []


async def test_peers_reopen_after_close(seen: Seen) -> None:
    peers = peers_with(seen)
    await peers.client(DEMO_SLUG, "acme").get("/echo")
    await peers.aclose()
    await peers.client(DEMO_SLUG, "acme").get("/echo")  # a second lifespan of the same app
    await peers.aclose()
    assert len(seen.requests) == 2


@asynccontextmanager
async def two_services(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SandboxSettings(data_dir=data_dir, public_url=PUBLIC), [DEMO_SPEC, CALLER_SPEC])
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client:
            client.gateway = app
            yield client


async def exchanges(client: httpx.AsyncClient, tenant: str, service: str) -> list[dict]:
    answer = await client.get("/_admin/exchanges", params={"tenant": tenant, "service": service})
    return answer.json()["exchanges"]


async def test_in_process_peer_calls_go_through_the_gateway_and_are_recorded(tmp_path: Path) -> None:
    async with two_services(tmp_path) as client:
        gateway: Gateway = client.gateway
        caller = gateway.services[CALLER_SLUG].app
        assert caller.state.peers.gateway is gateway
        assert (await client.put(f"/t/acme/{DEMO_SLUG}/notes/k", content="in acme")).status_code == 201

        relayed = (await client.get(f"/t/acme/{CALLER_SLUG}/relay/k")).json()
        assert relayed == {"status": 200, "note": {"key": "k", "value": "in acme"},
                           "base_url": f"{PUBLIC}/t/acme/{DEMO_SLUG}"}
        other = (await client.get(f"/{CALLER_SLUG}/relay/k")).json()  # the default tenant has no such note
        assert other["status"] == 404

        recorded = await exchanges(client, "acme", DEMO_SLUG)
        assert [(e["method"], e["path"]) for e in recorded][:2] == [
            ("GET", f"/t/acme/{DEMO_SLUG}/notes/k"), ("PUT", f"/t/acme/{DEMO_SLUG}/notes/k"),
        ]
        assert [e["path"] for e in await exchanges(client, "default", DEMO_SLUG)] == [f"/{DEMO_SLUG}/notes/k"]
    assert caller.state.peers._local is None  # closed by the service's lifespan


async def test_in_process_peer_calls_carry_the_tenant_and_public_urls(tmp_path: Path) -> None:
    async with two_services(tmp_path) as client:
        echo = (await client.get(f"/t/acme/{CALLER_SLUG}/relay-echo")).json()
        assert echo["headers"]["x-sandbox-tenant"] == "acme"
        assert echo["url"] == f"{PUBLIC}/t/acme/{DEMO_SLUG}/echo?from={CALLER_SLUG}"
        uploaded = (await client.post(f"/t/acme/{CALLER_SLUG}/relay-upload")).json()
        assert uploaded == {"size": len('{"data":"' + "x" * 100 + '"}')}
