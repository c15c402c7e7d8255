"""TokenVerifier: signature against the tenant issuer's JWKS, iss/aud/exp/nbf/alg checks, typed principals."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
from fastapi import FastAPI

from core.app import install_error_handlers
from core.codes import Code
from core.errors import SandboxError
from core.oidc.deps import AnyUser, PractitionerOrSystem, PractitionerUser, SystemUser
from core.oidc.principals import Organisation, Practitioner, System
from core.oidc.verifier import TokenVerifier
from core.peers import Peers
from core.settings import SandboxSettings
from tests.core.oidc.fake_issuer import (
    PUBLIC,
    TENANT,
    Clock,
    FakeIssuer,
    issuer_of,
    practitioner_claims,
    system_claims,
)
from tests.outcomes import assert_outcome


async def refused(verifier: TokenVerifier, token: str, tenant: str = TENANT) -> SandboxError:
    with pytest.raises(SandboxError) as caught:
        await verifier.authenticate(f"Bearer {token}", tenant)
    return caught.value


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict, claims: dict) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


async def test_a_practitioner_token_yields_a_typed_practitioner(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    user = await verifier.authenticate(f"Bearer {issuer.sign(**practitioner_claims())}", TENANT)
    assert isinstance(user, Practitioner)
    assert (user.id_nat_ps, user.rpps, user.given_name, user.family_name) == (
        "810100000001", "10100000001", "CLAIRE", "LEROY")
    assert (user.profession, user.specialty, user.client_id, user.tenant) == ("10", "SM54", "practice-software", TENANT)
    assert user.scopes == {"openid", "scope_all"}
    assert user.organisations == (Organisation(technical_id="R10100000000001", siret="12345678200010",
                                               name="CABINET DR LEROY"),)
    assert user.claims["acr"] == "eidas1"


async def test_a_client_credentials_token_yields_a_system(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    user = await verifier.authenticate(f"bearer {issuer.sign(**system_claims())}", TENANT)
    assert user == System(client_id="lab-robot", scopes=frozenset({"openid"}), tenant=TENANT)


async def test_an_expired_token_is_refused_beyond_the_leeway(verifier: TokenVerifier, issuer: FakeIssuer,
                                                             clock: Clock) -> None:
    token = issuer.sign(**system_claims())
    clock.now += 120 + 29  # expired 29 s ago: within the 30 s leeway
    assert await verifier.verify(token, TENANT)
    clock.now += 2
    error = await refused(verifier, token)
    assert (error.status, error.code, error.issue) == (401, Code.TOKEN_EXPIRED, "expired")
    assert 'error="invalid_token"' in error.headers["WWW-Authenticate"]


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_a_token_not_yet_valid_is_refused(verifier: TokenVerifier, issuer: FakeIssuer, clock: Clock,
                                                claim: str) -> None:
    assert await verifier.verify(issuer.sign(**{claim: int(clock.now) + 30}), TENANT)
    assert (await refused(verifier, issuer.sign(**{claim: int(clock.now) + 31}))).code == Code.TOKEN_EXPIRED


async def test_the_audience_must_be_an_accepted_one(verifier: TokenVerifier, issuer: FakeIssuer,
                                                    peers: Peers, clock: Clock) -> None:
    assert await verifier.verify(issuer.sign(aud="esante-sandbox"), TENANT)  # a single string is fine too
    for aud in (["other-api"], "other-api", [], [7], [{"a": 1}], {"esante-sandbox": 1}):
        assert (await refused(verifier, issuer.sign(aud=aud))).code == Code.WRONG_AUDIENCE
    custom = TokenVerifier(peers, audiences=["dmp-api"], clock=clock)
    assert await custom.verify(issuer.sign(aud=["account", "dmp-api"]), TENANT)


async def test_a_token_without_aud_passes_as_pro_sante_connect_issues_them(verifier: TokenVerifier,
                                                                            issuer: FakeIssuer) -> None:
    claims = await verifier.verify(issuer.sign(aud=None), TENANT)  # None drops the claim
    assert "aud" not in claims and claims["azp"] == "practice-software"


async def test_a_verifier_requiring_an_audience_refuses_a_token_without_aud(issuer: FakeIssuer, peers: Peers,
                                                                            clock: Clock) -> None:
    strict = TokenVerifier(peers, audience_required=True, clock=clock)
    assert (await refused(strict, issuer.sign(aud=None))).code == Code.WRONG_AUDIENCE
    assert await strict.verify(issuer.sign(aud="esante-sandbox"), TENANT)
    explicit_null = issuer.sign(aud=[None])  # present but naming nothing
    assert (await refused(strict, explicit_null)).code == Code.WRONG_AUDIENCE


async def test_a_token_of_another_tenant_is_refused(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    from_default = issuer.sign(kid="default-1", tenant="default", **practitioner_claims())
    assert await verifier.verify(from_default, "default")
    error = await refused(verifier, from_default, TENANT)
    assert (error.status, error.code) == (401, Code.WRONG_ISSUER)
    assert issuer_of(TENANT) in error.diagnostics  # names where to get a token
    # The right iss, signed with the other tenant's key: that tenant's keys are not published here.
    forged = issuer.sign(kid="default-1", tenant="default", iss=issuer_of(TENANT))
    assert (await refused(verifier, forged)).code == Code.BAD_SIGNATURE


async def test_a_tampered_token_is_refused(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    token = issuer.sign(**system_claims())
    header, _, signature = token.split(".")
    claims = {**claims_of(token), "scope": "openid scope_all admin"}
    tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    assert (await refused(verifier, tampered)).code == Code.BAD_SIGNATURE


async def test_a_key_rotation_is_picked_up_at_most_once_per_interval(
    verifier: TokenVerifier, issuer: FakeIssuer, clock: Clock,
) -> None:
    assert await verifier.verify(issuer.sign(), TENANT)
    assert await verifier.verify(issuer.sign(), TENANT)
    assert issuer.fetches == 1  # cached
    issuer.published[TENANT].append("acme-2")
    rotated = issuer.sign(kid="acme-2")
    assert (await refused(verifier, rotated)).code == Code.BAD_SIGNATURE  # just fetched: no refetch yet
    assert issuer.fetches == 1
    clock.now += verifier.refetch_interval
    assert await verifier.verify(issuer.sign(kid="acme-2"), TENANT)
    assert issuer.fetches == 2
    assert (await refused(verifier, issuer.sign(kid="acme-3"))).code == Code.BAD_SIGNATURE  # unknown, not refetched
    assert issuer.fetches == 2
    clock.now += verifier.jwks_ttl
    assert await verifier.verify(issuer.sign(kid="acme-2"), TENANT)
    assert issuer.fetches == 3  # the TTL ran out


async def test_alg_none_is_refused(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    claims = claims_of(issuer.sign(**practitioner_claims()))
    for alg in ("none", "None", "NONE"):
        error = await refused(verifier, unsigned({"alg": alg, "typ": "JWT"}, claims) + ".")
        assert (error.status, error.code) == (401, Code.ALG_NOT_ALLOWED)
    assert issuer.fetches == 0  # refused before any key is looked at


async def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, issuer: FakeIssuer, peers: Peers, clock: Clock,
) -> None:
    public = issuer.keys["acme-1"]
    claims = claims_of(issuer.sign(**practitioner_claims()))
    for secret in (public.as_pem(private=False), json.dumps(public.as_dict(private=False)).encode()):
        signing_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": "acme-1"}, claims)
        forged = f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"
        assert (await refused(verifier, forged)).code == Code.ALG_NOT_ALLOWED
        # Even a verifier that allowed HS256 would not use an RSA key as an HMAC secret.
        lax = TokenVerifier(peers, algorithms=["RS256", "HS256"], clock=clock)
        assert (await refused(lax, forged)).code == Code.BAD_SIGNATURE


@pytest.mark.parametrize("token", [
    "garbage", "a.b", "a.b.c", "a.b.c.d.e", "e30.bm90IGpzb24.", "WzFd.e30.", "e30.WzFd.", "e30.e30.!!!",
])
async def test_a_garbage_token_is_malformed(verifier: TokenVerifier, token: str) -> None:
    error = await refused(verifier, token)
    assert (error.status, error.code) == (401, Code.MALFORMED_TOKEN)


async def test_lifetimes_must_be_finite_numbers(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    for bad in ({"exp": None}, {"exp": float("nan")}, {"exp": "tomorrow"}, {"nbf": True}, {"iat": float("inf")}):
        assert (await refused(verifier, issuer.sign(**bad))).code == Code.MALFORMED_TOKEN, bad
    assert (await refused(verifier, issuer.sign(nbf=1e20))).code == Code.TOKEN_EXPIRED


async def test_an_id_token_is_not_an_access_token(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    assert (await refused(verifier, issuer.sign(typ="ID"))).code == Code.MALFORMED_TOKEN


async def test_a_token_naming_nobody_is_refused(verifier: TokenVerifier, issuer: FakeIssuer) -> None:
    assert (await refused(verifier, issuer.sign(sub="someone", azp=None))).code == Code.MALFORMED_TOKEN


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwdw==", "token"])
async def test_a_missing_bearer_token_gets_a_bare_challenge(verifier: TokenVerifier, authorization) -> None:
    with pytest.raises(SandboxError) as caught:
        await verifier.authenticate(authorization, TENANT)
    assert (caught.value.status, caught.value.code) == (401, Code.MISSING_BEARER)
    assert caught.value.headers["WWW-Authenticate"] == f'Bearer realm="{issuer_of(TENANT)}"'


async def test_an_unreachable_issuer_answers_503(verifier: TokenVerifier, issuer: FakeIssuer, clock: Clock) -> None:
    issuer.status = 500
    error = await refused(verifier, issuer.sign())
    assert (error.status, error.code, error.headers) == (503, Code.ISSUER_UNREACHABLE, {"Retry-After": "5"})
    issuer.status = 200
    assert await verifier.verify(issuer.sign(), TENANT)
    issuer.status = 500
    clock.now += verifier.jwks_ttl  # stale keys still serve known kids while the issuer is down
    assert await verifier.verify(issuer.sign(), TENANT)
    clock.now += verifier.refetch_interval
    assert (await refused(verifier, issuer.sign(kid="acme-2"))).code == Code.ISSUER_UNREACHABLE


async def test_a_network_failure_of_the_issuer_answers_503(issuer: FakeIssuer, clock: Clock) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    peers = Peers(SandboxSettings(public_url=PUBLIC), transport=httpx.MockTransport(fail))
    error = await refused(TokenVerifier(peers, clock=clock), issuer.sign())
    await peers.aclose()
    assert (error.status, error.code) == (503, Code.ISSUER_UNREACHABLE)


def resource_app(peers: Peers) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.peers = peers

    @app.get("/whoami")
    async def whoami(user: PractitionerUser) -> dict:
        """The calling professional."""
        return {"rpps": user.rpps, "profession": user.profession}

    @app.get("/robot")
    def robot(user: SystemUser) -> dict:
        """The calling software (a sync route behind the async dependency)."""
        return {"client_id": user.client_id}

    @app.get("/either")
    async def either(user: PractitionerOrSystem) -> dict:
        """A professional or software."""
        return {"kind": type(user).__name__}

    @app.get("/anyone")
    async def anyone(user: AnyUser) -> dict:
        """Any principal."""
        return {"tenant": user.tenant}

    return app


async def test_the_dependencies_guard_routes(peers: Peers, issuer: FakeIssuer) -> None:
    app = resource_app(peers)
    pro = {"authorization": f"Bearer {issuer.sign(**practitioner_claims())}", "x-sandbox-tenant": TENANT}
    robot = {"authorization": f"Bearer {issuer.sign(**system_claims())}", "x-sandbox-tenant": TENANT}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client:
        assert (await client.get("/whoami", headers=pro)).json() == {"rpps": "10100000001", "profession": "10"}
        assert (await client.get("/robot", headers=robot)).json() == {"client_id": "lab-robot"}
        assert (await client.get("/either", headers=robot)).json() == {"kind": "System"}
        assert (await client.get("/anyone", headers=pro)).json() == {"tenant": TENANT}

        answer = await client.get("/whoami", headers=robot)
        assert_outcome(answer, 403, Code.WRONG_PRINCIPAL)
        assert 'error="insufficient_scope"' in answer.headers["www-authenticate"]
        answer = await client.get("/whoami", headers={"x-sandbox-tenant": TENANT})
        assert_outcome(answer, 401, Code.MISSING_BEARER)
        assert answer.headers["www-authenticate"] == f'Bearer realm="{issuer_of(TENANT)}"'
        answer = await client.get("/whoami", headers={"authorization": pro["authorization"]})  # default tenant
        assert_outcome(answer, 401, Code.WRONG_ISSUER)
        assert answer.headers["www-authenticate"].startswith(
            f'Bearer realm="{issuer_of("default")}", error="invalid_token", error_description="')

        schemes = (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
        assert schemes["HTTPBearer"]["scheme"] == "bearer"
    assert isinstance(app.state.psc_verifier, TokenVerifier)  # made on first use, then reused


@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_a_token_whose_header_or_claims_nest_deeply_is_malformed_not_a_500(verifier: TokenVerifier,
                                                                                 depth: int) -> None:
    nested = b64(b'{"a":' + b"[" * depth + b"]" * depth + b"}")
    for token in (f"{nested}.e30.c2ln", f"e30.{nested}.c2ln"):
        error = await refused(verifier, token)
        assert (error.status, error.code) == (401, Code.MALFORMED_TOKEN)
