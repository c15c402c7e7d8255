"""The client side of bench/psc_token.py: token requests over raw keep-alive HTTP/1.1, the variants compared
and the workers that run them (httpx costs ~1.6 ms of CPU a request, more than some servers measured).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from bench._support import BadResponse, Connection, Server

REDIRECT_URI = "http://localhost:3000/callback"


MOCK_BASIC = b"Authorization: Basic " + base64.b64encode(b"bench-client:bench-secret") + b"\r\n"


def location_code(raw_head: bytes) -> str:
    for line in raw_head.split(b"\r\n"):
        if line.lower().startswith(b"location:"):
            query = parse_qs(urlsplit(line[9:].strip().decode()).query)
            if "code" in query:
                return query["code"][0]
            raise BadResponse(f"authorization refused: {line.decode()[:300]}")
    raise BadResponse("no Location in the authorization response")


def token_of(status: int, data: bytes, *, refresh: bool = False) -> dict:
    if status != 200:
        raise BadResponse(f"status {status}: {data[:300]!r}")
    body = json.loads(data)
    if not body.get("access_token") or (refresh and not body.get("refresh_token")):
        raise BadResponse(f"no access_token{' / refresh_token' if refresh else ''}: {data[:300]!r}")
    return body


# ---- variants ---------------------------------------------------------------------------------------

@dataclass
class Variant:
    side: str  # ours | mock
    grant: str
    where: str  # PSC app | gateway | werkzeug | uvicorn
    server: Server
    path: str
    basic: bytes
    body: Callable[[int], bytes]  # worker index -> form body
    check: Callable[[int, int, bytes], None]  # worker index, status, body -> raises BadResponse
    refill: Callable[[int], Awaitable[None]] | None = None  # untimed: top the code pool up to n codes
    rates: list[float] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)  # this process's CPU time / wall time, per round
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.side}  {self.grant:19s} {self.where}"


def plain(grant: bytes) -> tuple[Callable[[int], bytes], Callable[[int, int, bytes], None]]:
    def check(_worker: int, status: int, data: bytes) -> None:
        token_of(status, data)

    return lambda _worker: grant, check


def refresh_chain(tokens: list[str], *, rotates: bool):
    """Each worker refreshes its own token; ours rotate (the answer's refresh_token replaces it)."""

    def body(worker: int) -> bytes:
        return b"grant_type=refresh_token&refresh_token=" + tokens[worker].encode()

    def check(worker: int, status: int, data: bytes) -> None:
        answer = token_of(status, data, refresh=rotates)
        if rotates:
            tokens[worker] = answer["refresh_token"]

    return body, check


def code_pool(codes: list[str]):
    def body(_worker: int) -> bytes:
        if not codes:
            raise IndexError
        return urlencode({"grant_type": "authorization_code", "code": codes.pop(),
                          "redirect_uri": REDIRECT_URI}).encode()

    def check(_worker: int, status: int, data: bytes) -> None:
        token_of(status, data)

    return body, check


async def run_workers(host: str, port: int, concurrency: int, deadline: float,
                      one: Callable[[Connection, int], object]) -> tuple[int, list[float], list[str], float]:
    """Run ``one(conn, worker)`` in ``concurrency`` loops until ``deadline`` (or IndexError: pool empty)."""
    latencies: list[float] = []
    errors: list[str] = []
    last = [time.perf_counter()]

    async def worker(index: int) -> None:
        conn = Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                begin = time.perf_counter()
                try:
                    await one(conn, index)
                except IndexError:
                    return
                except (BadResponse, OSError, ValueError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    await conn.close()
                    if len(errors) > 20:
                        return
                    continue
                end = time.perf_counter()
                latencies.append(end - begin)
                last[0] = max(last[0], end)
        finally:
            await conn.close()

    start_at = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return len(latencies), latencies, errors, max(last[0], start_at) - start_at
