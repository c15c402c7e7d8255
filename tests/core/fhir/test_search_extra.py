"""A service's own SQL clauses on a search (SearchEngine.criterion, ``extra``): they narrow total and paging."""

import json

import pytest

from core.db import Database
from core.fhir.interactions import FhirContext
from core.fhir.router import FhirService
from core.fhir.sql import any_of
from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, SPEC

CTX = FhirContext(tenant="default", base="http://x/fhir")


@pytest.fixture(scope="module")
def service():
    db = Database("sqlite://", prefix="kernel_demo")
    fhir = FhirService(SPEC, db, ServiceSettings.for_slug(SLUG))
    db.create_all()
    with db.write() as conn:
        for i, family in enumerate(("Alpha", "Beta", "Gamma", "Delta", "Alpha")):
            fhir.api.create(conn, CTX, "Patient", {"resourceType": "Patient", "name": [{"family": family}],
                                                   "gender": "female" if i % 2 else "male"})
    return fhir


def search(service, params, extra=()):
    with service.db.read() as conn:
        return json.loads(service.api.search(conn, CTX, "Patient", params, extra=extra).body)


def test_extra_clauses_narrow_the_total_and_the_pages(service):
    engine = service.api.search_engine
    extra = [any_of([engine.criterion("default", "Patient", "family", "alpha"),
                     engine.criterion("default", "Patient", "family", "gamma")])]
    everyone = search(service, [("_count", "2")])
    narrowed = search(service, [("_count", "2")], extra)
    assert everyone["total"] == 5 and narrowed["total"] == 3
    assert len(narrowed["entry"]) == 2 and any(link["relation"] == "next" for link in narrowed["link"])
    last = search(service, [("_count", "2"), ("_offset", "2")], extra)
    assert len(last["entry"]) == 1 and not any(link["relation"] == "next" for link in last["link"])
    names = {e["resource"]["name"][0]["family"] for page in (narrowed, last) for e in page["entry"]}
    assert names == {"Alpha", "Gamma"}


def test_criterion_refuses_an_undeclared_parameter(service):
    with pytest.raises(ValueError, match="nickname"):
        service.api.search_engine.criterion("default", "Patient", "nickname", "x")
