"""App-factory helpers shared by every service: health, lifespan, error rendering, tenant admin.

A service's ``create_app(settings)`` calls :func:`create_service_app` and includes its own routers.
Every service app then answers ``/livez``, ``/readyz`` and the sandbox-only tenant routes the gateway
uses (``DELETE /_admin/tenants/{tenant}`` wipes a tenant, ``POST /_admin/tenants/{tenant}/seed``
seeds it, ``POST /_admin/tenants/{tenant}/reset`` wipes and seeds it in one transaction; ``dry_run=true``
does the work and rolls it back; the seed route answers what it added and what the tenant now holds,
by kind), checks the admin token of every ``/_admin`` request before reading
it, renders every error once, in the format of the error raised, and carries the service's peer
client (``app.state.peers``, see :mod:`core.peers`).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Match

from core.admin import AdminTokenFirst, check_admin
from core.banner import Banner
from core.codes import Code
from core.db import Database
from core.digits import MAX_INT, AsciiInt
from core.errors import SandboxError
from core.peers import Peers
from core.settings import DEFAULT_TENANT, ServiceSettings
from core.tenancy import check_tenant

SANDBOX_ONLY = "sandbox-only"
MAX_GENERATED = 5_000_000


@dataclass(frozen=True)
class SeedRequest:
    """What to load into a tenant: the named personas always, plus a generated population.

    The same ``seed`` gives the same generated people on every service, so the INSi identities and
    the Annuaire professionals of one run agree without any call between services.
    """

    tenant: str
    patients: int = 0
    professionals: int = 0
    seed: int = 0
    progress: Callable[[int, int], None] | None = None  # (done, total) for long loads

    def report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


Counts = Mapping[str, int]  # by kind of record: {"identities": 13}, {"Practitioner": 10, "Organization": 7}
Seeder = Callable[[SeedRequest], Counts]  # loads a tenant; answers how many records of each kind it added
Census = Callable[[str], Counts]  # how many records of each kind a tenant holds now


class SeedAnswer(BaseModel):
    """What ``POST /_admin/tenants/{tenant}/seed`` answers."""

    tenant: str
    seeded: dict[str, int] = Field(description="Records added by this call, by kind (0 for what was already there).")
    total: dict[str, int] | None = Field(
        None, description="Records the tenant holds now, by kind (seeded or added since); absent when the "
        "service cannot count them.")


def seed_answer(tenant: str, added: Counts, total: Counts | None) -> SeedAnswer:
    """Both mappings over the same kinds, in the order the service gives them."""
    kinds = list(dict.fromkeys([*(total or {}), *added]))
    return SeedAnswer(tenant=tenant, seeded={k: int(added.get(k, 0)) for k in kinds},
                      total=None if total is None else {k: int(total.get(k, 0)) for k in kinds})


Count = Annotated[AsciiInt, Query(ge=0, le=MAX_GENERATED)]
DryRun = Annotated[bool, Query(description="Do the work and roll it back: proves it would succeed.")]


def install_error_handlers(app: FastAPI) -> None:
    """Render :class:`SandboxError` (and FastAPI's own errors) as the route's wire format."""

    @app.exception_handler(SandboxError)
    async def _sandbox_error(request: Request, exc: SandboxError) -> Response:
        if exc.status == 405 and not any(k.lower() == "allow" for k in exc.headers):
            exc.headers = {**exc.headers, "Allow": allowed_methods(request)}  # RFC 9110 §15.5.6: MUST
        return exc.render()

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body",)) or "request"
        return SandboxError(400, Code.BAD_PARAMETER, f"{where}: {first.get('msg')}", expression=[where]).render()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            err = SandboxError(404, Code.NOT_FOUND, f"No route for {request.url.path}.", issue="not-found")
        elif exc.status_code == 405:
            err = SandboxError(
                405, Code.METHOD_NOT_ALLOWED, f"{request.method} is not allowed on {request.url.path}.",
                issue="not-supported", headers={**(exc.headers or {}), "Allow": allowed_methods(request)},
            )
        else:
            err = SandboxError(exc.status_code, f"HTTP-{exc.status_code:04d}", str(exc.detail), issue="processing")
        return err.render()


METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> str:
    """The ``Allow`` of a 405: the methods some route of the app fully matches at the request's path.

    Asked route by route through Starlette's public ``matches`` (FastAPI's included routers do not list
    their methods). A 405 raised as a :class:`SandboxError` (a method the URL serves, refused for what the
    request asks, e.g. a metadata PATCH of a forbidden element) gets it unless the raiser set its own; the
    router's own 405 too (Starlette names the methods of the first route matching the path only).
    """
    routes = request.app.router.routes
    return ", ".join(m for m in METHODS if any(
        route.matches({**request.scope, "method": m})[0] is Match.FULL for route in routes))


def health_router(db: Database) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/livez")
    async def livez() -> dict:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz() -> Response:
        """Readiness: the service's database answers."""
        ok = db.ping()
        return JSONResponse({"status": "ok" if ok else "unavailable", "database": ok}, status_code=200 if ok else 503)

    return router


def tenant_admin_router(settings: ServiceSettings, db: Database, seed: Seeder | None,
                        census: Census | None = None) -> APIRouter:
    router = APIRouter(prefix="/_admin/tenants", tags=[SANDBOX_ONLY])

    @router.delete("/{tenant}", status_code=204)
    def wipe(tenant: str, request: Request, dry_run: DryRun = False) -> Response:
        """Delete every row of a tenant in this service (sandbox-only)."""
        check_admin(request, settings.sandbox)
        with db.atomic(commit=not dry_run):
            db.wipe_tenant(check_tenant(tenant))
        return Response(status_code=204)

    @router.post("/{tenant}/reset", status_code=204)
    def reset(tenant: str, request: Request, dry_run: DryRun = False) -> Response:
        """Wipe a tenant and seed its personas again, in one transaction: never left wiped and unseeded."""
        check_admin(request, settings.sandbox)
        with db.atomic(commit=not dry_run):
            db.wipe_tenant(check_tenant(tenant))
            if seed is not None:
                seed(SeedRequest(tenant))
        return Response(status_code=204)

    @router.post("/{tenant}/seed", response_model_exclude_none=True)
    def seed_tenant(tenant: str, request: Request, patients: Count = 0, professionals: Count = 0,
                    seed_value: Annotated[AsciiInt, Query(alias="seed", ge=0, le=MAX_INT)] = 0) -> SeedAnswer:
        """Load the personas (and ``patients``/``professionals`` generated ones) into a tenant; answer the counts."""
        check_admin(request, settings.sandbox)
        tenant = check_tenant(tenant)
        added: Counts = {}
        if seed is not None:
            added = seed(SeedRequest(tenant, patients=patients, professionals=professionals, seed=seed_value)) or {}
        return seed_answer(tenant, added, census(tenant) if census is not None else None)

    return router


@contextmanager
def settled_heap() -> Iterator[None]:
    """While the app runs: take every object alive once started (modules, models, specs, caches) out of the
    garbage collector's generations (``gc.freeze``), so that its collections during requests walk only what
    requests make; at shutdown they are handed back (``gc.unfreeze``: an app stopped in a longer process, a
    test, is collected). A traced ITI-67 search through the gateway went from p95 30.4 / 23.1 ms to 24.4 /
    19.7 ms (two runs each on bench/dmp_search's data). No ``gc.collect()`` first: a full collection costs
    ~100 ms at every start (minutes over the test suite), and garbage frozen with the rest is handed back
    at shutdown too."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_service_app(
    settings: ServiceSettings,
    db: Database,
    *,
    title: str,
    description: str = "",
    seed: Seeder | None = None,
    census: Census | None = None,
    banner: Banner | None = None,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """A FastAPI app with the kernel's plumbing; the caller includes its routers on it.

    ``seed`` loads a tenant and ``census`` counts what it holds (the seed route answers both); ``banner``
    is what ``sandbox up`` prints about the service (:mod:`core.banner`); each of ``background`` runs as a
    task while the app runs (a loop retrying deliveries), cancelled at shutdown before the peers close.
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        db.create_all()
        if seed is not None:
            seed(SeedRequest(DEFAULT_TENANT))
        tasks = [asyncio.create_task(job()) for job in background]
        try:
            with settled_heap():
                yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        await peers.aclose()
        db.dispose()

    peers = Peers(settings.sandbox)  # the gateway mounts itself on it when it runs this app in-process
    app = FastAPI(title=title, description=description, lifespan=lifespan)
    app.state.settings = settings
    app.state.peers = peers
    app.state.db = db
    app.state.seed = seed
    app.state.census = census
    app.state.banner = banner
    install_error_handlers(app)
    app.add_middleware(AdminTokenFirst, settings=settings.sandbox)
    app.include_router(health_router(db))
    app.include_router(tenant_admin_router(settings, db, seed, census))
    return app
