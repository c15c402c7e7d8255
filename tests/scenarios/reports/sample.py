"""A realistic run for the report tests: two teams, three scenarios each, every step status and body kind.

team-a passes identity-vigilance and insi-outage (a fault rule, SOAP XML bodies, a fault-affected exchange)
and fails gp-finds-a-colleague (a failed assertion, then a skipped step); team-b fails identity-vigilance
(a hostile body), errs in gp-finds-a-colleague (no answer) and fails insi-outage, whose run for team-b adds
an await with an instruction (failed), then a step with a binary body and a long body. A Bearer header is
masked as the recorder masks it.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from scenarios.results import ActorResult, Exchange, RunResult, ScenarioResult, StepResult

TARGET = "http://127.0.0.1:8080"
STARTED = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
HOSTILE = '</script><script>alert(1)</script><img src=x onerror="alert(2)"><link href="http://evil.test/x.css">'
BEARER = "Bearer ***"
FHIR = {"content-type": "application/fhir+json"}
SOAP = {"content-type": 'application/soap+xml; charset=utf-8'}
MATCH = json.dumps({"resourceType": "Patient", "name": [{"family": "ADRUN", "given": ["ZOE"]}], "gender": "female",
                    "birthDate": "1975-12-31"})
FOUND = json.dumps({"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": [
    {"search": {"mode": "match"}, "resource": {"resourceType": "Patient", "identifier": [
        {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "275129912345678"}]}}]})
SOAP_FAULT = ('<?xml version="1.0"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>'
              '<soap:Fault><soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code><soap:Reason><soap:Text '
              'xml:lang="fr">Service indisponible</soap:Text></soap:Reason></soap:Fault></soap:Body></soap:Envelope>')
SOAP_OK = ('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><RESULTAT><CR>00</CR>'
           '<INDIVIDU><NOM>ADRUN</NOM></INDIVIDU></RESULTAT></soap:Body></soap:Envelope>')
LONG = json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": [
    {"resource": {"resourceType": "Practitioner", "id": f"p{i}", "name": [{"family": f"NOM{i}"}]}}
    for i in range(800)]})
PDF = base64.b64encode(b"%PDF-1.4\n" + bytes(range(256)) * 4).decode()
FAULT_RULE = {"id": "f1", "service": "ins-teleservice", "method": "POST", "path": "/lps", "status": 503, "count": 3}


def at(seconds: float) -> datetime:
    return STARTED + timedelta(seconds=seconds)


def exchange(method: str, path: str, status: int | None, tenant: str, **fields) -> Exchange:
    return Exchange(method=method, url=f"{TARGET}/t/{tenant}{path}", status=status, duration_ms=12.5, **fields)


def match(tenant: str, body: str = FOUND) -> Exchange:
    return exchange("POST", "/ins-teleservice/fhir/Patient/$match", 200, tenant, request_headers=dict(FHIR),
                    request_body=MATCH, response_headers=dict(FHIR), response_body=body)


def identity(tenant: str, team: str, hostile: bool) -> ScenarioResult:
    failure = {"where": ["fhirpath", 0], "label": "fhirpath[0]", "expected": "'00'", "found": "'01'",
               "excerpt": HOSTILE}
    steps = [
        StepResult(1, "request", "ADRUN ZOE is found at once (CR 00)", "journeys/identity-vigilance.yaml:19:5",
                   actor="desk", started=at(1), duration_ms=40.0, exchanges=[match(tenant)],
                   captured={"adrun_ins": "275129912345678"}),
        StepResult(2, "request", "TCHITCHI OLA is not found (CR 01)", "fragments/insi-match.yaml:3:3",
                   groups=("TCHITCHI OLA is not found (CR 01)",), actor="desk", started=at(2), duration_ms=35.5,
                   status="failed" if hostile else "passed",
                   message="fhirpath[0]: expected '00'; found '01'" if hostile else "",
                   failures=[failure] if hostile else [],
                   exchanges=[match(tenant, HOSTILE if hostile else FOUND)]),
    ]
    return ScenarioResult("identity-vigilance", "Identity vigilance at the front desk",
                          "scenarios/journeys/identity-vigilance.yaml", tenant, team=team, started=at(0),
                          duration_ms=80.0, tags=["ins"], actors=[ActorResult("desk", "none", persona="ch-volcans")],
                          steps=steps)


def colleague(tenant: str, team: str, error: bool) -> ScenarioResult:
    login = exchange("POST", "/pro-sante-connect/auth/realms/esante-wallet/protocol/openid-connect/ext/ciba/auth",
                     200, tenant, request_headers={"content-type": "application/x-www-form-urlencoded"},
                     request_body="client_id=sandbox-practice-software&client_secret=***&login_hint=899799000015",
                     response_body='{"auth_req_id": "***", "expires_in": 120}')
    search = exchange("GET", "/annuaire-sante/fhir/v2/Practitioner?identifier=810000000001", 200, tenant,
                      request_headers={"authorization": BEARER, "esante-api-key": "***"},
                      response_headers=dict(FHIR), response_body='{"resourceType": "Bundle", "total": 0}')
    first = StepResult(1, "request", "Dr Benali's practitioner record", "journeys/gp-finds-a-colleague.yaml:20:5",
                       actor="gp", started=at(3), duration_ms=20.0, status="failed",
                       message="fhirpath Bundle.total: expected 1; found 0",
                       failures=[{"where": ["fhirpath", "Bundle.total"], "label": "fhirpath Bundle.total",
                                  "expected": "1", "found": "0", "excerpt": '{"resourceType": "Bundle", "total": 0}'},
                                 {"where": ["headers", "content-type"], "label": "headers content-type",
                                  "expected": "application/fhir+json", "found": "application/json", "excerpt": ""}],
                       exchanges=[search])
    if error:
        first = StepResult(1, "request", "Dr Benali's practitioner record", "journeys/gp-finds-a-colleague.yaml:20:5",
                           actor="gp", started=at(3), duration_ms=5000.0, status="error",
                           message="the sandbox did not answer (ConnectTimeout); is it running at the target?",
                           exchanges=[Exchange("GET", f"{TARGET}/t/{tenant}/annuaire-sante/fhir/v2/Practitioner",
                                               request_headers={"authorization": BEARER},
                                               error="no answer (ConnectTimeout)", duration_ms=5000.0)])
    skipped = StepResult(2, "request", "Her MSSanté address", "journeys/gp-finds-a-colleague.yaml:31:5", actor="gp",
                         status="skipped", message="not run: step 1 did not pass")
    return ScenarioResult("gp-finds-a-colleague", "A GP logs in with her e-CPS and looks up a colleague",
                          "scenarios/journeys/gp-finds-a-colleague.yaml", tenant, team=team, started=at(3),
                          duration_ms=5100.0 if error else 120.0,
                          actors=[ActorResult("gp", "psc-ciba", persona="dr-leroy", client="sandbox-practice-software",
                                              exchanges=[login])],
                          steps=[first, skipped])


def outage(tenant: str, team: str, vendor: bool) -> ScenarioResult:
    fault = StepResult(1, "fault", "INSi answers the next three searches with a SOAP Fault",
                       "journeys/insi-outage.yaml:17:5", started=at(4), duration_ms=3.0,
                       exchanges=[exchange("POST", "/_admin/faults", 201, tenant, request_body=json.dumps(FAULT_RULE),
                                           response_body=json.dumps(FAULT_RULE))])
    failed = StepResult(2, "request", "First search during the outage", "journeys/insi-outage.yaml:20:5", actor="lps",
                        started=at(5), duration_ms=8.0,
                        exchanges=[exchange("POST", "/ins-teleservice/lps", 503, tenant, request_headers=dict(SOAP),
                                            request_body=SOAP_OK, response_headers=dict(SOAP),
                                            response_body=SOAP_FAULT, fault=dict(FAULT_RULE))])
    result = ScenarioResult("insi-outage", "Resilience when INSi is down", "scenarios/journeys/insi-outage.yaml",
                            tenant, team=team, started=at(4), duration_ms=30.0,
                            actors=[ActorResult("lps", "none", persona="msp-des-puys")], steps=[fault, failed])
    if vendor:
        result.steps += vendor_steps(tenant)
        result.actors.append(ActorResult("gp", "psc-ciba", persona="dr-leroy"))
        result.duration_ms = 980.0
    return result


def vendor_steps(tenant: str) -> list[StepResult]:
    instruction = "From your software, search INSi for ADRUN ZOE born 1975-12-31 (tenant team-b)."
    waited = StepResult(3, "await", "The vendor searches INSi for ADRUN ZOE", "journeys/insi-outage.yaml:60:5",
                        started=at(6), duration_ms=900.0, status="failed", instruction=instruction,
                        message="no matching exchange within 30 s", failures=[
                            {"where": ["await"], "label": "await", "expected": "POST /ins-teleservice/lps",
                             "found": "nothing in 30 s", "excerpt": ""}])
    documents = exchange("GET", "/ms-espace-sante/fhir/Binary/doc-1", 200, tenant, request_headers={
        "authorization": BEARER}, response_headers={"content-type": "application/pdf"}, response_body=PDF,
        response_base64=True)
    long = exchange("GET", "/annuaire-sante/fhir/v2/Practitioner?_count=800", 200, tenant,
                    response_headers=dict(FHIR), response_body=LONG)
    read = StepResult(4, "request", "The document and the directory", "journeys/insi-outage.yaml:70:5", actor="gp",
                      started=at(7), duration_ms=50.0, exchanges=[documents, long])
    return [waited, read]


def sample_run() -> RunResult:
    """A fresh copy of the run (the tests may change theirs)."""
    scenarios = [identity("team-a", "team-a", hostile=False), colleague("team-a", "team-a", error=False),
                 outage("team-a", "team-a", vendor=False),
                 identity("team-b", "team-b", hostile=True), colleague("team-b", "team-b", error=True),
                 outage("team-b", "team-b", vendor=True)]
    return RunResult(target=TARGET, started=STARTED, duration_ms=6280.0, version="0.1.0", scenarios=scenarios)
