"""The gateway app: one front door for every service (DESIGN.md "Run modes" and "URL map").

:class:`Gateway` is a pure ASGI layer: ``/{slug}/...`` and ``/t/{tenant}/{slug}/...`` go straight to the
service (in-process app or its URL), everything else to a small FastAPI app (``/_admin``, health,
metrics). The layer resolves the tenant, sets ``X-Request-ID``, enforces the body limit, records the
exchange and counts it; it stays cheap because it is on every request.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from urllib.parse import quote

import httpx
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from core.admin import admin_refusal
from core.app import install_error_handlers, settled_heap
from core.codes import Code
from core.db import Database
from core.errors import SandboxError
from core.peers import Peers
from core.settings import DEFAULT_TENANT, SandboxSettings
from core.tenancy import TENANT_RE, check_tenant
from gateway import admin, datadir, fault_admin, health, store
from gateway.deps import GatewayState
from gateway.dispatch import Exchange, announced_length, read_body, replaying, request_id_of, service_headers
from gateway.fault_rules import FaultRules
from gateway.faults import ConnectionDropped, apply, has_bearer
from gateway.metrics import Metrics
from gateway.proxy import UPSTREAM_TIMEOUT, BodyTooLarge, LocalService, RemoteService, Service
from gateway.recorder import Recorder
from gateway.registry import DEFAULT_SERVICES, ServiceSpec
from gateway.tenants import Tenants

logger = logging.getLogger(__name__)

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
RESERVED_SLUGS = frozenset({"t", "_admin", "livez", "readyz", "metrics", "docs", "redoc", "openapi.json"})
UNRECORDED = ("/_admin", "/livez", "/readyz", "/metrics", "/docs", "/redoc", "/openapi.json")


def unrecorded(rest: str) -> bool:
    """Gateway-own routes are not recorded: admin, health, metrics, docs and the index."""
    return rest in ("", "/") or any(rest == p or rest.startswith(p + "/") for p in UNRECORDED)


class Gateway:
    """ASGI entry point; ``api`` is the FastAPI app of the gateway's own routes (and its lifespan)."""

    def __init__(self, state: GatewayState, api: FastAPI) -> None:
        self.state = state
        self.api = api
        self.services = state.services
        self.tenants = state.tenants
        self.recorder = state.recorder
        self.metrics = state.metrics
        self.max_body = state.settings.max_body_bytes
        self.record_limit = state.settings.record_body_bytes
        self.trusted_proxies = frozenset(state.settings.trusted_proxies)
        self.durable = state.settings.record_durable
        self.faults = state.faults

    @property
    def router(self):  # noqa: ANN201 - lets callers use ``app.router.lifespan_context(app)`` as on FastAPI
        return self.api.router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> str | None:
        if scope["type"] != "http":  # lifespan; websockets are not routed to services
            await self.api(scope, receive, send)
            return
        root = scope.get("root_path", "")
        route = scope["path"][len(root):] if root and scope["path"].startswith(root) else scope["path"]
        tenant, rest = DEFAULT_TENANT, route
        if route.startswith("/t/"):
            cut = route.find("/", 3)
            tenant, rest = (route[3:], "") if cut < 0 else (route[3:cut], route[cut:])
        cut = rest.find("/", 1)
        slug = rest[1:] if cut < 0 else rest[1:cut]
        service = self.services.get(slug)
        request_id = request_id_of(scope["headers"])
        valid = tenant is DEFAULT_TENANT or TENANT_RE.fullmatch(tenant) is not None  # "is": no /t/ prefix
        if service is None and valid and unrecorded(rest):
            await self._own(scope, receive, Exchange(send, scope, request_id, tenant, None, 0.0, 0), rest)
            return
        clock = time.perf_counter()
        # A malformed tenant name is recorded under the default tenant (the path still shows it).
        out = Exchange(send, scope, request_id, tenant if valid else DEFAULT_TENANT,
                       slug if service else None, time.time(), self.record_limit)
        if self.durable:
            out.durable, out.clock = self.recorder.persist, clock
        dropped = None
        try:
            if not valid:
                check_tenant(tenant)
            if service is None:
                await self._own(scope, receive, out, rest)
            else:
                if tenant not in self.tenants.known:
                    out.tenant = DEFAULT_TENANT  # a refused tenant (GW-0008, GW-0009) must not appear in the recorder
                    await self.tenants.ensure(tenant)
                    out.tenant = tenant
                if self.faults.by_tenant:  # a tenant has fault rules (gateway/faults.py): one may catch this
                    path = rest[1 + len(slug):] or "/"
                    rule = self.faults.take(tenant, slug, scope["method"], path, has_bearer(scope["headers"]))
                    if rule is not None:
                        out.fault = rule.recorded
                        self.metrics.fault(slug, rule.spec.kind)
                        outcome = await apply(rule, service.error_form_of(path), slug, scope, receive, out, send)
                        if outcome is not None:  # answered, or dropped: the service is not called
                            dropped = None if outcome == "answered" else outcome
                            return dropped  # a value tells uvicorn to close the connection (gateway/faults.py)
                prefix = scope.get("root_path", "") + route[: len(route) - len(rest) + 1 + len(slug)]
                sub, length = self._service_scope(service, scope, tenant, request_id, prefix)
                if length == 0 and isinstance(service, LocalService):  # the hot path: no body to read
                    await service.app(sub, receive, out)
                else:
                    await self._with_body(service, sub, receive, out, length)
        except SandboxError as exc:
            await self._error(exc, scope, receive, out)
        except BodyTooLarge:
            await self._error(too_large(self.max_body), scope, receive, out)
        except ConnectionDropped:
            dropped = "raised"
            raise
        except Exception:  # noqa: BLE001 - one failing service call must not take the gateway down
            logger.exception("%s %s failed in service %r", scope["method"], scope["path"], slug)
            if not out.status:
                failure = SandboxError(500, "HTTP-0500", f"Service {slug!r} failed.", issue="exception")
                await self._error(failure, scope, receive, out)
        finally:
            if not out.recorded:  # durable mode journals it before the end of the response
                out.duration = time.perf_counter() - clock
                out.status = out.status or (0 if dropped else 500)  # 0: no response, the connection was dropped
                self.recorder.add(out)
            self.metrics.observe(out.service, out.status, out.duration)

    def _service_scope(
        self, service: Service, scope: Scope, tenant: str, request_id: str, prefix: str,
    ) -> tuple[Scope, int | None]:
        """The scope a service sees, and the announced body size (0: none, None: unknown)."""
        client = scope.get("client")
        trusted = client is not None and client[0] in self.trusted_proxies  # a TLS terminator of ours
        headers, length = service_headers(scope, tenant, request_id, prefix, trusted=trusted)
        if length is not None and length > self.max_body:
            raise BodyTooLarge
        # Starlette routes on ``path`` minus ``root_path`` (as Mount does): keep the full path, so the
        # service's request.url stays the public one.
        sub = {**scope, "headers": headers, "root_path": prefix, "app_root_path": prefix}
        if isinstance(service, LocalService):
            sub["state"] = service.state.copy()
        return sub, length

    async def _with_body(
        self, service: Service, sub: Scope, receive: Receive, send: Exchange, length: int | None,
    ) -> None:
        """Forward a request with a body: buffered (and limited) in-process, streamed to a URL."""
        if isinstance(service, RemoteService):
            raw = sub.get("raw_path") or sub["path"].encode()
            prefix = sub["root_path"]
            raw_rest = raw[len(prefix):] if raw.startswith(prefix.encode()) else raw_path_after(sub, prefix)
            received = capture_receive(receive, send, self.record_limit)
            await service.forward(sub, received, send, raw_rest=raw_rest or b"/", limit=self.max_body)
            return
        assert isinstance(service, LocalService)
        body = await read_body(receive, self.max_body)
        send.request_body, send.request_size = body, len(body)
        await service.app(sub, replaying(body, receive), send)

    async def _own(self, scope: Scope, receive: Receive, send: Exchange, rest: str) -> None:
        """The gateway's own routes: the admin token first (before any body is read), then the body limit."""
        try:
            refusal = admin_refusal(scope, rest, self.state.settings)
            if refusal is not None:
                raise refusal
            length = announced_length(scope["headers"])
            if length != 0:  # read here, so that the limit holds with or without Content-Length
                if length is not None and length > self.max_body:
                    raise BodyTooLarge
                body = await read_body(receive, self.max_body)
                send.request_body, send.request_size = body, len(body)
                receive = replaying(body, receive)
        except SandboxError as exc:
            await self._error(exc, scope, receive, send)
            return
        except BodyTooLarge:
            await self._error(too_large(self.max_body), scope, receive, send)
            return
        await self.api(scope, receive, send)

    async def _error(self, exc: SandboxError, scope: Scope, receive: Receive, send: Exchange) -> None:
        if send.status:  # the response has started: nothing sane to add to it
            logger.warning("Gateway error after the response started: %s", exc.diagnostics)
            return
        await exc.render()(scope, receive, send)


def too_large(limit: int) -> SandboxError:
    return SandboxError(
        413, Code.BODY_TOO_LARGE, f"The request body is larger than the {limit} bytes accepted.",
        issue="too-costly",
    )


def raw_path_after(scope: Scope, prefix: str) -> bytes:
    """The path after ``prefix``, re-encoded (for clients that percent-encode the prefix itself)."""
    return quote(scope["path"][len(prefix):], safe="/:@!$&'()*+,;=-._~").encode()


def capture_receive(receive: Receive, exchange: Exchange, limit: int) -> Receive:
    """``receive`` that also keeps the first ``limit`` bytes of a streamed request body."""
    kept: list[bytes] = []

    async def wrapped() -> Message:
        message = await receive()
        chunk = message.get("body", b"") if message["type"] == "http.request" else b""
        if chunk:
            exchange.request_size += len(chunk)
            room = limit - sum(map(len, kept))
            if room > 0:
                kept.append(chunk[:room])
                exchange.request_body = b"".join(kept)
        return message

    return wrapped


def build_service(spec: ServiceSpec, settings: SandboxSettings) -> Service:
    if spec.slug in RESERVED_SLUGS or not SLUG_RE.fullmatch(spec.slug):
        raise ValueError(f"Service slug {spec.slug!r} is reserved or invalid.")
    service_settings = spec.build_settings(settings)
    if service_settings.url:
        service: Service = RemoteService(spec.slug, settings, service_settings.url)
    else:
        service = LocalService(spec.slug, settings, spec.build_app(service_settings))
    service.error_form_of = spec.error_form_of
    return service


def create_app(settings: SandboxSettings, services: list[ServiceSpec] | None = None) -> Gateway:
    """The gateway over ``services`` (default: the registry), each in-process unless its URL is set."""
    specs = DEFAULT_SERVICES if services is None else services
    db = Database(settings.database_url or settings.sqlite_url("gateway"), prefix="gateway",
                  metadata=store.metadata)
    built = {spec.slug: build_service(spec, settings) for spec in specs}
    recorder = Recorder(db, body_limit=settings.record_body_bytes)
    faults = FaultRules()
    tenants = Tenants(db, list(built.values()), recorder, settings, faults=faults)
    state = GatewayState(settings=settings, db=db, services=built, tenants=tenants, recorder=recorder,
                         metrics=Metrics(), faults=faults)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            datadir.mark(settings.data_dir)
            await asyncio.to_thread(db.create_all)
            await asyncio.to_thread(store.upgrade, db.engine)
            stack.callback(db.dispose)
            client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT)  # shared by every URL-mode service
            stack.push_async_callback(client.aclose)
            for service in built.values():
                if isinstance(service, LocalService) and hasattr(service.app, "router"):
                    # Starlette does not run the lifespan of mounted apps: run each service's here.
                    context = service.app.router.lifespan_context(service.app)
                    lifespan_state = await stack.enter_async_context(context)
                    service.state = dict(lifespan_state or {})
                await service.start(client)
                stack.push_async_callback(service.stop)
            await tenants.load()
            recorder.start()
            stack.push_async_callback(recorder.stop)
            stack.enter_context(settled_heap())
            yield

    api = FastAPI(title="e-santé sandbox gateway", version=health.version(), lifespan=lifespan)
    api.state.gateway = state
    install_error_handlers(api)
    api.include_router(health.router)
    api.include_router(admin.router)
    api.include_router(fault_admin.router)
    gateway = Gateway(state, api)
    mount_peers(gateway, built.values())
    return gateway


def mount_peers(gateway: Gateway, services: Iterable[Service]) -> None:
    """Route the peer calls of every in-process service through this gateway, so they are recorded."""
    for service in services:
        if isinstance(service, LocalService):
            peers = getattr(getattr(service.app, "state", None), "peers", None)
            if isinstance(peers, Peers):
                peers.mount(gateway)
