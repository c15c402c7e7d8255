"""Seeding: personas always and idempotently, generated patients in bulk with progress (DESIGN "Personas")."""

from __future__ import annotations

import uuid

from core.app import SeedRequest
from core.population.generator import patients
from services.ins_teleservice import store
from services.ins_teleservice.app import create_app
from services.ins_teleservice.seed import persona_identities
from tests.services.ins_teleservice.support import TRAITS, call, cr, envelope, traits_body


async def test_seed_is_idempotent_and_loads_generated_patients_with_progress(ins_settings):
    app = create_app(ins_settings)
    async with app.router.lifespan_context(app):
        tenant = f"t-{uuid.uuid4().hex[:12]}"
        progress: list[tuple[int, int]] = []
        request = SeedRequest(tenant, patients=1000, seed=7, progress=lambda *step: progress.append(step))
        first = app.state.seed(request)
        assert app.state.seed(request) == {"identities": 0}  # again: nothing doubles, and it says so
        with app.state.db.read() as conn:
            total = store.count_identities(conn, tenant=tenant)
            generated = list(patients(7, 1000))
            assert total == 1000 - sum(p.ins is None for p in generated) + len(persona_identities())
            assert first == {"identities": total} == app.state.census(tenant)
            listed, _ = store.list_identities(conn, tenant=tenant, limit=1, offset=0, origin="generated")
        assert listed == 1000 and progress[-1] == (1000, 1000) and progress[0] == (0, 1000)
        assert sum(bool(p.history) for p in generated) == 4  # seed 7: the loop below checks past identities too
        with app.state.db.read() as conn:
            for person in generated[:50] + [p for p in generated if p.history]:
                stored = store.get_identity(conn, tenant=tenant, pid=person.id)
                assert stored.matricule == person.ins.matricule and stored.oid == person.ins.oid[8:]
                assert [h.matricule for h in stored.history] == [h.matricule for h in person.history]


async def test_generated_people_are_found_by_insi(make_client):
    async with make_client() as client:
        client.app.state.seed(SeedRequest(client.tenant, patients=50, seed=3))
        found = 0
        for person in patients(3, 50):
            body = traits_body(person.birth_name, person.first_names[0], sex=person.sex, birth_date=person.birth_date,
                               birth_place=person.birth_place)
            found += cr(await call(client, envelope(body), action=TRAITS)) == "00"
        assert found >= 45  # homonyms born the same day and place may give 02


async def test_gateway_seed_route_loads_personas_and_generated(make_client):
    async with make_client() as client:
        response = await client.post(f"/_admin/tenants/{client.tenant}-b/seed", params={"patients": 20, "seed": 1})
        expected = 20 - sum(p.ins is None for p in patients(1, 20)) + len(persona_identities())
        assert response.status_code == 200
        assert response.json() == {"tenant": f"{client.tenant}-b", "seeded": {"identities": expected},
                                   "total": {"identities": expected}}
        with client.app.state.db.read() as conn:
            assert store.count_identities(conn, tenant=f"{client.tenant}-b") == expected
        again = await client.post(f"/_admin/tenants/{client.tenant}-b/seed", params={"patients": 25, "seed": 1})
        more = 25 - sum(p.ins is None for p in patients(1, 25)) + len(persona_identities())
        assert again.json()["seeded"] == {"identities": more - expected}  # only the 5 new generated ones
        assert again.json()["total"] == {"identities": more}
        assert (await client.delete(f"/_admin/tenants/{client.tenant}-b")).status_code == 204
        with client.app.state.db.read() as conn:
            assert store.count_identities(conn, tenant=f"{client.tenant}-b") == 0
