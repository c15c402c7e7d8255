"""Plumbing every service app gets: health, tenant admin routes, admin token, error rendering."""

import gc
import uuid
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import Request
from pydantic import SecretStr
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from core.app import SeedRequest, create_service_app
from core.db import Database
from core.settings import SandboxSettings, ServiceSettings
from tests.kernel_app.app import SLUG, create_app
from tests.outcomes import assert_outcome, patient


async def client_for(tmp_path, **sandbox):
    settings = ServiceSettings.for_slug(SLUG, SandboxSettings(data_dir=tmp_path, **sandbox))
    return create_app(settings)


async def test_health_and_tenant_wipe(tmp_path):
    app = await client_for(tmp_path)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://s") as c:
        assert (await c.get("/livez")).json() == {"status": "ok"}
        assert (await c.get("/readyz")).json()["database"] is True
        headers = {"x-sandbox-tenant": "team-a"}
        await c.post("/fhir/Patient", json=patient(), headers=headers)
        await c.post("/fhir/Patient", json=patient())
        assert (await c.delete("/_admin/tenants/team-a")).status_code == 204
        assert (await c.get("/fhir/Patient", headers=headers)).json()["total"] == 0
        assert (await c.get("/fhir/Patient")).json()["total"] == 1
        assert_outcome(await c.delete("/_admin/tenants/Team_A"), 400, "GW-0001")


async def test_admin_routes_require_the_token_when_configured(tmp_path):
    app = await client_for(tmp_path, admin_token=SecretStr("s3cret"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://s") as c:
        assert_outcome(await c.delete("/_admin/tenants/a"), 401, "GW-0006")
        assert_outcome(await c.delete("/_admin/tenants/a", headers={"Authorization": "Bearer nope"}), 401, "GW-0006")
        assert (await c.delete("/_admin/tenants/a", headers={"Authorization": "Bearer s3cret"})).status_code == 204
        seeded = await c.post("/_admin/tenants/a/seed", headers={"X-Sandbox-Admin-Token": "s3cret"})
        assert (seeded.status_code, seeded.json()) == (200, {"tenant": "a", "seeded": {}})  # no seeder, no census


def seeded_app(tmp_path, database_url, **sandbox):
    """A service app whose seeder writes one persona row, or fails when ``state.fail_seed`` is set."""
    metadata = MetaData()
    rows = Table("seeded_rows", metadata, Column("id", Integer, primary_key=True),
                 Column("tenant", String(40), nullable=False), Column("value", String(20)))
    settings = ServiceSettings.for_slug("seeded", SandboxSettings(data_dir=tmp_path, **sandbox))
    db = Database(database_url, prefix="seeded", metadata=metadata)

    def seed(request: SeedRequest) -> dict[str, int]:
        with db.write() as conn:
            conn.execute(insert(rows).values(tenant=request.tenant, value="persona"))
        if app.state.fail_seed:
            raise RuntimeError("the seeder failed")
        return {"rows": 1}

    def census(tenant: str) -> dict[str, int]:
        return {"notes": 0, "rows": len(values(tenant))}

    app = create_service_app(settings, db, title="Seeded", seed=seed, census=census)
    app.state.fail_seed = False

    @app.put("/rows/{value}")
    def put(value: str, request: Request) -> None:
        with db.write() as conn:
            conn.execute(insert(rows).values(tenant=request.headers["x-sandbox-tenant"], value=value))

    def values(tenant: str) -> list[str]:
        with db.read() as conn:
            return sorted(conn.execute(select(rows.c.value).where(rows.c.tenant == tenant)).scalars())

    app.state.values = values
    return app


@asynccontextmanager
async def serving(app):
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app, raise_app_exceptions=False), base_url="http://s") as client:
        yield client


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: the PostgreSQL database is shared by the session."""
    return f"t-{uuid.uuid4().hex[:12]}"


async def test_reset_wipes_and_seeds_in_one_transaction(tmp_path, database_url, tenant):
    app = seeded_app(tmp_path, database_url)
    async with serving(app) as c:
        await c.put("/rows/mine", headers={"x-sandbox-tenant": tenant})
        assert app.state.values(tenant) == ["mine"]
        assert (await c.post(f"/_admin/tenants/{tenant}/reset")).status_code == 204
        assert app.state.values(tenant) == ["persona"]


async def test_a_failing_seed_leaves_the_tenant_as_it_was_not_wiped(tmp_path, database_url, tenant):
    app = seeded_app(tmp_path, database_url)
    async with serving(app) as c:
        await c.put("/rows/mine", headers={"x-sandbox-tenant": tenant})
        app.state.fail_seed = True
        assert (await c.post(f"/_admin/tenants/{tenant}/reset")).status_code == 500
        assert app.state.values(tenant) == ["mine"]


async def test_dry_runs_of_reset_and_wipe_change_nothing(tmp_path, database_url, tenant):
    app = seeded_app(tmp_path, database_url)
    async with serving(app) as c:
        await c.put("/rows/mine", headers={"x-sandbox-tenant": tenant})
        assert (await c.post(f"/_admin/tenants/{tenant}/reset", params={"dry_run": "true"})).status_code == 204
        assert (await c.delete(f"/_admin/tenants/{tenant}", params={"dry_run": "true"})).status_code == 204
        assert app.state.values(tenant) == ["mine"]
        app.state.fail_seed = True
        assert (await c.post(f"/_admin/tenants/{tenant}/reset", params={"dry_run": "true"})).status_code == 500


@pytest.mark.parametrize(("method", "path", "params"), [
    ("POST", "/_admin/tenants/a/seed", {"patients": "-1"}),
    ("POST", "/_admin/tenants/a/seed", {"seed": "not-a-number"}),
    ("POST", "/_admin/tenants/Bad_Name/reset", {}),
    ("DELETE", "/_admin/tenants/a", {"dry_run": "maybe"}),
])
async def test_admin_token_is_checked_before_parameters(tmp_path, method, path, params):
    app = await client_for(tmp_path, admin_token=SecretStr("s3cret"))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://s") as c:
        assert_outcome(await c.request(method, path, params=params), 401, "GW-0006")
        assert_outcome(await c.request(method, path, params=params, headers={"Authorization": "Bearer s3cret"}),
                       400, "GW-0001" if "Bad_Name" in path else "HTTP-0400")


async def test_seed_answers_what_it_added_and_what_the_tenant_holds(tmp_path, database_url, tenant):
    app = seeded_app(tmp_path, database_url)
    async with serving(app) as c:
        await c.put("/rows/mine", headers={"x-sandbox-tenant": tenant})
        response = await c.post(f"/_admin/tenants/{tenant}/seed")
        assert response.status_code == 200
        # every kind the census names appears in both mappings, in its order, 0 when nothing was added
        assert response.json() == {"tenant": tenant, "seeded": {"notes": 0, "rows": 1},
                                   "total": {"notes": 0, "rows": 2}}
        assert list(response.json()["seeded"]) == ["notes", "rows"]


async def test_a_failing_seed_answers_500_and_no_counts(tmp_path, database_url, tenant):
    app = seeded_app(tmp_path, database_url)
    async with serving(app) as c:
        app.state.fail_seed = True
        response = await c.post(f"/_admin/tenants/{tenant}/seed")
        assert response.status_code == 500 and "seeded" not in response.text


async def test_seed_answer_is_described_in_openapi(tmp_path):
    app = seeded_app(tmp_path, f"sqlite:///{tmp_path}/seeded.db")
    operation = app.openapi()["paths"]["/_admin/tenants/{tenant}/seed"]["post"]
    assert "204" not in operation["responses"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/SeedAnswer"}
    answer = app.openapi()["components"]["schemas"]["SeedAnswer"]
    assert set(answer["properties"]) == {"tenant", "seeded", "total"}
    assert set(answer["required"]) == {"tenant", "seeded"}


async def test_every_405_carries_the_allow_of_its_url():
    """RFC 9110 §15.5.6: a SandboxError 405 and the router's own 405 name every method the URL serves."""
    from fastapi import APIRouter, FastAPI

    from core.app import install_error_handlers
    from core.errors import SandboxError

    app, router = FastAPI(), APIRouter(prefix="/fhir")
    install_error_handlers(app)

    @router.get("/Doc")
    async def search() -> dict:
        return {}

    @router.patch("/Doc")
    async def update() -> dict:
        raise SandboxError(405, "TEST-0405", "This element may not change.", issue="not-supported")

    @router.post("/Doc")
    async def own() -> dict:
        raise SandboxError(405, "TEST-0405", "Not here.", headers={"Allow": "GET"})

    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://s") as c:
        refused = await c.patch("/fhir/Doc")
        assert_outcome(refused, 405, "TEST-0405")
        assert refused.headers["allow"] == "GET, PATCH, POST"
        assert (await c.post("/fhir/Doc")).headers["allow"] == "GET"  # the raiser's own Allow is kept
        routed = await c.delete("/fhir/Doc")  # Starlette's 405 named the first matching route's methods only
        assert_outcome(routed, 405, "HTTP-0405")
        assert routed.headers["allow"] == "GET, PATCH, POST"


async def test_a_running_app_keeps_its_startup_objects_out_of_the_collector(tmp_path):
    app = await client_for(tmp_path)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 0  # settled_heap: gc.freeze once started
    assert gc.get_freeze_count() == 0  # handed back at shutdown: a stopped app is collected
