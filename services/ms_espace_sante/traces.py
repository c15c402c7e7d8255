"""The AuditEvents of the writes and of TD02 (core/audit ``Access``); reads are traced by access.trace.

A write's trace is stored on the write's own connection, so a rejected write leaves no trace of a write
that did not happen ("every rejection stores nothing"); a write an access rule refused (403) is traced
with outcome 4 in a transaction of its own once rolled back (writes.py), as a refused retrieval is; a
retrieval or a DMP status check is traced whatever its outcome, in a transaction of its own.
"""

from __future__ import annotations

import json

from core.audit import Access, PatientRef
from core.fhir.interactions import FhirResult
from services.ms_espace_sante.access import AccessMode, mode_coding
from services.ms_espace_sante.spec import INS_NIR_SYSTEM


def written_documents(results: list[FhirResult]) -> list[dict]:
    """One DocumentReference a write stored per DMP it names (its ``subject``): the records written to."""
    found: dict[object, dict] = {}
    for r in results:
        if r.stored is not None and r.stored.rtype == "DocumentReference" and r.stored.body:
            body = json.loads(r.stored.body)
            found.setdefault((body.get("subject") or {}).get("reference"), body)
    return list(found.values())


def write_access(subtype: str, results: list[FhirResult], ins: str | None, mode: AccessMode) -> Access:
    """``C`` by ITI-65 / ITI-105: the resources written and the patient (INS and its DMP's Patient)."""
    stored = [r.stored for r in results if r.stored is not None]
    subject = next((json.loads(s.body).get("subject", {}).get("reference") for s in stored
                    if s.rtype == "DocumentReference" and s.body), None)
    return Access("C", subtype, patient=PatientRef(ins=ins, reference=subject),
                  entities=tuple(f"{s.rtype}/{s.rid}" for s in stored), purpose=mode_coding(mode))


def status_access(identifier: str, result: FhirResult, query: str, mode: AccessMode) -> Access:
    """``E`` by TD02: the INS asked about and the DMP found (if any)."""
    system, _, ins = identifier.partition("|")
    found = [e["resource"]["id"] for e in json.loads(result.body or "{}").get("entry", [])]
    patient = PatientRef(ins=ins, system=system or INS_NIR_SYSTEM,
                         reference=f"Patient/{found[0]}" if found else None)
    return Access("E", "TD02", patient=patient, entities=tuple(f"Patient/{f}" for f in found), query=query,
                  purpose=mode_coding(mode))
