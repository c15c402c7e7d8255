"""Helpers of the Pro Santé Connect tests: a sandbox (gateway + Annuaire + PSC) in-process, and the
steps of the flows (PKCE pairs, a login through ``login_hint``, token requests)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from joserfc.jwk import RSAKey

from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import ServiceSpec

PUBLIC = "http://sandbox.test"
SPECS = [
    ServiceSpec("annuaire-sante", "services.annuaire_sante.app:create_app",
                "services.annuaire_sante.settings:AnnuaireSanteSettings"),
    ServiceSpec("pro-sante-connect", "services.pro_sante_connect.app:create_app",
                "services.pro_sante_connect.settings:ProSanteConnectSettings"),
]
REALM = "/auth/realms/esante-wallet"
PROTOCOL = REALM + "/protocol/openid-connect"
ROBERT = "899700218896"  # persona robert-specialiste (RPPS 99700218896)
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")
PRACTICE_REDIRECT = "http://localhost:3000/callback"
SPA = "sandbox-spa"
SPA_REDIRECT = "http://localhost:5173/callback"
CIBA = "urn:openid:params:grant-type:ciba"


class Psc:
    """A client on one tenant's Pro Santé Connect, with the flows' steps."""

    def __init__(self, http: httpx.AsyncClient, tenant: str) -> None:
        self.http = http
        self.tenant = tenant
        self.root = f"/t/{tenant}/pro-sante-connect"
        self.issuer = PUBLIC + self.root + REALM

    def url(self, path: str) -> str:
        return self.root + path

    async def token(self, data: dict, auth: tuple[str, str] | None = PRACTICE, **kwargs) -> httpx.Response:
        return await self.http.post(self.url(PROTOCOL + "/token"), data=data, auth=auth, **kwargs)

    async def authorize(self, **params) -> httpx.Response:
        return await self.http.get(self.url("/wallet/auth"), params=params)

    async def code(self, *, client_id: str = PRACTICE[0], redirect_uri: str = PRACTICE_REDIRECT,
                   login_hint: str = ROBERT, challenge: str | None = None, nonce: str | None = "n-1",
                   scope: str = "openid scope_all", **extra) -> str:
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
                  "state": "st-1", "login_hint": login_hint, "acr_values": "eidas1", **extra}
        if nonce:
            params["nonce"] = nonce
        if challenge:
            params.update(code_challenge=challenge, code_challenge_method="S256")
        response = await self.authorize(**params)
        assert response.status_code == 302, response.text[:500]
        return query_of(response.headers["location"])["code"]

    async def login(self, **kwargs) -> dict:
        """Tokens of the practice software for Dr Robert (authorization code, no PKCE)."""
        code = await self.code(**kwargs)
        response = await self.token({"grant_type": "authorization_code", "code": code,
                                     "redirect_uri": PRACTICE_REDIRECT})
        assert response.status_code == 200, response.text
        return response.json()

    async def admin(self, method: str, path: str, **kwargs) -> httpx.Response:
        return await self.http.request(method, self.url("/_admin" + path), **kwargs)


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def new_tenant() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


async def sandbox(tmp_path, extra: tuple[ServiceSpec, ...] = ()):  # noqa: ANN201 - an async generator
    gateway = create_app(SandboxSettings(data_dir=tmp_path, public_url=PUBLIC), [*SPECS, *extra])
    async with gateway.router.lifespan_context(gateway):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(gateway), base_url=PUBLIC) as http:
            http.gateway = gateway
            yield http


def provider_of(http: httpx.AsyncClient):  # noqa: ANN201
    """The in-process Pro Santé Connect provider behind a sandbox client (to age codes and tokens)."""
    return http.gateway.state.services["pro-sante-connect"].app.state.provider


async def declare_key_client(psc) -> RSAKey:  # noqa: ANN001
    """A private_key_jwt client ``pkjwt`` (client_credentials) with one new RSA key, returned."""
    key = RSAKey.generate_key(2048, auto_kid=True)
    response = await psc.admin("POST", "/clients", json={
        "client_id": "pkjwt", "token_endpoint_auth_method": "private_key_jwt", "grant_types": ["client_credentials"],
        "jwks": {"keys": [key.as_dict(private=False)]}, "scope": "openid scope_all"})
    assert response.status_code == 201, response.text
    return key
