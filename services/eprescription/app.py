"""Ordonnance numérique / e-prescription (spec digest §5): prescribe, scan, dispense, cancel, follow up.

Prescription lines (MedicationRequest) and dispensings (MedicationDispense) live in the kernel's FHIR
store (spec.py); the drug reference (drug_reference.py: a built-in set, and the BDPM files when loaded)
and the outbox of documents fed to Mon espace santé (feeds.py) in tables of their own. Every route checks
a token: a professional's (Pro Santé Connect: prescribers and pharmacists, by profession) or a patient's
(Mon espace santé's citizen login); the drug reference and ``/metadata`` are public.
"""

from __future__ import annotations

from fastapi import FastAPI

from core.app import create_service_app
from core.db import Database
from core.fhir.router import FhirService
from core.oidc.verifier import TokenVerifier
from core.settings import ServiceSettings
from services.eprescription import feeds
from services.eprescription.banner import banner
from services.eprescription.deps import CITIZEN_VERIFIER
from services.eprescription.routers import admin, dispensing, fhir, medications, patient, prescriptions, printout
from services.eprescription.seed import make_census, make_seeder
from services.eprescription.settings import FHIR_PATH, MES_SLUG, epr_settings
from services.eprescription.spec import epr_spec
from services.eprescription.store import EprStore

TITLE = "Ordonnance numérique (sandbox)"
CITIZEN_REALM = "/citizen"  # Mon espace santé's citizen login (docs/ms-espace-sante.md)


def create_app(settings: ServiceSettings) -> FastAPI:
    settings = epr_settings(settings)
    db = Database(settings.resolved_database_url, prefix=settings.package)
    store = EprStore(FhirService(epr_spec(), db, settings, path=FHIR_PATH, title=TITLE))
    app = create_service_app(settings, db, title=TITLE, seed=make_seeder(store, settings), census=make_census(store),
                             banner=banner(), background=(lambda: feeds.retry_loop(app),),
                             description="Electronic prescriptions (FR ePrescription IG): prescribe a transaction "
                             "of MedicationRequest lines, scan the number, dispense (MedicationDispense) in "
                             "sequences, cancel, follow up; fed into Mon espace santé.")
    app.state.epr = store
    app.state.drug_reference = store.drugs  # the hook `sandbox load-bdpm` loads through (gateway/load_bdpm.py)
    setattr(app.state, CITIZEN_VERIFIER, TokenVerifier(app.state.peers, issuer_slug=MES_SLUG, realm=CITIZEN_REALM,
                                                       name="the Mon espace santé citizen login"))
    app.include_router(fhir.router)
    app.include_router(prescriptions.router)
    app.include_router(dispensing.router)
    app.include_router(medications.router)
    app.include_router(patient.router)
    app.include_router(printout.router)
    app.include_router(admin.router)
    return app
