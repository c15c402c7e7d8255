"""Authorization requests (OIDC Core §3.1.2, RFC 7636 PKCE) and the code that ends them.

Until the client and its ``redirect_uri`` are known to be genuine, an error is shown to the user and
never redirected (RFC 6749 §4.1.2.1: no open redirector); after that, errors go back to the client as
``error``/``error_description``/``state``/``iss`` on the redirect URI, by the ``response_mode`` the
request asked for (``query``, ``fragment`` or ``form_post``, see :mod:`core.oidc.response_modes`) when
it is one of those, else by ``query``.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import asdict, dataclass

from sqlalchemy import Connection

from core.oidc.clients import Client
from core.oidc.provider import Provider
from core.oidc.response_modes import RESPONSE_MODES, AuthorizationResponse, with_query
from core.oidc.store import CodeGrant, Login

__all__ = ["AuthorizationRequest", "AuthorizationResponse", "NoRedirect", "Redirected", "check_request",
           "issue_code", "with_query"]

CHALLENGE_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # base64url of a SHA-256, no padding


class NoRedirect(Exception):
    """An authorization error shown on a page: the redirect URI cannot be trusted (yet)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class Redirected(Exception):
    """An authorization error sent back to the client on its redirect URI (``response.to_response()``)."""

    def __init__(self, response: AuthorizationResponse) -> None:
        super().__init__(response.params.get("error", ""))
        self.response = response


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    login_hint: str | None = None
    acr_values: str | None = None
    response_mode: str | None = None  # None: query

    def as_params(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def error_redirect(provider: Provider, tenant: str, redirect_uri: str, state: str | None, error: str,
                   description: str, mode: str = "query") -> Redirected:
    return Redirected(AuthorizationResponse(redirect_uri, {
        "error": error, "error_description": description, "state": state, "iss": provider.issuer(tenant)}, mode))


def check_request(
    provider: Provider, client: Client | None, params: dict[str, str], tenant: str,
) -> AuthorizationRequest:
    """A valid request, or :class:`NoRedirect` / :class:`Redirected` naming what is wrong."""
    client_id = params.get("client_id")
    if not client_id:
        raise NoRedirect("invalid_request", "The request has no client_id.")
    if client is None:
        raise NoRedirect("invalid_client", f"Unknown client {client_id[:80]!r} in this tenant.")
    redirect_uri = params.get("redirect_uri")
    if not redirect_uri:
        raise NoRedirect("invalid_request", "The request has no redirect_uri (it is required here).")
    if redirect_uri not in client.redirect_uris:
        raise NoRedirect("invalid_request", f"redirect_uri {redirect_uri[:200]!r} is not registered for client "
                         f"{client_id!r}; it must equal one of its redirect_uris exactly.")
    state = params.get("state")
    requested_mode = params.get("response_mode")
    mode = requested_mode if requested_mode in RESPONSE_MODES else "query"

    def fail(error: str, description: str) -> Redirected:
        return error_redirect(provider, tenant, redirect_uri, state, error, description, mode)

    if requested_mode is not None and requested_mode not in RESPONSE_MODES:
        raise fail("invalid_request", f"response_mode {requested_mode[:40]!r} is not supported; use one of "
                   f"{', '.join(RESPONSE_MODES)}.")
    if "authorization_code" not in client.grant_types:
        raise fail("unauthorized_client", "This client is not allowed the authorization_code grant.")
    if params.get("response_type") != "code":
        raise fail("unsupported_response_type", "Only response_type=code is supported.")
    if "request" in params or "request_uri" in params:
        raise fail("request_not_supported", "Request objects are not supported; send plain parameters.")
    scopes = params.get("scope", "").split()
    if "openid" not in scopes:
        raise fail("invalid_scope", "The scope must include openid.")
    if extra := [s for s in scopes if s not in client.scope]:
        raise fail("invalid_scope", f"Scope(s) not allowed for this client: {' '.join(extra)}.")
    if params.get("prompt") == "none":
        raise fail("login_required", "There is no single sign-on session: the professional must log in.")
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method", "plain" if challenge else None)
    if challenge is None and client.public:
        raise fail("invalid_request", "A public client must use PKCE: send code_challenge and "
                   "code_challenge_method=S256.")
    if challenge is not None and (method != "S256" or not CHALLENGE_RE.fullmatch(challenge)):
        raise fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier with "
                   "code_challenge_method=S256.")
    return AuthorizationRequest(client_id=client_id, redirect_uri=redirect_uri, scope=" ".join(dict.fromkeys(scopes)),
                                state=state, nonce=params.get("nonce"), code_challenge=challenge,
                                login_hint=params.get("login_hint"), acr_values=params.get("acr_values"),
                                response_mode=requested_mode)


def issue_code(provider: Provider, conn: Connection, tenant: str, request: AuthorizationRequest,
               login: Login) -> AuthorizationResponse:
    """Open a session for ``login`` and return the response carrying its one-time code."""
    now = time.time()
    sid = str(uuid.uuid4())
    code = secrets.token_urlsafe(32)
    provider.store.add_session(conn, tenant=tenant, sid=sid, client_id=request.client_id, login=login, now=now)
    provider.store.add_code(conn, tenant=tenant, code=code, grant=CodeGrant(
        client_id=request.client_id, sid=sid, redirect_uri=request.redirect_uri, code_challenge=request.code_challenge,
        nonce=request.nonce, scope=request.scope, expires_at=now + provider.config.code_ttl))
    params = {"code": code, "state": request.state, "session_state": sid, "iss": provider.issuer(tenant)}
    return AuthorizationResponse(request.redirect_uri, params, request.response_mode or "query")
