"""What a patient may feed into their record (digest §4.6 class 90): their own documents, authored by them.

A citizen token with ``mes.documents.write`` (403 MES-0304), on a record the caller may change (the
patient, a minor's representative, a carer allowed ``correct``; 403 MES-0303 otherwise), feeds documents of
TRE_A03 class ``90`` ("Autres documents déposés par le patient") whose ``author`` is a contained
``Patient`` (422 MES-0315 otherwise): the same ITI-65 / ITI-105 and the same metadata checks as a
professional's, the same INS confirmation. Checked in the write's transaction (writes.check_record), so a
refusal stores nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.errors import SandboxError
from core.oidc.principals import Patient
from services.ms_espace_sante.access import CLASS_SYSTEM, WRITE_SCOPE, DocumentMeta, patient_scope
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import PatientConsents

PATIENT_CLASS = "90"


def check(user: Patient, document: Mapping[str, Any], record: PatientConsents) -> None:
    """403 / 422 unless ``user`` may feed ``document`` (a stored DocumentReference) into ``record``."""
    if refusal := patient_scope(user, WRITE_SCOPE):
        refusal.raise_if_refused()
    related = record.relation(user.ins)
    if related is None or "correct" not in related[1]:
        raise SandboxError(403, MesCode.NOT_YOUR_RECORD, "A patient adds documents to their own record (or one "
                           "they may change for the patient).", issue="forbidden",
                           expression=["DocumentReference.subject"])
    if DocumentMeta.of(document).classes != {PATIENT_CLASS}:
        raise SandboxError(422, MesCode.PATIENT_DOCUMENT, f"A patient's document is of class {PATIENT_CLASS} "
                           f"(Autres documents déposés par le patient): category {CLASS_SYSTEM}|{PATIENT_CLASS}.",
                           issue="business-rule", expression=["DocumentReference.category"])
    contained = {f"#{r.get('id')}": r for r in document.get("contained") or () if isinstance(r, dict)}
    authors = [contained.get(a.get("reference") or "") for a in document.get("author") or () if isinstance(a, dict)]
    if not authors or any(a is None or a.get("resourceType") != "Patient" for a in authors):
        raise SandboxError(422, MesCode.PATIENT_DOCUMENT, "A patient's document is authored by the patient: author "
                           "references a contained Patient.", issue="business-rule",
                           expression=["DocumentReference.author"])
