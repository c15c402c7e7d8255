"""A small FHIR service (Patient, Observation, Practitioner, Organization) that proves the kernel.

It lives in tests/ on purpose: the product has no business service yet (issue 2).
"""

from __future__ import annotations

from fastapi import FastAPI

from core.app import create_service_app
from core.db import Database
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from core.fhir.router import FhirService
from core.settings import ServiceSettings

SLUG = "kernel-demo"

SPEC = FhirSpec(
    name="kernel-demo",
    resources=[
        ResourceSpec("Patient", params=(
            SearchParam("identifier", "token", "Patient.identifier"),
            SearchParam("name", "string", "Patient.name", parts=("family", "given")),
            SearchParam("family", "string", "Patient.name.family"),
            SearchParam("given", "string", "Patient.name.given"),
            SearchParam("birthdate", "date", "Patient.birthDate"),
            SearchParam("gender", "token", "Patient.gender"),
            SearchParam("active", "token", "Patient.active"),
            SearchParam("telecom", "token", "Patient.telecom"),
            SearchParam("address-city", "string", "Patient.address.city"),
            SearchParam("general-practitioner", "reference", "Patient.generalPractitioner",
                        targets=("Practitioner", "Organization")),
            SearchParam("organization", "reference", "Patient.managingOrganization", targets=("Organization",)),
        )),
        ResourceSpec("Observation", params=(
            SearchParam("subject", "reference", "Observation.subject"),
            SearchParam("patient", "reference", "Observation.subject", targets=("Patient",)),
            SearchParam("performer", "reference", "Observation.performer"),
            SearchParam("code", "token", "Observation.code"),
            SearchParam("status", "token", "Observation.status"),
            SearchParam("date", "date", "Observation.effective"),
        )),
        ResourceSpec("Practitioner", params=(
            SearchParam("identifier", "token", "Practitioner.identifier"),
            SearchParam("name", "string", "Practitioner.name"),
        )),
        ResourceSpec("Organization", require_if_match=True, params=(
            SearchParam("identifier", "token", "Organization.identifier"),
            SearchParam("name", "string", "Organization.name"),
            SearchParam("partof", "reference", "Organization.partOf", targets=("Organization",)),
        )),
    ],
)


def create_app(settings: ServiceSettings | None = None, spec: FhirSpec = SPEC) -> FastAPI:
    settings = settings or ServiceSettings.for_slug(SLUG)
    db = Database(settings.resolved_database_url, prefix="kernel_demo")
    fhir = FhirService(spec, db, settings, title="Kernel demo FHIR server")
    app = create_service_app(settings, db, title="Kernel demo")
    fhir.install(app)
    app.state.fhir = fhir
    return app
