"""The realm's HTTP endpoints: discovery, JWKS, token, userinfo, introspection, revocation, logout.

Routes stay thin: read the form, call :mod:`grants` / :mod:`introspection`, answer JSON with
``Cache-Control: no-store``. Errors are RFC 6749 JSON; userinfo's are RFC 6750 (``WWW-Authenticate``).
Work that writes (a grant, a spent assertion, a revocation) runs in one worker-thread call: a write may
wait for the database lock, which must not stall the event loop, and single use is then enforced by the
database between truly parallel requests.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Request
from joserfc import jwt
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from core.errors import OAuthError
from core.oidc import grants
from core.oidc.authorize import with_query
from core.oidc.client_auth import authenticate
from core.oidc.form import parse_form, read_form, require
from core.oidc.introspection import access_claims_alive, decode_own, introspect, revoke
from core.oidc.keys import ALG
from core.oidc.provider import PROTOCOL, Provider
from core.openapi import form_body, oauth_errors
from core.tenancy import request_tenant

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type="application/json", headers={**NO_STORE, **(headers or {})})


def bearer_error(error: str, description: str, status: int = 401) -> OAuthError:
    challenge = f'Bearer error="{error}", error_description="{description}"'
    return OAuthError(error, description, status=status, headers={"WWW-Authenticate": challenge})


STRING = {"type": "string"}
CLIENT_AUTH = {"client_id": STRING, "client_secret": STRING, "client_assertion": STRING,
               "client_assertion_type": {"enum": ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]}}
TOKEN_FORM = form_body({
    "grant_type": {"enum": ["authorization_code", "refresh_token", "client_credentials",
                            "urn:openid:params:grant-type:ciba"]},
    "code": STRING, "redirect_uri": STRING, "code_verifier": STRING, "refresh_token": STRING, "scope": STRING,
    "auth_req_id": STRING, **CLIENT_AUTH,
}, required=["grant_type"])
TOKEN_HINT_FORM = form_body({"token": STRING, "token_type_hint": {"enum": ["access_token", "refresh_token"]},
                             **CLIENT_AUTH}, required=["token"])
LOGOUT_FORM = form_body({"id_token_hint": STRING, "post_logout_redirect_uri": STRING, "client_id": STRING,
                         "state": STRING})


def realm_router(provider: Provider, discovery_paths: tuple[str, ...]) -> APIRouter:
    router = APIRouter(prefix=provider.config.realm_path, tags=["openid-connect"])

    async def discovery(request: Request) -> Response:
        return json_response(provider.discovery(request_tenant(request)), headers={"Cache-Control": "max-age=60"})

    for path in discovery_paths:
        router.add_api_route(path, discovery, methods=["GET"], summary="OpenID provider metadata.")

    @router.get(PROTOCOL + "/certs")
    async def certs(request: Request) -> Response:
        """The realm's public signing keys (JWKS), retired keys included until their tokens expire."""
        keys = await provider.keys.ready(request_tenant(request))
        return json_response(keys.jwks, headers={"Cache-Control": "max-age=60"})

    @router.post(PROTOCOL + "/token", openapi_extra=TOKEN_FORM, responses=oauth_errors(400, 401))
    async def token(request: Request) -> Response:
        """Token endpoint: authorization_code, refresh_token, client_credentials and CIBA grants."""
        form = await read_form(request)
        tenant, authorization = request_tenant(request), request.headers.get("authorization", "")
        await provider.keys.ready(tenant)  # a tenant's first key is made off the event loop
        if not grants.writes(form):  # a cached read and a signature: cheaper here than a hop to a thread and back
            return json_response(grants.token(provider, tenant, form, authorization))
        return json_response(await run_in_threadpool(grants.token, provider, tenant, form, authorization))

    @router.get(PROTOCOL + "/userinfo", responses=oauth_errors(400, 401, 403))
    @router.post(PROTOCOL + "/userinfo", responses=oauth_errors(400, 401, 403), operation_id="userinfo_post")
    async def userinfo(request: Request) -> Response:
        """The logged-in professional's claims, as JSON or as a signed JWT per the client's setting."""
        tenant = request_tenant(request)
        token = await bearer_token(request)
        await provider.keys.ready(tenant)
        claims = decode_own(provider, tenant, token)
        if claims is None or claims.get("typ") != "Bearer":
            raise bearer_error("invalid_token", "The access token is invalid, expired or from another issuer.")
        sid = claims.get("sid")
        with provider.db.read() as conn:
            session = provider.store.session(conn, tenant=tenant, sid=sid) if isinstance(sid, str) else None
            if session is None or session.revoked or not access_claims_alive(provider, conn, tenant, claims):
                raise bearer_error("invalid_token", "The token was revoked or its session ended, or it was issued "
                                   "to software without a user (client_credentials).")
            client = provider.store.client(conn, tenant=tenant, client_id=claims.get("azp", ""))
        if "openid" not in str(claims.get("scope", "")).split():
            raise bearer_error("insufficient_scope", "The token's scope does not include openid.", status=403)
        info = {"sub": session.login.subject, **session.login.claims}
        if client is not None and client.userinfo_signed_response_alg:
            key = provider.keys.keys(tenant).active
            signed = {**info, "iss": provider.issuer(tenant), "aud": client.client_id, "iat": int(time.time())}
            text = jwt.encode({"alg": ALG, "typ": "JWT", "kid": key.kid}, signed, key)
            return Response(text, media_type="application/jwt", headers=NO_STORE)
        return json_response(info)

    @router.post(PROTOCOL + "/token/introspect", openapi_extra=TOKEN_HINT_FORM, responses=oauth_errors(400, 401))
    async def token_introspect(request: Request) -> Response:
        """RFC 7662 introspection of an access or refresh token (client authentication required)."""
        tenant = request_tenant(request)
        form = await read_form(request)

        def answer() -> dict:
            with provider.db.write() if "client_assertion" in form else provider.db.read() as conn:
                if authenticated(provider, conn, tenant, form, request).public:
                    raise OAuthError("invalid_client", "Public clients cannot introspect tokens.", status=401)
                return introspect(provider, conn, tenant, require(form, "token"))

        return json_response(await run_in_threadpool(answer))

    @router.post(PROTOCOL + "/revoke", openapi_extra=TOKEN_HINT_FORM, responses=oauth_errors(400, 401))
    async def revoke_token(request: Request) -> Response:
        """RFC 7009 revocation: an access token, or a refresh token and its whole session."""
        tenant = request_tenant(request)
        form = await read_form(request)
        await provider.in_write(lambda conn: revoke(provider, conn, tenant, authenticated(
            provider, conn, tenant, form, request), require(form, "token")))
        return Response(status_code=200, headers=NO_STORE)

    @router.get(PROTOCOL + "/logout")
    @router.post(PROTOCOL + "/logout", openapi_extra=LOGOUT_FORM, operation_id="logout_post")
    async def logout(request: Request) -> Response:
        """RP-initiated logout: ends the session named by id_token_hint, then goes to post_logout_redirect_uri."""
        tenant = request_tenant(request)
        params = dict(request.query_params)
        if request.method == "POST":
            params.update(await read_form(request))
        return await run_in_threadpool(end_session, provider, tenant, params)

    return router


def authenticated(provider: Provider, conn, tenant: str, form: dict, request: Request):  # noqa: ANN001, ANN201
    audiences = (provider.endpoint(tenant, "/token"), provider.issuer(tenant), str(request.url).split("?")[0])
    return authenticate(provider, conn, tenant, form, request.headers.get("authorization", ""), audiences=audiences)


async def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return header[7:].strip()
    if request.method == "POST" and request.headers.get("content-type", "").startswith("application/x-www-form"):
        token = parse_form(await request.body()).get("access_token")
        if token:
            return token
    raise bearer_error("invalid_request", "Send the access token as 'Authorization: Bearer <token>'.")


def end_session(provider: Provider, tenant: str, params: dict[str, str]) -> Response:
    hint = params.get("id_token_hint")
    claims = decode_own(provider, tenant, hint, check_exp=False) if hint else None
    if hint and (claims is None or claims.get("typ") != "ID"):
        return provider.message_page("Déconnexion impossible", "id_token_hint is not an ID token of this realm.", 400)
    client_id = claims.get("aud") if claims else params.get("client_id")
    target = params.get("post_logout_redirect_uri")
    with provider.db.write() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=client_id) if isinstance(client_id, str) else None
        if target and (client is None or target not in client.post_logout_redirect_uris):
            return provider.message_page(
                "Déconnexion : redirection refusée",
                "post_logout_redirect_uri must be one of the client's registered post_logout_redirect_uris, "
                "and the client must be known (send id_token_hint or client_id).", 400)
        if claims and isinstance(claims.get("sid"), str):
            provider.store.revoke_session(conn, tenant=tenant, sid=claims["sid"], now=time.time())
    if target:
        return RedirectResponse(with_query(target, {"state": params.get("state")}) if params.get("state") else target,
                                status_code=302)
    return provider.message_page("Vous êtes déconnecté", "La session est terminée.", 200)
