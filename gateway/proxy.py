"""How the gateway reaches a service: in-process ASGI call, or HTTP forwarding in split mode.

Both kinds offer ``admin`` (the gateway's own calls: seed, wipe) and ``ready``; the gateway calls an
in-process app directly and a remote one through ``RemoteService.forward``. URL forwarding streams both
bodies, strips hop-by-hop headers both ways (RFC 9110 section 7.6.1) and maps an unreachable upstream
to 502 ``GW-0005``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from core.admin import ADMIN_TOKEN_HEADER
from core.codes import Code
from core.errors import SandboxError
from core.settings import SandboxSettings

HOP_BY_HOP = frozenset({
    b"connection", b"keep-alive", b"te", b"trailer", b"trailers", b"transfer-encoding", b"upgrade",
})
UPSTREAM_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
READY_TIMEOUT = 2.0


class BodyTooLarge(Exception):
    """The request body went over ``max_body_bytes`` while being read."""


def unavailable(slug: str, reason: object) -> SandboxError:
    return SandboxError(
        502, Code.SERVICE_UNAVAILABLE, f"Service {slug!r} did not answer: {reason}.", issue="transient",
    )


def strip_hop_by_hop(headers: list[tuple[bytes, bytes]], *, drop: frozenset[bytes] = frozenset()):
    """Headers without hop-by-hop ones, ``Proxy-*`` ones, those named by ``Connection`` and ``drop``."""
    named = {
        token.strip().lower()
        for name, value in headers if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value) for name, value in headers
        if (low := name.lower()) not in HOP_BY_HOP and not low.startswith(b"proxy-")
        and low not in named and low not in drop
    ]


class Service:
    """A service the gateway routes ``/{slug}`` to."""

    slug: str

    def __init__(self, slug: str, settings: SandboxSettings) -> None:
        self.slug = slug
        self.settings = settings
        self.client: httpx.AsyncClient | None = None

    def error_form_of(self, path: str) -> str:
        """The form of this service's errors at ``path`` (set from its ServiceSpec by the gateway)."""
        return "fhir"

    def admin_headers(self) -> dict[str, str]:
        token = self.settings.admin_token
        return {ADMIN_TOKEN_HEADER: token.get_secret_value()} if token else {}

    async def admin(self, method: str, path: str, *, timeout: float | None = None) -> httpx.Response:
        """Call one of the service's own routes (seed, wipe, readyz) as the gateway."""
        assert self.client is not None, "the gateway lifespan has not started"
        try:
            return await self.client.request(
                method, path, headers=self.admin_headers(), timeout=timeout or UPSTREAM_TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise unavailable(self.slug, exc) from exc

    async def ready(self) -> bool:
        try:
            return (await self.admin("GET", "/readyz", timeout=READY_TIMEOUT)).status_code == 200
        except SandboxError:
            return False


class LocalService(Service):
    """A service app running in this process, called directly through ASGI."""

    def __init__(self, slug: str, settings: SandboxSettings, app: ASGIApp) -> None:
        super().__init__(slug, settings)
        self.app = app
        self.state: dict[str, Any] = {}  # what the service's lifespan yielded, copied into each scope

    async def start(self, shared: httpx.AsyncClient) -> None:
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url=f"http://{self.slug}")

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()


class RemoteService(Service):
    """A service running elsewhere (split mode), reached over HTTP at its ``<SLUG>_URL``."""

    def __init__(self, slug: str, settings: SandboxSettings, url: str) -> None:
        super().__init__(slug, settings)
        self.url = url.rstrip("/")
        self.base = httpx.URL(self.url)

    async def start(self, shared: httpx.AsyncClient) -> None:
        self.client = shared

    async def stop(self) -> None:
        self.client = None  # the shared client is closed by the gateway

    async def admin(self, method: str, path: str, *, timeout: float | None = None) -> httpx.Response:
        return await super().admin(method, self.url + path, timeout=timeout)

    async def forward(
        self, scope: Scope, receive: Receive, send: Send, *, raw_rest: bytes, limit: int
    ) -> None:
        """Stream the request upstream and the response back; ``raw_rest`` is the raw path after the slug."""
        assert self.client is not None, "the gateway lifespan has not started"
        headers = strip_hop_by_hop(scope["headers"], drop=frozenset({b"host"}))
        has_body = any(n in (b"content-length", b"transfer-encoding") for n, _ in scope["headers"])
        query = scope.get("query_string", b"")
        raw_path = self.base.raw_path.rstrip(b"/") + raw_rest + (b"?" + query if query else b"")
        url = self.base.copy_with(raw_path=raw_path)
        request = self.client.build_request(
            scope["method"], url, headers=headers,
            content=stream_body(receive, limit) if has_body else b"", timeout=UPSTREAM_TIMEOUT,
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise unavailable(self.slug, exc) from exc
        try:
            await send({
                "type": "http.response.start",
                "status": response.status_code,
                # The gateway's own server adds Date and Server: drop the upstream's, not to send two.
                "headers": strip_hop_by_hop(response.headers.raw, drop=frozenset({b"date", b"server"})),
            })
            # An upstream dying mid-body raises here, so the server aborts the client connection
            # rather than passing a cut body off as complete.
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()


async def stream_body(receive: Receive, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives, raising :class:`BodyTooLarge` past ``limit`` bytes."""
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
