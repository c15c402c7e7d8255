"""The gateway's own public routes: index, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from importlib import metadata

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from gateway.deps import State
from gateway.metrics import CONTENT_TYPE

router = APIRouter()


def version() -> str:
    """The installed distribution's version, or a local marker when running from a checkout."""
    try:
        return metadata.version("esante-sandbox")
    except metadata.PackageNotFoundError:
        return "0.0.0+local"


@router.get("/", tags=["health"])
async def index(state: State) -> dict:
    """The services behind this gateway and their base URLs (default tenant)."""
    base = state.settings.public_base
    return {
        "name": "e-santé sandbox",
        "version": version(),
        "services": {slug: f"{base}/{slug}" for slug in state.services},
        "tenant_url_template": f"{base}/t/{{tenant}}/{{service}}",
    }


@router.get("/livez", tags=["health"])
async def livez() -> dict:
    """Liveness: the gateway process answers."""
    return {"status": "ok"}


@router.get("/readyz", tags=["health"])
async def readyz(state: State) -> Response:
    """Readiness: the gateway's database and every service (its database) answer."""
    database, *ready = await asyncio.gather(
        asyncio.to_thread(state.db.ping), *(svc.ready() for svc in state.services.values()),
    )
    services = {slug: "ok" if ok else "unavailable" for slug, ok in zip(state.services, ready, strict=True)}
    ok = database and all(ready)
    body = {"status": "ok" if ok else "unavailable", "database": database, "services": services}
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", tags=["health"])
async def metrics(state: State) -> Response:
    """Prometheus text exposition: requests by service and status, latency histogram."""
    return Response(state.metrics.render(), media_type=CONTENT_TYPE)
