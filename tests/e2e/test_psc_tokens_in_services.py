"""A service of the sandbox accepts real Pro Santé Connect tokens through core's verifier (and its peers)."""

from __future__ import annotations

import base64
import json

from tests.e2e.protected_service import SPEC as PROTECTED
from tests.services.pro_sante_connect import support
from tests.services.pro_sante_connect.support import PRACTICE, ROBERT


async def test_a_professional_token_becomes_a_typed_principal(tmp_path):
    async for http in support.sandbox(tmp_path, extra=(PROTECTED,)):
            psc = support.Psc(http, support.new_tenant())
            tokens = await psc.login()
            bearer = {"authorization": f"Bearer {tokens['access_token']}"}
            me = await http.get(f"/t/{psc.tenant}/protected/whoami", headers=bearer)
            assert me.status_code == 200, me.text
            body = me.json()
            assert (body["id_nat_ps"], body["rpps"], body["profession"]) == (ROBERT, ROBERT[1:], "10")
            assert body["organisations"][0]["name"] == "CABINET M SPECIALISTE0021889"
            assert body["client_id"] == PRACTICE[0] and body["tenant"] == psc.tenant
            software = (await psc.token({"grant_type": "client_credentials"})).json()["access_token"]
            as_software = {"authorization": f"Bearer {software}"}
            assert (await http.get(f"/t/{psc.tenant}/protected/anyone", headers=as_software)).json() == {
            "kind": "System", "client_id": PRACTICE[0]}
            refused = await http.get(f"/t/{psc.tenant}/protected/whoami", headers=as_software)
            assert refused.status_code == 403
            other = await http.get(f"/t/{support.new_tenant()}/protected/whoami", headers=bearer)
            assert other.status_code == 401 and "AUTH-0005" in other.text


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


async def test_tokens_without_aud_and_with_the_configured_aud_are_both_accepted(tmp_path, monkeypatch):
    """Real PSC access tokens carry no aud (the default here); a sandbox configured with the resource
    services' audience gives tokens with it: the services accept both, and refuse a foreign audience."""
    for audience, expected in (("", 200), ("esante-sandbox", 200), ("another-api", 401)):
        monkeypatch.setenv("PRO_SANTE_CONNECT_ACCESS_TOKEN_AUDIENCE", audience)
        async for http in support.sandbox(tmp_path / (audience or "none"), extra=(PROTECTED,)):
            psc = support.Psc(http, support.new_tenant())
            token = (await psc.login())["access_token"]
            assert claims(token).get("aud") == ([audience] if audience else None)
            me = await http.get(f"/t/{psc.tenant}/protected/whoami", headers={"authorization": f"Bearer {token}"})
            assert me.status_code == expected, me.text
            if expected == 401:
                assert "AUTH-0006" in me.text
