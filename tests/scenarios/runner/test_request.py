"""request steps run against the in-process gateway: templates, bodies, the actor's token, expect and capture."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx

from core.population.personas import personas
from tests.scenarios.runner.support import failures

JOURNEYS = Path(__file__).resolve().parents[3] / "scenarios" / "journeys"
ADRUN = next(p for p in personas().patients if p.id == "adrun-zoe")
HEAD = """\
id: demo
title: Demo
actors:
  desk: {login: none, persona: ch-volcans}
steps:
"""
TOKEN_PATH = "/auth/realms/esante-wallet/protocol/openid-connect/token"


async def test_templates_are_rendered_in_path_query_headers_expect_and_capture(sandbox):
    result = await sandbox.run(HEAD + """\
      - name: Dr Benali by RPPS
        request:
          actor: desk
          service: annuaire-sante
          path: /fhir/v2/Practitioner
          query: {identifier: "https://rpps.esante.gouv.fr|${persona.dr-benali.rpps}"}
          headers: {ESANTE-API-KEY: sandbox-demo-key}
          expect: {status: 200, fhirpath: ["Bundle.total = 1"]}
          capture:
            benali: {fhirpath: "Bundle.entry.resource.id"}
            family: {fhirpath: "Bundle.entry.resource.name.family"}
      - request:
          actor: desk
          service: annuaire-sante
          path: /fhir/v2/Practitioner/${capture.benali}
          headers: {ESANTE-API-KEY: sandbox-demo-key, X-Family: "${capture.family}"}
          expect:
            status: 200
            headers: {content-type: "application/fhir+json*"}
            fhirpath:
              "Practitioner.id = '${capture.benali}'": true
              "Practitioner.where(id = '${capture.benali}').name.family": "${persona.dr-benali.family}"
            json: {"$.id": "${capture.benali}"}
    """)
    assert result.status == "passed", failures(result)
    first, second = result.steps
    benali = first.captured["benali"]
    rpps = next(p for p in personas().professionals if p.id == "dr-benali").rpps
    assert first.exchanges[0].url.endswith(f"/Practitioner?identifier=https%3A%2F%2Frpps.esante.gouv.fr%7C{rpps}")
    assert f"/t/{result.tenant}/annuaire-sante/fhir/v2/Practitioner/{benali}" in second.exchanges[0].url
    assert second.exchanges[0].request_headers["x-family"] == first.captured["family"]
    assert second.name == "GET annuaire-sante /fhir/v2/Practitioner/${capture.benali}"  # generated: as written
    assert (first.name, first.kind, first.actor, first.where) == ("Dr Benali by RPPS", "request", "desk",
                                                                 f"{sandbox.directory / 'scenario.yaml'}:6:9")


async def test_a_mapping_body_is_json_a_string_body_is_sent_as_is(sandbox):
    match = {"resourceType": "Patient", "name": [{"family": "ADRUN", "given": ["ZOE"]}], "gender": "female",
             "birthDate": "${persona.adrun-zoe.birth_date}"}
    result = await sandbox.run(HEAD + f"""\
      - request:
          actor: desk
          service: ins-teleservice
          method: POST
          path: /fhir/Patient/$match
          body: {json.dumps(match)}
          expect: {{status: 200}}
      - request:
          actor: desk
          service: ins-teleservice
          method: POST
          path: /fhir/Patient/$match
          headers: {{Content-Type: application/fhir+json}}
          body: {json.dumps(match)}
          expect: {{status: 200}}
      - request:
          actor: desk
          service: ins-teleservice
          method: POST
          path: /fhir/Patient/$match
          headers: {{Content-Type: application/fhir+json}}
          body: '{json.dumps(match)}'
          expect:
            fhirpath:
              "Bundle.entry.where(search.mode = 'outcome').resource.issue.details.coding.code": "00"
    """)
    assert result.status == "passed", failures(result)
    as_json, as_fhir, as_text = (step.exchanges[0] for step in result.steps)
    assert as_json.request_headers["content-type"] == "application/json"
    assert as_fhir.request_headers["content-type"] == "application/fhir+json"
    assert json.loads(as_json.request_body)["birthDate"] == ADRUN.birth_date
    assert as_text.request_body == json.dumps(match).replace("${persona.adrun-zoe.birth_date}",
                                                             ADRUN.birth_date)


async def test_a_body_file_is_read_beside_the_file_and_rendered(sandbox):
    (sandbox.directory / "bodies").mkdir(parents=True)
    shutil.copy(JOURNEYS / "bodies" / "insi-adrun-zoe.xml", sandbox.directory / "bodies" / "search.xml")
    result = await sandbox.run(HEAD + """\
      - request:
          actor: desk
          service: ins-teleservice
          method: POST
          path: /lps
          headers: {Content-Type: 'application/soap+xml; charset=utf-8'}
          body_file: bodies/search.xml
          expect:
            status: 200
            xpath: {"//CR/CodeCR": "00"}
          capture:
            matricule: {xpath: "//INSACTIF/IdIndividu/NumIdentifiant"}
    """)
    assert result.status == "passed", failures(result)
    step = result.steps[0]
    assert step.captured == {"matricule": ADRUN.ins.matricule}
    assert f"<rs:DateNaissance>{ADRUN.birth_date}</rs:DateNaissance>" in step.exchanges[0].request_body
    assert "${" not in step.exchanges[0].request_body


async def test_a_failing_assertion_fails_the_step_and_skips_the_rest(sandbox):
    result = await sandbox.run(HEAD + """\
      - request:
          actor: desk
          service: annuaire-sante
          path: /fhir/v2/Practitioner
          expect: {status: 200}
      - request: {actor: desk, service: annuaire-sante, path: /fhir/v2/Organization}
      - request: {actor: desk, service: annuaire-sante, path: /fhir/v2/Organization}
    """)
    assert result.status == "failed"
    failed, *rest = result.steps
    assert failed.status == "failed"
    assert failed.message.startswith("status: expected 200; found 401") and "\n" not in failed.message
    assert failed.failures[0]["where"] == ["status"] and failed.failures[0]["found"] == "401"
    assert [(s.status, s.message, s.exchanges) for s in rest] == [("skipped", "not run: step 1 failed", [])] * 2
    assert result.counts()["skipped"] == 2


async def test_a_capture_that_finds_nothing_fails_the_step(sandbox):
    result = await sandbox.run(HEAD + """\
      - request:
          actor: desk
          service: ins-teleservice
          path: /fhir/metadata
          capture: {nothing: {json: "$.no.such.member"}}
    """)
    step = result.steps[0]
    assert step.status == "failed" and "capture 'nothing'" in step.message and not step.captured


async def test_an_unreachable_sandbox_is_an_error_naming_the_target(sandbox):
    async with httpx.AsyncClient(timeout=5) as http:
        sandbox.http = http
        result = await sandbox.run(HEAD + """\
          - request: {actor: desk, service: ins-teleservice, path: /fhir/metadata}
          - request: {actor: desk, service: ins-teleservice, path: /fhir/metadata}
        """, tenant="team-a", target="http://127.0.0.1:1")
    first, second = result.steps
    assert first.status == "error" and result.status == "error"
    assert "no answer (ConnectError" in first.message
    assert "is the sandbox running at http://127.0.0.1:1?" in first.message
    assert first.exchanges[0].url == "http://127.0.0.1:1/t/team-a/ins-teleservice/fhir/metadata"
    assert (second.status, second.message) == ("skipped", "not run: step 1 had an error")


async def test_a_template_without_a_value_at_run_time_is_an_error_naming_the_step_and_the_variable(sandbox):
    result = await sandbox.run(HEAD + """\
      - name: Call with the desk's token
        request:
          actor: desk
          service: annuaire-sante
          path: /fhir/v2/Organization
          headers: {Authorization: "Bearer ${actor.desk.access_token}"}
    """)
    step = result.steps[0]
    assert step.status == "error" and not step.exchanges
    assert step.message == "step 1 (Call with the desk's token): ${actor.desk.access_token} has no value in this run"


async def test_a_captured_token_is_masked_in_the_result_and_the_steps_own_authorization_is_sent(sandbox):
    result = await sandbox.run(HEAD + f"""\
      - request:
          actor: desk
          service: pro-sante-connect
          method: POST
          path: {TOKEN_PATH}
          headers: {{Content-Type: application/x-www-form-urlencoded}}
          body: grant_type=client_credentials&client_id=sandbox-practice-software&client_secret=sandbox-practice-secret
          expect: {{status: 200}}
          capture: {{access_token: {{json: "$.access_token"}}}}
      - request:
          actor: desk
          service: pro-sante-connect
          path: /auth/realms/esante-wallet/protocol/openid-connect/userinfo
          headers: {{Authorization: "Bearer ${{capture.access_token}}"}}
    """)
    token_step, userinfo = result.steps
    assert token_step.status == "passed", failures(result)
    assert token_step.captured["access_token"].endswith(".***")
    assert "sandbox-practice-secret" not in token_step.exchanges[0].request_body
    assert userinfo.exchanges[0].request_headers["authorization"] == "Bearer ***"
