"""The patient's own page, ``GET /ms-espace-sante/espace``: what a teacher shows a class (patient_page.py).

A server-rendered page, logged in through the citizen login as any web app would be: the page is the
first-party client ``mes-web`` (authorization code + PKCE, its redirect URI ``.../espace/callback``); the
access token lives in an HttpOnly, SameSite=Lax cookie scoped to the page's path. Every control is a form
posted to ``/espace/action`` (with a token derived from the session, against cross-site forgery) that the
page turns into the same FHIR call a patient app would make, through the peer client with the patient's
token: the same rules apply, the same traces are written, and the gateway records the exchange.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from core.errors import SandboxError
from core.oidc.deps import verifier_of
from core.oidc.form import read_form
from core.oidc.principals import Patient
from core.oidc.response_modes import with_query
from core.peers import peer
from core.tenancy import request_tenant
from services.ms_espace_sante import pages, patient_page
from services.ms_espace_sante.citizen.provider import PAGE_CLIENT, REALM, SCOPES
from services.ms_espace_sante.deps import CITIZEN_VERIFIER
from services.ms_espace_sante.settings import SLUG

router = APIRouter(prefix="/espace", tags=["the patient's page"], include_in_schema=True)
SESSION, LOGIN = "mes_session", "mes_login"


def base(request: Request) -> str:
    return request.app.state.settings.base_url(request_tenant(request))


def cookie_path(request: Request) -> str:
    return urlsplit(base(request)).path + "/espace"


def csrf(token: str) -> str:
    """The form token of a session: derived from its access token, which a forging site cannot know."""
    return hashlib.sha256(b"mes-espace-csrf|" + token.encode()).hexdigest()[:32]


async def session(request: Request) -> tuple[str, Patient] | None:
    """The page's access token and its patient, or None (no cookie, expired, forged): log in again."""
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        user = await verifier_of(request, CITIZEN_VERIFIER).authenticate(f"Bearer {token}", request_tenant(request),
                                                                          (Patient,))
    except SandboxError:
        return None
    return token, user  # type: ignore[return-value]


def login_redirect(request: Request) -> Response:
    """Off to the citizen login (PKCE), the state and verifier kept in a short-lived cookie."""
    state, verifier = secrets.token_urlsafe(16), secrets.token_urlsafe(48)
    challenge = patient_page.challenge(verifier)
    tenant_base = base(request)
    target = with_query(f"{tenant_base}/citizen/auth", {
        "response_type": "code", "client_id": PAGE_CLIENT, "redirect_uri": f"{tenant_base}/espace/callback",
        "scope": " ".join(s for s in SCOPES if s != "offline_access"), "state": state,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(LOGIN, f"{state}.{verifier}", max_age=900, httponly=True, samesite="lax",
                      path=cookie_path(request))
    return answer


@router.get("")
async def espace(request: Request) -> Response:
    """The logged-in patient's Mon espace santé (or the citizen login first)."""
    found = await session(request)
    if found is None:
        return login_redirect(request)
    token, user = found
    view = await patient_page.view(peer(request, SLUG), token, user)
    return pages.render("espace.html", **view, csrf=csrf(token), action_url=base(request) + "/espace/action",
                        logout_url=base(request) + "/espace/logout", notice=request.query_params.get("ok"),
                        error=request.query_params.get("error"))


@router.get("/callback")
async def callback(request: Request) -> Response:
    """The citizen login's answer: the code exchanged for the page's tokens (server side, with the verifier)."""
    state, _, verifier = (request.cookies.get(LOGIN) or "").partition(".")
    params = request.query_params
    if not state or not hmac.compare_digest(state, params.get("state", "")) or not params.get("code"):
        return pages.message("Connexion interrompue", params.get("error_description") or "La réponse de connexion ne "
                             "correspond à aucune demande de cette page : recommencez.", 400,
                             error_code=params.get("error") or "state_mismatch")
    tenant_base = base(request)
    answer = await peer(request, SLUG).post(REALM + "/protocol/openid-connect/token", data={
        "grant_type": "authorization_code", "client_id": PAGE_CLIENT, "code": params["code"],
        "redirect_uri": f"{tenant_base}/espace/callback", "code_verifier": verifier})
    token = answer.json().get("access_token") if answer.status_code == 200 else None
    if not isinstance(token, str):
        return pages.message("Connexion refusée", "Le jeton n'a pas pu être obtenu : recommencez.", 502,
                             detail=answer.text[:300])
    done = RedirectResponse(f"{tenant_base}/espace", status_code=303)
    done.set_cookie(SESSION, token, httponly=True, samesite="lax", path=cookie_path(request))
    done.delete_cookie(LOGIN, path=cookie_path(request))
    return done


@router.post("/action")
async def action(request: Request) -> Response:
    """One control of the page, as the FHIR call a patient app makes; back to the page with its outcome."""
    found = await session(request)
    if found is None:
        return login_redirect(request)
    token, user = found
    form = await read_form(request)
    if not hmac.compare_digest(form.get("csrf", ""), csrf(token)):
        return pages.message("Formulaire refusé", "Ce formulaire ne vient pas de votre page : rechargez-la.", 403,
                             error_code="csrf")
    ok, message = await patient_page.act(peer(request, SLUG), token, user, form)
    return RedirectResponse(f"{base(request)}/espace?{urlencode({'ok' if ok else 'error': message})}",
                            status_code=303)


@router.post("/logout")
async def logout(request: Request) -> Response:
    done = pages.message("Déconnecté", "Vous êtes déconnecté de Mon espace santé.", 200)
    done.delete_cookie(SESSION, path=cookie_path(request))
    return done
