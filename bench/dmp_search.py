"""Benchmark (Mon espace santé): ITI-67 by ``patient.identifier`` + ``status`` over 1,000,000 DocumentReferences.

Generates (once per size, cached in ``.bench-cache/dmp-search-<patients>p-<documents>d/``) a SQLite data
directory whose ms_espace_sante.db holds the personas' DMPs, ``--patients`` generated DMP Patients with
their INS and ``--documents`` DocumentReferences in the stored ITI-65 shape (bench/_dmp.py: varied types,
classes, confidentiality, authors, dates, statuses; 1 in 10 masked), loaded through the kernel's bulk
path (``FhirStore.bulk_load``) straight into the service's database. Then, in one run:

  (a) N searches ``GET /ms-espace-sante/fhir/DocumentReference?patient.identifier=<INS system>|<INS>&status=current``
      for random patients, as the real client sends them: HTTP through the whole gateway in-process
      (httpx ASGITransport), Dr Robert's PSC token (a physician), the access filter, the AuditEvent per search;
  (b) the same searches through the kernel's search alone (``FhirApi.search`` on a connection, no HTTP, no
      token, no access filter, no trace): the direct path;
  (c) the kernel's search with the service's access filter (``extra=``), still direct: what the filter costs.

Each patient is searched the three ways in turn, the first way rotating, so that each pays its share of the
cold page reads (run one after the other, the first way would read the pages the next ones find cached).
Before the timed searches, ``--warmup`` searches of other patients (untimed, through the gateway) bring the
record to the state of a server that has been serving: the upper pages of the indexes read, the code paths
run; the timed patients' own pages stay as cold as the operating system left them.

Prints p50/p95/p99 of each, the target "p95 <= 20 ms" for (a), and the ratios. Timings are of one run on
whatever machine runs it. ``python bench/dmp_search.py [--documents 1000000] [--patients 100000]
[--searches 1000] [--warmup 1000] [--quick] [--cache-dir .bench-cache]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _dmp  # noqa: E402
from bench._support import pct  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 2026
TARGET_MS = 20.0


def generate(data_dir: Path, patients: int, documents: int) -> dict:
    """Load the DMPs and documents into ``data_dir``/ms_espace_sante.db; answer the patients and the load time."""
    from core.app import SeedRequest
    from core.population.generator import patients as generated
    from core.settings import SandboxSettings
    from services.ms_espace_sante.app import create_app
    from services.ms_espace_sante.seed import dmp_patient
    from services.ms_espace_sante.settings import SLUG, MsEspaceSanteSettings

    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(MsEspaceSanteSettings.for_slug(SLUG, SandboxSettings(data_dir=data_dir, public_url=_dmp.PUBLIC)))
    store = app.state.dmp
    store.db.create_all()
    started = time.perf_counter()
    app.state.seed(SeedRequest("default"))  # the personas' DMPs, as at every start
    records = []
    for person in generated(SEED, patients * 2):  # NIAs (born abroad) have no DMP: draw a few more
        record = dmp_patient(person)
        if record is not None:
            records.append(record)
            if len(records) == patients:
                break
    with store.db.write() as conn:
        store.api.store.bulk_load(conn, tenant="default", resources=records)
    ids = [r["id"] for r in records]
    rnd = random.Random(SEED)
    authors = [f"8{rnd.randrange(10**10, 10**11)}" for _ in range(2000)]
    step = 50_000
    for first in range(0, documents, step):  # one transaction per 50,000 (a bounded WAL)
        docs = (_dmp.stored_document(rnd, f"doc-{n}", ids[int(rnd.random() * len(ids))], authors)
                for n in range(first, min(first + step, documents)))
        with store.db.write() as conn:
            store.api.store.bulk_load(conn, tenant="default", resources=docs)
        print(f"  {min(first + step, documents):,} documents in {time.perf_counter() - started:.0f} s", flush=True)
    seconds = time.perf_counter() - started
    store.db.dispose()
    return {"load_seconds": seconds, "ins": [r["identifier"][0]["value"] for r in records]}


def cached(cache_dir: Path, patients: int, documents: int) -> tuple[Path, dict]:
    data_dir = cache_dir / f"dmp-search-{patients}p-{documents}d"
    meta_file = data_dir / "bench-meta.json"
    if meta_file.exists():
        return data_dir, json.loads(meta_file.read_text())
    shutil.rmtree(data_dir, ignore_errors=True)
    print(f"generating {patients:,} DMPs and {documents:,} documents in {data_dir} ...", flush=True)
    meta = generate(data_dir, patients, documents)
    meta_file.write_text(json.dumps(meta))
    return data_dir, meta


def summary(name: str, samples: list[float]) -> str:
    return (f"{name}: p50 {pct(samples, 0.50):.2f} ms, p95 {pct(samples, 0.95):.2f} ms, "
            f"p99 {pct(samples, 0.99):.2f} ms")


def query(ins: str) -> list[tuple[str, str]]:
    return [("patient.identifier", f"{_dmp.INS_SYSTEM}|{ins}"), ("status", "current")]


async def run(data_dir: Path, picks: list[str], warmup: list[str]) -> dict[str, list[float]]:
    from core.fhir.interactions import FhirContext
    from core.oidc.principals import Practitioner
    from services.ms_espace_sante import access, search

    async with _dmp.gateway(data_dir) as http:
        headers, fresh = {}, 0.0

        async def login() -> None:  # tokens live 120 s: a new login (not timed) once a minute
            nonlocal fresh
            if time.monotonic() - fresh > 60:
                headers["authorization"] = f"Bearer {await _dmp.physician_token(http)}"
                fresh = time.monotonic()
        url = "/ms-espace-sante/fhir/DocumentReference"
        store = _dmp.service_app(http, "ms-espace-sante").state.dmp
        ctx = FhirContext(tenant="default", base=f"{_dmp.PUBLIC}/ms-espace-sante/fhir")
        hits = 0
        started = time.perf_counter()
        for ins in warmup:  # other patients: the JWKS fetch, the code paths, the upper pages of the indexes
            await login()
            r = await http.get(url, params=query(ins), headers=headers)
            assert r.status_code == 200, r.text[:300]
        print(f"warm-up: {len(warmup)} searches of other patients in {time.perf_counter() - started:.1f} s")
        robert = Practitioner(id_nat_ps=_dmp.ROBERT, rpps=_dmp.ROBERT[1:], given_name=None, family_name=None,
                              profession="10", specialty=None, organisations=(), client_id=None,
                              scopes=frozenset(), tenant="default")

        async def through_gateway(ins: str) -> float:
            nonlocal hits
            await login()
            started = time.perf_counter()
            r = await http.get(url, params=query(ins), headers=headers)
            elapsed = time.perf_counter() - started
            assert r.status_code == 200, r.text[:300]
            hits += r.json()["total"]
            return elapsed

        async def direct(ins: str) -> float:
            started = time.perf_counter()
            with store.db.read() as conn:
                store.api.search(conn, ctx, "DocumentReference", query(ins))
            return time.perf_counter() - started

        async def filtered(ins: str) -> float:
            started = time.perf_counter()
            with store.db.read() as conn:
                target = search.find_patient(store, conn, ctx, "patient.identifier", f"{_dmp.INS_SYSTEM}|{ins}")
                extra = search.document_filter(store.api.search_engine, "default", robert,
                                               mode=access.AccessMode.NORMAL, record=target.consents,
                                               matrix=store.matrix, deleted=False)
                store.api.search(conn, ctx, "DocumentReference", query(ins), extra=extra)
            return time.perf_counter() - started

        # each patient is searched the three ways in turn, the first way rotating: the one that reads the
        # patient's pages first pays the cold reads, so no way gets the others' warm cache
        ways = {"gateway": through_gateway, "direct": direct, "filtered": filtered}
        timings: dict[str, list[float]] = {name: [] for name in ways}
        order = list(ways)
        for n, ins in enumerate(picks):
            for name in order[n % 3:] + order[:n % 3]:
                timings[name].append(await ways[name](ins))
        print(f"(a) {len(picks)} searches, {hits / len(picks):.1f} visible documents each on average")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=1000, help="untimed searches of other patients first")
    parser.add_argument("--quick", action="store_true", help="2,000 documents, 200 patients, 50 searches")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".bench-cache")
    args = parser.parse_args()
    if args.quick:
        args.documents, args.patients, args.searches, args.warmup = 2000, 200, 50, 20
    data_dir, meta = cached(args.cache_dir, args.patients, args.documents)
    print(f"load: {args.patients:,} DMPs and {args.documents:,} DocumentReferences through the kernel's bulk path "
          f"in {meta['load_seconds']:.1f} s ({args.documents / meta['load_seconds']:,.0f} documents/s), "
          f"measured when {data_dir.name} was generated")
    rnd = random.Random()
    drawn = rnd.sample(meta["ins"], min(len(meta["ins"]), args.searches + max(args.warmup, 3)))
    picks, warmup = drawn[:args.searches], drawn[args.searches:]
    timings = asyncio.run(run(data_dir, picks, warmup))
    print(summary("(a) ITI-67 through the gateway (token, access filter, AuditEvent)", timings["gateway"]))
    print(summary("(b) kernel search, direct (no HTTP, no filter)", timings["direct"]))
    print(summary("(c) kernel search + the access filter, direct", timings["filtered"]))
    p95 = pct(timings["gateway"], 0.95)
    print(f"target p95 <= {TARGET_MS:.0f} ms: {'OK' if p95 <= TARGET_MS else 'MISSED'} ({p95:.2f} ms)")
    print(f"ratios (p50): (a)/(b) {pct(timings['gateway'], 0.5) / pct(timings['direct'], 0.5):.2f}, "
          f"(c)/(b) {pct(timings['filtered'], 0.5) / pct(timings['direct'], 0.5):.2f}, "
          f"(a)/(c) {pct(timings['gateway'], 0.5) / pct(timings['filtered'], 0.5):.2f}")


if __name__ == "__main__":
    main()
