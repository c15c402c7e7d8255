"""Searches are index lookups, never scans of the resource table or of JSON (SQLite query plans)."""

import pytest

from core.db import Database
from core.fhir.router import FhirService
from core.settings import ServiceSettings
from tests.kernel_app.app import SLUG, SPEC


@pytest.fixture(scope="module")
def service():
    db = Database("sqlite://", prefix="kernel_demo")
    fhir = FhirService(SPEC, db, ServiceSettings.for_slug(SLUG))
    db.create_all()
    return fhir


def plan(service, rtype: str, params: list[tuple[str, str]], *, count: bool = False) -> list[str]:
    engine = service.api.search_engine
    req = engine.parse(rtype, params)
    where = engine.where("default", req, ())
    stmt = engine.count_query(req, where) if count else engine.page_query("default", req, where)  # as run() sends
    sql = str(stmt.compile(service.db.engine, compile_kwargs={"literal_binds": True}))
    with service.db.read() as conn:
        return [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]


@pytest.mark.parametrize("rtype, params, index", [
    ("Patient", [("identifier", "urn:oid:1.2.250.1.213.1.4.8|1")], "ix_token_code"),
    ("Patient", [("name", "dup")], "ix_string_norm"),
    ("Patient", [("family:exact", "Dupré")], "ix_string_norm"),  # one index for prefix and :exact
    ("Patient", [("birthdate", "ge2000")], "ix_date_low"),
    ("Observation", [("subject", "Patient/1")], "ix_ref_target"),
    ("Observation", [("patient.identifier", "x|y")], "ix_token_code"),
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
