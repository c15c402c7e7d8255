"""A tiny service that calls the demo service through its peer client (core/peers.py tests)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from sqlalchemy import MetaData

from core.app import create_service_app
from core.db import Database
from core.peers import peer
from core.settings import ServiceSettings
from gateway.registry import ServiceSpec
from tests.gateway.demo_service import SLUG as DEMO_SLUG

SLUG = "peer-caller"
SPEC = ServiceSpec(slug=SLUG, factory="tests.gateway.peer_service:create_app")


def create_app(settings: ServiceSettings) -> FastAPI:
    db = Database(settings.resolved_database_url, prefix="peer_caller", metadata=MetaData())
    app = create_service_app(settings, db, title="Peer caller")

    @app.get("/relay/{key}")
    async def relay(key: str, request: Request) -> dict:
        """Read a note of the demo service, for the caller's tenant, through the peer client."""
        demo = peer(request, DEMO_SLUG)
        answer = await demo.get(f"/notes/{key}")
        return {"status": answer.status_code, "note": answer.json(), "base_url": demo.base_url}

    @app.get("/relay-echo")
    async def relay_echo(request: Request) -> dict:
        """What the demo service saw of a peer call."""
        return (await peer(request, DEMO_SLUG).get("/echo", params={"from": SLUG})).json()

    @app.post("/relay-upload")
    async def relay_upload(request: Request) -> dict:
        """Post a JSON body to the demo service through the peer client."""
        return (await peer(request, DEMO_SLUG).post("/upload", json={"data": "x" * 100})).json()

    return app
