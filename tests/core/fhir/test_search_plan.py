"""Searches are index lookups, never scans of the resource table or of JSON (SQLite query plans); with
several criteria, a small one drives and the others are checked per candidate (core/fhir/search_plan.py)."""

import json

import pytest

from core.db import Database
from core.fhir.interactions import FhirContext
from core.fhir.router import FhirService
from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, SPEC


@pytest.fixture(scope="module")
def service():
    db = Database("sqlite://", prefix="kernel_demo")
    fhir = FhirService(SPEC, db, ServiceSettings.for_slug(SLUG))
    db.create_all()
    return fhir


def plan(service, rtype: str, params: list[tuple[str, str]], *, count: bool = False, tenant: str = "default",
         extra=()) -> list[str]:
    engine = service.api.search_engine
    req = engine.parse(rtype, params)
    with service.db.read() as conn:
        where = [*engine.where(conn, tenant, req, ()), *extra]
        stmt = engine.count_query(req, where) if count else engine.page_query(tenant, req, where)  # as run() sends
        return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt.text, stmt.params)]


@pytest.mark.parametrize("rtype, params, index", [
    ("Patient", [("identifier", "urn:oid:1.2.250.1.213.1.4.8|1")], "ix_token_value"),
    ("Patient", [("name", "dup")], "ix_string_value"),
    ("Patient", [("family:exact", "Dupré")], "ix_string_value"),  # one index for prefix and :exact
    ("Patient", [("birthdate", "ge2000")], "ix_date_value"),
    ("Observation", [("subject", "Patient/1")], "ix_ref_value"),
    ("Observation", [("patient.identifier", "x|y")], "ix_token_value"),
])
@pytest.mark.parametrize("count", [False, True], ids=["page", "count"])
def test_search_drives_from_the_parameter_index(service, rtype, params, index, count):
    steps = plan(service, rtype, params, count=count)
    assert steps[0].startswith("SEARCH kernel_demo_fhir_res USING") and "rid=?" in steps[0], steps
    assert any(index in step for step in steps), steps
    assert not any(step.startswith("SCAN") for step in steps), steps


def test_a_search_without_criteria_reads_only_the_lastupdated_index(service):
    steps = plan(service, "Patient", [])
    assert steps[0] == ("SEARCH kernel_demo_fhir_res USING COVERING INDEX kernel_demo_fhir_res_updated "
                        "(tenant=? AND rtype=?)"), steps
    assert "USE TEMP B-TREE FOR ORDER BY" not in steps, steps  # in index order (ties on rid aside)
    assert plan(service, "Patient", [], count=True)[0].startswith(
        "SEARCH kernel_demo_fhir_res USING COVERING INDEX kernel_demo_fhir_res_updated")


@pytest.fixture(scope="module")
def crowded(service):
    """Tenant ``crowded``: 300 final Observations, one of them Patient/small's (more than the probe limit)."""
    observations = [{"resourceType": "Observation", "id": f"o{n}", "status": "final",
                     "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                     "subject": {"reference": "Patient/small" if n == 0 else f"Patient/p{n}"}} for n in range(300)]
    with service.db.write() as conn:
        service.api.store.bulk_load(conn, tenant="crowded", resources=observations)
    return "crowded"


@pytest.mark.parametrize("order", [["status", "subject"], ["subject", "status"]])
@pytest.mark.parametrize("count", [False, True], ids=["page", "count"])
def test_the_small_criterion_drives_and_the_big_one_is_checked_per_candidate(service, crowded, order, count):
    values = {"status": "final", "subject": "Patient/small"}
    steps = plan(service, "Observation", [(name, values[name]) for name in order], count=count, tenant=crowded)
    drive = [s for s in steps if "ix_ref_value" in s]
    assert drive and not any("ix_token_value" in s for s in steps), steps  # status=final is never materialised
    assert any("CORRELATED" in s for s in steps) and any("ix_token_owner" in s for s in steps), steps
    assert not any(step.startswith("SCAN") for step in steps), steps


def test_when_no_criterion_is_known_small_the_planner_chooses_as_before(service, crowded):
    steps = plan(service, "Observation", [("status", "final"), ("code", "8867-4")], tenant=crowded)
    assert not any("CORRELATED" in s for s in steps), steps  # both sets reach the probe limit: both IN


def test_an_id_drives_and_every_criterion_is_checked(service, crowded):
    steps = plan(service, "Observation", [("_id", "o0"), ("status", "final")], tenant=crowded)
    assert steps[0].startswith("SEARCH kernel_demo_fhir_res USING") and "rid=?" in steps[0], steps
    assert any("ix_token_owner" in s for s in steps) and not any("ix_token_value" in s for s in steps), steps


def test_a_services_extra_clause_is_checked_per_candidate(service, crowded):
    engine = service.api.search_engine
    extra = [engine.criterion(crowded, "Observation", "status:not", "cancelled")]
    steps = plan(service, "Observation", [("subject", "Patient/small")], tenant=crowded, extra=extra)
    assert any("ix_ref_value" in s for s in steps) and any("ix_token_owner" in s for s in steps), steps
    assert not any("ix_token_value" in s for s in steps), steps


@pytest.mark.parametrize("params, expected", [
    ([("status", "final"), ("subject", "Patient/small")], ["o0"]),
    ([("subject", "Patient/small"), ("status:not", "final")], []),
    ([("subject", "Patient/small"), ("code:missing", "true")], []),
    ([("subject", "Patient/small"), ("code:missing", "false"), ("status", "final,amended")], ["o0"]),
    ([("subject", "Patient/small,Patient/p7"), ("status", "final")], ["o0", "o7"]),
    ([("_id", "o0,o1"), ("subject", "Patient/p1")], ["o1"]),
])
def test_planned_searches_find_what_the_criteria_say(service, crowded, params, expected):
    with service.db.read() as conn:
        result = service.api.search(conn, FhirContext(tenant=crowded, base="http://x/fhir"), "Observation", params)
    bundle = json.loads(result.body)
    assert sorted(e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match") == expected
    assert bundle["total"] == len(expected)


@pytest.mark.parametrize("order, probes", [(["subject", "status"], 1), (["status", "subject"], 2)])
def test_a_small_probe_stops_the_probing(service, crowded, monkeypatch, order, probes):
    from core.fhir import search_plan
    counted = []
    real = search_plan.bounded_count
    monkeypatch.setattr(search_plan, "bounded_count", lambda conn, rids: counted.append(1) or real(conn, rids))
    values = {"status": "final", "subject": "Patient/small"}
    with service.db.read() as conn:
        found = service.api.search(conn, FhirContext(tenant=crowded, base="http://x/fhir"), "Observation",
                                   [(name, values[name]) for name in order])
    assert json.loads(found.body)["total"] == 1 and len(counted) == probes


@pytest.mark.parametrize("params, total, counts", [
    ([("subject", "Patient/small")], 1, 0),  # one page, not empty: its length is the total
    ([("status", "final"), ("_count", "50")], 300, 1),  # more pages: counted
    ([("status", "final"), ("_count", "50"), ("_offset", "280")], 300, 0),  # the last page: offset + length
    ([("status", "final"), ("_count", "50"), ("_offset", "400")], 300, 1),  # past the end: counted
    ([("subject", "Patient/nobody")], 0, 1),
])
def test_the_total_is_counted_only_when_the_page_does_not_tell_it(service, crowded, params, total, counts):
    from sqlalchemy import event
    seen = []

    def log(conn, cursor, statement, *args):  # noqa: ANN001
        seen.append(statement)

    event.listen(service.db.engine, "before_cursor_execute", log)
    try:
        with service.db.read() as conn:
            found = service.api.search(conn, FhirContext(tenant=crowded, base="http://x/fhir"), "Observation", params)
    finally:
        event.remove(service.db.engine, "before_cursor_execute", log)
    assert json.loads(found.body)["total"] == total
    counted = [s for s in seen if s.lstrip().upper().startswith("SELECT COUNT(") and "LIMIT" not in s.upper()]
    assert len(counted) == counts, seen
