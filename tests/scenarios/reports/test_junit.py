"""The JUnit XML report: valid against the JUnit schema CI servers use, named and counted per step."""

from __future__ import annotations

from pathlib import Path

import junitparser
from lxml import etree

from scenarios.reports.junit import write_junit
from scenarios.results import ActorResult, RunResult
from tests.scenarios.reports.sample import sample_run

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).with_name("junit-10.xsd"))))


def written(tmp_path: Path, run: RunResult) -> etree._Element:
    path = write_junit(run, tmp_path / "junit.xml")
    root = etree.parse(str(path)).getroot()
    SCHEMA.assertValid(root)
    return root


def test_the_report_is_valid_against_the_junit_schema(tmp_path):
    root = written(tmp_path, sample_run())
    assert root.tag == "testsuites"
    assert (tmp_path / "junit.xml").read_bytes().startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_a_suite_per_scenario_and_team_and_a_testcase_per_step(tmp_path):
    root = written(tmp_path, sample_run())
    assert [suite.get("name") for suite in root] == [
        "identity-vigilance [team-a]", "gp-finds-a-colleague [team-a]", "insi-outage [team-a]",
        "identity-vigilance [team-b]", "gp-finds-a-colleague [team-b]", "insi-outage [team-b]"]
    outage = root[5]
    assert [case.get("name") for case in outage.iter("testcase")] == [
        "01 INSi answers the next three searches with a SOAP Fault", "02 First search during the outage",
        "03 The vendor searches INSi for ADRUN ZOE", "04 The document and the directory"]
    assert {case.get("classname") for case in outage.iter("testcase")} == {"team-b.insi-outage"}
    assert [case.get("time") for case in outage.iter("testcase")] == ["0.003", "0.008", "0.900", "0.050"]
    properties = {p.get("name"): p.get("value") for p in outage.iter("property")}
    assert properties["tenant"] == "team-b" and properties["team"] == "team-b"
    assert properties["target"] == "http://127.0.0.1:8080"
    assert properties["file"] == "scenarios/journeys/insi-outage.yaml"


def test_counts_per_suite_and_in_total(tmp_path):
    root = written(tmp_path, sample_run())
    colleague_b = root[4]
    assert {k: colleague_b.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "2", "failures": "0", "errors": "1", "skipped": "1"}
    assert {k: root.get(k) for k in ("tests", "failures", "errors")} == {"tests": "14", "failures": "3", "errors": "1"}


def test_a_failed_step_lists_every_failure_and_an_error_or_skip_says_why(tmp_path):
    root = written(tmp_path, sample_run())
    failure = root[1].find("testcase/failure")
    assert failure.get("message") == "fhirpath Bundle.total: expected 1; found 0"
    assert failure.get("type") == "fhirpath,headers"
    assert "headers content-type: expected application/fhir+json; found application/json" in failure.text
    assert root[1].find("testcase[2]/skipped").get("message") == "not run: step 1 did not pass"
    error = root[4].find("testcase/error")
    assert "did not answer" in error.get("message")
    out = root[5].find("testcase[3]/system-out").text
    assert "instruction: From your software, search INSi for ADRUN ZOE" in out
    assert "(fault rule f1)" in root[2].find("testcase[2]/system-out").text


def test_one_team_keeps_plain_names(tmp_path):
    run = sample_run()
    run.scenarios = run.scenarios[:3]
    root = written(tmp_path, run)
    assert [suite.get("name") for suite in root] == ["identity-vigilance", "gp-finds-a-colleague", "insi-outage"]
    assert root[0][1].get("classname") == "identity-vigilance"


def test_a_failed_login_and_a_scenario_that_could_not_start_are_error_testcases(tmp_path):
    run = sample_run()
    run.scenarios[0].actors.append(ActorResult("gp", "psc-ciba", status="error", message="CIBA refused: access_denied"))
    run.scenarios[1].error = "tenant team-a refused: 403"
    root = written(tmp_path, run)
    assert root[0].find("testcase").get("name") == "00 login gp (psc-ciba)"
    assert root[0].find("testcase/error").get("message") == "CIBA refused: access_denied"
    assert root[0].get("tests") == "3" and root[0].get("errors") == "1"
    assert root[1].find("testcase").get("name") == "00 scenario start"


def test_characters_xml_cannot_carry_are_replaced(tmp_path):
    run = sample_run()
    step = run.scenarios[1].steps[0]
    step.failures[0]["excerpt"] = "bad \x00\x1b byte"
    step.message = "found \x07"
    root = written(tmp_path, run)
    assert "bad \ufffd\ufffd byte" in root[1].find("testcase/failure").text


def test_a_ci_parser_reads_it(tmp_path):
    xml = junitparser.JUnitXml.fromfile(str(write_junit(sample_run(), tmp_path / "junit.xml")))
    suites = list(xml)
    assert len(suites) == 6
    outcomes = {case.name: [type(r).__name__ for r in case.result] for suite in suites for case in suite
                if suite.name.endswith("[team-b]")}
    assert outcomes["02 TCHITCHI OLA is not found (CR 01)"] == ["Failure"]
    assert outcomes["01 Dr Benali's practitioner record"] == ["Error"]
    assert outcomes["02 Her MSSanté address"] == ["Skipped"]
    assert outcomes["04 The document and the directory"] == []
    assert suites[3].tests == 2 and suites[3].failures == 1


def test_the_schema_refuses_what_ci_servers_refuse(tmp_path):
    root = written(tmp_path, sample_run())
    del root[0].attrib["errors"]
    etree.SubElement(root[1][1], "errors")  # a misspelt <error>
    assert not SCHEMA.validate(root)
    assert {e.message.split(":")[0] for e in SCHEMA.error_log} >= {"Element 'testsuite'", "Element 'errors'"}
