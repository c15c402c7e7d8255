"""``login: psc-ciba``: a Pro Santé Connect backchannel (CIBA, poll mode) login, approved on the sandbox-only
e-CPS phone (``POST .../ecps/requests/{auth_req_id}/approve``), then the token endpoint polled as CIBA says."""

from __future__ import annotations

import asyncio
import secrets
import time
from urllib.parse import quote

from scenarios.runner.login_flows.oidc import (
    SERVICE,
    answer,
    claims,
    discover,
    explain,
    id_nat_ps,
    json_object,
    refused,
    registration,
)
from scenarios.runner.logins import Attempt, flow

GRANT = "urn:openid:params:grant-type:ciba"
SLOW_DOWN = 5  # seconds added to the interval on slow_down (CIBA Core 11)


@flow("psc-ciba")
async def ciba(attempt: Attempt) -> None:
    actor, ctx = attempt.actor, attempt.ctx
    login_hint = id_nat_ps(attempt)
    meta = await discover(attempt)
    client = await registration(attempt, actor.client)
    endpoint = meta.get("backchannel_authentication_endpoint")
    if not endpoint:
        raise attempt.fail("Pro Santé Connect's discovery names no backchannel_authentication_endpoint")
    binding = actor.binding_message or f"{secrets.randbelow(100):02d}"  # PSC shows two digits
    response = await attempt.send("POST", endpoint, **client.authenticate({
        "scope": actor.scope, "login_hint": login_hint, "binding_message": binding}))
    if not response.is_success:
        raise refused(attempt, response, f"the backchannel request for persona '{actor.persona}' ({login_hint})")
    request = answer(attempt, response, "the backchannel request")
    auth_req_id = request.get("auth_req_id")
    if not isinstance(auth_req_id, str):
        raise attempt.fail("Pro Santé Connect's backchannel answer has no auth_req_id")
    deadline = time.monotonic() + float(request.get("expires_in", 120))
    interval = float(request.get("interval", 5))

    phone = await attempt.send("POST", ctx.url(SERVICE, f"/ecps/requests/{quote(auth_req_id, safe='')}/approve"),
                               headers=ctx.admin_headers())
    if phone.status_code in (401, 403):
        raise attempt.fail(f"the e-CPS phone refused the approval ({explain(phone)}): give the run the sandbox's "
                           "admin token")
    if not phone.is_success and phone.status_code != 409:  # 409: decided already (auto-approval): the poll says
        raise attempt.fail(f"the e-CPS phone could not approve the request (HTTP {phone.status_code}: "
                           f"{explain(phone)})")

    while True:
        response = await attempt.send("POST", meta["token_endpoint"], **client.authenticate(
            {"grant_type": GRANT, "auth_req_id": auth_req_id}))
        body = json_object(response) or {}
        if response.is_success and isinstance(body.get("access_token"), str):
            break
        error = body.get("error")
        if error not in ("authorization_pending", "slow_down"):
            raise refused(attempt, response, "the CIBA login")
        if error == "slow_down":
            interval += SLOW_DOWN
        if time.monotonic() + interval >= deadline:
            raise attempt.fail("the professional did not approve the CIBA request before it expired "
                               f"({request.get('expires_in', 120)} s): approve it on the e-CPS phone")
        await asyncio.sleep(interval)
    if isinstance(body.get("id_token"), str):
        await claims(attempt, meta, body["id_token"], "ID token", audience=client.client_id)
    await claims(attempt, meta, body["access_token"], "access token")
    attempt.keep(body)
