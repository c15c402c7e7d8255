"""CIBA poll mode and the simulated e-CPS phone."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

from tests.services.pro_sante_connect.support import CIBA, PRACTICE, PROTOCOL, ROBERT, SPA, provider_of

REQUEST = {"scope": "openid scope_all", "acr_values": "eidas1", "login_hint": ROBERT, "binding_message": "42",
           "channel": "MOBILE"}


async def start(psc, **change) -> dict:
    response = await psc.http.post(psc.url(PROTOCOL + "/ext/ciba/auth"), auth=PRACTICE, data={**REQUEST, **change})
    assert response.status_code == 200, response.text
    return response.json()


async def poll(psc, auth_req_id: str):  # noqa: ANN201
    return await psc.token({"grant_type": CIBA, "auth_req_id": auth_req_id})


def age(psc, **values) -> None:
    """Move every CIBA request of the test back in time (last poll, expiry)."""
    provider = provider_of(psc.http)
    ciba = psc.http.gateway.state.services["pro-sante-connect"].app.state.ciba
    with provider.db.write() as conn:
        conn.execute(update(ciba.t.ciba).values(**values))


async def test_a_round_trip_pending_then_approved_then_spent(psc):
    ack = await start(psc)
    assert set(ack) == {"auth_req_id", "expires_in", "interval"} and ack["expires_in"] == 120 and ack["interval"] == 5
    pending = await poll(psc, ack["auth_req_id"])
    assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"
    page = await psc.http.get(psc.url("/ecps"))
    assert "42" in page.text and "SPECIALISTE0021889" in page.text and ack["auth_req_id"] in page.text
    approved = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"))
    assert approved.json() == {"auth_req_id": ack["auth_req_id"], "status": "approved"}
    age(psc, last_poll=time.time() - 10)
    tokens = await poll(psc, ack["auth_req_id"])
    assert tokens.status_code == 200 and {"access_token", "id_token", "refresh_token"} <= set(tokens.json())
    age(psc, last_poll=time.time() - 10)
    again = await poll(psc, ack["auth_req_id"])
    assert again.json()["error"] == "invalid_grant"
    assert ack["auth_req_id"] not in (await psc.http.get(psc.url("/ecps"))).text


async def test_polling_too_fast_slows_the_client_down(psc):
    ack = await start(psc)
    assert (await poll(psc, ack["auth_req_id"])).json()["error"] == "authorization_pending"
    fast = await poll(psc, ack["auth_req_id"])
    assert fast.json()["error"] == "slow_down" and "10 s" in fast.json()["error_description"]


async def test_a_denied_request_gives_access_denied(psc):
    ack = await start(psc)
    await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/deny"))
    assert (await poll(psc, ack["auth_req_id"])).json()["error"] == "access_denied"
    late = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"))
    assert late.status_code == 409 and late.json()["issue"][0]["details"]["coding"][0]["code"] == "PSC-0004"


async def test_an_expired_request_gives_expired_token(psc):
    ack = await start(psc)
    age(psc, expires_at=time.time() - 1)
    assert (await poll(psc, ack["auth_req_id"])).json()["error"] == "expired_token"
    too_late = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"))
    assert too_late.status_code == 409


async def test_auto_approval_per_tenant(psc):
    assert (await psc.admin("GET", "/ciba")).json() == {"auto_approve_after": None}
    assert (await psc.admin("PUT", "/ciba", json={"auto_approve_after": 0})).status_code == 200
    ack = await start(psc)
    tokens = await poll(psc, ack["auth_req_id"])
    assert tokens.status_code == 200 and "id_token" in tokens.json()
    bad = await psc.admin("PUT", "/ciba", json={"auto_approve_after": -1})
    assert bad.status_code == 400


async def test_the_page_approves_with_a_form_and_comes_back(psc):
    ack = await start(psc, channel="CARD", binding_message="07")
    response = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"),
                                   data={"login_hint": ROBERT})
    assert response.status_code == 303 and response.headers["location"].startswith("http://sandbox.test" + psc.root)
    pending = await start(psc, binding_message="08")
    mine = await psc.http.get(psc.url("/ecps"), params={"login_hint": ROBERT})
    someone_else = await psc.http.get(psc.url("/ecps"), params={"login_hint": "899700427885"})
    assert pending["auth_req_id"] in mine.text and ack["auth_req_id"] not in mine.text
    assert pending["auth_req_id"] not in someone_else.text


async def test_unknown_requests_on_the_phone(psc):
    response = await psc.http.post(psc.url("/ecps/requests/nope/approve"))
    assert response.status_code == 404 and response.json()["issue"][0]["details"]["coding"][0]["code"] == "PSC-0003"


@pytest.mark.parametrize(("change", "error"), [
    ({"login_hint": None}, "invalid_request"),
    ({"login_hint": "899999999999"}, "unknown_user_id"),
    ({"login_hint": "899799000080"}, "unknown_user_id"),  # inactive
    ({"channel": "PIGEON"}, "invalid_request"),
    ({"binding_message": "<script>"}, "invalid_binding_message"),
    ({"scope": "scope_all"}, "invalid_scope"),
    ({"scope": None}, "invalid_request"),
    ({"requested_expiry": "99999"}, "invalid_request"),
    ({"id_token_hint": "x"}, "invalid_request"),
])
async def test_bad_backchannel_requests(psc, change, error):
    data = {k: v for k, v in {**REQUEST, **change}.items() if v is not None}
    response = await psc.http.post(psc.url(PROTOCOL + "/ext/ciba/auth"), auth=PRACTICE, data=data)
    assert (response.status_code, response.json()["error"]) == (400, error)


async def test_clients_without_the_ciba_grant_are_refused(psc):
    public = await psc.http.post(psc.url(PROTOCOL + "/ext/ciba/auth"), data={**REQUEST, "client_id": SPA})
    wrong_secret = await psc.http.post(psc.url(PROTOCOL + "/ext/ciba/auth"), auth=(PRACTICE[0], "x"), data=REQUEST)
    assert public.json()["error"] == "unauthorized_client" and wrong_secret.status_code == 401


async def test_a_request_polled_by_another_client_is_unknown_to_it(psc):
    ack = await start(psc)
    created = (await psc.admin("POST", "/clients", json={"grant_types": [CIBA]})).json()
    response = await psc.token({"grant_type": CIBA, "auth_req_id": ack["auth_req_id"]},
                               auth=(created["client_id"], created["client_secret"]))
    assert response.json()["error"] == "invalid_grant"


async def test_deciding_needs_the_admin_token_when_one_is_set(psc, monkeypatch):
    ack = await start(psc)
    sandbox = provider_of(psc.http).settings.sandbox
    from pydantic import SecretStr

    monkeypatch.setattr(sandbox, "admin_token", SecretStr("letmein"))
    refused = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"))
    wrong_field = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"),
                                      data={"admin_token": "nope"})
    with_field = await psc.http.post(psc.url(f"/ecps/requests/{ack['auth_req_id']}/approve"),
                                     data={"admin_token": "letmein"})
    assert [refused.status_code, wrong_field.status_code, with_field.status_code] == [401, 401, 303]
    await start(psc)
    assert 'type="password"' in (await psc.http.get(psc.url("/ecps"), params={"login_hint": ROBERT})).text


KIT = "899700427885"


async def test_without_an_admin_token_the_phone_lists_every_pending_request(psc):
    robert, kit = await start(psc), await start(psc, login_hint=KIT)
    page = (await psc.http.get(psc.url("/ecps"))).text
    assert robert["auth_req_id"] in page and kit["auth_req_id"] in page


async def test_with_an_admin_token_the_phone_lists_one_professionals_requests(psc, monkeypatch):
    robert, kit = await start(psc), await start(psc, login_hint=KIT)
    from pydantic import SecretStr

    monkeypatch.setattr(provider_of(psc.http).settings.sandbox, "admin_token", SecretStr("letmein"))
    anyone = await psc.http.get(psc.url("/ecps"))
    assert anyone.status_code == 200
    assert robert["auth_req_id"] not in anyone.text and kit["auth_req_id"] not in anyone.text
    assert 'name="login_hint"' in anyone.text
    mine = (await psc.http.get(psc.url("/ecps"), params={"login_hint": ROBERT})).text
    assert robert["auth_req_id"] in mine and kit["auth_req_id"] not in mine
    admin = (await psc.http.get(psc.url("/ecps"), headers={"authorization": "Bearer letmein"})).text
    assert robert["auth_req_id"] in admin and kit["auth_req_id"] in admin
    wrong = await psc.http.get(psc.url("/ecps"), headers={"x-sandbox-admin-token": "nope"})
    assert wrong.status_code == 401 and wrong.json()["issue"][0]["details"]["coding"][0]["code"] == "GW-0006"
