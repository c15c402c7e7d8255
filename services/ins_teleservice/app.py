"""``create_app(settings)``: the INS teleservice (INSi SOAP endpoint, FHIR façade, sandbox admin)."""

from __future__ import annotations

from fastapi import FastAPI

from core.app import create_service_app
from core.db import Database
from services.ins_teleservice.banner import banner
from services.ins_teleservice.models import metadata
from services.ins_teleservice.routers import admin, fhir, soap, software
from services.ins_teleservice.seed import Seeder
from services.ins_teleservice.settings import SLUG, InsTeleserviceSettings

DESCRIPTION = (
    "Local stand-in for the CNAM INSi teleservice: SOAP 1.2 at `/lps` (WSDL at `/lps?wsdl`), a FHIR façade "
    "at `/fhir` (`Patient/$match`, `Patient/$ins-verify`) and sandbox-only management of the identities and of "
    "the software (IDAM) a tenant accepts."
)


def create_app(settings: InsTeleserviceSettings | None = None) -> FastAPI:
    settings = settings or InsTeleserviceSettings.for_slug(SLUG)
    if not isinstance(settings, InsTeleserviceSettings):  # the gateway may pass the kernel's settings class
        settings = InsTeleserviceSettings.for_slug(settings.slug, settings.sandbox,
                                                   **settings.model_dump(include={"database_url", "url"}))
    db = Database(settings.resolved_database_url, prefix="ins_teleservice", metadata=metadata)
    seeder = Seeder(db)
    app = create_service_app(settings, db, title="INS teleservice (INSi)", description=DESCRIPTION,
                             seed=seeder, census=seeder.census, banner=banner(settings))
    app.include_router(soap.router)
    app.include_router(fhir.router)
    app.include_router(admin.router)
    app.include_router(software.router)
    return app
