"""run_suite: a fresh tenant per scenario, results in input order whatever finishes first, isolation of scenarios
running side by side, a result per team in team mode, and an unreachable or refusing sandbox as errors."""

from __future__ import annotations

from pathlib import Path

import httpx

from core.population.personas import personas
from gateway.registry import DEFAULT_SERVICES
from scenarios.loader import Plan
from scenarios.results import ScenarioResult
from scenarios.runner.events import Events
from scenarios.runner.suite import run_suite, tenant_names
from tests.gateway.conftest import BASE_URL, StartGateway
from tests.scenarios.runner.support import Sandbox, failures

QUICK = """\
id: {id}
title: A quick one
tags: [{tag}]
actors:
  desk: {{persona: ch-volcans, login: none}}
steps:
  - name: INSi's capability statement
    request:
      actor: desk
      service: ins-teleservice
      path: /fhir/metadata
      expect: {{status: 200}}
"""

SLOW = """\
id: slow
title: A slow one
actors:
  desk: {persona: ch-volcans, login: none}
steps:
  - name: INSi is slow for the next request
    fault:
      set: {service: ins-teleservice, method: GET, path: /fhir/metadata, latency_ms: 1500, count: 1}
  - name: The slow request
    request:
      actor: desk
      service: ins-teleservice
      path: /fhir/metadata
      expect: {status: 200}
"""

# Each team registers its own IDAM in its tenant, waits (a latency rule) so that the other registers too, then
# checks that its tenant lists only its own software and only its own recorded exchanges.
OWN_DATA = """\
id: {id}
title: Only my data
actors:
  desk: {{persona: ch-volcans, login: none}}
steps:
  - name: Register my software's IDAM
    request:
      actor: desk
      service: ins-teleservice
      method: POST
      path: /_admin/software
      body: {{idam: {idam}, name: {id}}}
      expect: {{status: 201}}
  - name: The listing of my software is slow, the other scenario registers meanwhile
    fault:
      set: {{service: ins-teleservice, method: GET, path: /_admin/software, latency_ms: 800, count: 1}}
  - name: My tenant lists my IDAM only
    request:
      actor: desk
      service: ins-teleservice
      path: /_admin/software
      expect:
        status: 200
        json:
          "$.software[?@.origin == 'tenant'].idam": {{equals: {idam}, count: 1}}
          "$.software[?@.idam == '{other}']": {{count: 0}}
  - name: My tenant's recorded exchanges are mine only
    request:
      actor: desk
      service: gateway
      path: /_admin/exchanges
      expect:
        status: 200
        json:
          "$.exchanges[?@.tenant != '${{run.tenant}}']": {{count: 0}}
          "$.exchanges[?@.path == '/t/${{run.tenant}}/ins-teleservice/_admin/software' && @.method == 'POST']":
            {{count: 1}}
"""


class Finished(Events):
    def __init__(self) -> None:
        self.order: list[str] = []

    def scenario_finished(self, scenario: ScenarioResult) -> None:
        self.order.append(scenario.id)


def plans(sandbox: Sandbox, *texts: tuple[str, str]) -> list[Plan]:
    from scenarios.loader import load

    return [load(sandbox.write(text, name), services=[s.slug for s in DEFAULT_SERVICES]) for name, text in texts]


def two_quick(sandbox: Sandbox) -> list[Plan]:
    return plans(sandbox, ("a.yaml", QUICK.format(id="first", tag="x")), ("b.yaml", QUICK.format(id="second", tag="x")))


async def tenants_of(http: httpx.AsyncClient) -> set[str]:
    return {row["name"] for row in (await http.get("/_admin/tenants")).json()["tenants"]}


def test_tenant_names_are_slugs_cut_to_40_and_unique(tmp_path: Path) -> None:
    class P:  # a Plan's shape, enough for names
        def __init__(self, id_: str) -> None:
            self.scenario = type("S", (), {"id": id_})()

    names = tenant_names([P("a" * 60), P("a" * 60), P("b")], "abc123")  # type: ignore[list-item]
    assert names[0] == ("run-abc123-" + "a" * 60)[:40]
    assert len(set(names)) == 3 and all(len(n) <= 40 for n in names)
    assert names[1].endswith("-2") and names[2] == "run-abc123-b"


async def test_each_scenario_runs_in_a_fresh_tenant_kept_after_the_run(sandbox: Sandbox) -> None:
    suite = two_quick(sandbox)
    result = await run_suite(suite, http=sandbox.http, target=BASE_URL, population=personas(), run_id="r1")
    assert [s.status for s in result.scenarios] == ["passed", "passed"], [failures(s) for s in result.scenarios]
    assert [s.tenant for s in result.scenarios] == ["run-r1-first", "run-r1-second"]
    assert all(s.team is None for s in result.scenarios)
    assert {"run-r1-first", "run-r1-second"} <= await tenants_of(sandbox.http)
    assert result.ok and result.target == BASE_URL


async def test_with_two_jobs_results_come_in_input_order_whatever_finishes_first(sandbox: Sandbox) -> None:
    suite = plans(sandbox, ("slow.yaml", SLOW), ("quick.yaml", QUICK.format(id="quick", tag="x")))
    events = Finished()
    result = await run_suite(suite, http=sandbox.http, target=BASE_URL, population=personas(), jobs=2,
                             events=events)
    assert events.order == ["quick", "slow"]  # side by side: the quick one ended first
    assert [s.id for s in result.scenarios] == ["slow", "quick"]
    assert result.ok, [failures(s) for s in result.scenarios]


async def test_two_scenarios_running_side_by_side_do_not_see_each_others_data(sandbox: Sandbox) -> None:
    suite = plans(sandbox, ("a.yaml", OWN_DATA.format(id="team-a-data", idam="IDAM-TEAM-A", other="IDAM-TEAM-B")),
                  ("b.yaml", OWN_DATA.format(id="team-b-data", idam="IDAM-TEAM-B", other="IDAM-TEAM-A")))
    result = await run_suite(suite, http=sandbox.http, target=BASE_URL, population=personas(), jobs=2)
    assert [s.status for s in result.scenarios] == ["passed", "passed"], [failures(s) for s in result.scenarios]
    a, b = result.scenarios
    assert a.tenant != b.tenant
    for mine, theirs, idam in ((a, b, "IDAM-TEAM-A"), (b, a, "IDAM-TEAM-B")):  # now that both have written
        software = (await sandbox.http.get(f"/t/{mine.tenant}/ins-teleservice/_admin/software")).json()["software"]
        assert [s["idam"] for s in software if s["origin"] == "tenant"] == [idam]
        rows = (await sandbox.http.get(f"/t/{mine.tenant}/_admin/exchanges")).json()["exchanges"]
        assert rows and all(row["tenant"] == mine.tenant and theirs.tenant not in row["path"] for row in rows)


async def test_team_mode_runs_the_suite_in_order_once_per_team(sandbox: Sandbox) -> None:
    suite = two_quick(sandbox)
    result = await run_suite(suite, http=sandbox.http, target=BASE_URL, population=personas(),
                             tenants=["team-a", "team-b"], jobs=2)
    assert [(s.team, s.tenant, s.id) for s in result.scenarios] == [
        ("team-a", "team-a", "first"), ("team-a", "team-a", "second"),
        ("team-b", "team-b", "first"), ("team-b", "team-b", "second")]
    assert result.ok, [failures(s) for s in result.scenarios]
    assert {"team-a", "team-b"} <= await tenants_of(sandbox.http)
    again = await run_suite(suite[:1], http=sandbox.http, target=BASE_URL, population=personas(), tenants=["team-a"])
    assert again.ok  # a team's tenant that exists already is used as it is


async def test_an_unreachable_sandbox_is_each_scenarios_error_never_an_exception(sandbox: Sandbox) -> None:
    suite = two_quick(sandbox)
    async with httpx.AsyncClient(timeout=5) as http:
        result = await run_suite(suite, http=http, target="http://127.0.0.1:9", population=personas(), jobs=2)
    assert [s.status for s in result.scenarios] == ["error", "error"]
    for scenario in result.scenarios:
        assert "does not answer" in scenario.error and "sandbox up" in scenario.error and "\n" not in scenario.error
    assert not result.ok


async def test_a_refused_tenant_names_the_admin_token(start_gateway: StartGateway, tmp_path: Path) -> None:
    async with start_gateway(services=DEFAULT_SERVICES, admin_token="s3cret") as http:
        sandbox = Sandbox(http, tmp_path / "scenarios")
        suite = plans(sandbox, ("a.yaml", QUICK.format(id="first", tag="x")))
        fresh = await run_suite(suite, http=http, target=BASE_URL, population=personas())
        team = await run_suite(suite, http=http, target=BASE_URL, population=personas(), tenants=["no-such-team"])
        bad = await run_suite(suite, http=http, target=BASE_URL, population=personas(), tenants=["Bad Name"])
        allowed = await run_suite(suite, http=http, target=BASE_URL, population=personas(), admin_token="s3cret")
    assert fresh.scenarios[0].status == "error" and "GW-0006" in fresh.scenarios[0].error
    assert "--admin-token" in fresh.scenarios[0].error
    assert "does not exist" in team.scenarios[0].error and "POST /_admin/tenants" in team.scenarios[0].error
    assert "not a tenant name" in bad.scenarios[0].error
    assert allowed.ok, failures(allowed.scenarios[0])
