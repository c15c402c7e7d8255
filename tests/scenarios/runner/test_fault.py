"""fault steps: rules set and cleared in the run's tenant only, through the gateway's /_admin/faults routes."""

from __future__ import annotations

from tests.scenarios.runner.support import failures

HEAD = """\
id: demo
title: Demo
actors:
  lps: {login: none, persona: msp-des-puys}
steps:
"""
METADATA = """\
  - request:
      actor: lps
      service: ins-teleservice
      path: /fhir/metadata
      expect: {status: %s}
"""


async def rules(sandbox, tenant: str) -> list[dict]:
    prefix = "" if tenant == "default" else f"/t/{tenant}"
    response = await sandbox.http.get(f"{prefix}/_admin/faults")
    assert response.status_code == 200, response.text
    return response.json()["faults"]


async def test_a_rule_set_by_a_step_applies_to_the_runs_tenant_only_then_clear_all_removes_it(sandbox):
    tenant, other = await sandbox.tenant(), await sandbox.tenant()
    result = await sandbox.run(HEAD + """\
  - fault:
      set: {service: ins-teleservice, path: /fhir/metadata, status: 503}
""" + METADATA % 503 + """\
  - fault: {clear: all}
""" + METADATA % 200, tenant=tenant)
    assert result.status == "passed", failures(result)
    assert result.steps[0].name == "fault ins-teleservice /fhir/metadata status 503"
    assert result.steps[0].exchanges[0].url.endswith(f"/t/{tenant}/_admin/faults")
    assert result.steps[2].name == "clear faults of all"
    assert await rules(sandbox, tenant) == []
    assert (await sandbox.http.get(f"/t/{other}/ins-teleservice/fhir/metadata")).status_code == 200


async def test_clear_of_a_service_removes_that_services_rules_only(sandbox):
    tenant = await sandbox.tenant()
    result = await sandbox.run(HEAD + """\
  - fault:
      set: {service: ins-teleservice, status: 503}
  - fault:
      set: {service: ins-teleservice, path: /lps, latency_ms: 5}
  - fault:
      set: {service: annuaire-sante, status: 500, count: 2}
  - fault: {clear: ins-teleservice}
""" + METADATA % 200, tenant=tenant)
    assert result.status == "passed", failures(result)
    assert [(rule["service"], rule["status"]) for rule in await rules(sandbox, tenant)] == [("annuaire-sante", 500)]


async def test_the_default_tenant_uses_the_unprefixed_routes(sandbox):
    result = await sandbox.run(HEAD + """\
  - fault:
      set: {service: annuaire-sante, status: 500, count: 1}
""", tenant="default")
    assert result.status == "passed", failures(result)
    assert result.steps[0].exchanges[0].url == "http://sandbox.test/_admin/faults"
    assert [rule["service"] for rule in await rules(sandbox, "default")] == ["annuaire-sante"]


async def test_a_rule_the_gateway_refuses_is_an_error_with_its_outcome(sandbox):
    result = await sandbox.run(HEAD + """\
  - fault:
      set: {service: ins-teleservice, latency_ms: 100000000}
""" + METADATA % 200)
    step = result.steps[0]
    assert step.status == "error"
    assert step.message.startswith("the gateway refused POST /_admin/faults: 400 GW-0012: latency_ms: at most")
    assert result.steps[1].status == "skipped"


async def test_without_the_admin_token_the_error_says_to_give_it(start_gateway, tmp_path):
    from gateway.registry import DEFAULT_SERVICES
    from tests.scenarios.runner.support import Sandbox

    async with start_gateway(services=DEFAULT_SERVICES, admin_token="s3cret") as client:
        sandbox = Sandbox(client, tmp_path / "scenarios", admin_token="s3cret")
        tenant = await sandbox.tenant()
        sandbox.admin_token = None
        result = await sandbox.run(HEAD + """\
  - fault: {clear: all}
""", tenant=tenant)
        step = result.steps[0]
        assert step.status == "error" and "401" in step.message and "SANDBOX_ADMIN_TOKEN" in step.message
        passed = await sandbox.run(HEAD + """\
  - fault: {clear: all}
""", tenant=tenant, admin_token="s3cret")
        assert passed.status == "passed", failures(passed)
