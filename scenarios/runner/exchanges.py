"""Send one HTTP request for a scenario and keep it as a masked :class:`~scenarios.results.Exchange`.

Every request the runner makes (a step's, a login's, a fault rule's, an await's poll of the recorder) goes
through :func:`send`, so every report shows the same thing and none can hold a secret: headers, URL and
bodies are masked by ``core/masking.py``, exactly as the gateway's recorder masks them. Bodies kept in a
result are cut at :data:`MAX_KEPT` bytes (the recorder's own limit); the check of a step's ``expect`` reads
the full, unmasked answer, never the kept copy.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from core.masking import encode_body, mask_body, mask_raw, mask_url, mask_url_headers
from scenarios.results import Exchange

MAX_KEPT = 256 * 1024  # bytes of a body kept in a result (and so in the reports)


def _raw(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    return [(name.lower(), value) for name, value in headers.raw]


def _kept(headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    truncated = len(body) > MAX_KEPT
    return encode_body(mask_body(headers, body[:MAX_KEPT]), truncated)


def _headers(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    masked, _ = mask_raw(mask_url_headers(headers))
    out: dict[str, str] = {}
    for name, value in masked:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def masked_exchange(request: httpx.Request, response: httpx.Response | None, *, duration_ms: float,
                    error: str | None = None) -> Exchange:
    """The masked record of ``request`` and its ``response`` (whose body has been read), or of its failure."""
    request_headers = _raw(request.headers)
    request_body, request_b64 = _kept(request_headers, request.content)
    exchange = Exchange(method=request.method, url=mask_url(str(request.url).encode()).decode(),
                        request_headers=_headers(request_headers), request_body=request_body,
                        duration_ms=round(duration_ms, 3), error=error, request_base64=request_b64)
    if response is not None:
        response_headers = _raw(response.headers)
        exchange.status = response.status_code
        exchange.response_headers = _headers(response_headers)
        exchange.response_body, response_b64 = _kept(response_headers, response.content)
        exchange.response_base64 = response_b64
    return exchange


async def send(http: httpx.AsyncClient, method: str, url: str,
               **options: Any) -> tuple[httpx.Response | None, Exchange]:
    """Send the request; answer the response (``None`` when none came) and its masked exchange. Never raises
    on a transport failure (refused, dropped, timed out): the exchange's ``error`` says what happened."""
    request = http.build_request(method, url, **options)
    started = time.perf_counter()
    try:
        response = await http.send(request)
        await response.aread()
    except httpx.HTTPError as exc:
        duration = (time.perf_counter() - started) * 1000
        text = f"{type(exc).__name__}: {exc}".rstrip(": ") or type(exc).__name__
        return None, masked_exchange(request, None, duration_ms=duration, error=f"no answer ({text})")
    duration = (time.perf_counter() - started) * 1000
    return response, masked_exchange(request, response, duration_ms=duration)
