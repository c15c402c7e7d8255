"""gateway/seeding.py: each service seeds the tenant in-process (counts, seed and progress passed on), then
the gateway database records it."""

from __future__ import annotations

from sqlalchemy import text

from core.db import Database
from core.settings import SandboxSettings
from gateway.seeding import seed_services
from tests.gateway.demo_service import REQUEST_KEY
from tests.gateway.demo_service import SPEC as DEMO_SERVICE
from tests.gateway.test_cli import _note


async def test_seed_services_seeds_each_service_and_registers_the_tenant(tmp_path, start_gateway) -> None:
    settings = SandboxSettings(data_dir=tmp_path / "data")
    seeded: list[str] = []
    await seed_services(settings, [DEMO_SERVICE], "team-c", seeded.append)
    assert seeded == ["demo-service"]

    db = Database(settings.sqlite_url("demo_service"), prefix="demo_service")
    with db.read() as conn:
        tenants = conn.execute(text("SELECT tenant FROM demo_service_notes WHERE key = 'marker'")).scalars()
        assert set(tenants) == {"default", "team-c"}
    db.dispose()

    async with start_gateway(data_dir=tmp_path / "data") as client:
        names = [t["name"] for t in (await client.get("/_admin/tenants")).json()["tenants"]]
        assert names == ["default", "team-c"]


async def test_seed_services_passes_counts_and_seed_and_relays_progress(tmp_path) -> None:
    settings = SandboxSettings(data_dir=tmp_path / "data")
    reports: list[tuple[str, int, int]] = []
    await seed_services(settings, [DEMO_SERVICE], "team-e", patients=40, professionals=8, seed=7,
                        progress=lambda slug, done, total: reports.append((slug, done, total)))
    assert _note(settings, "team-e", REQUEST_KEY) == "40 8 7"
    assert reports[-1] == ("demo-service", 48, 48) and all(r[0] == "demo-service" for r in reports)
