"""Benchmark (Annuaire Santé): identifier search in a directory of 500,000 generated practitioners.

Loads the personas and N generated professionals (with their situations and structures) into a SQLite
file through the seed's bulk path, then measures, in-process and server-side, the latency of
``Practitioner?identifier=https://rpps.esante.gouv.fr|<rpps>`` and of the idNat_PS form
``Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1|8<rpps>`` over random known identifiers:

  (a) the FHIR search itself (``FhirApi.search`` on a read connection: parsing, SQL, Bundle assembly);
  (b) the whole service app (API-key check, routing, response), timed around the ASGI call.

Aim: p95 <= 5 ms. ``python bench/annuaire_identifier.py [--professionals 500000] [--queries 3000]
[--data-dir DIR] [--keep]``; an existing loaded directory in ``--data-dir`` is reused.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import random
import shutil
import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path

import httpx
from sqlalchemy import func, select

from core.app import SeedRequest
from core.fhir.interactions import FhirContext
from core.fhir.models import validate_resource
from core.identifiers import IDNAT_PS_OID, RPPS_SYSTEM
from core.population.generator import professionals
from core.settings import SandboxSettings
from services.annuaire_sante.app import create_app
from services.annuaire_sante.resources import directory
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings

SEED = 2026


def load(app, professionals: int) -> tuple[float, int]:
    """Seed the default tenant (skipped when already loaded); (seconds, practitioners stored)."""
    fhir = app.state.fhir
    res = fhir.tables.res
    with fhir.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(res).where(
            res.c.tenant == "default", res.c.rtype == "Practitioner")).scalar_one()
    if stored >= professionals:
        return 0.0, stored
    started = time.perf_counter()
    last = [started]

    def progress(done: int, total: int) -> None:
        if done % 50_000 == 0 or done == total:
            now = time.perf_counter()
            print(f"  {done:>9,} / {total:,} professionals  (+{now - last[0]:.1f} s)", flush=True)
            last[0] = now

    app.state.seed(SeedRequest("default", professionals=professionals, seed=SEED, progress=progress))
    elapsed = time.perf_counter() - started
    with fhir.db.read() as conn:
        stored = conn.execute(select(func.count()).select_from(res).where(
            res.c.tenant == "default", res.c.rtype == "Practitioner")).scalar_one()
    return elapsed, stored


def write_paths(app, count: int = 1000) -> tuple[float, float]:
    """Resources per second through the ordinary write path (R4 validation, SQLAlchemy) and the bulk path."""
    organizations, stream = professionals(SEED + 1, count)
    sample = list(islice(directory(organizations, stream), count))
    store = app.state.fhir.api.store
    started = time.perf_counter()
    with app.state.db.write() as conn:
        for resource in copy.deepcopy(sample):
            validate_resource(resource)
            store.create(conn, tenant="ordinary-path", resource=resource, rid=resource["id"])
    ordinary = time.perf_counter() - started
    started = time.perf_counter()
    with app.state.db.write() as conn:
        store.bulk_load(conn, tenant="bulk-path", resources=copy.deepcopy(sample))
    bulk = time.perf_counter() - started
    for tenant in ("ordinary-path", "bulk-path"):
        app.state.db.wipe_tenant(tenant)
    return count / ordinary, count / bulk


def known_rpps(app, count: int) -> list[str]:
    token = app.state.fhir.tables.token
    with app.state.db.read() as conn:
        codes = conn.execute(select(token.c.code).where(
            token.c.tenant == "default", token.c.rtype == "Practitioner", token.c.param == "identifier",
            token.c.system == RPPS_SYSTEM)).scalars().all()
    return random.Random(SEED).sample(codes, min(count, len(codes)))


def queries(rpps: list[str]) -> list[tuple[str, str]]:
    return [("identifier", f"{RPPS_SYSTEM}|{r}" if i % 2 == 0 else f"{IDNAT_PS_OID}|8{r}") for i, r in enumerate(rpps)]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100)
    return (f"p50 {cut[49] * 1e3:.2f} ms   p95 {cut[94] * 1e3:.2f} ms   p99 {cut[98] * 1e3:.2f} ms   "
            f"max {ordered[-1] * 1e3:.2f} ms   (n={len(ordered)})")


def bench_search(app, params: list[tuple[str, str]]) -> list[float]:
    api, db = app.state.fhir.api, app.state.db
    ctx = FhirContext(tenant="default", base="http://127.0.0.1:8080/annuaire-sante/fhir/v2")
    timings = []
    for param in params:
        started = time.perf_counter()
        with db.read() as conn:
            result = api.search(conn, ctx, "Practitioner", [param])
        timings.append(time.perf_counter() - started)
        assert '"total":1' in result.body.replace(" ", ""), result.body[:300]
    return timings


async def bench_asgi(app, params: list[tuple[str, str]]) -> list[float]:
    timings: list[float] = []

    async def timed(scope, receive, send):
        started = time.perf_counter()
        await app(scope, receive, send)
        timings.append(time.perf_counter() - started)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(timed), base_url="http://127.0.0.1:8080/fhir/v2",
                                 headers={"ESANTE-API-KEY": DEMO_API_KEY}) as client:
        for name, value in params:
            r = await client.get("/Practitioner", params={name: value})
            assert r.status_code == 200 and r.json()["total"] == 1, r.text[:300]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--professionals", type=int, default=500_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep a temporary data directory")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="annuaire-bench-"))
    settings = AnnuaireSanteSettings.for_slug(SLUG, SandboxSettings(data_dir=data_dir))
    app = create_app(settings)
    try:
        app.state.db.create_all()
        print(f"Loading {args.professionals:,} generated professionals into {settings.resolved_database_url}")
        seconds, stored = load(app, args.professionals)
        size = sum(f.stat().st_size for f in data_dir.glob("annuaire_sante.db*")) / 1e9
        if seconds:
            print(f"load: {seconds:.1f} s for {stored:,} practitioners ({stored / seconds:,.0f} professionals/s, "
                  f"with their situations and structures); database {size:.2f} GB")
        else:
            print(f"reusing {stored:,} practitioners already loaded; database {size:.2f} GB")
        ordinary, bulk = write_paths(app)
        print(f"write paths on a 1,000-resource sample: ordinary {ordinary:,.0f} resources/s, bulk {bulk:,.0f} "
              f"resources/s (x{bulk / ordinary:.1f})")
        params = queries(known_rpps(app, args.queries))
        bench_search(app, params[:200])  # warm-up: statement caches, pages of the indexes
        print("(a) FhirApi.search    ", percentiles(bench_search(app, params)))
        print("(b) whole service app ", percentiles(asyncio.run(bench_asgi(app, params))))
    finally:
        app.state.db.dispose()
        if args.data_dir is None and not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
