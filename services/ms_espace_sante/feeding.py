"""Before a write: the metadata checks (metadata.py) and the patient's DMP and INS (ins_check.py).

Runs in the async route, before the write transaction: the INS is confirmed with the INS teleservice
through the peer client (an HTTP call, never inside a database transaction). The traits sent to INSi
are the ones the patient's DMP holds; a patient without a DMP here is 422 MES-0017 before INSi is asked.
"""

from __future__ import annotations

import json

from fastapi import Request

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.peers import peer
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.ins_check import NIR, PatientIns, confirm_ins
from services.ms_espace_sante.store import DmpStore

INS_SLUG = "ins-teleservice"


def no_dmp(ins: PatientIns, where: str) -> SandboxError:
    return SandboxError(422, MesCode.UNKNOWN_PATIENT, f"The INS {ins.value!r} has no DMP in this tenant: check the "
                        "INS, or qualify the identity with INSi first (a persona with a qualified INS has one).",
                        issue="not-found", expression=[where])


async def confirm_patient(request: Request, store: DmpStore, ctx: FhirContext, ins: PatientIns | None,
                          where: str = "subject") -> None:
    """The patient a write names has a DMP here and INSi confirms its INS and traits; raise otherwise.

    A reference to a stored ``Patient/<id>`` (no INS value) is left to the write, which resolves it.
    """
    if ins is None or not ins.value:
        return
    system = ins.system or NIR
    with store.db.read() as conn:
        found = store.patient_by_ins(conn, ctx, ins.value, system)
    if found is None:
        raise no_dmp(ins, where)
    await confirm_ins(peer(request, INS_SLUG), ins=ins.value, traits=json.loads(found.body), system=system,
                      where=where)
