"""Benchmark (issue 9, item 7): many concurrent clients through the gateway, four kinds of request mixed.

  soap      INSi ``rechercherInsAvecTraitsIdentite`` of a CNDA persona (SOAP 1.2; must answer CR 00)
  annuaire  Annuaire Santé ``Practitioner?identifier=<RPPS>`` with the demo key (must find 1)
  token     Pro Santé Connect ``client_credentials`` with the demo client (must give an access_token)
  admin     INS admin identity creation, a new identity each time (must answer 201)

The full gateway (``sandbox up``'s one-process mode, recorder on) runs under uvicorn in its own process
on 127.0.0.1 with a temporary data directory (SQLite). ``--concurrency`` asyncio workers of this process,
each on its own keep-alive connection, pick a kind by ``--mix`` weights (seeded, so runs compare) for
``--seconds`` after a warm-up. Afterwards every identity whose creation answered 201 must be listed by
the admin API: any missing is a lost write. Printed: per kind req/s and p50/p95/p99, errors, lost
writes, and the aim: SOAP p95 <= 1.5 x Annuaire p95 in the same run, 0 errors, 0 lost writes.

``python bench/mixed_load.py [--seconds 30] [--concurrency 50] [--mix soap=3,annuaire=3,token=3,admin=1]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/mixed_load.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    ANNUAIRE_KEY,
    BASIC,
    FORM,
    PERSONA_RPPS,
    REALM_TOKEN,
    SOAP_CONTENT_TYPE,
    SOAP_REQUEST,
    BadResponse,
    Connection,
    free_port,
    pct,
    start,
    stop,
    uvicorn,
    wait_ready,
)
from core.identifiers import nir_key

KINDS = ("soap", "annuaire", "token", "admin")
ADMIN_PATH = "/ins-teleservice/_admin/identities"
SOAP_HEADERS = f"Content-Type: {SOAP_CONTENT_TYPE}\r\n".encode()
JSON_HEADERS = b"Content-Type: application/json\r\n"
ANNUAIRE_TARGET = f"/annuaire-sante/fhir/v2/Practitioner?identifier=https://rpps.esante.gouv.fr|{PERSONA_RPPS}"
MAX_REQUESTS = 5_000_000  # a bound on every loop, whatever --seconds says


@dataclass
class Kind:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class Load:
    kinds: dict[str, Kind] = field(default_factory=lambda: {name: Kind(name) for name in KINDS})
    created: list[str] = field(default_factory=list)  # ids of identities whose creation answered 201
    next_identity: int = 0
    requests: int = 0


def new_identity(n: int, run: str) -> dict:
    """The n-th identity of this run: a valid, unique INS (men born in Clermont-Ferrand, 1951-2000)."""
    year, month, order = 51 + n // (12 * 999) % 50, 1 + n // 999 % 12, 1 + n % 999
    matricule = f"1{year:02d}{month:02d}63113{order:03d}"
    return {"id": f"bench-{run}-{n}", "birthName": "BENCHMARK", "firstNames": ["CHARGE"], "sex": "M",
            "birthDate": f"19{year:02d}-{month:02d}-14", "birthPlace": "63113", "ins": matricule + nir_key(matricule)}


async def one(conn: Connection, kind: str, load: Load, run: str) -> None:
    """Send one request of ``kind`` and check its answer (raises BadResponse)."""
    if kind == "soap":
        body = SOAP_REQUEST.format(n=load.requests, name="ADRUN", first="ZOE", sex="F", date="1975-12-31").encode()
        status, _head, data = await conn.request("POST", "/ins-teleservice/lps", body, SOAP_HEADERS)
        if status != 200 or b"<CodeCR>00</CodeCR>" not in data:
            raise BadResponse(f"soap {status}: {data[:300]!r}")
    elif kind == "annuaire":
        status, _head, data = await conn.request("GET", ANNUAIRE_TARGET, headers=ANNUAIRE_KEY)
        if status != 200 or json.loads(data).get("total") != 1:
            raise BadResponse(f"annuaire {status}: {data[:300]!r}")
    elif kind == "token":
        status, _head, data = await conn.request("POST", "/pro-sante-connect" + REALM_TOKEN,
                                                 b"grant_type=client_credentials", FORM + BASIC)
        if status != 200 or not json.loads(data).get("access_token"):
            raise BadResponse(f"token {status}: {data[:300]!r}")
    else:
        identity = new_identity(load.next_identity, run)
        load.next_identity += 1
        status, _head, data = await conn.request("POST", ADMIN_PATH, json.dumps(identity).encode(), JSON_HEADERS)
        if status != 201:
            raise BadResponse(f"admin {status}: {data[:300]!r}")
        load.created.append(identity["id"])


async def drive(host: str, port: int, args: argparse.Namespace, weights: dict[str, int], run: str,
                seconds: float, load: Load) -> float:
    """``args.concurrency`` workers until ``seconds`` have passed; the elapsed wall time."""
    names, shares = list(weights), list(weights.values())

    async def worker(index: int) -> None:
        rnd = random.Random(f"{args.seed}-{index}")
        conn = Connection(host, port)
        try:
            while time.perf_counter() < deadline and load.requests < MAX_REQUESTS:
                kind = rnd.choices(names, shares)[0]
                load.requests += 1
                begin = time.perf_counter()
                try:
                    await one(conn, kind, load, run)
                except (BadResponse, OSError, ValueError) as exc:
                    load.kinds[kind].errors.append(f"{type(exc).__name__}: {exc}")
                    await conn.close()
                    continue
                load.kinds[kind].latencies.append(time.perf_counter() - begin)
        finally:
            await conn.close()

    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(worker(i) for i in range(args.concurrency)))
    return time.perf_counter() - started


async def lost_writes(host: str, port: int, created: list[str]) -> list[str]:
    """The created ids the admin API does not list (paged by 1000)."""
    conn, listed, offset = Connection(host, port), set(), 0
    try:
        while offset <= len(created) + 1000:
            status, _head, data = await conn.request("GET", f"{ADMIN_PATH}?origin=admin&limit=1000&offset={offset}")
            if status != 200:
                raise SystemExit(f"listing identities answered {status}: {data[:300]!r}")
            page = json.loads(data)["identities"]
            listed.update(item["id"] for item in page)
            if len(page) < 1000:
                break
            offset += 1000
    finally:
        await conn.close()
    return [pid for pid in created if pid not in listed]


def parse_mix(text: str) -> dict[str, int]:
    weights = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name.strip() not in KINDS or not weight.strip().isdigit():
            raise SystemExit(f"--mix takes kind=weight,... with kinds {', '.join(KINDS)}; not {part!r}")
        weights[name.strip()] = int(weight)
    if not any(weights.values()):
        raise SystemExit("--mix needs one weight above 0")
    return {k: w for k, w in weights.items() if w > 0}


async def bench(args: argparse.Namespace, port: int) -> tuple[Load, float, list[str], float]:
    weights, run = parse_mix(args.mix), f"{int(time.time())}"
    warm = Load()
    await drive("127.0.0.1", port, args, weights, run + "w", args.warmup, warm)
    if any(k.errors for k in warm.kinds.values()):
        raise SystemExit(f"errors in the warm-up: {[k.errors[:2] for k in warm.kinds.values() if k.errors]}")
    load = Load(next_identity=warm.next_identity)  # INS numbers continue: the warm-up used the first ones
    cpu = time.process_time()
    elapsed = await drive("127.0.0.1", port, args, weights, run, args.seconds, load)
    client_cpu = (time.process_time() - cpu) / elapsed
    return load, elapsed, await lost_writes("127.0.0.1", port, load.created), client_cpu


def report(args: argparse.Namespace, load: Load, elapsed: float, lost: list[str], client_cpu: float) -> int:
    print(f"{args.concurrency} concurrent clients for {elapsed:.1f} s through the gateway, mix {args.mix}, "
          f"{os.cpu_count()} CPUs; load client CPU {client_cpu:.0%} of one core")
    print(f"{'kind':9s} {'requests':>8s} {'req/s':>7s} {'p50 ms':>7s} {'p95 ms':>7s} {'p99 ms':>7s} {'errors':>6s}")
    for kind in load.kinds.values():
        lat = kind.latencies
        if not lat and not kind.errors:
            continue
        print(f"{kind.name:9s} {len(lat):8d} {len(lat) / elapsed:7.0f} {pct(lat, .50):7.1f} {pct(lat, .95):7.1f} "
              f"{pct(lat, .99):7.1f} {len(kind.errors):6d}")
    total = sum(len(k.latencies) for k in load.kinds.values())
    errors = sum(len(k.errors) for k in load.kinds.values())
    print(f"{'all':9s} {total:8d} {total / elapsed:7.0f} {'':23s} {errors:6d}")
    print(f"lost writes: {len(lost)} of {len(load.created)} identities created (201) not listed afterwards")
    soap, annuaire = load.kinds["soap"].latencies, load.kinds["annuaire"].latencies
    ratio = pct(soap, .95) / pct(annuaire, .95) if soap and annuaire else float("nan")
    met = ratio <= 1.5 and not errors and not lost
    verdict = 'met' if met else 'NOT met'
    print(f"SOAP p95 / Annuaire p95 = {ratio:.2f}   (aim <= 1.5, 0 errors, 0 lost writes: {verdict})")
    for kind in load.kinds.values():
        if kind.errors:
            print(f"ERRORS in {kind.name}: {len(kind.errors)}, e.g. {kind.errors[:3]}")
    if lost:
        print(f"LOST: {lost[:10]}")
    return 0 if not errors and not lost else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds before (same mix)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent clients (connections)")
    parser.add_argument("--mix", default="soap=3,annuaire=3,token=3,admin=1", help="kind=weight,...")
    parser.add_argument("--seed", type=int, default=9, help="seed of the workers' choices")
    parser.add_argument("--app", default="bench._support:gateway_app",
                        help="uvicorn --factory target (e.g. a wrapper that profiles the gateway)")
    args = parser.parse_args()
    if not 1 <= args.concurrency <= 1000 or not 0 < args.seconds <= 3600:
        raise SystemExit("--concurrency must be 1..1000 and --seconds 0..3600")
    load_avg, cpus = os.getloadavg()[0], os.cpu_count() or 1
    print(f"load average before the run: {load_avg:.2f} on {cpus} CPUs"
          + ("  (busy machine: trust the ratio more than the rates)" if load_avg > cpus / 2 else ""))
    with tempfile.TemporaryDirectory(prefix="mixed-load-") as data_dir:
        port = free_port()
        server = start("gateway", uvicorn(args.app, port), port, {
            "SANDBOX_DATA_DIR": data_dir, "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            log=Path(data_dir, "server.log"))
        try:
            wait_ready(server, "/readyz")
            import uvloop

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                load, elapsed, lost, client_cpu = runner.run(bench(args, port))
        finally:
            stop([server])
            errors = Path(data_dir, "server.log").read_text()[-2000:]
    code = report(args, load, elapsed, lost, client_cpu)
    if errors.strip():
        print(f"server log (tail):\n{errors}")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
