"""Two pharmacies dispensing the last units of a line at the same moment: exactly one 201 and one 409, on
SQLite and on PostgreSQL, and the line holds exactly what was handed over."""

from __future__ import annotations

import asyncio

import pytest

from tests.services.eprescription import support
from tests.services.pro_sante_connect import support as psc_support


@pytest.fixture(params=["sqlite", "postgres"])
async def any_db(request, tmp_path, monkeypatch):
    if request.param == "postgres":
        monkeypatch.setenv("EPRESCRIPTION_DATABASE_URL", request.getfixturevalue("postgres_url"))
    async for http in support.sandbox(tmp_path):
        dialect = http.gateway.state.services["eprescription"].app.state.db.engine.dialect.name
        assert dialect == ("postgresql" if request.param == "postgres" else "sqlite")
        yield http


async def test_the_last_units_go_to_exactly_one_pharmacy(any_db):
    http = any_db
    tenant = psc_support.new_tenant()
    gp = await support.professional(http, tenant, support.LEROY)
    a = await support.professional(http, tenant, support.GIRARD)
    b = await support.professional(http, tenant, support.MARTIN)
    for _ in range(5):
        number, lines = await gp.prescribe(support.prescription(support.line(quantity=2)))
        line_id = lines[0]["id"]
        assert (await a.dispense(line_id, 1, "FFP")).status_code == 201
        answers = await asyncio.gather(a.dispense(line_id, 1, "RFC"), b.dispense(line_id, 1, "RFC"))
        assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
        loser = next(r for r in answers if r.status_code == 409)
        assert support.outcome_code(loser) in ("EPR-0201", "EPR-0206")
        final = (await gp.scan(number)).json()["entry"][0]["resource"]
        assert final["status"] == "completed" and support.remaining(final) == 0
        handed = await gp.get("/MedicationDispense", params={"prescription-number": number})
        assert handed.json()["total"] == 2
