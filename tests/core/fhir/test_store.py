"""FhirStore lookups outside the search engine: ``by_token`` answers what a search by that one token value
answers (system|code, |code, code), live resources only, in its tenant, at most ``limit``."""

import json
import uuid

import pytest

from core.fhir.interactions import FhirContext

INS = "urn:oid:1.2.250.1.213.1.4.8"


@pytest.fixture
def service(kernel_service):
    return kernel_service


def patient(rid: str, *identifiers: dict) -> dict:
    return {"resourceType": "Patient", "id": rid, "identifier": list(identifiers)}


def test_by_token_answers_what_the_search_answers(service):
    tenant, other = (f"t-{uuid.uuid4().hex[:12]}" for _ in range(2))
    ctx = FhirContext(tenant=tenant, base="http://sandbox.test/fhir")
    with service.db.write() as conn:
        for resource in (patient("a", {"system": INS, "value": "1"}), patient("b", {"system": "urn:x", "value": "1"}),
                         patient("c", {"value": "1"}), patient("d", {"system": INS, "value": "2"})):
            service.api.store.create(conn, tenant=tenant, resource=resource, rid=resource["id"])
        service.api.store.create(conn, tenant=other, resource=patient("e", {"system": INS, "value": "1"}), rid="e")
        gone = service.api.store.create(conn, tenant=tenant, resource=patient("f", {"system": INS, "value": "1"}),
                                        rid="f")
        service.api.store.delete(conn, tenant=tenant, rtype="Patient", rid="f", current_version=gone.version)
    with service.db.read() as conn:
        for value in (f"{INS}|1", "|1", "1", "urn:x|1", f"{INS}|3", f"{INS}|"):
            searched = json.loads(service.api.search(conn, ctx, "Patient", [("identifier", value)]).body)
            expected = sorted(e["resource"]["id"] for e in searched.get("entry", []))
            found = service.api.store.by_token(conn, tenant=tenant, rtype="Patient", param="identifier",
                                               value=value, limit=10)
            assert [s.rid for s in found] == expected, value
            assert all(json.loads(s.body)["id"] == s.rid for s in found)
        assert [s.rid for s in service.api.store.by_token(conn, tenant=tenant, rtype="Patient", param="identifier",
                                                          value="1", limit=2)] == ["a", "b"]


def test_by_token_takes_token_parameters_only(service):
    with service.db.read() as conn, pytest.raises(ValueError):
        service.api.store.by_token(conn, tenant="default", rtype="Patient", param="birthdate", value="x", limit=1)


def test_server_assigned_ids_are_version_7_uuids(service):
    with service.db.write() as conn:
        made = [service.api.store.create(conn, tenant="ids", resource=patient("x", {"value": "1"}) | {"id": None})
                for _ in range(3)]
    assert all(uuid.UUID(s.rid).version == 7 for s in made)
    assert [s.rid[:13] for s in made] == sorted(s.rid[:13] for s in made)  # the millisecond prefix never goes back


def test_each_walks_every_live_resource_of_a_type_in_batches(service):
    tenant, other = (f"t-{uuid.uuid4().hex[:12]}" for _ in range(2))
    store = service.api.store
    with service.db.write() as conn:
        for k in range(7):
            store.create(conn, tenant=tenant, resource=patient(f"p{k}"), rid=f"p{k}")
        store.create(conn, tenant=other, resource=patient("x"), rid="x")
        gone = store.create(conn, tenant=tenant, resource=patient("p9"), rid="p9")
        store.delete(conn, tenant=tenant, rtype="Patient", rid="p9", current_version=gone.version)
    with service.db.read() as conn:
        assert [s.rid for s in store.each(conn, tenant=tenant, rtype="Patient", batch=3)] == [f"p{k}" for k in range(7)]
        assert [s.rid for s in store.each(conn, tenant=other, rtype="Patient")] == ["x"]
