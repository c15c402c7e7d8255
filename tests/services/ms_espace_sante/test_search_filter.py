"""search.document_filter keeps exactly what access.decide allows, for every profession, mode and document shape.

The filter runs in SQL (so totals and pages count visible documents only); access.decide is the rule. Both
are run here over a grid of documents (classes, types the rows deny or allow, masking labels, authors,
a PractitionerRole author, a class without a system, deletion) stored in the kernel's store.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from core.db import Database
from core.fhir.interactions import FhirContext
from core.fhir.router import FhirService
from core.oidc.principals import Patient, Practitioner
from core.settings import ServiceSettings
from services.ms_espace_sante.access import (
    CLASS_SYSTEM,
    ID_NAT_PS_SYSTEM,
    VISIBILITY_SYSTEM,
    AccessMode,
    PatientConsents,
    decide,
    decide_record,
)
from services.ms_espace_sante.consents import TemporaryAccess
from services.ms_espace_sante.habilitations import EHPAD_PLAN, PSYCHIATRIC_SYNTHESIS, default_matrix
from services.ms_espace_sante.search import document_filter
from services.ms_espace_sante.spec import dmp_spec

AUTHOR, GP, OTHER = "810000000001", "810000000002", "810000000003"
CTX = FhirContext(tenant="default", base="http://x/fhir")
RECORD = PatientConsents(ins="275126322074974", medecin_traitant=GP)


def pro(id_nat_ps: str, profession: str) -> Practitioner:
    return Practitioner(id_nat_ps=id_nat_ps, rpps=id_nat_ps[1:], given_name=None, family_name=None,
                        profession=profession, specialty=None, organisations=(), client_id="lps",
                        scopes=frozenset(), tenant="default")


def document(class_code, type_code, label, author, role, class_system, status):  # noqa: ANN001, ANN201
    ident = [{"system": ID_NAT_PS_SYSTEM, "value": author}]
    contained = [{"resourceType": "Practitioner", "id": "p", "identifier": ident}]
    if role:  # the author is a PractitionerRole naming the Practitioner
        contained.append({"resourceType": "PractitionerRole", "id": "r", "practitioner": {"reference": "#p"}})
    category = {"code": class_code, **({"system": CLASS_SYSTEM} if class_system else {})}
    return {"resourceType": "DocumentReference", "status": status, "contained": contained,
            "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
            "category": [{"coding": [category]}], "author": [{"reference": "#r" if role else "#p"}],
            "securityLabel": [{"coding": [{"system": VISIBILITY_SYSTEM, "code": label}]}],
            "subject": {"reference": "Patient/x"}}


GRID = list(itertools.product(("10", "11", "60", "99"), ("11488-4", PSYCHIATRIC_SYNTHESIS, EHPAD_PLAN, "18776-5"),
                              ("N", "MASQUE_PS", "MASQUE_PSOCIAL", "INVISIBLE_PATIENT"), (AUTHOR, OTHER),
                              (False, True), (True, False), ("current", "entered-in-error")))


@pytest.fixture(scope="module")
def store():
    db = Database("sqlite://", prefix="mes_filter")
    fhir = FhirService(dmp_spec(), db, ServiceSettings.for_slug("ms-espace-sante"))
    db.create_all()
    with db.write() as conn:
        fhir.api.store.bulk_load(conn, tenant="default", resources=[
            {**document(*cell), "id": f"d{i}"} for i, cell in enumerate(GRID)])
    return fhir


@pytest.mark.parametrize("profession", ["10", "21", "40", "70", "80", "99"])
@pytest.mark.parametrize("who", [AUTHOR, GP, OTHER])
@pytest.mark.parametrize("mode", [AccessMode.NORMAL, AccessMode.BRIS_DE_GLACE])
@pytest.mark.parametrize("deleted", [False, True], ids=["default", "asks-deleted"])
def test_the_sql_filter_is_the_access_rule(store, profession, who, mode, deleted):
    principal = pro(who, profession)
    matrix = default_matrix()
    if not decide_record(principal, mode=mode, patient_record=RECORD, matrix=matrix).allowed:
        return  # the mode is not this profession's: the search is 403 before any filter (test_search.py)
    extra = document_filter(store.api.search_engine, "default", principal, mode=mode, record=RECORD, matrix=matrix,
                            deleted=deleted)
    found, total = set(), None
    with store.db.read() as conn:
        for offset in ("0", "500", "1000"):  # the page size is capped at 500
            body = json.loads(store.api.search(conn, CTX, "DocumentReference", [("_count", "500"), ("_offset", offset)],
                                               extra=extra).body)
            found |= {e["resource"]["id"] for e in body.get("entry", [])}
            total = body["total"]
    shown = ("current", "entered-in-error") if deleted else ("current",)  # deleted ones to their author only
    expected = {f"d{i}" for i, cell in enumerate(GRID) if cell[-1] in shown and (
        cell[-1] == "current" or cell[3] == who) and decide(
        principal, document(*cell), mode=mode, patient_record=RECORD, matrix=matrix).allowed}
    assert total == len(found) and found == expected


def visible_ids(store, extra) -> set[str]:  # noqa: ANN001
    """The ids of every DocumentReference the filter keeps (pages of 500)."""
    found = set()
    with store.db.read() as conn:
        for offset in ("0", "500", "1000"):
            body = json.loads(store.api.search(conn, CTX, "DocumentReference", [("_count", "500"), ("_offset", offset)],
                                               extra=extra).body)
            found |= {e["resource"]["id"] for e in body.get("entry", [])}
    return found


def test_a_patient_sees_their_documents_but_the_hidden_and_the_deleted(store):
    me = Patient(ins=RECORD.ins, subject=None, given_name=None, family_name=None, client_id="sandbox-patient-app",
                 scopes=frozenset({"mes.documents.read"}), tenant="default")
    extra = document_filter(store.api.search_engine, "default", me, mode=AccessMode.NORMAL, record=RECORD,
                            matrix=default_matrix(), deleted=True)
    found = visible_ids(store, extra)
    expected = {f"d{i}" for i, cell in enumerate(GRID) if cell[-1] == "current" and decide(
        me, document(*cell), mode=AccessMode.NORMAL, patient_record=RECORD).allowed}
    assert found == expected and all(GRID[int(i[1:])][2] != "INVISIBLE_PATIENT" for i in found)
    assert len(expected) == len(GRID) // 2 * 3 // 4  # current ones, but a quarter hidden from the patient


@pytest.mark.parametrize("profession", ["70", "99"])
def test_a_temporary_access_lifts_the_row_in_sql_as_in_the_rule(store, profession):
    now = datetime.now(UTC)
    record = PatientConsents(ins=RECORD.ins, medecin_traitant=GP, temporary=(
        TemporaryAccess(OTHER, (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()),))
    principal, matrix = pro(OTHER, profession), default_matrix()
    extra = document_filter(store.api.search_engine, "default", principal, mode=AccessMode.NORMAL, record=record,
                            matrix=matrix, deleted=False)
    found = visible_ids(store, extra)
    expected = {f"d{i}" for i, cell in enumerate(GRID) if cell[-1] == "current" and decide(
        principal, document(*cell), mode=AccessMode.NORMAL, patient_record=record, matrix=matrix).allowed}
    without = {f"d{i}" for i, cell in enumerate(GRID) if cell[-1] == "current" and decide(
        principal, document(*cell), mode=AccessMode.NORMAL, patient_record=RECORD, matrix=matrix).allowed}
    assert found == expected and without < expected
