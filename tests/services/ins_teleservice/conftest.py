"""Fixtures: the INS teleservice app (SQLite and PostgreSQL), reached in-process, one tenant per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from core.app import SeedRequest
from services.ins_teleservice.app import create_app
from services.ins_teleservice.settings import SLUG, InsTeleserviceSettings


@pytest.fixture
def ins_settings(database_url, sandbox_settings) -> InsTeleserviceSettings:
    return InsTeleserviceSettings.for_slug(SLUG, sandbox_settings, database_url=database_url)


@pytest.fixture
def make_client(ins_settings):
    """``async with make_client(**settings) as client``: an app with these settings, a fresh seeded tenant."""

    class Started:
        def __init__(self, **overrides) -> None:
            self.settings = ins_settings.model_copy(update=overrides)

        async def __aenter__(self) -> httpx.AsyncClient:
            self.app = create_app(self.settings)
            self.lifespan = self.app.router.lifespan_context(self.app)
            await self.lifespan.__aenter__()
            tenant = f"t-{uuid.uuid4().hex[:12]}"
            self.app.state.seed(SeedRequest(tenant))
            self.client = httpx.AsyncClient(transport=httpx.ASGITransport(self.app), base_url="http://sandbox.test",
                                            headers={"x-sandbox-tenant": tenant})
            self.client.tenant = tenant
            self.client.app = self.app
            return self.client

        async def __aexit__(self, *exc) -> None:
            await self.client.aclose()
            await self.lifespan.__aexit__(*exc)

    return Started


@pytest.fixture
async def insi(make_client) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the INS teleservice, in a seeded tenant of its own."""
    async with make_client() as client:
        yield client
