"""The apps the benchmarks serve (uvicorn ``--factory`` targets), all on the same machine in one run."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from core.app import create_service_app
from core.db import Database
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from core.fhir.router import FhirService
from core.settings import SandboxSettings, ServiceSettings
from gateway.app import create_app as create_gateway
from gateway.registry import ServiceSpec

SLUG = "bench-fhir"
SPEC = FhirSpec(resources=[ResourceSpec("Patient", params=(
    SearchParam("identifier", "token", "Patient.identifier"),
    SearchParam("family", "string", "Patient.name.family"),
))])


def sandbox() -> SandboxSettings:
    return SandboxSettings(data_dir=Path(os.environ["BENCH_DATA_DIR"]))


def fhir_app(settings: ServiceSettings | None = None) -> FastAPI:
    """A FHIR service with a Patient store, built the way business services are."""
    settings = settings or ServiceSettings.for_slug(SLUG, sandbox())
    db = Database(settings.resolved_database_url, prefix="bench_fhir")
    app = create_service_app(settings, db, title="bench FHIR")
    FhirService(SPEC, db, settings).install(app)
    return app


def gateway_app():
    """The gateway in one-process mode with the FHIR service mounted under /bench-fhir."""
    return create_gateway(sandbox(), [ServiceSpec(slug=SLUG, factory="bench.apps:fhir_app")])


def bare_app() -> Starlette:
    """The yardstick: a bare Starlette JSON endpoint."""
    body = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Martin", "given": ["Jeanne"]}]}

    async def endpoint(_request):
        return JSONResponse(body)

    return Starlette(routes=[Route("/Patient/p1", endpoint)])
