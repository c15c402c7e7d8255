"""Fixtures of the Annuaire Santé tests: the app on SQLite and PostgreSQL, and a seeded tenant per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from core.app import SeedRequest
from core.population.personas import personas
from services.annuaire_sante.app import create_app
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings

GENERATED = 60  # generated professionals seeded next to the personas
SEED = 11


@pytest.fixture
def population():
    return personas()


@pytest.fixture
def settings(database_url, sandbox_settings) -> AnnuaireSanteSettings:
    return AnnuaireSanteSettings.for_slug(SLUG, sandbox_settings, database_url=database_url)


@pytest.fixture
async def app(settings):
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def tenant(app) -> str:
    """A tenant of its own (PostgreSQL runs share one database), seeded with personas and generated people."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    app.state.seed(SeedRequest(name, professionals=GENERATED, seed=SEED))
    return name


@pytest.fixture
async def service(app, tenant) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the service root (extractions, admin), in the test's tenant."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test",
                                 headers={"x-sandbox-tenant": tenant}) as client:
        yield client


@pytest.fixture
async def fhir(app, tenant) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the FHIR base carrying the demo API key, in the test's tenant."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test/fhir/v2",
                                 headers={"x-sandbox-tenant": tenant, "ESANTE-API-KEY": DEMO_API_KEY}) as client:
        client.tenant = tenant
        yield client


async def entries(fhir: httpx.AsyncClient, query: str, mode: str = "match") -> list[dict]:
    r = await fhir.get(query)
    assert r.status_code == 200, r.text
    return [e["resource"] for e in r.json().get("entry", []) if e["search"]["mode"] == mode]
