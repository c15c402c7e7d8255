"""core/audit: AuditEvents built from principals, validated, stored and found by patient, mode, agent.

The store tests run on SQLite and, when SANDBOX_TEST_POSTGRES_URL is set, PostgreSQL (one tenant per test).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData

from core.audit import AUDIT_EVENT, Access, Audit, PatientRef, audit_event
from core.db import Database
from core.errors import SandboxError
from core.fhir.declare import FhirSpec, ResourceSpec, SearchParam
from core.fhir.interactions import FhirApi, FhirContext
from core.fhir.models import validate_resource
from core.fhir.schema import fhir_tables
from core.identifiers import IDNAT_PS_OID, INS_NIR_OID
from core.oidc.principals import Patient, Practitioner, System

INS = "275126322074974"
MODE = {"system": "https://mos.esante.gouv.fr/NOS/TRE_R248-ModeAcces/FHIR/TRE-R248-ModeAcces", "code": "centre_15"}
PRO = Practitioner(id_nat_ps="899700218896", rpps="99700218896", given_name="ROBERT", family_name="SPECIALISTE",
                   profession="10", specialty=None, organisations=(), client_id="lps-demo", scopes=frozenset(),
                   tenant="t1")


@pytest.fixture
def audit(database_url):
    """An Audit over a demo FHIR spec, with ``audit.ctx`` a tenant of its own holding Patient/p1."""
    tenant = f"t-{uuid.uuid4().hex[:12]}"
    spec = FhirSpec(resources=[AUDIT_EVENT, ResourceSpec("Patient", params=(
        SearchParam("identifier", "token", "Patient.identifier"),))], name="demo")
    db = Database(database_url, "audittest", MetaData())
    api = FhirApi(spec, fhir_tables(db.metadata, "audittest"))
    db.create_all()
    with db.write() as conn:
        api.store.create(conn, tenant=tenant, rid="p1", resource={
            "resourceType": "Patient", "identifier": [{"system": INS_NIR_OID, "value": INS}]})
    trail = Audit(api, db, "demo")
    trail.ctx = FhirContext(tenant=tenant, base=f"http://sandbox.test/t/{tenant}/demo/fhir")  # type: ignore[attr-defined]
    yield trail
    db.dispose()


def search(audit: Audit, query: str) -> list[dict]:
    with audit.db.read() as conn:
        req = audit.api.search_engine.parse("AuditEvent", parse_qsl(query))
        found = audit.api.search_engine.run(conn, tenant=audit.ctx.tenant, req=req, base_urls=audit.ctx.base_urls)
        return [json.loads(s.body) for s in found.matches]


def retrieval(**kw) -> Access:
    return Access("R", "ITI-68", patient=PatientRef(INS, reference="Patient/p1"),
                  entities=("DocumentReference/d1",), purpose=MODE, **kw)


def test_event_shape_for_a_professional():
    event = audit_event(PRO, retrieval(), source="demo", recorded="2026-12-02T05:00:00.000Z")
    assert event["type"] == {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110106",
                             "display": "Export"}
    assert event["subtype"] == [{"system": "urn:ihe:event-type-code", "code": "ITI-68", "display": "Retrieve Document"}]
    assert event["action"] == "R" and event["outcome"] == "0" and event["recorded"].endswith("Z")
    assert event["purposeOfEvent"] == [{"coding": [MODE]}]
    user, software = event["agent"]
    assert user["who"]["identifier"] == {"system": IDNAT_PS_OID, "value": "899700218896"} and user["requestor"]
    assert user["role"][0]["coding"][0]["code"] == "10"
    assert software["altId"] == "lps-demo" and software["requestor"] is False
    assert event["source"]["site"] == "demo"
    patient, document = event["entity"]
    assert patient["what"] == {"reference": "Patient/p1", "identifier": {"system": INS_NIR_OID, "value": INS}}
    assert patient["role"]["code"] == "1" and document["what"] == {"reference": "DocumentReference/d1"}


def test_other_principals_and_rest_type():
    robot = System(client_id="batch", scopes=frozenset(), tenant="t1")
    event = audit_event(robot, Access("U", "TD3.3a", subtype_system="urn:sandbox", query="a=b"), source="demo")
    assert event["type"]["code"] == "rest"
    assert [s["code"] for s in event["subtype"]] == ["TD3.3a", "update"]
    assert event["agent"] == [{"type": event["agent"][0]["type"], "who": event["agent"][0]["who"],
                               "altId": "batch", "requestor": True}]
    assert base64.b64decode(event["entity"][0]["query"]) == b"a=b"
    me = Patient(ins=INS, subject=None, given_name=None, family_name=None, client_id=None, scopes=frozenset(),
                 tenant="t1")
    assert audit_event(me, Access("R"), source="demo")["agent"][0]["who"]["identifier"]["value"] == INS


async def test_record_stores_a_valid_event_found_by_patient_identifier(audit):
    stored = await audit.record(audit.ctx, PRO, retrieval())
    assert stored.rtype == "AuditEvent" and stored.version == 1
    await audit.record(audit.ctx, PRO, Access("E", "ITI-67", patient=PatientRef("1" * 15), query="status=current"))
    found = search(audit, f"patient.identifier={INS_NIR_OID}|{INS}")
    assert [e["id"] for e in found] == [stored.rid]
    assert len(search(audit, f"entity-identifier={INS_NIR_OID}|{INS}")) == 1
    assert len(search(audit, f"agent-identifier={IDNAT_PS_OID}|899700218896")) == 2
    assert len(search(audit, "purpose=centre_15")) == 1
    assert len(search(audit, "subtype=urn:ihe:event-type-code|ITI-67")) == 1
    assert len(search(audit, "entity=DocumentReference/d1")) == 1


def test_write_joins_the_request_transaction(audit):
    with pytest.raises(RuntimeError), audit.db.write() as conn:
        audit.write(conn, audit.ctx, PRO, retrieval())
        raise RuntimeError("the request's write failed")
    assert search(audit, "action=R") == []
    with audit.db.atomic():
        audit.write_own(audit.ctx, PRO, retrieval(outcome="4", outcome_desc="MES-0203 masked"))
    refused = search(audit, "outcome=4")
    assert refused[0]["outcomeDesc"] == "MES-0203 masked"


def test_invalid_event_is_refused_before_storing(audit):
    with pytest.raises(SandboxError) as err:
        audit.build(PRO, Access("R", extra={"recorded": "yesterday"}))
    assert err.value.code == "FHIR-0003"


def test_spec_must_declare_audit_event():
    spec = FhirSpec(resources=[ResourceSpec("Patient")])
    db = Database("sqlite://", "auditno", MetaData())
    with pytest.raises(ValueError, match="AUDIT_EVENT"):
        Audit(FhirApi(spec, fhir_tables(db.metadata, "auditno")), db, "nope")


TEXT = st.text(max_size=40)
REFERENCE = st.from_regex(r"[A-Z][a-zA-Z]{0,20}/[A-Za-z0-9\-.]{1,64}", fullmatch=True)
PRINCIPALS = st.one_of(
    st.builds(Practitioner, id_nat_ps=st.from_regex(r"[0-9]{1,20}", fullmatch=True), rpps=st.none(),
              given_name=st.none() | TEXT, family_name=st.none() | TEXT,
              profession=st.none() | st.from_regex(r"[0-9]{2}", fullmatch=True), specialty=st.none(),
              organisations=st.just(()), client_id=st.none() | TEXT, scopes=st.just(frozenset()), tenant=st.just("t")),
    st.builds(Patient, ins=st.from_regex(r"[0-9]{15}", fullmatch=True), subject=st.none(),
              given_name=st.none() | TEXT, family_name=st.none() | TEXT, client_id=st.none() | TEXT,
              scopes=st.just(frozenset()), tenant=st.just("t")),
    st.builds(System, client_id=TEXT, scopes=st.just(frozenset()), tenant=st.just("t")),
    st.none())
ACCESSES = st.builds(
    Access, action=st.sampled_from(["C", "R", "U", "D", "E"]), subtype=st.none() | st.sampled_from(
        ["ITI-65", "ITI-67", "ITI-68", "TD02", "TD3.3a", "TD3.3"]), subtype_display=st.none() | TEXT,
    patient=st.none() | st.builds(PatientRef, st.none() | st.from_regex(r"[0-9]{15}", fullmatch=True),
                                  reference=st.none() | REFERENCE),
    entities=st.lists(REFERENCE, max_size=5).map(tuple), query=st.none() | TEXT,
    outcome=st.sampled_from(["0", "4", "8"]), outcome_desc=st.none() | TEXT,
    purpose=st.none() | st.just(MODE))


@settings(max_examples=300, deadline=None)
@given(principal=PRINCIPALS, access=ACCESSES)
def test_the_builder_makes_a_valid_event_from_any_principal_and_text(principal, access):
    """Why Audit.build validates only events with a service's ``extra`` elements (subtypes are the services'
    own codes; every text, which may come from a client, is any text)."""
    validate_resource(audit_event(principal, access, source="demo"), "AuditEvent")


def test_event_ids_are_version_7_uuids_that_grow_with_time():
    ids = [audit_event(PRO, Access("R"), source="demo")["id"] for _ in range(50)]
    time.sleep(0.002)
    later = audit_event(PRO, Access("R"), source="demo")["id"]
    parsed = [uuid.UUID(i) for i in ids]
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in parsed) and len(set(ids)) == 50
    assert all(later > i for i in ids)  # a later millisecond sorts after, as text too
    assert abs((parsed[0].int >> 80) - time.time() * 1000) < 5000


def test_an_event_is_stored_once_its_type_serving_no_versions(audit):
    """AuditEvent is read and search only: no copy of its body in the history table (FhirSpec.keeps_history);
    the Patient beside it, which serves vread and _history, keeps its version 1."""
    from sqlalchemy import func, select

    stored = audit.write_own(audit.ctx, PRO, retrieval())
    hist = audit.api.store.t.hist
    with audit.db.read() as conn:
        def versions(rtype: str, rid: str) -> int:
            return conn.execute(select(func.count()).select_from(hist).where(
                hist.c.tenant == audit.ctx.tenant, hist.c.rtype == rtype, hist.c.rid == rid)).scalar_one()
        assert versions("AuditEvent", stored.rid) == 0 and versions("Patient", "p1") == 1
        assert audit.api.store.current(conn, tenant=audit.ctx.tenant, rtype="AuditEvent", rid=stored.rid) is not None
    assert not audit.api.spec.keeps_history("AuditEvent") and audit.api.spec.keeps_history("Patient")
