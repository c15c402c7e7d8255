"""RunContext: the URLs of a run (tenant prefix, the gateway's own routes) and what ${...} reads."""

from __future__ import annotations

import httpx

from core.population.personas import personas
from scenarios.results import ScenarioResult
from scenarios.runner.context import RunContext
from scenarios.runner.logins import ActorSession
from scenarios.templates import render


def context(tenant: str, **options) -> RunContext:
    return RunContext(http=httpx.AsyncClient(), target="http://127.0.0.1:8080/", tenant=tenant, plan=None,
                      population=personas(), scenario=ScenarioResult("s", "S", "s.yaml", tenant), **options)


def test_the_default_tenant_has_no_prefix_any_other_has_its_own():
    assert context("default").url("ins-teleservice", "/lps") == "http://127.0.0.1:8080/ins-teleservice/lps"
    assert context("team-a").url("ins-teleservice", "/lps") == "http://127.0.0.1:8080/t/team-a/ins-teleservice/lps"


def test_the_gateway_service_names_the_gateways_own_routes_of_the_tenant():
    assert context("team-a").url("gateway", "/_admin/faults") == "http://127.0.0.1:8080/t/team-a/_admin/faults"
    assert context("default").url("gateway", "/_admin/faults") == "http://127.0.0.1:8080/_admin/faults"
    assert context("a").url("gateway", "/_admin/exchanges", tenant="b") == "http://127.0.0.1:8080/t/b/_admin/exchanges"


def test_the_admin_token_is_a_header_only_when_there_is_one():
    assert context("a").admin_headers() == {}
    assert context("a", admin_token="s3").admin_headers() == {"x-sandbox-admin-token": "s3"}


def test_templates_read_the_run_the_captures_and_the_logged_in_actors():
    ctx = context("team-a", run_id="r1")
    ctx.add_session(ActorSession(name="gp", login="psc-ciba", persona="dr-leroy", client="c", access_token="h.c.s"))
    ctx.captures["ins"] = "1234"
    text = "${run.tenant} ${run.target} ${run.id} ${capture.ins} ${actor.gp.access_token} ${actor.gp.persona}"
    assert render(text, ctx.templates) == "team-a http://127.0.0.1:8080 r1 1234 h.c.s dr-leroy"
