"""The access rules of a write (ITI-65, ITI-105, metadata PATCH) and the trace of a refused one (digest §4.5).

A write names a patient's DMP, so the record-level rules of access.decide_record apply to it as to a
search: a professional the patient blocked gets 403 MES-0204 in every mode, a mode the profession may not
use 403 MES-0206, an emergency mode the patient opposed 403 MES-0205. The decision is taken on the write's
own connection, on the DMP the stored subject names (``Patient?identifier=<INS>`` resolved, or a stored
``Patient/<id>``), so it judges the very record the write would change.
A feeding software (a declared national service's token, feeders.py) meets the software's rules instead:
normal mode only (403 MES-0206), and it replaces only the documents it wrote (403 MES-0211).

Tracing follows the rule of the reads (retrievals and searches): an access decision is traced whatever
its outcome, input refused before any decision (400, 409, 422) leaves nothing. A refused write rolls its
transaction back (nothing of it is stored, not even its AuditEvent of success); :func:`run_write` then
records the refusal (outcome 4, the rule's code and sentence) in a transaction of its own and answers
the 403. The refusal names the patient, and the stored document a PATCH targets; never the ids a
rolled-back submission would have had.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from core.audit import Access, PatientRef
from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.oidc.principals import Patient, Principal, System
from services.ms_espace_sante import access, feeders, patient_documents
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import PatientConsents
from services.ms_espace_sante.records import consents_for
from services.ms_espace_sante.store import DmpStore

T = TypeVar("T")


class RefusedWrite(Exception):
    """A write an access rule refused: the 403 to answer and the AuditEvent to record once rolled back."""

    def __init__(self, error: SandboxError, trace: Access) -> None:
        super().__init__(error.diagnostics)
        self.error = error
        self.trace = trace


def refused(error: SandboxError, *, action: str, subtype: str, mode: access.AccessMode, patient: PatientRef,
            entities: tuple[str, ...] = (), subtype_display: str | None = None) -> RefusedWrite:
    """The :class:`RefusedWrite` of ``error`` (a 403), traced with outcome 4 and ``<code>: <reason>``."""
    return RefusedWrite(error, Access(action, subtype, subtype_display=subtype_display,  # type: ignore[arg-type]
                                      patient=patient, entities=entities, outcome="4",
                                      outcome_desc=f"{error.code}: {error.diagnostics}",
                                      purpose=access.mode_coding(mode)))


def check_record(store: DmpStore, conn: Connection, ctx: FhirContext, user: Principal, document: Mapping[str, Any],
                 *, mode: access.AccessMode, subtype: str, ins: str | None = None) -> PatientConsents:
    """The consents of the DMP a written ``document`` names, once decide_record allows ``user`` to write it.

    Raises :class:`RefusedWrite` (action C, ``subtype`` ITI-65 or ITI-105) when a record-level rule refuses.
    """
    record = consents_for(store, conn, ctx, document)
    if isinstance(user, System):  # never reaches the professionals' rules (matrix, blocks)
        decision = feeders.decide(user, mode=mode, feeders=store.feeders)
    else:
        decision = access.decide_record(user, mode=mode, patient_record=record, matrix=store.matrix)
    if decision.allowed and isinstance(user, Patient):
        patient_documents.check(user, document, record)  # class 90, authored by the patient (422, 403)
    if not decision.allowed:
        patient = PatientRef(ins=record.ins or ins, reference=(document.get("subject") or {}).get("reference"))
        try:
            decision.raise_if_refused()
        except SandboxError as exc:
            raise refused(exc, action="C", subtype=subtype, mode=mode, patient=patient) from None
    return record


def check_replaced(store: DmpStore, conn: Connection, ctx: FhirContext, user: Principal, replaced: Mapping[str, Any],
                   rid: str, *, mode: access.AccessMode, where: str, ins: str | None = None) -> None:
    """A replacement supersedes a stored document: ``user`` must be allowed to see it (access.decide, rules
    1-5: the matrix, MASQUE_PS, the mode), else :class:`RefusedWrite` (action C, ITI-65) naming it. A feeding
    software replaces what it wrote itself only."""
    record = consents_for(store, conn, ctx, replaced)
    if isinstance(user, System):
        check_replaced_by_feeder(store, conn, ctx, user, record, rid, mode=mode, where=where, ins=ins,
                                 subject=(replaced.get("subject") or {}).get("reference"))
        return
    decision = access.decide(user, replaced, mode=mode, patient_record=record, matrix=store.matrix)
    if decision.allowed and isinstance(user, Patient):
        patient_documents.check(user, replaced, record)  # a patient replaces their own documents only
    if decision.allowed:
        return
    patient = PatientRef(ins=record.ins or ins, reference=(replaced.get("subject") or {}).get("reference"))
    try:
        decision.raise_if_refused()
    except SandboxError as exc:
        error = SandboxError(exc.status, exc.code, f"relatesTo replaces DocumentReference/{rid}, which you may "
                             f"not see: {exc.diagnostics} Only a professional who may read a document replaces it.",
                             issue=exc.issue, expression=[where])
        raise refused(error, action="C", subtype="ITI-65", mode=mode, patient=patient,
                      entities=(f"DocumentReference/{rid}",)) from None


def check_replaced_by_feeder(store: DmpStore, conn: Connection, ctx: FhirContext, user: System,
                             record: PatientConsents, rid: str, *, mode: access.AccessMode, where: str,
                             ins: str | None, subject: str | None) -> None:
    """:class:`RefusedWrite` unless the feeder may write in ``mode`` and wrote DocumentReference/``rid`` itself."""
    decision = feeders.decide(user, mode=mode, feeders=store.feeders)
    if decision.allowed and feeders.wrote(store, conn, ctx, user, rid):
        return
    try:
        decision.raise_if_refused()  # MES-0206 (mode), MES-0210
        raise SandboxError(403, MesCode.NOT_THE_FEEDERS_DOCUMENT, f"relatesTo replaces DocumentReference/{rid}, "
                           f"which {user.client_id} did not write: a feeding software replaces only the documents it "
                           "fed itself; the professional who wrote this one replaces it.", issue="forbidden",
                           expression=[where])
    except SandboxError as exc:
        raise refused(exc, action="C", subtype="ITI-65", mode=mode, patient=PatientRef(ins=record.ins or ins,
                      reference=subject), entities=(f"DocumentReference/{rid}",)) from None


async def run_write(store: DmpStore, ctx: FhirContext, user: Principal, write: Callable[[], T]) -> T:
    """Run ``write`` (one write transaction) in the thread pool; a :class:`RefusedWrite` is traced, then raised."""
    try:
        return await run_in_threadpool(write)
    except RefusedWrite as exc:
        await store.audit.record(ctx, user, exc.trace)  # its own transaction: the write's was rolled back
        raise exc.error from None
