"""Sandbox-only administration: clients (RFC 7591 metadata), the clients file, key rotation, guards."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from core.settings import SandboxSettings
from services.pro_sante_connect.app import create_app
from services.pro_sante_connect.settings import SLUG, ProSanteConnectSettings
from tests.services.pro_sante_connect.support import provider_of


def code_of(response) -> str:
    return response.json()["issue"][0]["details"]["coding"][0]["code"]


async def test_demo_clients_are_seeded_in_every_tenant(psc):
    clients = (await psc.admin("GET", "/clients")).json()["clients"]
    by_id = {c["client_id"]: c for c in clients}
    assert by_id["sandbox-practice-software"]["client_secret"] == "sandbox-practice-secret"
    assert by_id["sandbox-spa"]["token_endpoint_auth_method"] == "none" and "client_secret" not in by_id["sandbox-spa"]
    feeder = by_id["sandbox-eprescription"]  # the ordonnance numérique: software only, no redirect URI
    assert (feeder["client_secret"], feeder["token_endpoint_auth_method"]) == ("sandbox-eprescription-secret",
                                                                               "client_secret_basic")
    assert feeder["grant_types"] == ["client_credentials"] and not feeder.get("redirect_uris")


async def test_a_client_is_declared_read_and_deleted(psc):
    created = await psc.admin("POST", "/clients", json={"redirect_uris": ["https://rp.example/cb"],
                                                        "client_name": "Mon logiciel"})
    body = created.json()
    assert created.status_code == 201 and body["client_id"].startswith("sandbox-") and len(body["client_secret"]) > 30
    assert body["grant_types"] == ["authorization_code", "refresh_token"] and body["scope"] == "openid scope_all"
    read = await psc.admin("GET", f"/clients/{body['client_id']}")
    assert read.json() == body
    duplicate = await psc.admin("POST", "/clients", json={"client_id": body["client_id"],
                                                          "redirect_uris": ["https://rp.example/cb"]})
    assert duplicate.status_code == 409 and code_of(duplicate) == "PSC-0002"
    assert (await psc.admin("DELETE", f"/clients/{body['client_id']}")).status_code == 204
    gone = await psc.admin("GET", f"/clients/{body['client_id']}")
    assert gone.status_code == 404 and code_of(gone) == "PSC-0001"
    assert (await psc.admin("DELETE", f"/clients/{body['client_id']}")).status_code == 404


@pytest.mark.parametrize(("metadata", "error"), [
    ({"grant_types": ["authorization_code"]}, "invalid_redirect_uri"),  # no redirect_uris
    ({"redirect_uris": ["/relative"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["https://rp.example/cb#frag"]}, "invalid_redirect_uri"),
    ({"redirect_uris": "https://rp.example/cb"}, "invalid_client_metadata"),
    ({"grant_types": ["password"]}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "tls_client_auth"},
     "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt"},
     "invalid_client_metadata"),  # no jwks
    ({"grant_types": ["client_credentials"], "token_endpoint_auth_method": "private_key_jwt",
      "jwks": {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB", "d": "secret"}]}}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "scope": "openid admin"}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "client_id": "spaces are not allowed"}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"], "userinfo_signed_response_alg": "HS256"}, "invalid_client_metadata"),
    ({"redirect_uris": ["https://rp.example/cb"], "token_endpoint_auth_method": "none", "client_secret": "x"},
     "invalid_client_metadata"),
])
async def test_bad_client_metadata_gets_rfc7591_errors_and_stores_nothing(psc, metadata, error):
    before = (await psc.admin("GET", "/clients")).json()
    response = await psc.admin("POST", "/clients", json=metadata)
    assert (response.status_code, response.json()["error"]) == (400, error)
    assert (await psc.admin("GET", "/clients")).json() == before


async def test_a_body_that_is_not_an_object(psc):
    not_json = await psc.admin("POST", "/clients", content=b"{", headers={"content-type": "application/json"})
    a_list = await psc.admin("POST", "/clients", json=["x"])
    assert not_json.status_code == 400 and a_list.status_code == 400


def require_admin_token(psc, monkeypatch) -> None:
    """Set the admin token on the running sandbox; the test's tenant is still created on first use."""
    sandbox = provider_of(psc.http).settings.sandbox
    monkeypatch.setattr(sandbox, "admin_token", SecretStr("letmein"))
    monkeypatch.setattr(sandbox, "auto_tenants", True)


async def test_admin_routes_need_the_admin_token_when_one_is_set(psc, monkeypatch):
    require_admin_token(psc, monkeypatch)
    for method, path in (("GET", "/clients"), ("POST", "/clients"), ("GET", "/clients/x"), ("DELETE", "/clients/x"),
                         ("POST", "/keys/rotate"), ("GET", "/ciba"), ("PUT", "/ciba")):
        response = await psc.admin(method, path, json={})
        assert response.status_code == 401 and code_of(response) == "GW-0006", (method, path)
    allowed = await psc.admin("GET", "/clients", headers={"authorization": "Bearer letmein"})
    assert allowed.status_code == 200


async def test_the_admin_token_is_checked_before_the_body_is_parsed(psc, monkeypatch):
    require_admin_token(psc, monkeypatch)
    for method, path in (("POST", "/clients"), ("PUT", "/ciba")):
        for body in (b"{", b"[1]", b'{"redirect_uris": 3}'):
            response = await psc.admin(method, path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 401 and code_of(response) == "GW-0006", (method, path, body)
        parsed = await psc.admin(method, path, content=b"{", headers={"content-type": "application/json",
                                                                      "authorization": "Bearer letmein"})
        assert parsed.status_code == 400, (method, path)


def test_the_clients_file_is_loaded_and_checked_at_start(tmp_path):
    good = tmp_path / "clients.yaml"
    good.write_text("clients:\n  - client_id: vendor-lgc\n    client_secret: s3cret\n"
                    "    redirect_uris: [https://lgc.example/cb]\n", encoding="utf-8")
    sandbox = SandboxSettings(data_dir=tmp_path)
    app = create_app(ProSanteConnectSettings.for_slug(SLUG, sandbox, clients_file=good))
    app.state.db.create_all()
    from core.app import SeedRequest

    app.state.seed(SeedRequest("default"))
    with app.state.provider.db.read() as conn:
        ids = [c.client_id for c in app.state.provider.store.clients(conn, tenant="default")]
    assert ids == ["sandbox-eprescription", "sandbox-practice-software", "sandbox-spa", "vendor-lgc"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("- client_id: x\n  grant_types: [password]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"client #1: invalid_client_metadata"):
        create_app(ProSanteConnectSettings.for_slug(SLUG, sandbox, clients_file=bad))
    with pytest.raises(ValueError, match="cannot read it"):
        create_app(ProSanteConnectSettings.for_slug(SLUG, sandbox, clients_file=tmp_path / "missing.yaml"))


async def test_seed_answers_the_demo_clients_it_added_and_the_clients_held(tmp_path):
    import httpx

    from services.pro_sante_connect.clients import DEMO_CLIENTS

    demo = len(DEMO_CLIENTS)
    sandbox = SandboxSettings(data_dir=tmp_path)
    app = create_app(ProSanteConnectSettings.for_slug(SLUG, sandbox))
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://psc") as http:
        first = await http.post("/_admin/tenants/team-s/seed")
        assert first.status_code == 200
        assert first.json() == {"tenant": "team-s", "seeded": {"clients": demo}, "total": {"clients": demo}}
        declared = await http.post("/_admin/clients", json={"redirect_uris": ["https://rp.example/cb"]},
                                   headers={"x-sandbox-tenant": "team-s"})
        assert declared.status_code == 201
        again = await http.post("/_admin/tenants/team-s/seed")  # the demo clients are there: none added
        assert again.json() == {"tenant": "team-s", "seeded": {"clients": 0}, "total": {"clients": demo + 1}}
