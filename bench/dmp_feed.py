"""Benchmark (Mon espace santé): ITI-65 throughput of a one-document bundle beside the kernel's plain create.

In one run, on a fresh temporary data directory:

  (a) ITI-65 ``POST /ms-espace-sante/fhir`` of a bundle (SubmissionSet List, one DocumentReference, one
      Binary) for persona adrun-zoe, through the whole gateway in-process (httpx ASGITransport), with Dr
      Robert's PSC token: token check, PDSm metadata rules, INSi ``$ins-verify`` of the INS and traits
      (through the gateway, as in one process), the transaction and its AuditEvent. The time spent in
      the INSi confirmation (``feeding.confirm_ins``, wrapped by the bench) is printed as a share;
  (b) the kernel's generic FHIR create, ``POST /fhir/DocumentReference`` of the same DocumentReference
      (subject already ``Patient/<id>``): a ``core.fhir.router.FhirService`` over the same DMP spec
      (so the same index extraction), served alone in-process, no gateway, no token.

Each at concurrency 1 and 8 (asyncio tasks on the one event loop, as many requests in flight), N requests
each; prints requests/s, p50/p95 and the ratios (a)/(b). ``python bench/dmp_feed.py [--requests 300] [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench import _dmp  # noqa: E402
from bench._support import pct  # noqa: E402

FHIR = "application/fhir+json"
INSI: list[float] = []  # seconds spent in feeding.confirm_ins, per ITI-65


def time_insi() -> None:
    """Wrap the service's INSi confirmation so that its time is summed (the bench's own instrument)."""
    from services.ms_espace_sante import feeding

    confirm = feeding.confirm_ins

    async def timed(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return await confirm(*args, **kwargs)
        finally:
            INSI.append(time.perf_counter() - started)

    feeding.confirm_ins = timed


async def load(send, requests: int, concurrency: int) -> tuple[float, list[float]]:  # noqa: ANN001
    """(wall seconds, per-request seconds) of ``requests`` calls of ``send(n)``, ``concurrency`` at a time."""
    samples: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for n in counter:
            started = time.perf_counter()
            await send(n)
            samples.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, samples


def line(name: str, wall: float, samples: list[float]) -> str:
    return (f"{name}: {len(samples) / wall:7.1f} req/s, p50 {pct(samples, 0.5):6.2f} ms, "
            f"p95 {pct(samples, 0.95):6.2f} ms")


def kernel_app(data_dir: Path):  # noqa: ANN201
    """The kernel's generic FHIR routes over the DMP's spec, alone (no gateway, no token)."""
    from core.app import create_service_app
    from core.db import Database
    from core.fhir.router import FhirService
    from core.settings import SandboxSettings, ServiceSettings
    from services.ms_espace_sante.spec import dmp_spec

    settings = ServiceSettings.for_slug("kernel-dmp", SandboxSettings(data_dir=data_dir, public_url=_dmp.PUBLIC))
    db = Database(settings.resolved_database_url, prefix="kernel_dmp")
    fhir = FhirService(dmp_spec(), db, settings)
    app = create_service_app(settings, db, title="kernel create")
    fhir.install(app)
    return app


async def run(data_dir: Path, requests: int) -> None:
    raw = b"Compte rendu de consultation: RAS."
    async with _dmp.gateway(data_dir / "gateway") as http:
        headers = {"content-type": FHIR}

        async def feed(n: int) -> None:
            r = await http.post("/ms-espace-sante/fhir", json=_dmp.provide_bundle(_dmp.ADRUN_INS, raw),
                                headers=headers)
            assert r.status_code == 200, r.text[:500]

        headers["authorization"] = f"Bearer {await _dmp.physician_token(http)}"
        await load(feed, 5, 1)  # warm-up (JWKS fetch, caches)
        INSI.clear()
        results = {}
        for concurrency in (1, 8):
            INSI.clear()
            headers["authorization"] = f"Bearer {await _dmp.physician_token(http)}"  # tokens live 120 s
            wall, samples = await load(feed, requests, concurrency)
            results[("a", concurrency)] = (wall, samples, sum(INSI))
        app = kernel_app(data_dir / "kernel")
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="http://kernel", timeout=60) as kernel:
            document = _dmp.provide_bundle(_dmp.ADRUN_INS, raw)["entry"][1]["resource"]
            document["subject"] = {"reference": "Patient/dmp-adrun-zoe"}

            async def create(n: int) -> None:
                doc = copy.deepcopy(document)
                doc["masterIdentifier"]["value"] = f"urn:oid:1.2.250.1.999.7.{n}.{time.time_ns()}"
                r = await kernel.post("/fhir/DocumentReference", json=doc, headers={"content-type": FHIR})
                assert r.status_code == 201, r.text[:500]

            await load(create, 5, 1)
            for concurrency in (1, 8):
                wall, samples = await load(create, requests, concurrency)
                results[("b", concurrency)] = (wall, samples, 0.0)
    for concurrency in (1, 8):
        wall_a, samples_a, insi = results[("a", concurrency)]
        wall_b, samples_b, _ = results[("b", concurrency)]
        print(f"concurrency {concurrency}, {requests} requests each:")
        print("  " + line("(a) ITI-65 one-document bundle, gateway + token + INSi", wall_a, samples_a))
        print(f"      INSi confirmation: {insi / sum(samples_a) * 100:.0f}% of the ITI-65 time "
              f"({insi / len(samples_a) * 1000:.2f} ms per bundle)")
        print("  " + line("(b) kernel create DocumentReference, direct", wall_b, samples_b))
        print(f"  ratio (b)/(a) in req/s: {(len(samples_b) / wall_b) / (len(samples_a) / wall_a):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--quick", action="store_true", help="10 requests of each")
    args = parser.parse_args()
    if args.quick:
        args.requests = 10
    time_insi()
    data_dir = Path(tempfile.mkdtemp(prefix="dmp-feed-"))
    try:
        asyncio.run(run(data_dir, args.requests))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
