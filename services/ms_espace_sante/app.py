"""Mon espace santé / DMP (spec digest §4): PDSm / IHE MHD document sharing, and the citizen side.

Documents (Binary), their metadata (DocumentReference), submission sets and folders (List) and one
Patient per DMP live in the kernel's FHIR store; the routes (routers/fhir.py) check an access token on
every call, a professional's (Pro Santé Connect) or a patient's (the citizen login, citizen/), and apply
the PDSm and access rules before anything is written.
"""

from __future__ import annotations

from fastapi import FastAPI

from core.app import create_service_app
from core.db import Database
from core.fhir.router import FhirService
from core.oidc.provider import Provider
from core.oidc.verifier import TokenVerifier
from core.settings import ServiceSettings
from services.ms_espace_sante.banner import banner
from services.ms_espace_sante.citizen import provider as citizen
from services.ms_espace_sante.citizen.routes import router_for
from services.ms_espace_sante.deps import CITIZEN_VERIFIER
from services.ms_espace_sante.habilitations import load_matrix
from services.ms_espace_sante.prevention import load_rules
from services.ms_espace_sante.routers import admin, consents, fhir, page, patient_data, prevention, search, updates
from services.ms_espace_sante.seed import make_census, make_seeder
from services.ms_espace_sante.settings import FHIR_PATH, SLUG, mes_settings
from services.ms_espace_sante.spec import dmp_spec
from services.ms_espace_sante.store import DmpStore
from services.ms_espace_sante.valuesets import ValueSets, parse_extra_codes

TITLE = "Mon espace santé / DMP (sandbox)"


def create_app(settings: ServiceSettings) -> FastAPI:
    settings = mes_settings(settings)
    db = Database(settings.resolved_database_url, prefix=settings.package)
    # the kernel's store, search and tables; its generic routes are not installed (routers/fhir.py)
    store = DmpStore(FhirService(dmp_spec(), db, settings, path=FHIR_PATH, title=TITLE),
                     valuesets=ValueSets(parse_extra_codes(settings.extra_codes)),
                     matrix=load_matrix(settings.habilitations_file),
                     prevention=load_rules(settings.prevention_rules_file),
                     feeders=frozenset(settings.feeder_clients))
    logins = Provider(settings, db, db.metadata, citizen.provider_config(
        access_ttl=settings.citizen_access_token_ttl, refresh_ttl=settings.citizen_refresh_token_ttl,
        code_ttl=settings.citizen_code_ttl))
    app = create_service_app(settings, db, title=TITLE, seed=make_seeder(store, logins),
                             census=make_census(store, logins), banner=banner(),
                             description="Document sharing (PDSm / IHE MHD): ITI-65, ITI-105, ITI-67, ITI-68, "
                             "DMP status (TD02), behind Pro Santé Connect; the patient's side behind the citizen "
                             "login.")
    app.state.dmp = store
    app.state.citizen = store.logins = logins
    setattr(app.state, CITIZEN_VERIFIER, TokenVerifier(app.state.peers, issuer_slug=SLUG, realm=citizen.REALM,
                                                       name="the Mon espace santé citizen login"))
    app.include_router(router_for(logins))
    app.include_router(fhir.router)
    app.include_router(updates.router)
    app.include_router(search.router)
    app.include_router(consents.router)
    app.include_router(prevention.router)
    app.include_router(patient_data.router)
    app.include_router(page.router)
    app.include_router(admin.router)
    return app
