"""Benchmark (Pro Santé Connect): token endpoint throughput beside ``oidc-provider-mock``, in one run.

Aim: our token endpoint serves at least 2x the requests per second of the ``oidc-provider-mock`` package
from PyPI (``pip install -e '.[bench]'``), on the same machine, in the same run.

The mock (0.3.x, a Flask + authlib app) supports only the ``authorization_code`` and ``refresh_token``
grants, not ``client_credentials``, so the comparison is made against its nearest token requests, and
the work per request differs:

  ours  client_credentials   HTTP Basic client check (a SQLite read), one RS256 access token; no write.
  ours  refresh_token        rotation (the presented token is spent, a new one stored: a write
                             transaction per request), session check, RS256 access AND ID tokens.
  mock  refresh_token        an opaque random access token kept in a dict; no signature, no rotation
                             (authlib's default: the same refresh token is reused).
  mock  authorization_code   a code from the mock's authorize form (minted just before, not timed),
                             an opaque access token and one RS256 ID token (closest to our one-JWT cc).
                             Slow for a reason of its own: authlib re-imports the mock's private key
                             from a JWK dict for every ID token (~60 ms of RSA key checks).

Ratios printed: ours cc / mock refresh and ours refresh / mock refresh (the aim), plus ours cc /
mock code exchange (the same amount of RSA signing) for context.

Every server runs in its own process on loopback, one worker:
  - ours: the Pro Santé Connect app alone under uvicorn (httptools, uvloop, no access log), in split
    mode (``ANNUAIRE_SANTE_URL`` points at the gateway, which the login before the refresh rounds
    needs), and the same endpoint through the full gateway (``sandbox up``'s one-process mode);
  - the mock as shipped: ``oidc_provider_mock.run_server_in_thread`` (werkzeug's threaded server: a
    thread and a new TCP connection per request, werkzeug closes every connection), and the same
    ``oidc_provider_mock.app()`` under uvicorn's WSGI interface (a2wsgi when installed), so that the
    server costs compare. Access logs are off everywhere.

The load comes from this process: ``--concurrency`` asyncio workers on uvloop, each with its own
keep-alive connection, speaking minimal HTTP/1.1. Not httpx: its client spends ~1.6 ms of CPU per
request (a whole core at ~600 req/s, more than some servers measured here), this one ~0.12 ms; the
"client CPU" column is this process's share of one core during each run. Each variant runs
``--seconds`` after a 1 s warm-up, variants alternate within a round and rounds repeat (A B A B ...)
to cancel drift. Every response must be 200 with an ``access_token`` (and a new ``refresh_token``
where one is expected); anything else counts as an error and fails the run.

``python bench/psc_token.py [--seconds 5] [--concurrency 8] [--rounds 2]``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import (
    BASIC,
    CLIENT_ID,
    FORM,
    REALM_TOKEN,
    BadResponse,
    Connection,
    Server,
    free_port,
    pct,
    start,
    stop,
    uvicorn,
    wait_ready,
)
from bench._token_load import (
    MOCK_BASIC,
    REDIRECT_URI,
    Variant,
    code_pool,
    location_code,
    plain,
    refresh_chain,
    run_workers,
    token_of,
)

LOGIN_HINT = "899700218896"  # a persona of the Annuaire Santé seed (idNat_PS)
MOCK_SUB = "bench-user"
WARMUP = 1.0


# ---- server side: uvicorn --factory targets and the mock's own server --------------------------------

def psc_app():  # noqa: ANN201
    """Pro Santé Connect alone (split mode); settings from SANDBOX_* and PRO_SANTE_CONNECT_* / peers' env."""
    from core.settings import SandboxSettings
    from services.pro_sante_connect.app import create_app
    from services.pro_sante_connect.settings import SLUG, ProSanteConnectSettings

    return create_app(ProSanteConnectSettings.for_slug(SLUG, SandboxSettings()))


def mock_app():  # noqa: ANN201
    """``oidc_provider_mock.app()`` as shipped, for uvicorn's WSGI interface."""
    import oidc_provider_mock

    return oidc_provider_mock.app()


def serve_mock_werkzeug(port: int) -> None:
    """The mock as its documentation runs it: ``run_server_in_thread`` (werkzeug, threaded)."""
    import oidc_provider_mock

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log, like --no-access-log
    with oidc_provider_mock.run_server_in_thread(port=port):
        while True:
            time.sleep(3600)


async def measure(variant: Variant, seconds: float, concurrency: int) -> None:
    host, port = variant.server.host_port
    target = variant.server.prefix + variant.path
    headers = FORM + variant.basic

    async def one(conn: Connection, worker: int) -> None:
        status, _head, data = await conn.request("POST", target, variant.body(worker), headers)
        variant.check(worker, status, data)

    if variant.refill is not None:
        await variant.refill(concurrency * 8)
    warm, _lat, errors, warm_elapsed = await run_workers(host, port, concurrency, time.perf_counter() + WARMUP, one)
    if variant.refill is not None:  # the warm-up's rate says how many codes the timed run can use
        await variant.refill(int(warm / max(warm_elapsed, 1e-3) * seconds * 1.5) + concurrency)
    cpu = time.process_time()
    count, latencies, more, elapsed = await run_workers(host, port, concurrency, time.perf_counter() + seconds, one)
    variant.client_cpu.append((time.process_time() - cpu) / elapsed if elapsed else 0.0)
    variant.errors += errors + more
    if elapsed < seconds * 0.8:
        variant.errors.append(f"the run stopped after {elapsed:.2f} s (code pool empty, or errors)")
    variant.rates.append(count / elapsed if elapsed else 0.0)
    variant.latencies += latencies


# ---- setup requests (untimed) -----------------------------------------------------------------------

async def our_refresh_tokens(server: Server, count: int) -> list[str]:
    """Log in ``count`` times with login_hint (wallet -> code -> token): one refresh-token chain per worker."""
    host, port = server.host_port
    query = urlencode({"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
                       "scope": "openid scope_all", "login_hint": LOGIN_HINT})
    conn = Connection(host, port)
    tokens = []
    try:
        for _ in range(count):
            status, head, data = await conn.request("GET", f"{server.prefix}/wallet/auth?{query}")
            if status != 302:
                raise SystemExit(f"{server.name}: login answered {status}: {data[:300]!r}")
            form = urlencode({"grant_type": "authorization_code", "code": location_code(head),
                              "redirect_uri": REDIRECT_URI}).encode()
            status, _head, data = await conn.request("POST", server.prefix + REALM_TOKEN, form, FORM + BASIC)
            tokens.append(token_of(status, data, refresh=True)["refresh_token"])
    finally:
        await conn.close()
    return tokens


def mock_authorize_target() -> str:
    return "/oauth2/authorize?" + urlencode({"client_id": "bench-client", "redirect_uri": REDIRECT_URI,
                                             "response_type": "code", "scope": "openid"})


async def mock_refresh_tokens(server: Server, count: int) -> list[str]:
    host, port = server.host_port
    conn = Connection(host, port)
    tokens = []
    try:
        for _ in range(count):
            status, head, data = await conn.request("POST", mock_authorize_target(), f"sub={MOCK_SUB}".encode(), FORM)
            if status != 302:
                raise SystemExit(f"{server.name}: authorize answered {status}: {data[:300]!r}")
            form = urlencode({"grant_type": "authorization_code", "code": location_code(head),
                              "redirect_uri": REDIRECT_URI}).encode()
            status, _head, data = await conn.request("POST", "/oauth2/token", form, FORM + MOCK_BASIC)
            tokens.append(token_of(status, data, refresh=True)["refresh_token"])
    finally:
        await conn.close()
    return tokens


def code_minter(server: Server, codes: list[str], concurrency: int) -> Callable[[int], Awaitable[None]]:
    """Top the pool up with codes from the mock's authorize form (``sub`` posted, as its page does)."""
    host, port = server.host_port
    target, body = mock_authorize_target(), f"sub={MOCK_SUB}".encode()

    async def refill(size: int) -> None:
        need = size - len(codes)

        async def one(conn: Connection, _worker: int) -> None:
            nonlocal need
            if need <= 0:
                raise IndexError
            need -= 1
            status, head, _data = await conn.request("POST", target, body, FORM)
            if status != 302:
                raise BadResponse(f"authorize answered {status}")
            codes.append(location_code(head))

        _n, _lat, errors, _t = await run_workers(host, port, concurrency, time.perf_counter() + 60, one)
        if errors:
            raise SystemExit(f"{server.name}: minting codes failed: {errors[:3]}")

    return refill


# ---- report -----------------------------------------------------------------------------------------

def rate(variant: Variant) -> float:
    return statistics.fmean(variant.rates) if variant.rates else 0.0


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


async def bench(args: argparse.Namespace, servers: dict[str, Server]) -> list[Variant]:
    n = args.concurrency
    psc, gw, mock_w, mock_u = servers["psc"], servers["gateway"], servers["mock-werkzeug"], servers["mock-uvicorn"]
    cc_body, cc_check = plain(b"grant_type=client_credentials")
    ours_psc_rt = refresh_chain(await our_refresh_tokens(psc, n), rotates=True)
    ours_gw_rt = refresh_chain(await our_refresh_tokens(gw, n), rotates=True)
    mock_w_rt = refresh_chain(await mock_refresh_tokens(mock_w, n), rotates=False)
    mock_u_rt = refresh_chain(await mock_refresh_tokens(mock_u, n), rotates=False)
    codes_w: list[str] = []
    codes_u: list[str] = []
    variants = [
        Variant("ours", "client_credentials", "PSC app", psc, REALM_TOKEN, BASIC, cc_body, cc_check),
        Variant("mock", "refresh_token", "werkzeug", mock_w, "/oauth2/token", MOCK_BASIC, *mock_w_rt),
        Variant("ours", "refresh_token", "PSC app", psc, REALM_TOKEN, BASIC, *ours_psc_rt),
        Variant("mock", "refresh_token", "uvicorn", mock_u, "/oauth2/token", MOCK_BASIC, *mock_u_rt),
        Variant("ours", "client_credentials", "gateway", gw, REALM_TOKEN, BASIC, cc_body, cc_check),
        Variant("mock", "authorization_code", "werkzeug", mock_w, "/oauth2/token", MOCK_BASIC, *code_pool(codes_w),
                refill=code_minter(mock_w, codes_w, n)),
        Variant("ours", "refresh_token", "gateway", gw, REALM_TOKEN, BASIC, *ours_gw_rt),
        Variant("mock", "authorization_code", "uvicorn", mock_u, "/oauth2/token", MOCK_BASIC, *code_pool(codes_u),
                refill=code_minter(mock_u, codes_u, n)),
    ]
    for round_no in range(args.rounds):
        for variant in variants:
            await measure(variant, args.seconds, n)
            print(f"  round {round_no + 1}  {variant.label:40s} {variant.rates[-1]:8.0f} req/s", flush=True)
    return variants


def report(variants: list[Variant], args: argparse.Namespace, wsgi_impl: str) -> int:
    print()
    print(f"{args.rounds} rounds x {args.seconds:g} s per variant, {args.concurrency} concurrent connections, "
          f"{os.cpu_count()} CPUs; mock under uvicorn via {wsgi_impl}")
    print(f"{'variant':40s} {'req/s':>7s} {'per round':>16s} {'p50 ms':>7s} {'p95 ms':>7s} {'client CPU':>10s} "
          f"{'errors':>6s}")
    for v in variants:
        rounds = " ".join(f"{r:.0f}" for r in v.rates)
        print(f"{v.label:40s} {rate(v):7.0f} {rounds:>16s} {pct(v.latencies, .50):7.2f} {pct(v.latencies, .95):7.2f} "
              f"{statistics.fmean(v.client_cpu):9.0%} {len(v.errors):6d}")
    by = {(v.side, v.grant, v.where): rate(v) for v in variants}
    print()
    print("ratios (aim >= 2). Not the same work: the mock's refresh signs nothing and rotates nothing; ours signs")
    print("two JWTs and writes; ours cc and the mock's code exchange each sign one JWT.")
    for where in ("PSC app", "gateway"):
        cc, rt = by["ours", "client_credentials", where], by["ours", "refresh_token", where]
        for server in ("werkzeug", "uvicorn"):
            mr, mc = by["mock", "refresh_token", server], by["mock", "authorization_code", server]
            print(f"  ours ({where:7s}) / mock ({server:8s}):  cc / mock refresh {ratio(cc, mr):5.2f}   "
                  f"refresh / mock refresh {ratio(rt, mr):5.2f}   cc / mock code exchange {ratio(cc, mc):5.2f}")
    failed = [v for v in variants if v.errors]
    for v in failed:
        print(f"ERRORS in {v.label}: {len(v.errors)}, e.g. {v.errors[:3]}")
    return 1 if failed else 0


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-mock-werkzeug":  # the mock's server process
        serve_mock_werkzeug(int(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per variant and round")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent connections (workers)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all variants (A B A B ...)")
    args = parser.parse_args()
    if importlib.util.find_spec("oidc_provider_mock") is None:  # not imported here: authlib warns loudly
        raise SystemExit("oidc-provider-mock is needed: pip install -e '.[bench]'")
    wsgi_impl = "a2wsgi" if importlib.util.find_spec("a2wsgi") else "uvicorn's own WSGI middleware (no a2wsgi)"
    servers: dict[str, Server] = {}
    started = time.perf_counter()
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    print(f"load average before the run: {load:.2f} on {cpus} CPUs"
          + ("  (busy machine: trust the ratios more than the rates)" if load > cpus / 2 else ""))
    try:
        with tempfile.TemporaryDirectory() as gw_dir, tempfile.TemporaryDirectory() as psc_dir, \
                tempfile.TemporaryDirectory() as logs:
            gw_port, psc_port, w_port, u_port = free_port(), free_port(), free_port(), free_port()
            servers["gateway"] = start("gateway", uvicorn("bench._support:gateway_app", gw_port), gw_port, {
                "SANDBOX_DATA_DIR": gw_dir, "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{gw_port}"},
                prefix="/pro-sante-connect")
            servers["psc"] = start("PSC app", uvicorn("bench.psc_token:psc_app", psc_port), psc_port, {
                "SANDBOX_DATA_DIR": psc_dir, "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{psc_port}",
                "ANNUAIRE_SANTE_URL": f"http://127.0.0.1:{gw_port}/annuaire-sante"})
            servers["mock-werkzeug"] = start("mock (werkzeug)", [sys.executable, "-m", "bench.psc_token",
                                                                 "--serve-mock-werkzeug", str(w_port)], w_port, {},
                                             log=Path(logs, "werkzeug.log"))
            servers["mock-uvicorn"] = start("mock (uvicorn)", uvicorn("bench.psc_token:mock_app", u_port, wsgi=True),
                                            u_port, {}, log=Path(logs, "uvicorn.log"))
            wait_ready(servers["gateway"], "/livez")
            wait_ready(servers["psc"], "/livez")
            wait_ready(servers["mock-werkzeug"], "/.well-known/openid-configuration")
            wait_ready(servers["mock-uvicorn"], "/.well-known/openid-configuration")
            import uvloop

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                variants = runner.run(bench(args, servers))
    finally:
        stop(list(servers.values()))
    code = report(variants, args, wsgi_impl)
    print(f"(whole run {time.perf_counter() - started:.0f} s)")
    raise SystemExit(code)


if __name__ == "__main__":
    main()
