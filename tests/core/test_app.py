"""Plumbing every service app gets: health, tenant admin routes, admin token, error rendering."""

import httpx
from pydantic import SecretStr

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
        assert (await c.post("/_admin/tenants/a/seed", headers={"X-Sandbox-Admin-Token": "s3cret"})).status_code == 204
