"""FastAPI dependencies that turn a bearer token into a typed principal (DESIGN.md "Auth", style 3).

In a service's ``deps.py`` nothing is needed: import the aliases and use them as route parameters::

    from core.oidc.deps import PractitionerUser

    @router.get("/fhir/DocumentReference")
    async def search(user: PractitionerUser) -> Response:
        ...  # user.rpps, user.profession, user.organisations: a verified professional

The token is checked by ``request.app.state.psc_verifier``, a :class:`~core.oidc.verifier.TokenVerifier`
over ``app.state.peers`` created with the defaults on first use; a service that needs other audiences
sets its own in ``create_app``: ``app.state.psc_verifier = TokenVerifier(app.state.peers, audiences=...)``.
A service with another issuer (the Mon espace santé citizen login) builds its aliases with
:func:`principal_dependency` and its own state attribute; with several, the token's ``iss`` (read before
verification, only to choose) picks the verifier, and the first one judges a token no verifier issues::

    caller = principal_dependency(Practitioner, Patient, verifier=("psc_verifier", "citizen_verifier"))
    Caller = Annotated[Practitioner | Patient, Depends(caller)]

The dependency is async (the first call of a tenant fetches the issuer's JWKS through the peer client);
the route itself may be sync. Routes using it show a Bearer security scheme in OpenAPI. Errors are
``AUTH-0001``... (see :mod:`core.codes`), with an RFC 6750 ``WWW-Authenticate`` challenge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core.oidc.client_auth import unverified_claims
from core.oidc.principals import Practitioner, Principal, System
from core.oidc.verifier import TokenVerifier
from core.tenancy import request_tenant

PSC_VERIFIER = "psc_verifier"

# Only for OpenAPI (the lock in /docs): the header is read and judged by the verifier itself, so a
# missing or non-Bearer header gets the sandbox's AUTH-0001 rather than FastAPI's own 403.
bearer_scheme = HTTPBearer(auto_error=False, bearerFormat="JWT",
                           description="An access token from Pro Santé Connect (or the citizen login).")
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


def verifier_of(request: Request, attribute: str = PSC_VERIFIER) -> TokenVerifier:
    """The app's verifier under ``attribute``; the default Pro Santé Connect one is made on first use."""
    verifier = getattr(request.app.state, attribute, None)
    if verifier is None:
        if attribute != PSC_VERIFIER:
            raise RuntimeError(f"app.state.{attribute} is not set: create the TokenVerifier in create_app")
        verifier = TokenVerifier(request.app.state.peers)
        setattr(request.app.state, attribute, verifier)
    return verifier


def chosen_verifier(request: Request, attributes: tuple[str, ...], tenant: str) -> TokenVerifier:
    """The verifier of ``attributes`` whose issuer the bearer token names, else the first one."""
    verifiers = [verifier_of(request, attribute) for attribute in attributes]
    if len(verifiers) > 1:
        _, _, token = (request.headers.get("authorization") or "").strip().partition(" ")
        claims = unverified_claims(token.strip())
        issuer = claims.get("iss") if isinstance(claims, dict) else None
        for verifier in verifiers:
            if issuer == verifier.issuer(tenant):
                return verifier
    return verifiers[0]


def principal_dependency(
    *kinds: type, verifier: str | tuple[str, ...] = PSC_VERIFIER,
) -> Callable[[Request, HTTPAuthorizationCredentials | None], Awaitable[Principal]]:
    """A dependency yielding the caller's principal, refused (403 ``AUTH-0008``) unless one of ``kinds``."""
    attributes = (verifier,) if isinstance(verifier, str) else verifier

    async def dependency(request: Request, _credentials: BearerCredentials) -> Principal:
        tenant = request_tenant(request)
        return await chosen_verifier(request, attributes, tenant).authenticate(
            request.headers.get("authorization"), tenant, kinds,
        )

    return dependency


AnyUser = Annotated[Principal, Depends(principal_dependency())]
PractitionerUser = Annotated[Practitioner, Depends(principal_dependency(Practitioner))]
SystemUser = Annotated[System, Depends(principal_dependency(System))]
PractitionerOrSystem = Annotated[Practitioner | System, Depends(principal_dependency(Practitioner, System))]
