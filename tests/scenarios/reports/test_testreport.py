"""The FHIR TestReport report: valid R4 (checked by core.fhir.models), a test per step, R4's result codes."""

from __future__ import annotations

import json

import pytest

from core.errors import SandboxError
from core.fhir.models import validate_resource
from scenarios.reports.testreport import SCENARIO_SYSTEM, document, scenario_report, write_testreport
from scenarios.results import ActorResult
from tests.scenarios.reports.sample import sample_run

# R4 (4.0.1) value sets bound to TestReport: report-status-codes, report-result-codes,
# report-participant-type, report-action-result-codes.
STATUS = {"completed", "in-progress", "waiting", "stopped", "entered-in-error"}
RESULT = {"pass", "fail", "pending"}
PARTICIPANT = {"test-engine", "client", "server"}
ACTION = {"pass", "skip", "fail", "warning", "error"}


def actions(report: dict) -> list[dict]:
    found = [a for a in report.get("setup", {}).get("action", [])]
    return found + [action for test in report.get("test", []) for action in test["action"]]


def results(test: dict) -> list[tuple[str, str]]:
    return [(kind, body["result"]) for action in test["action"] for kind, body in action.items()]


def test_a_run_of_several_is_a_valid_collection_bundle_of_test_reports(tmp_path):
    path = write_testreport(sample_run(), tmp_path / "testreport.json")
    bundle = json.loads(path.read_text(encoding="utf-8"))
    validate_resource(bundle, "Bundle")
    assert bundle["type"] == "collection"
    reports = [entry["resource"] for entry in bundle["entry"]]
    assert [r["name"] for r in reports][:2] == ["identity-vigilance [team-a]", "gp-finds-a-colleague [team-a]"]
    for entry, report in zip(bundle["entry"], reports, strict=True):
        validate_resource(report, "TestReport")
        assert entry["fullUrl"] == f"urn:uuid:{report['id']}"
        assert report["status"] in STATUS and report["result"] in RESULT
        assert {p["type"] for p in report["participant"]} == PARTICIPANT
        assert {body["result"] for action in actions(report) for body in action.values()} <= ACTION


def test_a_run_of_one_scenario_is_one_test_report():
    run = sample_run()
    run.scenarios = run.scenarios[5:]
    report = document(run)
    validate_resource(report, "TestReport")
    assert report["name"] == "insi-outage"
    assert report["testScript"] == {"identifier": {"system": SCENARIO_SYSTEM, "value": "insi-outage"},
                                    "display": "insi-outage: Resilience when INSi is down"}


def test_one_test_per_step_with_each_status_mapped():
    run = sample_run()
    report = scenario_report(run, run.scenarios[5])  # team-b's insi-outage: passed, passed, failed await, passed
    assert [t["name"] for t in report["test"]] == [
        "01 INSi answers the next three searches with a SOAP Fault", "02 First search during the outage",
        "03 The vendor searches INSi for ADRUN ZOE", "04 The document and the directory"]
    assert results(report["test"][0]) == [("operation", "pass"), ("assert", "pass")]
    awaited = report["test"][2]
    assert results(awaited) == [("operation", "pass"), ("assert", "fail")]
    assert awaited["action"][0]["operation"]["message"].startswith("From your software, search INSi")
    assert awaited["action"][1]["assert"]["message"] == (
        "await: expected POST /ins-teleservice/lps; found nothing in 30 s")
    assert "(fault rule f1 applied)" in report["test"][1]["action"][0]["operation"]["message"]
    assert report["result"] == "fail" and report["score"] == 75.0
    assert report["participant"][2]["uri"] == "http://127.0.0.1:8080/t/team-b"


def test_error_and_skipped_steps_and_every_failure():
    run = sample_run()
    errored = scenario_report(run, run.scenarios[4])  # team-b: no answer, then skipped
    assert results(errored["test"][0]) == [("operation", "error")]
    assert "did not answer" in errored["test"][0]["action"][0]["operation"]["message"]
    assert results(errored["test"][1]) == [("operation", "skip")]
    assert errored["result"] == "fail" and errored["score"] == 0.0
    failed = scenario_report(run, run.scenarios[1])  # team-a: two failures in step 1
    assert results(failed["test"][0]) == [("operation", "pass"), ("assert", "fail"), ("assert", "fail")]
    assert failed["test"][0]["action"][1]["assert"]["message"].startswith(
        "fhirpath Bundle.total: expected 1; found 0\n    body:")
    passed = scenario_report(run, run.scenarios[0])
    assert passed["result"] == "pass" and passed["score"] == 100.0


def test_logins_are_setup_operations_and_a_scenario_that_could_not_start_is_stopped():
    run = sample_run()
    scenario = run.scenarios[1]
    scenario.actors.append(ActorResult("desk", "client-credentials", status="error", message="invalid_client"))
    scenario.error = "tenant team-a refused: 403"
    report = scenario_report(run, scenario)
    validate_resource(report, "TestReport")
    setup = [action["operation"] for action in report["setup"]["action"]]
    assert setup[0] == {"result": "pass", "message": "gp as dr-leroy logs in with psc-ciba"}
    assert setup[1] == {"result": "error", "message": "desk logs in with client-credentials: invalid_client"}
    assert setup[2]["message"] == "tenant team-a refused: 403"
    assert report["status"] == "stopped" and report["result"] == "fail" and report["score"] == 0.0


def test_only_skips_is_pending_and_a_naive_start_is_read_as_utc():
    run = sample_run()
    scenario = run.scenarios[0]
    for step in scenario.steps:
        step.status = "skipped"
    scenario.started = scenario.started.replace(tzinfo=None)
    report = scenario_report(run, scenario)
    validate_resource(report, "TestReport")
    assert report["result"] == "pending" and report["issued"] == "2026-12-02T09:00:00+00:00"


def test_the_validation_used_refuses_a_broken_report():
    report = scenario_report(sample_run(), sample_run().scenarios[0])
    del report["testScript"]["identifier"]
    report["issued"] = "yesterday"
    with pytest.raises(SandboxError):
        validate_resource(report, "TestReport")
