"""Shared fixtures: database backends (SQLite always, PostgreSQL when SANDBOX_TEST_POSTGRES_URL is set), the
kernel demo FHIR app reached in-process through httpx.ASGITransport, and Debian's headless Chromium for the
page tests (``browser``)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from core.settings import SandboxSettings, ServiceSettings
from tests.kernel_app.app import SLUG, create_app

PG_ENV = "SANDBOX_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base and os.environ.get("CI"):
        pytest.fail(f"{PG_ENV} must be set in CI: the PostgreSQL tests may not be skipped there")
    if not base:
        pytest.skip(f"{PG_ENV} is not set (CI sets it): PostgreSQL tests skipped")
    import psycopg

    url = make_url(base)
    name = f"sandbox_test_{uuid.uuid4().hex[:10]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kernel.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def sandbox_settings(tmp_path) -> SandboxSettings:
    return SandboxSettings(data_dir=tmp_path, public_url="http://sandbox.test")


@pytest.fixture
async def kernel_app(database_url, sandbox_settings):
    settings = ServiceSettings.for_slug(SLUG, sandbox_settings, database_url=database_url)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def fhir(kernel_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the kernel demo FHIR base, in a tenant of its own (so PostgreSQL runs never collide)."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(kernel_app),
        base_url="http://sandbox.test/fhir",
        headers={"x-sandbox-tenant": tenant, "content-type": "application/fhir+json"},
    ) as client:
        client.tenant = tenant
        yield client


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201 - a playwright Browser
    """Debian's headless Chromium driven by Playwright; skipped without them, except in CI (.ci/run installs both)."""
    if CHROMIUM is None or importlib.util.find_spec("playwright") is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium and the playwright package (.ci/run installs them)")
        pytest.skip("no chromium (apt-get install chromium) or no playwright (pip install -e '.[test]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()
