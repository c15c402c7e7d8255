"""A tiny service for gateway tests: notes keyed by tenant, header echo, large and streamed bodies."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import FastAPI, Request
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select
from starlette.responses import JSONResponse, RedirectResponse, Response, StreamingResponse

from core.app import SeedRequest, create_service_app
from core.db import Database
from core.settings import ServiceSettings
from core.tenancy import request_tenant
from gateway.registry import ServiceSpec

SLUG = "demo-service"
SPEC = ServiceSpec(slug=SLUG, factory="tests.gateway.demo_service:create_app")
MARKER_KEY = "marker"
REQUEST_KEY = "seed-request"  # what the last SeedRequest asked for, as "patients professionals seed"
FAILING_SEED = 13  # a SeedRequest with this seed makes the seeder fail (the CLI's error path)


def create_app(settings: ServiceSettings) -> FastAPI:
    metadata = MetaData()
    notes = Table(
        "demo_service_notes", metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("tenant", String(40), nullable=False, index=True),
        Column("key", String(100), nullable=False),
        Column("value", Text, nullable=False),
    )
    db = Database(settings.resolved_database_url, prefix="demo_service", metadata=metadata)

    def read(tenant: str, key: str) -> str | None:
        with db.read() as conn:
            return conn.execute(
                select(notes.c.value).where(notes.c.tenant == tenant, notes.c.key == key)
            ).scalar_one_or_none()

    def seed(request: SeedRequest) -> dict[str, int]:
        if request.seed == FAILING_SEED:
            raise ValueError(f"the demo seeder refuses seed {FAILING_SEED}")
        asked = f"{request.patients} {request.professionals} {request.seed}"
        first = read(request.tenant, MARKER_KEY) is None
        with db.write() as conn:
            if first:
                conn.execute(notes.insert().values(tenant=request.tenant, key=MARKER_KEY, value="seeded"))
            conn.execute(notes.delete().where(notes.c.tenant == request.tenant, notes.c.key == REQUEST_KEY))
            conn.execute(notes.insert().values(tenant=request.tenant, key=REQUEST_KEY, value=asked))
        total = request.patients + request.professionals
        for done in range(0, total + 1, max(1, total // 4)):
            request.report(done, total)
        return {"markers": int(first)}

    def census(tenant: str) -> dict[str, int]:
        return {"markers": int(read(tenant, MARKER_KEY) is not None)}

    app = create_service_app(settings, db, title="Demo service", seed=seed, census=census)
    app.state.uploads = 0

    @app.get("/notes/{key}")
    def get_note(key: str, request: Request) -> Response:
        """Read one note of the caller's tenant."""
        value = read(request_tenant(request), key)
        if value is None:
            return JSONResponse({"key": key}, status_code=404)
        return JSONResponse({"key": key, "value": value})

    @app.put("/notes/{key}")
    async def put_note(key: str, request: Request) -> Response:
        """Write one note in the caller's tenant."""
        value = (await request.body()).decode()
        tenant = request_tenant(request)
        with db.write() as conn:
            conn.execute(notes.delete().where(notes.c.tenant == tenant, notes.c.key == key))
            conn.execute(notes.insert().values(tenant=tenant, key=key, value=value))
        return JSONResponse({"key": key, "value": value}, status_code=201)

    @app.get("/echo")
    async def echo(request: Request) -> Response:
        """What the service saw of the request."""
        return JSONResponse(
            {
                "headers": dict(request.headers),
                "path": request.url.path,
                "url": str(request.url),
                "root_path": request.scope.get("root_path", ""),
                "query": request.url.query,
            },
            headers={"keep-alive": "timeout=5", "proxy-authenticate": "Basic", "x-demo": "1"},
        )

    @app.get("/big")
    def big(size: int = 200_000) -> Response:
        """A large plain-text body."""
        return Response(b"x" * size, media_type="text/plain")

    @app.get("/stream")
    def stream(chunks: int = 10, size: int = 10_000) -> Response:
        """A streamed body of ``chunks`` chunks."""

        def gen() -> Iterator[bytes]:
            for i in range(chunks):
                yield bytes([48 + i % 10]) * size

        return StreamingResponse(gen(), media_type="application/octet-stream")

    @app.get("/redirect")
    def redirect(to: str) -> Response:
        """A 302 to ``to``, as an authorization endpoint sends the browser back to its client."""
        return RedirectResponse(to, status_code=302)

    @app.get("/binary")
    def binary() -> Response:
        """A non-UTF-8 body."""
        return Response(bytes(range(256)), media_type="application/octet-stream")

    @app.post("/upload")
    async def upload(request: Request) -> Response:
        """Count the uploaded bytes."""
        body = await request.body()
        app.state.uploads += 1
        return JSONResponse({"size": len(body)})

    @app.get("/boom")
    def boom() -> Response:
        """Fail with an unhandled exception."""
        raise RuntimeError("boom")

    return app
