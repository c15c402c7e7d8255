"""Peer client: how one service calls another, only over HTTP (DESIGN.md "Run modes").

``peer(request, "pro-sante-connect")`` gives a :class:`PeerClient` bound to a service and to the caller's
tenant. A slug resolves, in order, to:

1. the gateway mounted in this process (``Peers.mount``): an ASGI call to ``/t/{tenant}/{slug}{path}``
   (``/{slug}{path}`` for the default tenant), so the gateway routes and records the exchange;
2. the service's own URL (``<SLUG>_URL``, split mode): a direct call carrying ``x-sandbox-tenant``;
3. ``SANDBOX_PUBLIC_URL`` + tenant prefix + slug: through a gateway running elsewhere.

Peer calls are made from async routes only (an in-process call re-enters the event loop).
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.types import ASGIApp

from core.settings import DEFAULT_TENANT, SandboxSettings, ServiceSettings
from core.tenancy import TENANT_HEADER, request_tenant

PEER_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def tenant_prefix(tenant: str) -> str:
    return "" if tenant == DEFAULT_TENANT else f"/t/{tenant}"


class PeerClient:
    """Calls to one service for one tenant; ``path`` is relative to the service root (``/fhir/...``)."""

    def __init__(self, client: httpx.AsyncClient, target: str, base_url: str, headers: dict[str, str]) -> None:
        self.client = client
        self.target = target  # where requests go (in-process gateway, service URL or public URL)
        self.base_url = base_url  # the service's public base for the tenant (issuer checks, absolute URLs)
        self.headers = headers

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        return await self.client.request(method, self.target + path, headers=headers, **kwargs)

    async def get(self, path: str, *, params: Any = None, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.request("GET", path, params=params, headers=headers)

    async def post(
        self, path: str, *, data: Any = None, json: Any = None, headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.request("POST", path, data=data, json=json, headers=headers)


class Peers:
    """The peer clients of one app; HTTP clients are opened on first use and closed by :meth:`aclose`."""

    def __init__(self, sandbox: SandboxSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.sandbox = sandbox
        self.gateway: ASGIApp | None = None
        self._transport = transport  # network transport override (tests)
        self._local: httpx.AsyncClient | None = None
        self._network: httpx.AsyncClient | None = None
        self._urls: dict[str, str | None] = {}  # slug -> <SLUG>_URL, read once: settings parse the env

    def mount(self, app: ASGIApp) -> None:
        """Send every peer call through ``app`` (the gateway of this process)."""
        self.gateway = app

    def service_url(self, slug: str) -> str | None:
        if slug not in self._urls:
            url = ServiceSettings.for_slug(slug, self.sandbox).url
            self._urls[slug] = url.rstrip("/") if url else None
        return self._urls[slug]

    def base_url(self, slug: str, tenant: str) -> str:
        """Public base of ``slug`` for ``tenant`` (``ServiceSettings.base_url``), whatever the transport."""
        return f"{self.sandbox.public_base}{tenant_prefix(tenant)}/{slug}"

    def client(self, slug: str, tenant: str) -> PeerClient:
        """A client on ``slug`` for ``tenant``, resolved as the module docstring says."""
        base_url = self.base_url(slug, tenant)
        if self.gateway is not None:
            return PeerClient(self._local_client(), f"{tenant_prefix(tenant)}/{slug}", base_url, {})
        url = self.service_url(slug)
        if url is not None:
            return PeerClient(self._network_client(), url, base_url, {TENANT_HEADER: tenant})
        return PeerClient(self._network_client(), base_url, base_url, {})

    def _local_client(self) -> httpx.AsyncClient:
        if self._local is None:
            # The public origin as host: the services see the same URLs as through the real front door.
            origin = httpx.URL(self.sandbox.public_base)
            transport = httpx.ASGITransport(app=self.gateway)
            self._local = httpx.AsyncClient(
                transport=transport, base_url=f"{origin.scheme}://{origin.netloc.decode()}", timeout=PEER_TIMEOUT,
            )
        return self._local

    def _network_client(self) -> httpx.AsyncClient:
        if self._network is None:
            self._network = httpx.AsyncClient(transport=self._transport, timeout=PEER_TIMEOUT)
        return self._network

    async def aclose(self) -> None:
        """Close the HTTP clients; the next call opens new ones (a lifespan may run again)."""
        for client in (self._local, self._network):
            if client is not None:
                await client.aclose()
        self._local = self._network = None


def peer(request: Request, slug: str) -> PeerClient:
    """The peer client on ``slug`` for the tenant of ``request``."""
    peers: Peers = request.app.state.peers
    return peers.client(slug, request_tenant(request))
