"""Client authentication at the token, introspection, revocation and CIBA endpoints.

A client with a secret (registered ``client_secret_basic`` or ``client_secret_post``, RFC 7591
``token_endpoint_auth_method``) may present it either way, as Keycloak's "Client Id and Secret"
authenticator (which Pro Santé Connect runs) accepts: HTTP Basic (RFC 6749 §2.3.1, form-urlencoded id
and secret) or ``client_id``/``client_secret`` in the body. The registered method is what the client
prefers, not a lock. ``private_key_jwt`` clients (RFC 7523 §2.2: an assertion signed with a key of the
client's ``jwks``, ``iss = sub = client_id``, ``aud`` naming this provider, a ``jti`` used once) and
public clients (``none``) stay strict: only their own method. Every failure is ``invalid_client``
with status 401.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from urllib.parse import unquote_plus

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Connection

from core import jsonbody
from core.errors import OAuthError
from core.oidc.clients import SECRET_METHODS, Client
from core.oidc.provider import Provider

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGS = ["RS256", "RS384", "RS512", "ES256", "PS256"]
ASSERTION_WINDOW = 300


def invalid_client(description: str, *, basic: bool = False) -> OAuthError:
    headers = {"WWW-Authenticate": 'Basic realm="token"'} if basic else None
    return OAuthError("invalid_client", description, status=401, headers=headers)


def basic_credentials(header: str) -> tuple[str, str] | None:
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except binascii.Error:
        raise invalid_client("The Basic credentials are not valid base64 of 'client_id:client_secret'.",
                             basic=True) from None
    except UnicodeDecodeError:
        raise invalid_client("The Basic credentials are not UTF-8 text once decoded (RFC 6749 §2.3.1 wants "
                             "the id and secret form-urlencoded, which keeps them ASCII).", basic=True) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise invalid_client("The Basic credentials must be 'client_id:client_secret'.", basic=True)
    return unquote_plus(client_id), unquote_plus(secret)


def authenticate(
    provider: Provider, conn: Connection, tenant: str, form: dict[str, str], authorization: str,
    *, audiences: tuple[str, ...],
) -> Client:
    """The client making the request, authenticated by the method it registered."""
    basic = basic_credentials(authorization)
    presented = [m for m, present in (
        ("client_secret_basic", basic is not None), ("client_secret_post", "client_secret" in form),
        ("private_key_jwt", "client_assertion" in form)) if present]
    if len(presented) > 1:
        raise OAuthError("invalid_request", f"Use one client authentication method, not {' and '.join(presented)}.")
    method = presented[0] if presented else "none"
    if basic is not None:
        client_id = basic[0]
        if form.get("client_id", client_id) != client_id:
            raise invalid_client("client_id in the body differs from the Basic credentials.", basic=True)
    elif method == "private_key_jwt":
        client_id = assertion_subject(form)
    else:
        client_id = form.get("client_id", "")
    if not client_id:
        raise invalid_client("Authenticate the client: HTTP Basic, client_secret_post, private_key_jwt, "
                             "or client_id alone for a public client.")
    client = provider.store.client(conn, tenant=tenant, client_id=client_id)
    if client is None:
        raise invalid_client(f"Unknown client {client_id[:80]!r} in this tenant; declare it with "
                             "POST /pro-sante-connect/_admin/clients.", basic=basic is not None)
    registered = client.token_endpoint_auth_method
    if method != registered and not (method in SECRET_METHODS and registered in SECRET_METHODS):
        raise invalid_client(f"Client {client_id!r} is registered for {registered}, not {method}"
                             + (" (a client with a secret sends it with HTTP Basic or client_secret in the body)."
                                if registered in SECRET_METHODS else "."), basic=basic is not None)
    if method in ("client_secret_basic", "client_secret_post"):
        secret = basic[1] if basic is not None else form["client_secret"]
        if not hmac.compare_digest(secret.encode(), (client.client_secret or "").encode()):
            raise invalid_client("Wrong client secret.", basic=basic is not None)
    elif method == "private_key_jwt":
        check_assertion(provider, conn, tenant, client, form, audiences)
    return client


def assertion_subject(form: dict[str, str]) -> str:
    if form.get("client_assertion_type") != ASSERTION_TYPE:
        raise invalid_client(f"client_assertion_type must be {ASSERTION_TYPE}.")
    claims = unverified_claims(form.get("client_assertion", ""))
    subject = claims.get("sub") if isinstance(claims, dict) else None
    if not isinstance(subject, str):
        raise invalid_client("client_assertion is not a JWT with a 'sub' naming the client.")
    return subject


def unverified_claims(token: str) -> dict | None:
    """The payload of a JWT before its signature is checked: only to learn which client it claims to be."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return jsonbody.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):  # jsonbody.JsonError included
        return None


def check_assertion(
    provider: Provider, conn: Connection, tenant: str, client: Client, form: dict[str, str],
    audiences: tuple[str, ...],
) -> None:
    try:
        token = jwt.decode(form["client_assertion"], KeySet.import_key_set(client.jwks or {"keys": []}),
                           algorithms=ASSERTION_ALGS)
    except (JoseError, ValueError) as exc:
        raise invalid_client(f"client_assertion signature does not verify with the client's jwks ({exc}).") from None
    claims = token.claims
    now = time.time()
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise invalid_client("client_assertion: iss and sub must both be the client_id.")
    if not set(auds) & set(audiences):
        raise invalid_client(f"client_assertion: aud must name this provider ({audiences[0]}).")
    exp, iat, jti = claims.get("exp"), claims.get("iat"), claims.get("jti")
    leeway = provider.config.leeway
    if not isinstance(exp, int | float) or exp < now - leeway:
        raise invalid_client("client_assertion is expired (or has no exp).")
    # As Keycloak (PSC) does: with an iat, the assertion is usable for a short window after it, whatever
    # its exp (authlib signs exp = iat + 1 h); without one, exp itself must be near.
    if isinstance(iat, int | float):
        if iat > now + leeway or now > iat + ASSERTION_WINDOW + leeway:
            raise invalid_client(f"client_assertion: iat must be within the last {ASSERTION_WINDOW} s.")
        keep_until = min(exp, iat + ASSERTION_WINDOW + leeway)
    elif exp > now + ASSERTION_WINDOW:
        raise invalid_client(f"client_assertion without iat: exp must be at most {ASSERTION_WINDOW} s ahead.")
    else:
        keep_until = exp
    if not isinstance(jti, str) or not jti:
        raise invalid_client("client_assertion needs a jti.")
    if not provider.store.use_assertion(conn, tenant=tenant, client_id=client.client_id, jti=jti,
                                        expires_at=keep_until):
        raise invalid_client("client_assertion was already used (its jti was seen before).")
