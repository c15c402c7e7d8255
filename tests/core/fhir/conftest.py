"""Fixtures of the kernel FHIR tests: the demo kernel app's FhirService on SQLite or PostgreSQL."""

import pytest

from core.db import Database
from core.fhir.router import FhirService
from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, SPEC


@pytest.fixture
def kernel_service(database_url):
    """The demo spec's FhirService on ``database_url``, tables created (modules with a ``service`` of their own
    keep theirs)."""
    db = Database(database_url, prefix="kernel_demo")
    fhir = FhirService(SPEC, db, ServiceSettings.for_slug(SLUG))
    db.create_all()
    yield fhir
    db.dispose()
