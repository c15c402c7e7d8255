"""The provider reading its own tokens: userinfo's bearer check, introspection (RFC 7662), revocation
(RFC 7009) and logout's ``id_token_hint``.

A JWT is active when its signature verifies with one of the tenant's published keys, ``iss`` is this
tenant's issuer, it has not expired, its ``jti`` was not revoked and its session (``sid``) has not
ended. A refresh token is active when it is known, not rotated, not expired and its session lives.
"""

from __future__ import annotations

import time

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy import Connection

from core.errors import OAuthError
from core.oidc.clients import Client
from core.oidc.keys import ALG
from core.oidc.provider import Provider


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2


def decode_own(provider: Provider, tenant: str, token: str, *, check_exp: bool = True) -> dict | None:
    """The claims of a token this tenant's issuer signed, or ``None`` (bad signature, other issuer, expired)."""
    try:
        claims = jwt.decode(token, provider.keys.keys(tenant).published, algorithms=[ALG]).claims
    except (JoseError, ValueError, TypeError):
        return None
    if claims.get("iss") != provider.issuer(tenant):
        return None
    exp = claims.get("exp")
    if check_exp and (not isinstance(exp, int | float) or exp < time.time() - provider.config.leeway):
        return None
    return claims


def access_claims_alive(provider: Provider, conn: Connection, tenant: str, claims: dict) -> bool:
    jti, sid = claims.get("jti"), claims.get("sid")
    if isinstance(jti, str) and provider.store.jti_revoked(conn, tenant=tenant, jti=jti):
        return False
    return not (isinstance(sid, str) and provider.store.session_revoked(conn, tenant=tenant, sid=sid))


def introspect(provider: Provider, conn: Connection, tenant: str, token: str) -> dict:
    inactive = {"active": False}
    if looks_like_jwt(token):
        claims = decode_own(provider, tenant, token)
        if claims is None or claims.get("typ") != "Bearer" or not access_claims_alive(provider, conn, tenant, claims):
            return inactive
        out = {**claims, "active": True, "client_id": claims.get("azp"), "token_type": "Bearer"}
        if "preferred_username" in claims:
            out["username"] = claims["preferred_username"]
        return out
    grant = provider.store.refresh(conn, tenant=tenant, token=token)
    if grant is None or grant.rotated or grant.expires_at < time.time():
        return inactive
    session = provider.store.session(conn, tenant=tenant, sid=grant.sid)
    if session is None or session.revoked:
        return inactive
    return {"active": True, "typ": "Refresh", "token_type": "Refresh", "client_id": grant.client_id,
            "azp": grant.client_id, "scope": grant.scope, "sid": grant.sid, "sub": session.login.subject,
            "exp": int(grant.expires_at), "iss": provider.issuer(tenant), "auth_time": session.login.auth_time}


def revoke(provider: Provider, conn: Connection, tenant: str, client: Client, token: str) -> None:
    """Revoke an access token (its ``jti``) or a refresh token (its whole session); unknown tokens are ignored."""
    now = time.time()
    if looks_like_jwt(token):
        claims = decode_own(provider, tenant, token, check_exp=False)
        if claims is None:
            return
        if claims.get("azp") != client.client_id:
            raise OAuthError("unauthorized_client", "This token was issued to another client.")
        if isinstance(claims.get("jti"), str):
            provider.store.revoke_jti(conn, tenant=tenant, jti=claims["jti"], expires_at=claims.get("exp", now))
        return
    grant = provider.store.refresh(conn, tenant=tenant, token=token)
    if grant is None:
        return
    if grant.client_id != client.client_id:
        raise OAuthError("unauthorized_client", "This token was issued to another client.")
    provider.store.revoke_session(conn, tenant=tenant, sid=grant.sid, now=now)
