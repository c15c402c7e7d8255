"""Gateway fixtures: a gateway over the demo service, run with its lifespan and reached in-process.

``start_gateway(services=..., **settings)`` builds more (admin token, small limits, split mode ...);
``gateway_client`` is the common case. Every gateway gets a fresh data directory under ``tmp_path``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from core.settings import SandboxSettings
from gateway.app import Gateway, create_app
from gateway.registry import ServiceSpec
from tests.gateway.demo_service import SPEC as DEMO_SERVICE

BASE_URL = "http://sandbox.test"
StartGateway = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the environment: keep the developer's SANDBOX_* / DEMO_SERVICE_* out."""
    for key in list(os.environ):
        if key.startswith(("SANDBOX_", "DEMO_SERVICE_")) and key != "SANDBOX_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)


@asynccontextmanager
async def running(app: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    """Run the gateway's lifespan and yield a client on it (``client.gateway`` is the app)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            client.gateway = app
            yield client


@pytest.fixture
def gateway_data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def start_gateway(gateway_data_dir: Path) -> StartGateway:
    """``async with start_gateway(services=None, **settings) as client``: a fresh gateway (demo service)."""

    def start(services: list[ServiceSpec] | None = None, **settings) -> AbstractAsyncContextManager:
        settings = {"data_dir": gateway_data_dir, "public_url": BASE_URL, **settings}
        services = [DEMO_SERVICE] if services is None else services
        return running(create_app(SandboxSettings(**settings), services))

    return start


@pytest.fixture
async def gateway_client(start_gateway: StartGateway) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a gateway over the demo service, default settings."""
    async with start_gateway() as client:
        yield client
