"""Minting tokens: JWT access and ID tokens signed with the tenant's active key, opaque refresh tokens.

Token responses follow Keycloak's shape (Pro Santé Connect runs on Keycloak): ``expires_in``,
``refresh_expires_in``, ``session_state`` and ``not-before-policy`` beside the RFC 6749 members. As in
Keycloak, a user's access and ID tokens carry ``session_state``, the login session's id (equal to their
``sid``). An access token's ``aud`` is the provider's configured audiences, and is left out when none
is configured (real Pro Santé Connect access tokens carry none).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid

from joserfc import jwt
from sqlalchemy import Connection

from core.oidc.clients import Client
from core.oidc.keys import ALG
from core.oidc.provider import Provider
from core.oidc.store import Login, RefreshGrant, Session


def at_hash(access_token: str) -> str:
    """OIDC Core 3.1.3.6: left half of the SHA-256 of the access token, base64url."""
    half = hashlib.sha256(access_token.encode("ascii")).digest()[:16]
    return base64.urlsafe_b64encode(half).rstrip(b"=").decode("ascii")


def sign(provider: Provider, tenant: str, claims: dict) -> str:
    key = provider.keys.keys(tenant).active
    return jwt.encode({"alg": ALG, "typ": "JWT", "kid": key.kid}, claims, key)


def base_claims(provider: Provider, tenant: str, client: Client, scope: str, now: int) -> dict:
    cfg = provider.config
    claims = {"exp": now + cfg.access_ttl, "iat": now, "jti": str(uuid.uuid4()), "iss": provider.issuer(tenant)}
    if cfg.audiences:
        claims["aud"] = list(cfg.audiences)
    claims.update({"typ": "Bearer", "azp": client.client_id, "scope": scope})
    return claims


def client_token(provider: Provider, tenant: str, client: Client, scope: str) -> dict:
    """``client_credentials``: an access token for the software itself (RFC 6749 §4.4; no refresh token)."""
    now = int(time.time())
    claims = base_claims(provider, tenant, client, scope, now)
    claims["sub"] = f"service-account-{client.client_id}"
    claims["clientId"] = client.client_id
    return {"access_token": sign(provider, tenant, claims), "expires_in": provider.config.access_ttl,
            "refresh_expires_in": 0, "token_type": "Bearer", "not-before-policy": 0, "scope": scope}


def user_tokens(
    provider: Provider, conn: Connection, tenant: str, client: Client, session: Session, scope: str,
    *, nonce: str | None = None,
) -> dict:
    """Access, ID and refresh tokens for a user's session (authorization code, refresh, CIBA)."""
    cfg = provider.config
    login = session.login
    now = int(time.time())
    access = base_claims(provider, tenant, client, scope, now)
    access.update(user_claims(provider, login, session.sid))
    access.update({k: login.claims[k] for k in cfg.access_claims if k in login.claims})
    access_token = sign(provider, tenant, access)
    response = {"access_token": access_token, "expires_in": cfg.access_ttl, "token_type": "Bearer",
                "not-before-policy": 0, "session_state": session.sid, "scope": scope}
    if "openid" in scope.split():
        id_claims = {"exp": now + cfg.access_ttl, "iat": now, "jti": str(uuid.uuid4()), "iss": provider.issuer(tenant),
                     "aud": client.client_id, "typ": "ID", "azp": client.client_id,
                     **user_claims(provider, login, session.sid), "at_hash": at_hash(access_token)}
        if nonce:
            id_claims["nonce"] = nonce
        id_claims.update({k: login.claims[k] for k in cfg.id_claims if k in login.claims})
        response["id_token"] = sign(provider, tenant, id_claims)
    if "refresh_token" in client.grant_types:
        refresh = secrets.token_urlsafe(48)
        provider.store.add_refresh(conn, tenant=tenant, token=refresh, grant=RefreshGrant(
            sid=session.sid, client_id=client.client_id, scope=scope, expires_at=now + cfg.refresh_ttl, rotated=False))
        response["refresh_token"] = refresh
        response["refresh_expires_in"] = cfg.refresh_ttl
    return response


def user_claims(provider: Provider, login: Login, sid: str) -> dict:
    claims = {"sub": login.subject, "auth_time": login.auth_time, "acr": login.acr, "amr": list(login.amr),
              "session_state": sid, "sid": sid}
    if provider.config.idp:
        claims["idp"] = provider.config.idp
    return claims
