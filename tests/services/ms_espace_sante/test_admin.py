"""The sandbox-only view of the access traces (routers/admin.py): the kernel's AuditEvent search, behind
the admin token when one is set, one tenant's traces only."""

from __future__ import annotations

import pytest

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, INS_SYSTEM, Dmp, provide_bundle

TOKEN = "organiser-s3cret"
PATIENT = f"{INS_SYSTEM}|{ADRUN_INS}"


@pytest.fixture
async def guarded(tmp_path):
    async for client in support.sandbox(tmp_path, admin_token=TOKEN):
        yield client


def admin(dmp: Dmp) -> str:
    return f"/t/{dmp.tenant}/ms-espace-sante/_admin/AuditEvent"


async def test_the_traces_of_a_patient_are_searched_by_ins_and_mode(dmp):
    url = (await dmp.post("", provide_bundle())).json()["entry"][2]["response"]["location"].split("/_history/")[0]
    assert (await dmp.get(url, headers={"x-access-mode": "bris_de_glace"})).status_code == 200
    answer = await dmp.http.get(admin(dmp), params={"patient.identifier": PATIENT, "_sort": "-date"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
    found = answer.json()
    assert found["type"] == "searchset" and found["total"] == 2
    assert [e["resource"]["subtype"][0]["code"] for e in found["entry"]] == ["ITI-68", "ITI-65"]
    emergency = await dmp.http.get(admin(dmp), params={"patient.identifier": PATIENT, "purpose": "bris_de_glace"})
    assert emergency.json()["total"] == 1


async def test_another_tenant_sees_none_of_them(dmp):
    await dmp.post("", provide_bundle())
    other = await Dmp.login(dmp.http)
    answer = await dmp.http.get(admin(other), params={"patient.identifier": PATIENT})
    assert answer.status_code == 200 and answer.json()["total"] == 0


@pytest.mark.parametrize("params", [{"nonsense": "1"}, {"date": "not-a-date"}, {"_count": "9" * 40}],
                         ids=["unknown-parameter", "bad-date", "huge-count"])
async def test_bad_search_parameters_are_400(dmp, params):
    answer = await dmp.http.get(admin(dmp), params=params)
    assert answer.status_code == 400 and answer.json()["resourceType"] == "OperationOutcome"


async def test_the_admin_token_is_required_when_set(guarded):
    tenant = support.psc_support.new_tenant()  # with an admin token, tenants are created, not made on first use
    created = await guarded.post("/_admin/tenants", json={"name": tenant}, headers={"x-sandbox-admin-token": TOKEN})
    assert created.status_code == 201, created.text
    dmp = await Dmp.login(guarded, tenant)
    url = admin(dmp)
    assert (await guarded.get(url)).status_code == 401
    assert (await guarded.get(url, headers={"authorization": f"Bearer {dmp.token}"})).status_code == 401
    assert (await guarded.get(url, headers={"x-sandbox-admin-token": "wrong"})).status_code == 401
    # the admin token beside a professional's access token (a journey step run by a logged-in actor)
    both = {"authorization": f"Bearer {dmp.token}", "x-sandbox-admin-token": TOKEN}
    assert (await guarded.get(url, headers=both)).status_code == 200
    assert (await guarded.get(url, headers={"authorization": f"Bearer {TOKEN}"})).status_code == 200
