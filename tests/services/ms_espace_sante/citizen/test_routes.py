"""The citizen login (citizen/routes.py): discovery, the patient picker, login_hint, codes and tokens, clients."""

from __future__ import annotations

import re

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, CITIZEN_APP, CITIZEN_PROTOCOL, NIA_INS, Citizen
from tests.services.pro_sante_connect import support as psc_support


@pytest.fixture
async def citizen(http) -> Citizen:
    return Citizen(http, psc_support.new_tenant())


async def verified(citizen: Citizen, token: str) -> dict:
    keys = (await citizen.http.get(citizen.url(CITIZEN_PROTOCOL + "/certs"))).json()
    return jwt.decode(token, KeySet.import_key_set(keys), algorithms=["RS256"]).claims


async def test_discovery_names_the_tenants_issuer_and_only_the_citizen_grants(citizen):
    meta = (await citizen.http.get(citizen.url("/citizen/.well-known/openid-configuration"))).json()
    assert meta["issuer"] == citizen.issuer
    assert meta["authorization_endpoint"] == citizen.issuer + "/auth"
    assert meta["token_endpoint"] == citizen.issuer + "/protocol/openid-connect/token"
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert {"mes.documents.read", "mes.documents.write", "openid"} <= set(meta["scopes_supported"])
    assert "ins" in meta["claims_supported"]


async def test_login_hint_gives_tokens_naming_the_patient_by_ins(citizen):
    tokens = await citizen.login(ADRUN_INS)
    access = await verified(citizen, tokens["access_token"])
    assert access["iss"] == citizen.issuer and access["ins"] == ADRUN_INS and access["azp"] == CITIZEN_APP
    assert access["family_name"] == "ADRUN" and "mes.documents.read" in access["scope"].split()
    identity = await verified(citizen, tokens["id_token"])
    assert identity["aud"] == CITIZEN_APP and identity["birthdate"] == "1975-12-31" and identity["nonce"] == "n-1"
    assert identity["sub"] == access["sub"] != ADRUN_INS  # stable, and not the INS itself
    again = await citizen.login(ADRUN_INS)
    assert (await verified(citizen, again["access_token"]))["sub"] == access["sub"]
    userinfo = await citizen.http.get(citizen.url(CITIZEN_PROTOCOL + "/userinfo"),
                                      headers={"authorization": f"Bearer {tokens['access_token']}"})
    assert userinfo.status_code == 200 and userinfo.json()["ins"] == ADRUN_INS


async def test_refresh_rotates_and_a_public_client_needs_pkce(citizen):
    tokens = await citizen.login()
    refreshed = await citizen.token({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200 and refreshed.json()["refresh_token"] != tokens["refresh_token"]
    no_pkce = citizen.params("x")
    del no_pkce["code_challenge"], no_pkce["code_challenge_method"]
    answer = await citizen.authorize(**no_pkce, login_hint=ADRUN_INS)
    assert answer.status_code == 302 and "error=invalid_request" in answer.headers["location"]


async def test_the_picker_lists_the_personas_with_a_record_and_logs_one_in(citizen):
    _, challenge = psc_support.pkce()
    page = await citizen.authorize(**citizen.params(challenge))
    assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
    assert "ZOE ADRUN" in page.text and ADRUN_INS in page.text
    assert NIA_INS not in page.text  # a NIA has no record: not offered
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    answer = await citizen.http.post(citizen.url("/citizen/auth/login"), data={"request_id": request_id,
                                                                                "ins": ADRUN_INS})
    assert answer.status_code == 303 and psc_support.query_of(answer.headers["location"])["code"]
    spent = await citizen.http.post(citizen.url("/citizen/auth/login"), data={"request_id": request_id,
                                                                               "ins": ADRUN_INS})
    assert spent.status_code == 400 and "request_expired" in spent.text


@pytest.mark.parametrize(("ins", "why"), [(NIA_INS, "Aucun espace santé"), ("12345", "15 caractères"),
                                          ("<script>x</script>", "15 caractères"),
                                          ("299999999999999", "Aucun espace santé")])
async def test_a_patient_without_a_record_is_told_why(citizen, ins, why):
    _, challenge = psc_support.pkce()
    hinted = await citizen.authorize(**citizen.params(challenge, login_hint=ins))
    assert hinted.status_code == 200 and why in hinted.text and "<script>x" not in hinted.text
    request_id = re.search(r'name="request_id" value="([^"]+)"', hinted.text).group(1)
    posted = await citizen.http.post(citizen.url("/citizen/auth/login"), data={"request_id": request_id, "ins": ins})
    assert posted.status_code == 400 and why in posted.text and 'role="alert"' in posted.text


async def test_bad_requests_never_redirect_to_an_unregistered_uri(citizen):
    _, challenge = psc_support.pkce()
    unknown = await citizen.authorize(**citizen.params(challenge, client_id="nobody"))
    assert unknown.status_code == 400 and "invalid_client" in unknown.text
    elsewhere = await citizen.authorize(**citizen.params(challenge, redirect_uri="https://evil.example/cb"))
    assert elsewhere.status_code == 400 and "location" not in elsewhere.headers
    expired = await citizen.http.post(citizen.url("/citizen/auth/login"), data={"request_id": "x" * 32})
    assert expired.status_code == 400 and "request_expired" in expired.text


async def test_a_tenant_has_its_own_issuer(http):
    one, two = Citizen(http, psc_support.new_tenant()), Citizen(http, psc_support.new_tenant())
    tokens = await one.login()
    assert (await verified(one, tokens["access_token"]))["iss"] == one.issuer != two.issuer


# client administration: the body and answers of Pro Santé Connect's -----------------------------------
APP = {"client_id": "appli-suivi", "client_name": "Suivi tension", "token_endpoint_auth_method": "none",
       "redirect_uris": ["https://app.example/cb"], "scope": "openid mes.documents.read"}


async def test_clients_are_declared_read_listed_and_deleted(citizen):
    admin = citizen.url("/citizen/_admin/clients")
    created = await citizen.http.post(admin, json=APP)
    assert created.status_code == 201 and created.json()["scope"] == "openid mes.documents.read"
    again = await citizen.http.post(admin, json=APP)
    assert again.status_code == 409 and "MES-0302" in again.text
    listed = (await citizen.http.get(admin)).json()["clients"]
    assert {c["client_id"] for c in listed} >= {CITIZEN_APP, "appli-suivi"}
    assert (await citizen.http.get(f"{admin}/appli-suivi")).json()["client_name"] == "Suivi tension"
    assert (await citizen.http.delete(f"{admin}/appli-suivi")).status_code == 204
    gone = await citizen.http.get(f"{admin}/appli-suivi")
    assert gone.status_code == 404 and "MES-0301" in gone.text


@pytest.mark.parametrize("body", [
    {**APP, "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic"},
    {**APP, "scope": "openid scope_all"}, ["not", "an", "object"], {**APP, "redirect_uris": ["javascript:x"]},
])
async def test_bad_client_metadata_is_refused_and_stores_nothing(citizen, body):
    admin = citizen.url("/citizen/_admin/clients")
    before = len((await citizen.http.get(admin)).json()["clients"])
    answer = await citizen.http.post(admin, json=body)
    assert answer.status_code == 400 and answer.json()["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
    assert len((await citizen.http.get(admin)).json()["clients"]) == before


async def test_the_admin_token_guards_the_client_routes(tmp_path):
    async for http in support.sandbox(tmp_path, admin_token="s3cret"):
        citizen = Citizen(http, psc_support.new_tenant())  # with an admin token, tenants are created first
        created = await http.post("/_admin/tenants", json={"name": citizen.tenant},
                                  headers={"x-sandbox-admin-token": "s3cret"})
        assert created.status_code == 201, created.text
        refused = await http.post(citizen.url("/citizen/_admin/clients"), json=APP)
        assert refused.status_code == 401 and "GW-0006" in refused.text
        allowed = await http.post(citizen.url("/citizen/_admin/clients"), json=APP,
                                  headers={"x-sandbox-admin-token": "s3cret"})
        assert allowed.status_code == 201
