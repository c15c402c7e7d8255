"""The token endpoint's grants (RFC 6749 §4.1, §4.4, §6; RFC 7636; OAuth 2.0 Security BCP §4.14).

- ``authorization_code``: a code is spent once, by the client it was issued to, with the same
  ``redirect_uri`` and the PKCE verifier of its challenge; a second use revokes everything the first
  one issued (the session), as RFC 6749 §4.1.2 recommends.
- ``refresh_token``: each use rotates the token; presenting a rotated one again means it leaked, so
  the whole family (the session) is revoked.
- ``client_credentials``: a token for the software itself, no refresh token.
Extra grants (CIBA) are registered by the service on ``Provider.extra_grants``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable

from sqlalchemy import Connection

from core.errors import OAuthError
from core.oidc.client_auth import authenticate
from core.oidc.clients import Client
from core.oidc.form import require
from core.oidc.provider import Provider
from core.oidc.tokens import client_token, user_tokens

VERIFIER_RE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class FailAfter(Exception):
    """Reject the request but keep a side effect (a revocation, a CIBA poll time): ``effect`` runs in its
    own transaction after the request's has rolled back."""

    def __init__(self, error: OAuthError, effect: Callable[[Connection], None]) -> None:
        super().__init__(error.diagnostics)
        self.error = error
        self.effect = effect


def revoke_and_fail(provider: Provider, tenant: str, sid: str, error: OAuthError) -> FailAfter:
    def effect(conn: Connection) -> None:
        provider.store.revoke_session(conn, tenant=tenant, sid=sid, now=time.time())

    return FailAfter(error, effect)


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def granted_scope(requested: str | None, allowed: tuple[str, ...] | list[str], default: str) -> str:
    if not requested:
        return default
    scopes = list(dict.fromkeys(requested.split()))
    if extra := [s for s in scopes if s not in allowed]:
        raise OAuthError("invalid_scope", f"Scope(s) not granted to this client: {' '.join(extra)}.")
    return " ".join(scopes)


def authorization_code(provider: Provider, conn: Connection, tenant: str, client: Client, form: dict) -> dict:
    code = require(form, "code")
    now = time.time()
    grant, won = provider.store.spend_code(conn, tenant=tenant, code=code, now=now)
    if grant is None:
        raise invalid_grant("Unknown authorization code.")
    if grant.client_id != client.client_id:
        raise invalid_grant("This code was issued to another client.")
    if not won:
        raise revoke_and_fail(provider, tenant, grant.sid, invalid_grant(
            "This code was already used: codes are single-use, and the tokens issued with it are now revoked."))
    if grant.expires_at < now:
        raise invalid_grant(f"The code expired (codes live {provider.config.code_ttl} s); start a new login.")
    if form.get("redirect_uri") != grant.redirect_uri:
        raise invalid_grant("redirect_uri must be the one sent in the authorization request.")
    check_pkce(grant.code_challenge, form.get("code_verifier"))
    session = provider.store.session(conn, tenant=tenant, sid=grant.sid)
    if session is None or session.revoked:
        raise invalid_grant("The session of this code has ended.")
    return user_tokens(provider, conn, tenant, client, session, grant.scope, nonce=grant.nonce)


def check_pkce(challenge: str | None, verifier: str | None) -> None:
    if challenge is None:
        if verifier is not None:
            raise invalid_grant("code_verifier sent, but the authorization request had no code_challenge.")
        return
    if verifier is None:
        raise invalid_grant("code_verifier is required: the authorization request had a code_challenge.")
    if not VERIFIER_RE.fullmatch(verifier):
        raise invalid_grant("code_verifier must be 43 to 128 characters among A-Z a-z 0-9 - . _ ~ (RFC 7636).")
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    if not hmac.compare_digest(computed, challenge):
        raise invalid_grant("code_verifier does not match the code_challenge (S256).")


def refresh_token(provider: Provider, conn: Connection, tenant: str, client: Client, form: dict) -> dict:
    token = require(form, "refresh_token")
    now = time.time()
    grant = provider.store.refresh(conn, tenant=tenant, token=token)
    if grant is None:
        raise invalid_grant("Unknown refresh token.")
    if grant.client_id != client.client_id:
        raise invalid_grant("This refresh token was issued to another client.")
    if grant.rotated or not provider.store.rotate_refresh(conn, tenant=tenant, token=token, now=now):
        raise revoke_and_fail(provider, tenant, grant.sid, invalid_grant(
            "This refresh token was already used (tokens rotate on every refresh): the session is revoked."))
    if grant.expires_at < now:
        raise invalid_grant(f"The refresh token expired (they live {provider.config.refresh_ttl} s); log in again.")
    session = provider.store.session(conn, tenant=tenant, sid=grant.sid)
    if session is None or session.revoked:
        raise invalid_grant("The session of this refresh token has ended (logout or revocation).")
    scope = granted_scope(form.get("scope"), grant.scope.split(), grant.scope)
    return user_tokens(provider, conn, tenant, client, session, scope)


def client_credentials(provider: Provider, _conn: Connection, tenant: str, client: Client, form: dict) -> dict:
    default = " ".join(s for s in client.scope if s != "openid")
    return client_token(provider, tenant, client, granted_scope(form.get("scope"), client.scope, default))


GRANTS = {"authorization_code": authorization_code, "refresh_token": refresh_token,
          "client_credentials": client_credentials}


def writes(form: dict[str, str]) -> bool:
    """Whether a token request writes: every grant but client_credentials with a secret (a read, a signature)."""
    return form.get("grant_type") != "client_credentials" or "client_assertion" in form


def token(provider: Provider, tenant: str, form: dict[str, str], authorization: str) -> dict:
    """The token response for one token request, or the RFC 6749 error."""
    grant_type = require(form, "grant_type")
    handler = GRANTS.get(grant_type) or provider.extra_grants.get(grant_type)
    if handler is None or grant_type not in provider.config.grant_types:
        raise OAuthError("unsupported_grant_type", f"grant_type {grant_type[:80]!r} is not supported; supported: "
                         f"{', '.join(provider.config.grant_types)}.")
    provider.keys.keys(tenant)  # a tenant's first token creates its key, in a transaction of its own
    # client_credentials with a secret writes nothing: a read transaction does not queue behind writers
    writing = writes(form)
    audiences = (provider.endpoint(tenant, "/token"), provider.issuer(tenant))
    try:
        with provider.db.write() if writing else provider.db.read() as conn:
            client = authenticate(provider, conn, tenant, form, authorization, audiences=audiences)
            if grant_type not in client.grant_types:
                raise OAuthError("unauthorized_client", f"Client {client.client_id!r} may not use {grant_type}.")
            if writing:
                provider.maybe_sweep(conn, tenant)
            return handler(provider, conn, tenant, client, form)
    except FailAfter as failure:
        with provider.db.write() as conn:
            failure.effect(conn)
        raise failure.error from None
