"""Benchmark (issue 3): INSi traits search over a million identities, server side, in one process.

  1. generate + load 1,000,000 identities into a SQLite file through the service's seed path
     (aim: <= 60 s);
  2. latency of ``rechercherInsAvecTraitsIdentite`` over random loaded people: the full SOAP handling
     (parse + header checks + query + answer), the same through the ASGI app, and the store query alone
     (aim: p95 <= 5 ms for the full handling).

``python bench/insi_traits.py [--people 1000000] [--queries 3000] [--seed 42]``
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

import httpx

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import SOAP_CONTENT_TYPE, SOAP_REQUEST
from core.app import SeedRequest
from core.population.generator import patients
from core.settings import DEFAULT_TENANT, SandboxSettings
from services.ins_teleservice import insi, store
from services.ins_teleservice.app import create_app
from services.ins_teleservice.envelope import Envelope
from services.ins_teleservice.resultat import resultat
from services.ins_teleservice.settings import SLUG, InsTeleserviceSettings
from services.ins_teleservice.traits import Query, normalise_name


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p50, p95, p99 = (ms[int(len(ms) * q) - 1] for q in (0.50, 0.95, 0.99))
    return f"p50 {p50:6.3f} ms   p95 {p95:6.3f} ms   p99 {p99:6.3f} ms   mean {statistics.fmean(ms):6.3f} ms"


def load(app, people: int, seed: int) -> float:
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 5 or done == total:
            last[0] = time.perf_counter()
            print(f"    loaded {done:>9,} / {total:,}", flush=True)

    start = time.perf_counter()
    app.state.seed(SeedRequest(DEFAULT_TENANT, patients=people, seed=seed, progress=progress))
    return time.perf_counter() - start


async def measure(app, settings, requests: list[tuple[bytes, Query]]) -> dict[str, list[float]]:
    db, headers = app.state.db, {"content-type": SOAP_CONTENT_TYPE}
    times: dict[str, list[float]] = {"handling": [], "asgi": [], "query": []}
    codes: dict[str, int] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://bench") as client:
        for raw, _query in requests[:50]:  # warm-up: caches, parsers, prepared statements
            await client.post("/lps", content=raw, headers=headers)
        for raw, query in requests:
            start = time.perf_counter()
            env = Envelope(settings)
            soap = env.parse(raw, headers)
            with db.read() as conn:
                code, person = insi.answer(conn, env, soap.operation, soap.body, DEFAULT_TENANT)
            resultat(code, person).encode()
            times["handling"].append(time.perf_counter() - start)
            codes[code] = codes.get(code, 0) + 1

            start = time.perf_counter()
            with db.read() as conn:
                store.find_by_traits(conn, tenant=DEFAULT_TENANT, query=query)
            times["query"].append(time.perf_counter() - start)

            start = time.perf_counter()
            response = await client.post("/lps", content=raw, headers=headers)
            times["asgi"].append(time.perf_counter() - start)
            assert response.status_code == 200, response.text
    print(f"    CR codes over {len(requests)} queries: {dict(sorted(codes.items()))}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="insi-bench-") as tmp:
        settings = InsTeleserviceSettings.for_slug(SLUG, SandboxSettings(data_dir=Path(tmp)))
        app = create_app(settings)
        app.state.db.create_all()
        print(f"1. generate + load {args.people:,} identities into {settings.resolved_database_url}")
        seconds = load(app, args.people, args.seed)
        with app.state.db.read() as conn:
            count = store.count_identities(conn, tenant=DEFAULT_TENANT)
        size = sum(f.stat().st_size for f in Path(tmp).glob("ins_teleservice.db*")) / 1e6
        print(f"   {count:,} rows in {seconds:.1f} s ({count / seconds:,.0f} rows/s, {size:.0f} MB)   aim <= 60 s")

        rnd = random.Random(args.seed)
        picks = set(rnd.sample(range(args.people), min(args.queries, args.people)))
        requests = []
        for i, person in enumerate(patients(args.seed, args.people)):
            if i in picks:
                raw = SOAP_REQUEST.format(n=i, name=escape(person.birth_name), first=escape(person.first_names[0]),
                                     sex=person.sex, date=person.birth_date).encode()
                query = Query(normalise_name(person.birth_name), person.sex, person.birth_date,
                              normalise_name(person.first_names[0]))
                requests.append((raw, query))
        rnd.shuffle(requests)
        print(f"2. {len(requests):,} traits searches of random loaded people")
        times = asyncio.run(measure(app, settings, requests))
        print(f"   full SOAP handling (parse, checks, query, XML)  {percentiles(times['handling'])}   aim p95 <= 5 ms")
        print(f"   same through the ASGI app (httpx in-process)   {percentiles(times['asgi'])}")
        print(f"   store query alone                              {percentiles(times['query'])}")
        share = statistics.median(times["query"]) / statistics.median(times["handling"])
        print(f"   ratio: query / full handling (medians) = {share:.2f}")
        app.state.db.dispose()


if __name__ == "__main__":
    main()
