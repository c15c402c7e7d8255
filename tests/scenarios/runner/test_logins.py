"""Each login kind against a real in-process gateway, in the default tenant and in a named one: tokens of the
tenant's issuer that its endpoints accept, every refusal an ``error`` ActorResult naming why, nothing secret kept."""

from __future__ import annotations

import base64
import dataclasses
import json

import httpx
import pytest

from core.population.personas import personas
from gateway.registry import DEFAULT_SERVICES
from scenarios.logins import Actor, ClientCredentials, PscCiba, PscCodePkce
from scenarios.results import ActorResult, ScenarioResult
from scenarios.runner.context import RunContext
from scenarios.runner.logins import FLOWS, ActorSession, log_in
from tests.gateway.conftest import BASE_URL
from tests.scenarios.runner.support import Sandbox

REALM = "/auth/realms/esante-wallet"
OIDC = REALM + "/protocol/openid-connect"
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")
KIT_DOC = "899700427885"  # kit-doc's idNat_PS
ACTORS = """\
id: logins
title: Logins
actors:
  gp: {login: psc-code-pkce, persona: kit-doc}
  spa: {login: psc-code-pkce, persona: kit-doc, client: sandbox-spa}
  phone: {login: psc-ciba, persona: kit-doc, binding_message: "42"}
  system: {login: client-credentials}
  desk: {login: none, persona: ch-volcans}
steps:
  - request: {actor: desk, service: gateway, path: /livez, expect: {status: 200}}
"""


def context(sandbox: Sandbox, tenant: str, http: httpx.AsyncClient | None = None,
            admin_token: str | None = None) -> RunContext:
    plan = sandbox.load(ACTORS)
    return RunContext(http=http or sandbox.http, target=BASE_URL, tenant=tenant, plan=plan, population=personas(),
                      scenario=ScenarioResult(id="logins", title="Logins", path="x.yaml", tenant=tenant),
                      admin_token=admin_token)


def actor(ctx: RunContext, name: str) -> Actor:
    return ctx.plan.scenario.actors[name]


@pytest.fixture(params=["default", "named"])
async def ctx(request: pytest.FixtureRequest, sandbox: Sandbox) -> RunContext:
    return context(sandbox, "default" if request.param == "default" else await sandbox.tenant())


def issuer(ctx: RunContext) -> str:
    return ctx.url("pro-sante-connect", REALM)


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def dump(result: ActorResult) -> str:
    return json.dumps([dataclasses.asdict(e) for e in result.exchanges])


async def passed(name: str, ctx: RunContext) -> ActorSession:
    session, result = await log_in(name, actor(ctx, name), ctx)
    assert result.status == "passed", result.message
    return session


@pytest.mark.parametrize("name", ["gp", "spa", "phone"])
async def test_a_professional_logs_in_with_tokens_of_the_tenant_s_issuer_that_userinfo_accepts(name, ctx):
    session = await passed(name, ctx)
    access = claims(session.access_token)
    assert access["iss"] == issuer(ctx) and access["SubjectNameID"] == KIT_DOC
    assert session.subject == KIT_DOC  # what the gateway's recorder shows as the actor
    assert claims(session.id_token)["aud"] == actor(ctx, name).client
    assert session.refresh_token
    userinfo = await ctx.http.get(ctx.url("pro-sante-connect", OIDC + "/userinfo"), headers=session.authorization())
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json()["SubjectNameID"] == KIT_DOC
    assert session.template_values() == {
        "access_token": session.access_token, "refresh_token": session.refresh_token,
        "id_token": session.id_token, "client": actor(ctx, name).client, "persona": "kit-doc"}


async def test_client_credentials_give_a_token_of_the_tenant_that_introspection_finds_active(ctx):
    session = await passed("system", ctx)
    assert claims(session.access_token)["iss"] == issuer(ctx)
    assert session.subject == "service-account-sandbox-practice-software"
    assert session.id_token is None
    found = await ctx.http.post(ctx.url("pro-sante-connect", OIDC + "/token/introspect"), auth=PRACTICE,
                                data={"token": session.access_token})
    assert found.json()["active"] is True


async def test_login_none_has_no_token_and_no_exchange(ctx):
    session, result = await log_in("desk", actor(ctx, "desk"), ctx)
    assert result.status == "passed" and result.exchanges == []
    assert session.authorization() == {} and session.template_values() == {"persona": "ch-volcans"}


async def test_the_login_s_exchanges_are_kept_with_every_secret_masked(sandbox):
    ctx = context(sandbox, await sandbox.tenant())
    session, result = await log_in("gp", actor(ctx, "gp"), ctx)
    kept = dump(result)
    basic = base64.b64encode(":".join(PRACTICE).encode()).decode()
    for secret in (session.access_token, session.refresh_token, session.id_token, PRACTICE[1],
                   session.access_token.split(".")[2], basic.rstrip("=")):
        assert secret not in kept
    redirect = next(e for e in result.exchanges if e.status == 302)
    assert "code=***" in redirect.response_headers["location"]
    exchange = next(e for e in result.exchanges if e.method == "POST")
    assert "code=***" in exchange.request_body and "code_verifier=***" in exchange.request_body
    assert exchange.request_headers["authorization"] == "Basic ***"


async def test_a_client_registered_in_the_tenant_logs_in_as_it_registered(sandbox):
    ctx = context(sandbox, await sandbox.tenant())
    created = await sandbox.http.post(ctx.url("pro-sante-connect", "/_admin/clients"), json={
        "client_name": "Mon LGC", "redirect_uris": ["https://lgc.example/callback"],
        "token_endpoint_auth_method": "client_secret_post"})
    assert created.status_code == 201, created.text
    client = created.json()
    session, result = await log_in("gp", PscCodePkce(login="psc-code-pkce", persona="kit-doc",
                                                     client=client["client_id"]), ctx)
    assert result.status == "passed", result.message
    assert claims(session.id_token)["aud"] == client["client_id"]
    assert client["client_secret"] not in dump(result)
    token_request = next(e for e in result.exchanges if e.method == "POST")
    assert "client_secret=***" in token_request.request_body


async def refused(ctx: RunContext, model: Actor) -> str:
    session, result = await log_in("gp", model, ctx)
    assert result.status == "error" and session.access_token is None
    assert result.message.startswith("actor gp: ")
    return result.message


async def test_an_unknown_client_is_refused_naming_the_client(ctx):
    message = await refused(ctx, PscCodePkce(login="psc-code-pkce", persona="kit-doc", client="nope"))
    assert f"tenant '{ctx.tenant}' has no client 'nope'" in message and "sandbox-practice-software" in message
    message = await refused(ctx, ClientCredentials(login="client-credentials", client="nope", secret="x"))
    assert "Pro Santé Connect refused client 'nope' (invalid_client" in message


async def test_a_wrong_secret_is_invalid_client(ctx):
    message = await refused(ctx, ClientCredentials(login="client-credentials", secret="wrong"))
    assert "refused client 'sandbox-practice-software' (invalid_client" in message
    assert "check the actor's client and its secret" in message


async def test_a_public_client_cannot_use_client_credentials(ctx):
    message = await refused(ctx, ClientCredentials(login="client-credentials", client="sandbox-spa"))
    assert "client 'sandbox-spa' is public" in message


@pytest.mark.parametrize("model", [PscCodePkce, PscCiba])
async def test_a_persona_without_an_id_nat_ps_is_refused_naming_it(ctx, model):
    message = await refused(ctx, model(login=model.model_fields["login"].annotation.__args__[0],
                                       persona="ch-volcans"))
    assert "persona 'ch-volcans' is not a professional" in message and "idNat_PS" in message


async def test_a_professional_who_cannot_log_in_is_refused_with_psc_s_reason(ctx):
    message = await refused(ctx, PscCodePkce(login="psc-code-pkce", persona="dr-faure"))
    assert "did not log persona 'dr-faure' (899799000080) in" in message and "RPPS est close" in message


class DenyingPhone(httpx.AsyncBaseTransport):
    """The professional refuses on the e-CPS phone: the runner's approval becomes a denial."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/approve"):
            request = httpx.Request("POST", str(request.url).removesuffix("/approve") + "/deny",
                                    headers=request.headers)
        return await self.inner.handle_async_request(request)


async def test_a_ciba_login_denied_on_the_phone_is_access_denied(sandbox):
    transport = DenyingPhone(httpx.ASGITransport(app=sandbox.http.gateway))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        ctx = context(sandbox, await sandbox.tenant(), http=http)
        message = await refused(ctx, actor(ctx, "phone"))
    assert "Pro Santé Connect refused the CIBA login (access_denied: " in message


async def test_with_an_admin_token_the_phone_needs_it(start_gateway, tmp_path):
    async with start_gateway(services=DEFAULT_SERVICES, admin_token="admin-s3cret") as http:
        sandbox = Sandbox(http, tmp_path / "scenarios", admin_token="admin-s3cret")
        tenant = await sandbox.tenant()
        ctx = context(sandbox, tenant, admin_token="admin-s3cret")
        session, result = await log_in("phone", actor(ctx, "phone"), ctx)
        assert result.status == "passed", result.message
        assert "admin-s3cret" not in dump(result)
        message = await refused(context(sandbox, tenant), PscCiba(login="psc-ciba", persona="kit-doc"))
    assert "the e-CPS phone refused the approval" in message and "admin token" in message


async def test_a_login_kind_without_a_flow_is_an_error_naming_the_known_ones(ctx):
    message = await refused(ctx, Actor(login="mes-citizen"))
    assert "no flow for login 'mes-citizen'" in message
    assert set(FLOWS) >= {"none", "psc-code-pkce", "psc-ciba", "client-credentials"}


class PhoneAlreadyDecided(httpx.AsyncBaseTransport):
    """The e-CPS phone answers that the request was decided already (as after an automatic approval)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.polls = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/approve"):
            return httpx.Response(409, json={"resourceType": "OperationOutcome"})
        self.polls += request.url.path.endswith("/token")
        return await self.inner.handle_async_request(request)


async def test_a_pending_ciba_request_is_polled_until_approved(start_gateway, tmp_path, monkeypatch):
    monkeypatch.setenv("PRO_SANTE_CONNECT_CIBA_INTERVAL", "1")
    async with start_gateway(services=DEFAULT_SERVICES) as client:
        sandbox = Sandbox(client, tmp_path / "scenarios")
        tenant = await sandbox.tenant()
        ciba = await client.put(f"/t/{tenant}/pro-sante-connect/_admin/ciba", json={"auto_approve_after": 1})
        assert ciba.status_code == 200, ciba.text
        transport = PhoneAlreadyDecided(httpx.ASGITransport(app=client.gateway))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            ctx = context(sandbox, tenant, http=http)
            session = await passed("phone", ctx)
    assert transport.polls >= 2  # authorization_pending first, then the tokens
    assert claims(session.access_token)["SubjectNameID"] == KIT_DOC
