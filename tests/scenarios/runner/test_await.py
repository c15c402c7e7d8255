"""await steps: the runner polls the tenant's recorded exchanges while someone else (here a task playing the
vendor's software) makes the awaited request; a timeout says what was seen and where the software must call."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.scenarios.runner.support import Recording, failures

HEAD = """\
id: demo
title: Demo
actors:
  desk: {login: none, persona: ch-volcans}
  system: {login: client-credentials}
steps:
"""
TOKEN = "/pro-sante-connect/auth/realms/esante-wallet/protocol/openid-connect/token"
CLIENT = {"grant_type": "client_credentials", "client_id": "sandbox-practice-software",
          "client_secret": "sandbox-practice-secret"}


def match_body(family: str, given: str, birth_date: str, gender: str = "female") -> bytes:
    return json.dumps({"resourceType": "Patient", "name": [{"family": family, "given": [given]}],
                       "gender": gender, "birthDate": birth_date}).encode()


async def vendor(http: httpx.AsyncClient, tenant: str, *requests: tuple[str, str, dict]) -> None:
    """The vendor's software: after a moment, its requests to the tenant, in order."""
    await asyncio.sleep(0.6)
    prefix = "" if tenant == "default" else f"/t/{tenant}"
    for method, path, options in requests:
        await http.request(method, prefix + path, **options)


AWAIT_MATCH = """\
  - name: The desk searches ADRUN ZOE
    await:
      instruction: "In your software, search ${persona.adrun-zoe.birth_name} born ${persona.adrun-zoe.birth_date}"
      timeout: 20
      match:
        service: ins-teleservice
        method: POST
        path: /fhir/Patient/*match
        request:
          fhirpath: ["Patient.name.family = '${persona.adrun-zoe.birth_name}'"]
      expect:
        status: 200
        fhirpath:
          "Bundle.entry.where(search.mode = 'outcome').resource.issue.details.coding.code": "00"
      capture:
        ins: {fhirpath: "Bundle.entry.where(search.mode = 'match').resource.identifier.value"}
"""


async def test_an_await_matches_the_request_the_vendor_makes_and_checks_the_answer(sandbox):
    tenant = await sandbox.tenant()
    fhir = {"headers": {"content-type": "application/fhir+json"}}
    task = asyncio.create_task(vendor(
        sandbox.http, tenant,
        ("GET", "/ins-teleservice/fhir/metadata", {}),  # not a POST
        ("POST", "/ins-teleservice/fhir/Patient/$match",  # not ADRUN: the request assertion does not hold
         {"content": match_body("TCHITCHI", "CATARINA", "1936-06-21"), **fhir}),
        ("POST", "/ins-teleservice/fhir/Patient/$match", {"content": match_body("ADRUN", "ZOE", "1975-12-31"), **fhir}),
    ))
    events = Recording()
    result = await sandbox.run(HEAD + AWAIT_MATCH + """\
  - request:
      actor: desk
      service: ins-teleservice
      method: POST
      path: /fhir/Patient/$ins-verify
      headers: {Content-Type: application/fhir+json}
      body:
        resourceType: Parameters
        parameter:
          - {name: ins, valueIdentifier: {system: "urn:oid:1.2.250.1.213.1.4.8", value: "${capture.ins}"}}
          - name: resource
            resource: {resourceType: Patient, name: [{family: ADRUN, given: [ZOE]}], gender: female,
                       birthDate: "1975-12-31"}
      expect:
        fhirpath: {"Parameters.parameter.where(name = 'result').value": match}
""", tenant=tenant, events=events)
    await task
    assert result.status == "passed", failures(result)
    step = result.steps[0]
    assert step.instruction == "In your software, search ADRUN born 1975-12-31"
    assert ("instruction", step.instruction) in events.seen
    (exchange,) = step.exchanges
    assert exchange.recorded_id and exchange.method == "POST" and exchange.status == 200
    assert exchange.url == f"http://sandbox.test/t/{tenant}/ins-teleservice/fhir/Patient/$match"
    assert json.loads(exchange.request_body)["name"][0]["family"] == "ADRUN"
    assert step.captured["ins"]


async def test_an_await_that_times_out_says_nothing_reached_the_tenant_and_where_to_call(sandbox):
    tenant = await sandbox.tenant()
    await sandbox.http.get("/ins-teleservice/fhir/metadata")  # the default tenant: not the run's
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Search ADRUN ZOE
      timeout: 1
      match: {service: ins-teleservice, method: POST, path: /lps}
  - request: {actor: desk, service: ins-teleservice, path: /fhir/metadata}
""", tenant=tenant)
    step = result.steps[0]
    assert step.status == "failed"
    assert step.message == (f"no POST to ins-teleservice /lps within 1 s: no exchange of ins-teleservice was "
                            f"recorded for tenant {tenant}; the software's base URL for ins-teleservice must be "
                            f"http://sandbox.test/t/{tenant}/ins-teleservice")
    assert result.steps[1].status == "skipped"


async def test_an_await_that_times_out_says_when_the_software_called_the_default_tenant(sandbox):
    tenant = await sandbox.tenant()
    task = asyncio.create_task(vendor(sandbox.http, "default", ("GET", "/ins-teleservice/fhir/metadata", {})))
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Search ADRUN ZOE
      timeout: 2
      match: {service: ins-teleservice}
""", tenant=tenant)
    await task
    assert (f"no exchange of ins-teleservice was recorded for tenant {tenant} (1 reached the default tenant "
            f"meanwhile: is the software missing /t/{tenant}?)") in result.steps[0].message


async def test_an_await_that_times_out_names_the_closest_exchanges_and_why_they_did_not_match(sandbox):
    tenant = await sandbox.tenant()
    task = asyncio.create_task(vendor(sandbox.http, tenant, ("GET", "/ins-teleservice/fhir/metadata", {})))
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Search ADRUN ZOE
      timeout: 2
      match: {service: ins-teleservice, method: POST, path: /lps}
""", tenant=tenant)
    await task
    message = result.steps[0].message
    assert message.startswith("no POST to ins-teleservice /lps within 2 s: closest seen: "
                              f"GET /t/{tenant}/ins-teleservice/fhir/metadata 200 (method GET, not POST)")
    assert message.endswith(f"check what the software sends (the software's base URL for ins-teleservice must "
                            f"be http://sandbox.test/t/{tenant}/ins-teleservice)")


async def test_request_assertions_see_the_recorded_request(sandbox):
    tenant = await sandbox.tenant()
    fhir = {"headers": {"content-type": "application/fhir+json"}}
    task = asyncio.create_task(vendor(sandbox.http, tenant, (
        "POST", "/ins-teleservice/fhir/Patient/$match", {"content": match_body("TCHITCHI", "OLA", "1936-06-21"),
                                                         **fhir})))
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Search ADRUN ZOE
      timeout: 2
      match:
        service: ins-teleservice
        path: /fhir/Patient/$match
        request: {json: {"$.name[0].family": ADRUN}}
""", tenant=tenant)
    await task
    message = result.steps[0].message
    assert result.steps[0].status == "failed"
    assert "(its request: json $.name[0].family: expected 'ADRUN'; found 'TCHITCHI')" in message


async def test_an_await_on_an_actor_matches_requests_made_with_its_token_and_on_a_client(sandbox):
    tenant = await sandbox.tenant()

    async def vendor_with_token() -> None:
        await asyncio.sleep(0.6)
        token = (await sandbox.http.post(f"/t/{tenant}{TOKEN}", data=CLIENT)).json()["access_token"]
        await asyncio.sleep(1.5)  # the second await looks at what is recorded from its own start
        await sandbox.http.get(f"/t/{tenant}/annuaire-sante/fhir/v2/Organization")  # no token: not the actor
        await sandbox.http.get(f"/t/{tenant}/annuaire-sante/fhir/v2/Organization",
                               headers={"Authorization": f"Bearer {token}"})

    task = asyncio.create_task(vendor_with_token())
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Get a token for the practice software
      timeout: 20
      match: {service: pro-sante-connect, path: "*/token", client: sandbox-practice-software}
  - await:
      instruction: List the organisations with that token
      timeout: 20
      match: {service: annuaire-sante, path: /fhir/v2/Organization, actor: system}
""", tenant=tenant)
    await task
    assert result.status == "passed", failures(result)
    assert result.steps[1].exchanges[0].request_headers["authorization"] == "Bearer ***"  # the second request


async def test_an_await_on_an_actor_without_a_token_is_an_error_saying_why(sandbox):
    result = await sandbox.run(HEAD + """\
  - await:
      instruction: Search ADRUN ZOE
      timeout: 1
      match: {service: ins-teleservice, actor: desk}
""")
    step = result.steps[0]
    assert step.status == "error" and "match.actor desk: the actor has no token (login none)" in step.message


async def test_an_awaited_exchange_that_a_fault_rule_answered_carries_the_rule(sandbox):
    tenant = await sandbox.tenant()
    task = asyncio.create_task(vendor(sandbox.http, tenant, ("GET", "/ins-teleservice/fhir/metadata", {})))
    result = await sandbox.run(HEAD + """\
  - fault:
      set: {service: ins-teleservice, status: 503, count: 1}
  - await:
      instruction: Read INSi's metadata during the outage
      timeout: 20
      match: {service: ins-teleservice, path: /fhir/metadata}
      expect: {status: 503}
""", tenant=tenant)
    await task
    assert result.status == "passed", failures(result)
    fault = result.steps[1].exchanges[0].fault
    assert fault["status"] == 503 and fault["id"]


async def test_each_poll_lists_from_the_newest_exchange_looked_at_so_a_busy_tenant_is_not_listed_again(sandbox):
    tenant = await sandbox.tenant()
    listed: list[str] = []

    async def spy(request: httpx.Request) -> None:
        if request.url.path.endswith("/_admin/exchanges"):
            listed.append(request.url.params["since"])

    sandbox.http.event_hooks["request"].append(spy)
    fhir = {"headers": {"content-type": "application/fhir+json"}}

    async def busy_then_match() -> None:
        await vendor(sandbox.http, tenant, *[("GET", "/ins-teleservice/fhir/metadata", {})] * 3)
        await asyncio.sleep(1.5)  # a few polls look at the noise first
        await vendor(sandbox.http, tenant, ("POST", "/ins-teleservice/fhir/Patient/$match",
                                            {"content": match_body("ADRUN", "ZOE", "1975-12-31"), **fhir}))

    task = asyncio.create_task(busy_then_match())
    result = await sandbox.run(HEAD + AWAIT_MATCH, tenant=tenant)
    await task
    assert result.status == "passed", failures(result)
    assert len(set(listed)) > 1  # the since moved on once the noise was looked at
    assert listed[0] == min(listed)
