"""The Annuaire Santé stand-in: the national directory of professionals and structures (spec digest §6).

A read-only FHIR R4 API at ``/fhir/v2`` (Practitioner, PractitionerRole, Organization) behind an
``ESANTE-API-KEY`` check, the pipe-delimited extraction files, and a seed that loads the personas and
generated professionals through the kernel's bulk loader.
"""

from __future__ import annotations

from fastapi import FastAPI

from core.app import create_service_app
from core.db import Database
from core.fhir.router import FhirService
from core.settings import ServiceSettings
from services.annuaire_sante.auth import ApiKeyGuard
from services.annuaire_sante.banner import banner
from services.annuaire_sante.routers import extractions
from services.annuaire_sante.seed import make_census, make_seeder
from services.annuaire_sante.settings import annuaire_settings
from services.annuaire_sante.spec import directory_spec

FHIR_PATH = "/fhir/v2"


def create_app(settings: ServiceSettings) -> FastAPI:
    settings = annuaire_settings(settings)
    db = Database(settings.resolved_database_url, prefix=settings.package)
    guard = ApiKeyGuard(keys=list(settings.api_keys), rate_limit=settings.rate_limit)
    fhir = FhirService(directory_spec(max_count=settings.max_count), db, settings, path=FHIR_PATH,
                       title="Annuaire Santé (sandbox)", guard=guard)
    app = create_service_app(settings, db, title="Annuaire Santé (sandbox)", seed=make_seeder(fhir, settings),
                             census=make_census(fhir), banner=banner(settings, FHIR_PATH),
                             description="Read-only FHIR directory of health professionals and structures "
                             "(RPPS, FINESS, MSSanté), with the extraction files.")
    fhir.install(app)
    app.include_router(extractions.router)
    app.state.fhir = fhir
    return app
