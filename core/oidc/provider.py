"""One OpenID provider realm: its configuration, issuer URLs per tenant, and discovery document.

A service builds a :class:`Provider` from its settings and hands it to the endpoint routers. The
discovery document advertises only what is implemented here, so a relying party configured from it
never tries a grant, method or algorithm this provider does not handle.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TypeVar

from sqlalchemy import Connection, MetaData
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from core.db import Database
from core.oidc.clients import AUTH_METHODS, GRANT_TYPES
from core.oidc.keys import ALG, KeyRing
from core.oidc.response_modes import RESPONSE_MODES
from core.oidc.store import OidcStore
from core.oidc.tables import oidc_tables
from core.settings import ServiceSettings

PROTOCOL = "/protocol/openid-connect"
SWEEP_SECONDS = 60.0
T = TypeVar("T")


@dataclass(frozen=True)
class ProviderConfig:
    realm_path: str  # under the service base, e.g. "/auth/realms/esante-wallet"
    authorization_path: str  # under the service base, e.g. "/wallet/auth"
    scopes: tuple[str, ...]
    default_scope: tuple[str, ...] = ("openid",)
    access_ttl: int = 120
    refresh_ttl: int = 350
    code_ttl: int = 60
    pending_ttl: int = 900  # how long a user may take on the login page
    audiences: tuple[str, ...] = ()  # the ``aud`` of access tokens; empty: no ``aud`` claim
    acr: str = "eidas1"
    idp: str = ""  # the ``idp`` claim of ID tokens (Pro Santé Connect: "PSC")
    leeway: int = 30
    access_claims: tuple[str, ...] = ()  # userinfo claims copied into access tokens
    id_claims: tuple[str, ...] = ()  # userinfo claims copied into ID tokens
    claims_supported: tuple[str, ...] = ()
    grant_types: tuple[str, ...] = GRANT_TYPES
    extra_metadata: dict = field(default_factory=dict)  # endpoint paths (relative to the realm) or values

    @property
    def retention(self) -> float:
        """How long a retired signing key stays published: until the last token it signed expires."""
        return max(self.access_ttl, self.refresh_ttl) + self.leeway


# A page shown to a person (logout done, an error that must not redirect): (title, message, status).
MessagePage = Callable[[str, str, int], Response]


def plain_message(title: str, message: str, status: int) -> Response:
    page = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1><p>{escape(message)}</p>"
    return HTMLResponse(page, status_code=status)


# An extra grant (CIBA): (provider, conn, tenant, client, form) -> token response, registered by the service.
ExtraGrant = Callable[..., dict]


class Provider:
    def __init__(self, settings: ServiceSettings, db: Database, metadata: MetaData, config: ProviderConfig) -> None:
        self.settings = settings
        self.db = db
        self.config = config
        self.store = OidcStore(oidc_tables(metadata, settings.package))
        self.keys = KeyRing(db, self.store, retention=config.retention)
        self.extra_grants: dict[str, ExtraGrant] = {}
        self.message_page: MessagePage = plain_message
        self._swept: dict[str, float] = {}

    async def in_write(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` in one write transaction, in a worker thread: a write may wait for the database
        lock, which must not stall the event loop (and parallel requests then really run in parallel)."""

        def run() -> T:
            with self.db.write() as conn:
                return fn(conn)

        return await run_in_threadpool(run)

    def maybe_sweep(self, conn: Connection, tenant: str) -> None:
        """Now and then (once a minute per tenant), delete the tenant's expired codes, tokens and sessions."""
        now = time.time()
        if now - self._swept.get(tenant, 0.0) >= SWEEP_SECONDS:
            self._swept[tenant] = now
            self.store.sweep(conn, tenant=tenant, before=now - self.config.access_ttl - self.config.leeway)

    def issuer(self, tenant: str) -> str:
        return self.settings.base_url(tenant) + self.config.realm_path

    def endpoint(self, tenant: str, path: str) -> str:
        """An absolute URL under the realm's protocol path (``/token``, ``/certs`` ...)."""
        return self.issuer(tenant) + PROTOCOL + path

    def authorization_endpoint(self, tenant: str) -> str:
        return self.settings.base_url(tenant) + self.config.authorization_path

    def discovery(self, tenant: str) -> dict:
        cfg = self.config
        doc = {
            "issuer": self.issuer(tenant),
            "authorization_endpoint": self.authorization_endpoint(tenant),
            "token_endpoint": self.endpoint(tenant, "/token"),
            "introspection_endpoint": self.endpoint(tenant, "/token/introspect"),
            "userinfo_endpoint": self.endpoint(tenant, "/userinfo"),
            "end_session_endpoint": self.endpoint(tenant, "/logout"),
            "revocation_endpoint": self.endpoint(tenant, "/revoke"),
            "jwks_uri": self.endpoint(tenant, "/certs"),
            "grant_types_supported": list(cfg.grant_types),
            "response_types_supported": ["code"],
            "response_modes_supported": list(RESPONSE_MODES),
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": [ALG],
            "userinfo_signing_alg_values_supported": [ALG],
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "PS256"],
            "introspection_endpoint_auth_methods_supported": [m for m in AUTH_METHODS if m != "none"],
            "revocation_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(cfg.scopes),
            "claims_supported": list(cfg.claims_supported),
            "acr_values_supported": [cfg.acr],
            "claims_parameter_supported": False,
            "request_parameter_supported": False,
            "request_uri_parameter_supported": False,
            "require_pushed_authorization_requests": False,
            "authorization_response_iss_parameter_supported": True,
            "frontchannel_logout_supported": False,
            "backchannel_logout_supported": False,
        }
        for key, value in cfg.extra_metadata.items():
            doc[key] = self.endpoint(tenant, value) if isinstance(value, str) and value.startswith("/") else value
        return doc
