"""Seeding: personas always, generated professionals on demand, idempotent, indexed like ordinary writes."""

import copy
import json
import uuid

from sqlalchemy import func, select

from core.app import SeedRequest
from core.fhir.models import validate_resource
from core.population.generator import professionals
from services.annuaire_sante.resources import directory
from tests.services.annuaire_sante.conftest import GENERATED, SEED


def counts(app, tenant: str) -> dict[str, int]:
    res = app.state.fhir.tables.res
    with app.state.db.read() as conn:
        rows = conn.execute(select(res.c.rtype, func.count()).where(res.c.tenant == tenant).group_by(res.c.rtype))
        return dict(rows.all())


def test_seed_loads_personas_and_generated_professionals_once(app, tenant, population):
    first = counts(app, tenant)
    organizations, stream = professionals(SEED, GENERATED)
    situations = sum(len(p.situations) for p in stream)
    assert first["Practitioner"] == len(population.professionals) + GENERATED
    assert first["Organization"] == len(population.organizations) + len(organizations)
    assert first["PractitionerRole"] == sum(len(p.situations) for p in population.professionals) + situations
    assert app.state.seed(SeedRequest(tenant, professionals=GENERATED, seed=SEED)) == {}  # nothing added again
    assert app.state.seed(SeedRequest(tenant)) == {}
    assert counts(app, tenant) == first == app.state.census(tenant)


def test_seed_answers_the_resources_it_added_by_type(app, population):
    organizations, stream = professionals(SEED, GENERATED)
    situations = sum(len(p.situations) for p in stream)
    name = f"t-{uuid.uuid4().hex[:12]}"  # PostgreSQL runs share one database
    added = app.state.seed(SeedRequest(name, professionals=GENERATED, seed=SEED))
    assert added["Practitioner"] == len(population.professionals) + GENERATED
    assert added["Organization"] == len(population.organizations) + len(organizations)
    assert added["PractitionerRole"] == sum(len(p.situations) for p in population.professionals) + situations
    assert added == counts(app, name)  # every type the seed writes is counted, and counted once


async def test_seed_route_answers_added_and_total_counts(app, service, tenant):
    before = counts(app, tenant)
    response = await service.post(f"/_admin/tenants/{tenant}/seed", params={"professionals": GENERATED + 3,
                                                                            "seed": SEED})
    assert response.status_code == 200
    answer = response.json()
    assert answer["tenant"] == tenant and answer["total"] == counts(app, tenant)
    assert answer["seeded"]["Practitioner"] == 3 and set(answer["seeded"]) == set(answer["total"])
    assert all(answer["total"][t] == before.get(t, 0) + n for t, n in answer["seeded"].items())


def test_a_larger_seed_adds_only_the_new_professionals_and_reports_progress(app, tenant):
    reports = []
    before = counts(app, tenant)["Practitioner"]
    app.state.seed(SeedRequest(tenant, professionals=GENERATED + 15, seed=SEED,
                               progress=lambda done, total: reports.append((done, total))))
    assert counts(app, tenant)["Practitioner"] == before + 15
    assert reports[-1] == (GENERATED + 15, GENERATED + 15)


def test_the_default_tenant_holds_the_personas_from_start_up(app, population):
    assert counts(app, "default")["Practitioner"] >= len(population.professionals)


def test_seeded_records_index_like_records_written_through_the_api(app, population):
    """A sample written through the ordinary (validating) path stores and indexes exactly like the bulk path."""
    fhir = app.state.fhir
    organizations, stream = professionals(SEED, 12)
    sample = [*directory(population.organizations[:2], population.professionals[:3]), *directory(organizations, stream)]
    with fhir.db.write() as conn:
        for resource in copy.deepcopy(sample):  # the API is read-only: the store's ordinary create, validated
            validate_resource(resource)
            fhir.api.store.create(conn, tenant="written-sample", resource=resource, rid=resource["id"])
        fhir.api.store.bulk_load(conn, tenant="bulk-sample", resources=copy.deepcopy(sample), history=False)

    def content(tenant: str):
        out = {}
        with fhir.db.read() as conn:
            for table in fhir.tables.index_tables():
                columns = [c for c in table.c if c.name != "tenant"]
                rows = conn.execute(select(*columns).where(table.c.tenant == tenant))
                out[table.name] = sorted(tuple(r) for r in rows)
            res = fhir.tables.res
            bodies = {r.rid: json.loads(r.body) for r in conn.execute(select(res.c.rid, res.c.body).where(
                res.c.tenant == tenant))}
        for body in bodies.values():
            body["meta"].pop("lastUpdated")
        return out, bodies

    assert content("bulk-sample") == content("written-sample")
