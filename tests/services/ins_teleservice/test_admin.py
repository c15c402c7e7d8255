"""Sandbox-only identity management: vendors load, list and remove their own test identities per tenant."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from core.identifiers import nir_key
from tests.outcomes import assert_outcome
from tests.services.ins_teleservice.support import TRAITS, call, cr, envelope, traits_body

MATRICULE = "1850763113042"


def identity(**changes) -> dict:
    body = {"id": "vendor-1", "birthName": "Dupont-Moreau", "firstNames": ["Jean-Luc", "Émile"], "sex": "M",
            "birthDate": "1985-07-14", "birthPlace": "63113", "ins": MATRICULE + nir_key(MATRICULE)}
    return {**body, **changes}


async def count(client, origin: str = "admin") -> int:
    return (await client.get("/_admin/identities", params={"origin": origin})).json()["total"]


async def test_added_identity_is_found_by_insi_listed_and_removed(insi):
    response = await insi.post("/_admin/identities", json=identity())
    assert response.status_code == 201, response.text
    assert response.headers["location"].endswith(f"/t/{insi.tenant}/ins-teleservice/_admin/identities/vendor-1")
    stored = response.json()
    assert (stored["birthName"], stored["firstNames"], stored["oid"]) == (
        "DUPONT-MOREAU", ["JEAN-LUC", "EMILE"], "1.2.250.1.213.1.4.8")
    search = envelope(traits_body("DUPONT-MOREAU", "JEAN-LUC", sex="M", birth_date="1985-07-14"))
    assert cr(await call(insi, search, action=TRAITS)) == "00"
    listing = (await insi.get("/_admin/identities", params={"origin": "admin"})).json()
    assert [i["id"] for i in listing["identities"]] == ["vendor-1"]
    assert (await insi.get("/_admin/identities/vendor-1")).json()["ins"] == MATRICULE + nir_key(MATRICULE)
    assert (await insi.delete("/_admin/identities/vendor-1")).status_code == 204
    assert cr(await call(insi, search, action=TRAITS)) == "01"
    assert_outcome(await insi.delete("/_admin/identities/vendor-1"), 404, "INS-0043")
    assert_outcome(await insi.get("/_admin/identities/vendor-1"), 404, "INS-0043")


async def test_personas_are_listed(insi):
    listing = (await insi.get("/_admin/identities", params={"origin": "persona", "limit": 100})).json()
    ids = {i["id"] for i in listing["identities"]}
    assert {"adrun-zoe", "ecetinsi-pierre-alain", "provisoire-matricule"} <= ids
    assert "houilles-pierre" not in ids  # INSi never finds him: not stored


async def test_nia_history_and_card_fields_are_kept(insi):
    body = identity(oid="NIA", history=[{"ins": "2850763113099" + nir_key("2850763113099"), "oid": "urn:oid:1.2.250."
                                         "1.213.1.4.9", "start": "2001-01-01", "end": "2010-12-31"}],
                    ouvrantDroit="1600163113001", birthRank=2, tiqFirstName=False)
    stored = (await insi.post("/_admin/identities", json=body)).json()
    assert stored["oid"] == "1.2.250.1.213.1.4.9"
    assert stored["history"][0]["oid"] == "1.2.250.1.213.1.4.9" and stored["history"][0]["end"] == "2010-12-31"
    assert (stored["ouvrantDroit"], stored["birthRank"], stored["tiqFirstName"]) == ("1600163113001", 2, False)


async def test_invalid_key_needs_allow_invalid_key(insi):
    wrong = identity(ins=MATRICULE + "00")
    assert_outcome(await insi.post("/_admin/identities", json=wrong), 400, "INS-0025")
    assert await count(insi) == 0
    assert (await insi.post("/_admin/identities", json={**wrong, "allowInvalidKey": True})).status_code == 201


async def test_lunar_birth_date_is_served_as_a_partial_fhir_date(insi):
    assert (await insi.post("/_admin/identities", json=identity(birthDate="1985-00-00"))).status_code == 201
    patient = (await insi.get("/fhir/Patient/vendor-1")).json()
    assert patient["birthDate"] == "1985"
    assert {"url": "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-lunar-date",
            "valueString": "1985-00-00"} in patient["extension"]


@pytest.mark.parametrize("body, code, expression", [
    ([identity()], "INS-0040", "body"),
    (identity(birthName=None), "INS-0041", "birthName"),
    ({k: v for k, v in identity().items() if k != "sex"}, "INS-0041", "sex"),
    (identity(birthRank="2"), "INS-0041", "birthRank"),
    (identity(birthRank=12), "INS-0041", "birthRank"),
    (identity(allowInvalidKey="yes"), "INS-0041", "allowInvalidKey"),
    (identity(nickname="JL"), "INS-0041", "nickname"),
    (identity(id="a b"), "INS-0041", "id"),
    (identity(birthName="DUP0NT"), "INS-0021", "birthName"),
    (identity(firstNames=["JEAN", "3"]), "INS-0021", "firstNames"),
    (identity(sex="H"), "INS-0022", "sex"),
    (identity(birthDate="1985-02-29"), "INS-0023", "birthDate"),
    (identity(birthPlace="20004"), "INS-0024", "birthPlace"),
    (identity(ins="18507631130"), "INS-0025", "ins"),
    (identity(oid="1.2.250.1.213.1.4.10"), "INS-0026", "oid"),
    (identity(ouvrantDroit="12345"), "INS-0025", "ouvrantDroit"),
    (identity(history=[{"ins": "123"}]), "INS-0025", "history.0.ins"),
    (identity(history=[{"ins": "2850763113099" + nir_key("2850763113099"), "start": "2001"}]), "INS-0023",
     "history.0.start"),
])
async def test_bad_identities_are_rejected_and_nothing_is_stored(insi, body, code, expression):
    outcome = assert_outcome(await insi.post("/_admin/identities", json=body), 400, code)
    assert outcome["issue"][0]["expression"] == [expression]
    assert await count(insi) == 0


async def test_malformed_json_and_media_type(insi):
    response = await insi.post("/_admin/identities", content=b"{oops", headers={"content-type": "application/json"})
    assert_outcome(response, 400, "FHIR-0001")
    response = await insi.post("/_admin/identities", content=b"x", headers={"content-type": "text/plain"})
    assert_outcome(response, 415, "HTTP-0415")
    assert await count(insi) == 0


async def test_same_id_or_same_ins_conflicts(insi):
    assert (await insi.post("/_admin/identities", json=identity())).status_code == 201
    assert_outcome(await insi.post("/_admin/identities", json=identity()), 409, "INS-0042")
    assert_outcome(await insi.post("/_admin/identities", json=identity(id="other")), 409, "INS-0042")
    persona_ins = identity(id="copy", ins="275126322074974")
    assert_outcome(await insi.post("/_admin/identities", json=persona_ins), 409, "INS-0042")
    assert await count(insi) == 1


async def test_concurrent_conflicting_writes_store_one_identity(insi):
    bodies = [identity(id=f"racer-{i}", firstNames=[f"{name}"]) for i, name in enumerate(("LUC", "MARC", "PAUL"))]
    responses = await asyncio.gather(*(insi.post("/_admin/identities", json=b) for b in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    assert {r.json()["issue"][0]["details"]["coding"][0]["code"] for r in responses if r.status_code == 409} == {
        "INS-0042"}
    assert await count(insi) == 1


async def test_admin_token_is_required_when_configured(make_client, sandbox_settings):
    sandbox = sandbox_settings.model_copy(update={"admin_token": SecretStr("s3cret")})
    async with make_client(sandbox=sandbox) as client:
        assert_outcome(await client.post("/_admin/identities", json=identity()), 401, "GW-0006")
        assert_outcome(await client.get("/_admin/identities"), 401, "GW-0006")
        response = await client.post("/_admin/identities", json=identity(), headers={"authorization": "Bearer s3cret"})
        assert response.status_code == 201


async def test_admin_token_is_checked_before_the_body_and_the_parameters(make_client, sandbox_settings):
    sandbox = sandbox_settings.model_copy(update={"admin_token": SecretStr("s3cret")})
    async with make_client(sandbox=sandbox) as client:
        json_type = {"content-type": "application/json"}
        for body in (b"{", b"[1]", b'{"a":' * 1000 + b"1" + b"}" * 1000):
            assert_outcome(await client.post("/_admin/identities", content=body, headers=json_type), 401, "GW-0006")
        assert_outcome(await client.get("/_admin/identities", params={"limit": "0", "offset": "-1"}), 401, "GW-0006")


async def test_list_parameters_are_checked(insi):
    assert_outcome(await insi.get("/_admin/identities", params={"limit": 0}), 400, "HTTP-0400")
    assert_outcome(await insi.get("/_admin/identities", params={"origin": "vip"}), 400, "HTTP-0400")
