"""The Pro Santé Connect stand-in: an OpenID Connect provider for health professionals (spec digest §2).

The realm ``/auth/realms/esante-wallet`` (discovery, JWKS, token, userinfo, introspection, revocation,
logout, CIBA) comes from the kernel's provider (:mod:`core.oidc`); this package adds what is PSC's own:
the wallet login page fed by the Annuaire Santé, CPS card / e-CPS logins and their claims, CIBA with a
simulated e-CPS phone, and the demo clients.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import MetaData

from core.app import Census, Counts, Seeder, SeedRequest, create_service_app
from core.db import Database
from core.oidc.clients import CIBA_GRANT
from core.oidc.endpoints import realm_router
from core.oidc.provider import Provider, ProviderConfig
from core.settings import ServiceSettings
from services.pro_sante_connect import pages
from services.pro_sante_connect.banner import banner
from services.pro_sante_connect.ciba import Ciba
from services.pro_sante_connect.clients import DEFAULT_SCOPE, SCOPES, startup_clients
from services.pro_sante_connect.routers import admin, ciba, wallet
from services.pro_sante_connect.settings import ProSanteConnectSettings, psc_settings
from services.pro_sante_connect.tables import psc_tables

REALM = "/auth/realms/esante-wallet"
DISCOVERY = ("/.well-known/openid-configuration", "/.well-known/wallet-openid-configuration")
# Copied from the userinfo into access tokens; real ones also carry authMode and otherIds (issue 10).
ACCESS_CLAIMS = ("SubjectNameID", "preferred_username", "given_name", "family_name", "SubjectRole",
                 "SubjectRefPro", "SubjectOrganization", "SubjectOrganizationID", "authMode", "otherIds")
ID_CLAIMS = ("SubjectNameID", "preferred_username", "given_name", "family_name", "email_verified")
CLAIMS = ("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "idp", "sid", "session_state",
          "at_hash", "azp", *ACCESS_CLAIMS, "email_verified", "codeCivilite", "Secteur_Activite", "codeGenreActivite",
          "Palier_Authentification", "PSI_Locale", "Mode_Acces_Raison", "Acces_Regulation_Medicale", "UITVersion")


def provider_config(settings: ProSanteConnectSettings) -> ProviderConfig:
    return ProviderConfig(
        realm_path=REALM, authorization_path="/wallet/auth", scopes=SCOPES, default_scope=DEFAULT_SCOPE,
        access_ttl=settings.access_token_ttl, refresh_ttl=settings.refresh_token_ttl, code_ttl=settings.code_ttl,
        audiences=tuple(settings.access_token_audience), acr="eidas1", idp="PSC", access_claims=ACCESS_CLAIMS,
        id_claims=ID_CLAIMS, claims_supported=CLAIMS,
        extra_metadata={
            "backchannel_authentication_endpoint": "/ext/ciba/auth",
            "backchannel_token_delivery_modes_supported": ["poll"],
            "backchannel_user_code_parameter_supported": False,
        },
    )


def make_seeder(provider: Provider, settings: ProSanteConnectSettings) -> Seeder:
    clients = startup_clients(settings.clients_file)  # read and checked now: a bad file stops the start

    def seed(request: SeedRequest) -> Counts:
        """Register the demo clients (written again each time: the file may have changed); answer how many
        of them the tenant did not hold yet."""
        with provider.db.write() as conn:
            present = {c.client_id for c in provider.store.clients(conn, tenant=request.tenant)}
            for client in clients:
                provider.store.put_client(conn, tenant=request.tenant, client=client, now=0.0, replace=True)
        return {"clients": sum(client.client_id not in present for client in clients)}

    return seed


def make_census(provider: Provider) -> Census:
    def census(tenant: str) -> Counts:
        """How many OIDC clients the tenant holds now (demo ones and those a team registered)."""
        with provider.db.read() as conn:
            return {"clients": len(provider.store.clients(conn, tenant=tenant))}

    return census


def create_app(settings: ServiceSettings) -> FastAPI:
    settings = psc_settings(settings)
    metadata = MetaData()
    db = Database(settings.resolved_database_url, prefix=settings.package, metadata=metadata)
    provider = Provider(settings, db, metadata, provider_config(settings))
    provider.message_page = lambda title, message, status: pages.render(
        "message.html", status=status, title=title, message=message)
    flow = Ciba(provider, psc_tables(metadata), interval=settings.ciba_interval,
                default_auto=settings.ciba_auto_approve_after)
    provider.extra_grants[CIBA_GRANT] = flow.poll
    app = create_service_app(settings, db, title="Pro Santé Connect (sandbox)", seed=make_seeder(provider, settings),
                             census=make_census(provider), banner=banner(settings, REALM),
                             description="OpenID Connect provider for health professionals: CPS card and e-CPS "
                             "logins, CIBA, userinfo built from the Annuaire Santé.")
    app.state.provider = provider
    app.state.ciba = flow
    app.include_router(realm_router(provider, DISCOVERY))
    app.include_router(ciba.backchannel_router(REALM))
    app.include_router(wallet.router)
    app.include_router(ciba.ecps)
    app.include_router(admin.router)
    return app
