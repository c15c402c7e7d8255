"""``login: client-credentials``: software without a user, an OAuth 2 client credentials token from Pro Santé
Connect, the client authenticated with the actor's secret (default: the demo client's, or its registration's)."""

from __future__ import annotations

from scenarios.runner.login_flows.oidc import Registration, claims, discover, registration, token
from scenarios.runner.logins import Attempt, flow


@flow("client-credentials")
async def client_credentials(attempt: Attempt) -> None:
    actor = attempt.actor
    meta = await discover(attempt)
    if actor.secret is not None:
        client = Registration(actor.client, actor.secret, "client_secret_basic")
    else:
        client = await registration(attempt, actor.client)
    if client.secret is None:
        raise attempt.fail(f"client '{client.client_id}' is public (no secret): client credentials need a "
                           "confidential client, e.g. sandbox-practice-software")
    tokens = await token(attempt, meta, client, {"grant_type": "client_credentials", "scope": actor.scope},
                         f"client '{client.client_id}'")
    await claims(attempt, meta, tokens["access_token"], "access token")
    attempt.keep(tokens)
