"""The "wallet" authorization endpoint (spec digest §2.2, §2.3): where a professional logs in.

``GET /wallet/auth`` checks the OIDC request, keeps it as a pending request and shows the login page:
the directory's professionals (search by name or RPPS), each with a "Carte CPS" and an "e-CPS" button.
``login_hint`` (idNat_PS or RPPS) skips the page, for scripts; the sandbox-only ``sandbox_login_method``
(CARD or MOBILE, default MOBILE) then says which way the professional authenticated.
"""

from __future__ import annotations

import secrets
import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.oidc.authorize import (
    AuthorizationRequest,
    AuthorizationResponse,
    NoRedirect,
    Redirected,
    check_request,
    issue_code,
)
from core.oidc.form import read_form
from core.oidc.provider import Provider
from services.pro_sante_connect import pages
from services.pro_sante_connect.deps import Annuaire, OidcProvider, Settings, Tenant
from services.pro_sante_connect.directory import DirectoryUnavailable, find_professional, search_professionals
from services.pro_sante_connect.login import login_of, refusal

router = APIRouter(prefix="/wallet", tags=["pro-sante-connect wallet"])


def directory_down(exc: DirectoryUnavailable) -> Response:
    return pages.render("message.html", status=503, title="Annuaire Santé indisponible",
                        message="Pro Santé Connect ne peut pas lire l'Annuaire Santé pour le moment.",
                        detail=str(exc), error_code=f"directory_{exc.reason}")


def login_page(request: Request, provider: Provider, tenant: str, request_id: str, client_name: str,
               professionals: list, query: str = "", error: str | None = None, status: int = 200) -> Response:
    base = provider.authorization_endpoint(tenant)
    return pages.render("login.html", status=status, client_name=client_name, request_id=request_id, query=query,
                        professionals=professionals, login_url=base + "/login", search_url=base, error=error)


async def finish(provider: Provider, tenant: str, auth: AuthorizationRequest, login) -> Response:  # noqa: ANN001
    answer = await provider.in_write(lambda conn: issue_code(provider, conn, tenant, auth, login))
    return answer.to_response(302)


@router.get("/auth")
async def authorize(request: Request, tenant: Tenant, provider: OidcProvider, annuaire: Annuaire,
                    settings: Settings) -> Response:
    """Authorization endpoint: the login page (or, with login_hint, straight back with a code)."""
    params = dict(request.query_params)
    if "request_id" in params:  # the page's own search form
        return await search(request, tenant, provider, annuaire, settings, params)
    with provider.db.read() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=params.get("client_id", ""))
    try:
        auth = check_request(provider, client, params, tenant)
    except NoRedirect as exc:
        return pages.render("message.html", status=400, title="Requête d'authentification refusée",
                            message=exc.description, error_code=exc.error)
    except Redirected as exc:
        return exc.response.to_response(302)
    try:
        if auth.login_hint:
            pro = await find_professional(annuaire, settings.annuaire_api_key, auth.login_hint)
            method = params.get("sandbox_login_method", "MOBILE").upper()
            reason = refusal(pro, method)
            if reason is None:
                return await finish(provider, tenant, auth, login_of(pro, method))
        professionals = await search_professionals(annuaire, settings.annuaire_api_key, "")
    except DirectoryUnavailable as exc:
        return directory_down(exc)
    request_id = secrets.token_urlsafe(24)
    await provider.in_write(lambda conn: provider.store.add_pending(
        conn, tenant=tenant, request_id=request_id, client_id=auth.client_id, params=auth.as_params(),
        expires_at=time.time() + provider.config.pending_ttl))
    error = reason if auth.login_hint else None
    return login_page(request, provider, tenant, request_id, client.display_name, professionals, error=error)


async def search(request: Request, tenant: str, provider: Provider, annuaire, settings, params: dict) -> Response:  # noqa: ANN001
    auth = pending_request(provider, tenant, params.get("request_id", ""))
    if auth is None:
        return expired_page()
    query = params.get("q", "")[:100]
    try:
        professionals = await search_professionals(annuaire, settings.annuaire_api_key, query)
    except DirectoryUnavailable as exc:
        return directory_down(exc)
    with provider.db.read() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=auth.client_id)
    name = client.display_name if client else auth.client_id
    return login_page(request, provider, tenant, params["request_id"], name, professionals, query=query)


def pending_request(provider: Provider, tenant: str, request_id: str) -> AuthorizationRequest | None:
    with provider.db.read() as conn:
        params = provider.store.pending(conn, tenant=tenant, request_id=request_id, now=time.time())
    return AuthorizationRequest(**params) if params else None


def expired_page() -> Response:
    return pages.render("message.html", status=400, title="Demande expirée",
                        message="Cette demande de connexion a expiré ou a déjà servi : "
                        "recommencez depuis votre logiciel.", error_code="request_expired")


@router.post("/auth/login")
async def login(request: Request, tenant: Tenant, provider: OidcProvider, annuaire: Annuaire,
                settings: Settings) -> Response:
    """The login page's buttons: log in as this professional, with the CPS card or the e-CPS."""
    form = await read_form(request)
    request_id = form.get("request_id", "")
    auth = pending_request(provider, tenant, request_id)
    if auth is None:
        return expired_page()
    method = form.get("method", "").upper()
    try:
        pro = await find_professional(annuaire, settings.annuaire_api_key, form.get("id_nat_ps", ""))
    except DirectoryUnavailable as exc:
        return directory_down(exc)
    reason = refusal(pro, method)
    if reason is not None:
        try:
            professionals = await search_professionals(annuaire, settings.annuaire_api_key, "")
        except DirectoryUnavailable as exc:
            return directory_down(exc)
        with provider.db.read() as conn:
            client = provider.store.client(conn, tenant=tenant, client_id=auth.client_id)
        return login_page(request, provider, tenant, request_id, client.display_name if client else auth.client_id,
                          professionals, error=reason, status=400)

    def take(conn) -> AuthorizationResponse | None:  # noqa: ANN001
        if not provider.store.take_pending(conn, tenant=tenant, request_id=request_id, now=time.time()):
            return None
        return issue_code(provider, conn, tenant, auth, login_of(pro, method))

    answer = await provider.in_write(take)
    return answer.to_response(303) if answer else expired_page()
