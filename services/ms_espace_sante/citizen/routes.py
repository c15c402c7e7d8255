"""The citizen login's HTTP routes, under ``/citizen``: the realm, the persona picker, client administration.

- the realm (core/oidc/endpoints.py): ``/citizen/.well-known/openid-configuration``, ``/citizen/protocol/
  openid-connect/{certs,token,userinfo,token/introspect,revoke,logout}``;
- ``GET /citizen/auth``: checks the OIDC request, keeps it pending and shows the patients of the tenant
  (the personas whose record exists here); ``login_hint=<INS>`` skips the page, for scripts;
- ``POST /citizen/auth/login``: the page's buttons (``request_id``, ``ins``);
- the consent screen: a catalogue app (any client but Mon espace santé's own, consents.FIRST_PARTY_APPS)
  asking scopes the patient has not authorised it for shows it after the patient is known;
  ``POST /citizen/auth/consent`` (``decision=approve|deny``) stores the app's Consent
  (consent_records.authorise_app) and answers the code, or ``access_denied``;
- ``/citizen/_admin/clients``: the same client administration (and body) as Pro Santé Connect's.

A patient logs in only when their record (the DMP Patient carrying the INS) exists in the tenant and is
open (``active``); the page says why otherwise.
"""

from __future__ import annotations

import json
import re
import secrets
import time

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.oidc.admin import ClientAdmin, client_admin_router
from core.oidc.authorize import (
    AuthorizationRequest,
    NoRedirect,
    Redirected,
    check_request,
    error_redirect,
    issue_code,
)
from core.oidc.endpoints import realm_router
from core.oidc.form import read_form
from core.oidc.principals import principal_from_claims
from core.oidc.provider import Provider
from core.population.personas import personas
from core.tenancy import request_tenant
from services.ms_espace_sante import consent_records, pages
from services.ms_espace_sante.citizen.provider import AUTHORIZATION_PATH, DISCOVERY, READ, WRITE, login_of, parse
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import FIRST_PARTY_APPS
from services.ms_espace_sante.records import consents_of
from services.ms_espace_sante.seed import dmp_patient
from services.ms_espace_sante.store import DmpStore

INS = re.compile(r"[0-9AB]{15}")  # 13-character matricule (Corsica: 2A / 2B) and its 2-digit key
RECORD_SCOPES = frozenset({READ, WRITE})
SCOPE_LABELS = {READ: "consulter vos documents et l'historique des accès à votre espace santé",
                WRITE: "ajouter des documents à votre espace santé et modifier leur visibilité",
                "openid": "connaître votre identité (nom, prénom, INS)"}


def _provider(request: Request) -> Provider:
    return request.app.state.citizen


def router_for(provider: Provider) -> APIRouter:
    """Every citizen route: the realm, the login page and the client administration."""
    router = APIRouter(tags=["citizen login"])
    router.include_router(realm_router(provider, DISCOVERY))
    router.include_router(login)
    router.include_router(client_admin_router(ClientAdmin(
        provider_of=_provider, parse=parse, unknown_code=MesCode.UNKNOWN_CLIENT,
        exists_code=MesCode.CLIENT_EXISTS), prefix="/citizen/_admin"))
    return router


login = APIRouter(prefix=AUTHORIZATION_PATH)


def record_of(request: Request, ins: str) -> tuple[dict | None, str | None]:
    """The open record of ``ins`` in the tenant, or None and why not (in French, for the page)."""
    store: DmpStore = request.app.state.dmp
    if not INS.fullmatch(ins):
        return None, "Un matricule INS compte 15 caractères (13 chiffres, 2A ou 2B pour la Corse, puis la clé)."
    with store.db.read() as conn:
        found = store.patient_by_ins(conn, store.context(request), ins)
    if found is None:
        return None, f"Aucun espace santé n'est ouvert pour l'INS {ins} dans ce tenant."
    record = json.loads(found.body)
    if record.get("active") is False:
        return None, f"L'espace santé de l'INS {ins} est fermé."
    return record, None


def choices(request: Request) -> list[pages.PatientChoice]:
    """The personas whose record exists in the tenant, as the page lists them."""
    store: DmpStore = request.app.state.dmp
    ctx = store.context(request)
    found = []
    with store.db.read() as conn:
        for persona in personas().patients:
            record = dmp_patient(persona)
            if record is None or store.patient_by_ins(conn, ctx, persona.ins.value) is None:
                continue
            name = f"{' '.join(persona.first_names)} {persona.used_name or persona.birth_name}"
            found.append(pages.PatientChoice(ins=persona.ins.value, display_name=name,
                                             birth_date=persona.birth_date, note=persona.note))
    return found


def login_page(request: Request, provider: Provider, request_id: str, client_name: str, *,
               error: str | None = None, status: int = 200) -> Response:
    url = provider.authorization_endpoint(request_tenant(request)) + "/login"
    return pages.render("login.html", status=status, client_name=client_name, request_id=request_id,
                        patients=choices(request), login_url=url, error=error)


def expired() -> Response:
    return pages.message("Demande expirée", "Cette demande de connexion a expiré ou a déjà servi : recommencez "
                         "depuis votre application.", 400, error_code="request_expired")


@login.get("")
async def authorize(request: Request) -> Response:
    """Authorization endpoint: the patient picker (or, with login_hint=<INS>, straight back with a code)."""
    provider, tenant = _provider(request), request_tenant(request)
    params = dict(request.query_params)
    with provider.db.read() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=params.get("client_id", ""))
    try:
        auth = check_request(provider, client, params, tenant)
    except NoRedirect as exc:
        return pages.message("Requête d'authentification refusée", exc.description, 400, error_code=exc.error)
    except Redirected as exc:
        return exc.response.to_response(302)
    error, record = None, None
    if auth.login_hint:
        record, error = record_of(request, auth.login_hint.strip())
        if record is not None and not needs_consent(auth, record):
            answer = await provider.in_write(lambda conn: issue_code(provider, conn, tenant, auth, login_of(record)))
            return answer.to_response(302)
    request_id = secrets.token_urlsafe(24)
    await provider.in_write(lambda conn: provider.store.add_pending(
        conn, tenant=tenant, request_id=request_id, client_id=auth.client_id, params=auth.as_params(),
        expires_at=time.time() + provider.config.pending_ttl))
    if record is not None:  # a catalogue app the patient has not authorised for these scopes yet
        return consent_page(request, provider, request_id, client.display_name, auth, record)
    return login_page(request, provider, request_id, client.display_name, error=error)


def asked_scopes(auth: AuthorizationRequest) -> frozenset[str]:
    """The record's scopes an authorization request asks (what the consent screen shows)."""
    return frozenset(auth.scope.split()) & RECORD_SCOPES


def needs_consent(auth: AuthorizationRequest, record: dict) -> bool:
    """A catalogue app asking scopes the patient has not authorised it for (Mon espace santé's own app never)."""
    if auth.client_id in FIRST_PARTY_APPS:
        return False
    granted = consents_of(record).app(auth.client_id)
    return granted is None or not asked_scopes(auth) <= granted.scopes


def consent_page(request: Request, provider: Provider, request_id: str, client_name: str,
                 auth: AuthorizationRequest, record: dict) -> Response:
    login = login_of(record)
    name = f"{login.claims.get('given_name', '')} {login.claims.get('family_name', '')}".strip()
    url = provider.authorization_endpoint(request_tenant(request)) + "/consent"
    return pages.render("consent.html", client_name=client_name, patient_name=name, request_id=request_id,
                        ins=login.claims["ins"], consent_url=url,
                        scopes=[SCOPE_LABELS[s] for s in sorted(asked_scopes(auth))] or [SCOPE_LABELS["openid"]])


def pending(provider: Provider, tenant: str, request_id: str) -> AuthorizationRequest | None:
    """The pending authorization request a page's form names, or None (expired, spent, forged)."""
    with provider.db.read() as conn:
        params = provider.store.pending(conn, tenant=tenant, request_id=request_id, now=time.time())
    return AuthorizationRequest(**params) if params else None


async def spend(provider: Provider, tenant: str, request_id: str, then) -> Response:  # noqa: ANN001
    """Take the pending request once (a parallel click finds it spent: the expired page) and answer, with a 303,
    the authorization response ``then(conn)`` gives in the same write transaction."""
    def take(conn):  # noqa: ANN001, ANN202
        if not provider.store.take_pending(conn, tenant=tenant, request_id=request_id, now=time.time()):
            return None
        return then(conn)

    answer = await provider.in_write(take)
    return answer.to_response(303) if answer else expired()


@login.post("/consent")
async def consent(request: Request) -> Response:
    """The consent screen's buttons: authorise the app (its Consent stored, then the code) or refuse it."""
    provider, tenant = _provider(request), request_tenant(request)
    store: DmpStore = request.app.state.dmp
    form = await read_form(request)
    request_id = form.get("request_id", "")
    auth = pending(provider, tenant, request_id)
    if auth is None:
        return expired()
    record, error = record_of(request, form.get("ins", "").strip())
    if record is None:
        return pages.message("Connexion impossible", error or "", 400)
    ctx = store.context(request)
    login_ = login_of(record)
    approve = form.get("decision") == "approve"

    def decided(conn):  # noqa: ANN001, ANN202
        if not approve:
            return error_redirect(provider, tenant, auth.redirect_uri, auth.state, "access_denied",
                                  "The patient refused to authorise the app.", auth.response_mode or "query").response
        patient = principal_from_claims({**login_.claims, "azp": auth.client_id, "scope": auth.scope}, tenant)
        consent_records.authorise_app(store, conn, ctx, patient, auth.client_id, asked_scopes(auth))
        return issue_code(provider, conn, tenant, auth, login_)

    return await spend(provider, tenant, request_id, decided)


@login.post("/login")
async def log_in(request: Request) -> Response:
    """The page's buttons: log in as this patient."""
    provider, tenant = _provider(request), request_tenant(request)
    form = await read_form(request)
    request_id = form.get("request_id", "")
    auth = pending(provider, tenant, request_id)
    if auth is None:
        return expired()
    record, error = record_of(request, form.get("ins", "").strip())
    with provider.db.read() as conn:
        client = provider.store.client(conn, tenant=tenant, client_id=auth.client_id)
    client_name = client.display_name if client else auth.client_id
    if record is None:
        return login_page(request, provider, request_id, client_name, error=error, status=400)
    if needs_consent(auth, record):
        return consent_page(request, provider, request_id, client_name, auth, record)

    return await spend(provider, tenant, request_id,
                       lambda conn: issue_code(provider, conn, tenant, auth, login_of(record)))
