"""The bulk loader stores and indexes exactly what the ordinary write path stores, at executemany speed."""

import copy
import json
import uuid

import pytest
from sqlalchemy import select

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.fhir.router import FhirService

RESOURCES = [
    {"resourceType": "Organization", "id": "org-1", "name": "Clinique du Lac", "alias": ["CDL"],
     "identifier": [{"system": "https://finess.esante.gouv.fr", "value": "630000001"}]},
    {"resourceType": "Organization", "id": "org-2", "name": "Site Nord", "partOf": {"reference": "Organization/org-1"}},
    {"resourceType": "Practitioner", "id": "pr-1", "name": [{"family": "Leroy", "given": ["Claire"], "prefix": ["DR"]}],
     "identifier": [{"system": "https://rpps.esante.gouv.fr", "value": "10000000001"}]},
    {"resourceType": "Patient", "id": "pa-1", "active": True, "birthDate": "1980-05-02", "gender": "female",
     "name": [{"family": "Dupré", "given": ["Hélène"]}], "address": [{"city": "Ajaccio"}],
     "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "280052B02012345"}],
     "telecom": [{"system": "email", "value": "h@example.org"}],
     "generalPractitioner": [{"reference": "Practitioner/pr-1"}], "managingOrganization": {"reference": "#x"}},
    {"resourceType": "Observation", "id": "ob-1", "status": "final", "code": {"coding": [{"code": "29463-7"}]},
     "subject": {"reference": "http://sandbox.test/fhir/Patient/pa-1"}, "effectivePeriod": {"start": "2024-01-01"}},
]


@pytest.fixture
def service(kernel_service):
    return kernel_service


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def index_content(fhir: FhirService, name: str) -> dict[str, list[tuple]]:
    out = {}
    with fhir.db.read() as conn:
        for table in fhir.tables.index_tables():
            columns = [c for c in table.c if c.name != "tenant"]
            rows = conn.execute(select(*columns).where(table.c.tenant == name)).all()
            out[table.name] = sorted(tuple(r) for r in rows)
    return out


def bodies(fhir: FhirService, name: str) -> dict[str, dict]:
    res = fhir.tables.res
    with fhir.db.read() as conn:
        rows = conn.execute(select(res.c.rid, res.c.body, res.c.version).where(res.c.tenant == name)).all()
    out = {}
    for rid, body, version in rows:
        resource = json.loads(body)
        assert version == 1 and resource["meta"]["versionId"] == "1"
        resource["meta"].pop("lastUpdated")
        out[rid] = resource
    return out


def test_bulk_loaded_and_written_resources_store_and_index_identically(service):
    written, bulk = tenant(), tenant()
    ctx = FhirContext(tenant=written, base="http://sandbox.test/fhir")
    with service.db.write() as conn:
        for resource in copy.deepcopy(RESOURCES):
            assert service.api.update(conn, ctx, resource["resourceType"], resource["id"], resource).status == 201
    with service.db.write() as conn:
        count = service.api.store.bulk_load(conn, tenant=bulk, resources=copy.deepcopy(RESOURCES),
                                            base_urls=ctx.base_urls)
    assert count == len(RESOURCES)
    assert index_content(service, bulk) == index_content(service, written)
    assert bodies(service, bulk) == bodies(service, written)
    assert sum(len(rows) for rows in index_content(service, bulk).values()) > 20


def test_bulk_loaded_resources_are_searchable_and_readable(service):
    name = tenant()
    ctx = FhirContext(tenant=name, base="http://sandbox.test/fhir")
    with service.db.write() as conn:
        service.api.store.bulk_load(conn, tenant=name, resources=copy.deepcopy(RESOURCES))
    with service.db.read() as conn:
        found = json.loads(service.api.search(conn, ctx, "Patient", [("family:exact", "Dupré")]).body)
        assert [e["resource"]["id"] for e in found["entry"]] == ["pa-1"]
        org = json.loads(service.api.search(conn, ctx, "Organization", [("partof", "org-1")]).body)
        assert org["total"] == 1
        assert service.api.read(conn, ctx, "Practitioner", "pr-1").status == 200
        assert service.api.vread(conn, ctx, "Practitioner", "pr-1", "1").status == 200


def test_skip_existing_makes_a_load_repeatable_and_history_is_optional(service):
    name = tenant()
    with service.db.write() as conn:
        first = service.api.store.bulk_load(conn, tenant=name, resources=copy.deepcopy(RESOURCES), history=False,
                                            skip_existing=True, chunk=2)
    with service.db.write() as conn:
        again = service.api.store.bulk_load(conn, tenant=name, skip_existing=True, history=False,
                                            resources=copy.deepcopy(RESOURCES + RESOURCES[:1]))
    assert (first, again) == (len(RESOURCES), 0)
    hist = service.tables.hist
    with service.db.read() as conn:
        assert conn.execute(select(hist.c.rid).where(hist.c.tenant == name)).all() == []


def test_a_resource_without_a_valid_id_rolls_the_load_back(service):
    name = tenant()
    with pytest.raises(SandboxError) as raised, service.db.write() as conn:
        service.api.store.bulk_load(conn, tenant=name, resources=[*copy.deepcopy(RESOURCES), {
            "resourceType": "Patient", "id": "not a valid id"}])
    assert raised.value.code == "FHIR-0019"
    assert bodies(service, name) == {}
