"""A team registers its software's IDAM for its tenant (issue 10 §1): accepted at once, in that tenant only,
kept across restarts, gone with a tenant reset or delete; the setting's IDAMs stay accepted everywhere."""

from __future__ import annotations

import uuid

import httpx
import pytest
from pydantic import SecretStr

from services.ins_teleservice.app import create_app
from services.ins_teleservice.software import MAX_PER_TENANT
from tests.outcomes import assert_outcome
from tests.services.ins_teleservice.support import TRAITS, call, cr, envelope, fault, traits_body

ADRUN = traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-12-31")
VENDOR = "ACME0LPS2025"  # 12 capitals and digits, the form of the IDAMs seen in [TLSI]


async def insi_accepts(client: httpx.AsyncClient, idam: str) -> bool:
    response = await call(client, envelope(ADRUN, idam=idam), action=TRAITS)
    if response.status_code == 200:
        return cr(response) in ("00", "01")  # answered: 01 in a tenant that holds no identity
    assert fault(response)["code"] == "desir_550"
    return False


async def register(client: httpx.AsyncClient, idam: str = VENDOR, **extra) -> httpx.Response:
    return await client.post("/_admin/software", json={"idam": idam, **extra})


async def test_a_registered_idam_is_accepted_at_once_and_removed_on_delete(insi):
    assert not await insi_accepts(insi, VENDOR)
    response = await register(insi, name="Mon LPS 2.1")
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"http://sandbox.test/t/{insi.tenant}/ins-teleservice/_admin/software/{VENDOR}"
    body = response.json()
    assert (body["idam"], body["name"], body["origin"]) == (VENDOR, "Mon LPS 2.1", "tenant")
    assert body["registeredAt"].endswith("+00:00")
    assert await insi_accepts(insi, VENDOR)
    assert not await insi_accepts(insi, VENDOR.lower())  # compared as sent
    assert (await insi.get(f"/_admin/software/{VENDOR}")).json() == body
    assert (await insi.delete(f"/_admin/software/{VENDOR}")).status_code == 204
    assert not await insi_accepts(insi, VENDOR)
    assert_outcome(await insi.get(f"/_admin/software/{VENDOR}"), 404, "INS-0046")
    assert_outcome(await insi.delete(f"/_admin/software/{VENDOR}"), 404, "INS-0046")


async def test_the_list_shows_the_setting_then_the_tenant(insi):
    await register(insi, "B-LPS")
    await register(insi, "A-LPS")
    listed = (await insi.get("/_admin/software")).json()
    assert listed["total"] == 4
    assert [(s["idam"], s["origin"]) for s in listed["software"]] == [
        ("SANDBOX-IDAM-DEMO", "setting"), ("SANDBOX-IDAM-CI", "setting"), ("A-LPS", "tenant"), ("B-LPS", "tenant")]
    assert (await insi.get("/_admin/software/SANDBOX-IDAM-DEMO")).json()["origin"] == "setting"


async def test_an_idam_registered_for_one_tenant_is_refused_in_another(insi):
    assert (await register(insi)).status_code == 201
    other = {"x-sandbox-tenant": f"{insi.tenant}-b"}
    response = await insi.post("/lps", content=envelope(ADRUN, idam=VENDOR).encode(), headers={
        **other, "content-type": f'application/soap+xml; action="{TRAITS}"'})
    assert fault(response)["code"] == "desir_550"
    assert "(none)" in response.headers["x-sandbox-help"]
    assert [s["origin"] for s in (await insi.get("/_admin/software", headers=other)).json()["software"]] == [
        "setting", "setting"]
    assert_outcome(await insi.delete(f"/_admin/software/{VENDOR}", headers=other), 404, "INS-0046")
    assert await insi_accepts(insi, VENDOR)


async def test_registration_survives_a_restart(ins_settings):
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    for step in ("register", "after restart"):
        app = create_app(ins_settings)
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox.test",
                                         headers={"x-sandbox-tenant": tenant}) as client:
                if step == "register":
                    assert (await register(client)).status_code == 201
                assert await insi_accepts(client, VENDOR)


@pytest.mark.parametrize("wipe", ["reset", "delete"])
async def test_tenant_reset_or_delete_forgets_registrations_not_the_setting(insi, wipe):
    assert (await register(insi)).status_code == 201
    path = f"/_admin/tenants/{insi.tenant}" + ("/reset" if wipe == "reset" else "")
    response = await (insi.post(path) if wipe == "reset" else insi.delete(path))
    assert response.status_code == 204, response.text
    assert not await insi_accepts(insi, VENDOR)
    assert await insi_accepts(insi, "SANDBOX-IDAM-DEMO")
    assert (await insi.get("/_admin/software")).json()["total"] == 2


async def test_duplicates_and_the_setting_idams_conflict(insi):
    assert (await register(insi)).status_code == 201
    assert_outcome(await register(insi), 409, "INS-0045")
    assert_outcome(await register(insi, "SANDBOX-IDAM-DEMO"), 409, "INS-0045")
    assert_outcome(await insi.delete("/_admin/software/SANDBOX-IDAM-DEMO"), 409, "INS-0047")
    assert await insi_accepts(insi, "SANDBOX-IDAM-DEMO")


async def test_a_tenant_registers_at_most_the_limit(insi):
    for i in range(MAX_PER_TENANT):
        assert (await register(insi, f"LPS-{i:03d}")).status_code == 201
    assert_outcome(await register(insi, "ONE-MORE"), 409, "INS-0048")
    assert (await insi.delete("/_admin/software/LPS-000")).status_code == 204
    assert (await register(insi, "ONE-MORE")).status_code == 201


@pytest.mark.parametrize("body, code, where", [
    ([VENDOR], "INS-0040", "body"),
    (VENDOR, "INS-0040", "body"),
    ({}, "INS-0044", "idam"),
    ({"idam": 42}, "INS-0044", "idam"),
    ({"idam": None}, "INS-0044", "idam"),
    ({"idam": ""}, "INS-0044", "idam"),
    ({"idam": "A" * 65}, "INS-0044", "idam"),
    ({"idam": "MY LPS"}, "INS-0044", "idam"),
    ({"idam": "-LPS"}, "INS-0044", "idam"),
    ({"idam": "ÉDITEUR1"}, "INS-0044", "idam"),
    ({"idam": "LPS\uff11"}, "INS-0044", "idam"),  # full-width digit
    ({"idam": "LPS\n"}, "INS-0044", "idam"),
    ({"idam": "<IDAM/>"}, "INS-0044", "idam"),
    ({"idam": VENDOR, "name": ""}, "INS-0044", "name"),
    ({"idam": VENDOR, "name": "x" * 201}, "INS-0044", "name"),
    ({"idam": VENDOR, "name": ["x"]}, "INS-0044", "name"),
    ({"idam": VENDOR, "R": "4"}, "INS-0044", "R"),
])
async def test_bad_registrations_are_400_and_store_nothing(insi, body, code, where):
    outcome = assert_outcome(await insi.post("/_admin/software", json=body), 400, code)
    assert outcome["issue"][0]["expression"] == [where]
    assert (await insi.get("/_admin/software")).json()["total"] == 2


async def test_hostile_bodies_are_refused_by_the_kernel(make_client):
    async with make_client(max_request_bytes=2048) as client:
        json_type = {"content-type": "application/json"}
        assert_outcome(await client.post("/_admin/software", content=b"{oops", headers=json_type), 400, "FHIR-0001")
        assert_outcome(await client.post("/_admin/software", content=b"x", headers={"content-type": "text/plain"}),
                       415, "HTTP-0415")
        big = b'{"idam": "' + b"A" * 4096 + b'"}'
        assert (await client.post("/_admin/software", content=big, headers=json_type)).status_code == 413
        deep = b'{"idam": ' + b"[" * 200 + b"]" * 200 + b"}"  # under the size limit, past SANDBOX_MAX_JSON_DEPTH
        assert_outcome(await client.post("/_admin/software", content=deep, headers=json_type), 400, "FHIR-0021")
        assert (await client.get("/_admin/software")).json()["total"] == 2


async def test_admin_token_guards_every_software_route(make_client, sandbox_settings):
    sandbox = sandbox_settings.model_copy(update={"admin_token": SecretStr("s3cret")})
    async with make_client(sandbox=sandbox) as client:
        for response in (await register(client), await client.get("/_admin/software"),
                         await client.get(f"/_admin/software/{VENDOR}"),
                         await client.delete(f"/_admin/software/{VENDOR}"),
                         await client.post("/_admin/software", content=b"{",
                                           headers={"content-type": "application/json"})):
            assert_outcome(response, 401, "GW-0006")
        response = await client.post("/_admin/software", json={"idam": VENDOR},
                                     headers={"authorization": "Bearer s3cret"})
        assert response.status_code == 201
        assert await insi_accepts(client, VENDOR)
