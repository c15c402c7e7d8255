"""A tiny resource server protected by Pro Santé Connect tokens, as the later services will be."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import FastAPI
from sqlalchemy import MetaData

from core.app import create_service_app
from core.db import Database
from core.oidc.deps import PractitionerOrSystem, PractitionerUser
from core.settings import ServiceSettings
from gateway.registry import ServiceSpec

SPEC = ServiceSpec(slug="protected", factory="tests.e2e.protected_service:create_app")


def create_app(settings: ServiceSettings) -> FastAPI:
    app = create_service_app(settings, Database(settings.resolved_database_url, prefix="protected",
                                                metadata=MetaData()), title="Protected")

    @app.get("/whoami")
    async def whoami(user: PractitionerUser) -> dict:
        """The professional behind the token."""
        return {k: v for k, v in asdict(user).items() if k != "claims"}

    @app.get("/anyone")
    async def anyone(user: PractitionerOrSystem) -> dict:
        """A professional or software."""
        return {"kind": type(user).__name__, "client_id": user.client_id}

    return app
