"""Benchmark (Annuaire Santé): one page of ``_count=10000`` against walking the same directory by ``_page`` links.

Loads the personas and N generated professionals (10,000 by default) into a SQLite file through the
seed's bulk path, then, through the whole service app (API-key check, routing, Bundle assembly), times:

  (a) ``Practitioner?_count=10000`` — the documented largest page, every practitioner in one Bundle;
  (b) the same practitioners walked 50 at a time by following the ``next`` links (``_page?id=``);
  (c) that walk with ``_total=none`` (no count query per page);
  (d) the first and the last page of the walk, to show what the offset of a deep page costs;
  (e) ``_count=10000&_revinclude=PractitionerRole:practitioner`` (the "appel full" with the situations).

Ratios are of the same run. ``python bench/annuaire_paging.py [--professionals 10000] [--data-dir DIR]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from core.app import SeedRequest
from core.settings import SandboxSettings
from services.annuaire_sante.app import create_app
from services.annuaire_sante.settings import DEMO_API_KEY, SLUG, AnnuaireSanteSettings

SEED = 2026


async def timed_get(client: httpx.AsyncClient, url: str) -> tuple[float, dict, int]:
    started = time.perf_counter()
    r = await client.get(url)
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text[:300]
    return elapsed, json.loads(r.content), len(r.content)


def next_link(bundle: dict) -> str | None:
    return next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)


async def walk(client: httpx.AsyncClient, first: str) -> tuple[float, int, int, list[float]]:
    """(seconds, pages, practitioners, per-page seconds) following next links from ``first``."""
    url: str | None = first
    pages = seen = 0
    per_page: list[float] = []
    while url:
        elapsed, bundle, _ = await timed_get(client, url.split("/fhir/v2", 1)[-1])
        per_page.append(elapsed)
        pages += 1
        seen += len(bundle.get("entry", []))
        url = next_link(bundle)
    return sum(per_page), pages, seen, per_page


async def run(app) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://127.0.0.1:8080/fhir/v2",
                                 headers={"ESANTE-API-KEY": DEMO_API_KEY}, timeout=120) as client:
        await timed_get(client, "/Practitioner?_count=100")  # warm-up
        big, bundle, size = await timed_get(client, "/Practitioner?_count=10000")
        count = len(bundle["entry"])
        print(f"(a) _count=10000: {big * 1e3:,.0f} ms for {count:,} practitioners, {size / 1e6:.1f} MB "
              f"({big / count * 1e6:.0f} µs each); total {bundle['total']:,}")
        walked, pages, seen, per_page = await walk(client, "/Practitioner?_count=50")
        print(f"(b) walk by _page, 50 a page: {walked * 1e3:,.0f} ms for {seen:,} practitioners in {pages} pages "
              f"({walked / seen * 1e6:.0f} µs each)")
        quiet, _, quiet_seen, _ = await walk(client, "/Practitioner?_count=50&_total=none")
        assert quiet_seen == seen
        print(f"(c) the walk with _total=none: {quiet * 1e3:,.0f} ms")
        print(f"(d) first page {per_page[0] * 1e3:.1f} ms, last page {per_page[-1] * 1e3:.1f} ms")
        full, bundle, size = await timed_get(
            client, "/Practitioner?_count=10000&_revinclude=PractitionerRole:practitioner")
        print(f"(e) _count=10000 with _revinclude: {full * 1e3:,.0f} ms, {len(bundle['entry']):,} entries, "
              f"{size / 1e6:.1f} MB")
        print(f"ratios: walk / one page {walked / big:.1f}x; walk with _total=none / walk {quiet / walked:.2f}; "
              f"last page / first page {per_page[-1] / per_page[0]:.1f}x; with _revinclude / without {full / big:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--professionals", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="annuaire-paging-"))
    app = create_app(AnnuaireSanteSettings.for_slug(SLUG, SandboxSettings(data_dir=data_dir)))
    try:
        app.state.db.create_all()
        started = time.perf_counter()
        app.state.seed(SeedRequest("default", professionals=args.professionals, seed=SEED))
        print(f"loaded {args.professionals:,} generated professionals (and the personas) in "
              f"{time.perf_counter() - started:.1f} s")
        asyncio.run(run(app))
    finally:
        app.state.db.dispose()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
