"""Fixtures of the Pro Santé Connect tests: the real Annuaire Santé app in-process, seeded with the personas."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from core.app import SeedRequest
from core.settings import DEFAULT_TENANT, SandboxSettings
from services.annuaire_sante.app import create_app
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings
from tests.services.pro_sante_connect import support

GENERATED = 30  # generated professionals next to the personas, so that "personas first" means something


@pytest.fixture
async def annuaire_app(tmp_path):
    """The Annuaire Santé on a fresh SQLite file; its lifespan seeds the personas in the default tenant."""
    sandbox = SandboxSettings(data_dir=tmp_path, public_url="http://sandbox.test")
    settings = AnnuaireSanteSettings.for_slug(SLUG, sandbox, database_url=f"sqlite:///{tmp_path / 'annuaire.db'}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        app.state.seed(SeedRequest(DEFAULT_TENANT, professionals=GENERATED, seed=7))
        yield app


@pytest.fixture
async def annuaire(annuaire_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the Annuaire's root: what PSC's peer client is (``get(path, params=, headers=)``)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(annuaire_app), base_url="http://sandbox.test") as client:
        yield client


@pytest.fixture
def api_key() -> str:
    return DEMO_API_KEY


@pytest.fixture
async def sandbox(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with the Annuaire Santé and Pro Santé Connect, in-process (peer calls included)."""
    async for http in support.sandbox(tmp_path):
        yield http


@pytest.fixture
def psc(sandbox) -> support.Psc:
    """Pro Santé Connect in a tenant of its own (created and seeded on first use)."""
    return support.Psc(sandbox, support.new_tenant())
