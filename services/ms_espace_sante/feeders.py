"""Feeding software: national services that write to a DMP server to server (docs/ms-espace-sante.md).

The CNAM's e-prescription base feeds the prescription (LOINC 57833-6, class 42) and the dispensation
(60593-1, class 43) into the patient's record itself, retries included, with no user at hand: its token is
a Pro Santé Connect ``client_credentials`` one (a core :class:`System` principal). The two write routes
(ITI-65, ITI-105: ``deps.Writer``) take such a token when its client is in ``MS_ESPACE_SANTE_FEEDER_CLIENTS``
(else 403 MES-0210); every other route refuses software tokens as before (403 AUTH-0008). A feeder's write:

- meets the record-level rules that mean something for software: the DMP exists and INSi confirms the INS
  (feeding.py), the metadata checks are everyone's;
- names the professional it writes for: every document has a contained Practitioner(Role) author with an
  idNat_PS or RPPS (422 MES-0108), a Device or Patient author alone is not enough;
- uses the normal access mode only (403 MES-0206); no habilitation-matrix row applies (no profession);
- is not checked against the patient's blocks: a block names a professional who reads, not the author of a
  document a national service feeds (the sandbox's choice: no published rule says otherwise);
- replaces (``relatesTo`` replaces) only a document the same software wrote, as its AuditEvent of that
  write says (403 MES-0211 otherwise: a professional's document is replaced by a professional).
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import Connection

from core.audit.events import CLIENT_ID_SYSTEM
from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.oidc.principals import Principal, System
from services.ms_espace_sante.access import ACCESS_MODE_HEADER, AccessMode, Decision, refuse
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.metadata import CheckedSubmission
from services.ms_espace_sante.metadata_documents import CheckedDocument
from services.ms_espace_sante.store import DmpStore

SETTING = "MS_ESPACE_SANTE_FEEDER_CLIENTS"


def not_a_feeder(user: System) -> SandboxError:
    return SandboxError(403, MesCode.NOT_A_FEEDER, f"This software ({user.client_id}) is not declared as a feeder: "
                        f"{SETTING} lists the national services that write to records with a software token; "
                        "anyone else writes with a professional's token (or a patient's).", issue="forbidden")


def require_feeder(user: Principal, feeders: frozenset[str]) -> Principal:
    """``user`` unless it is software whose client is not a declared feeder (403 MES-0210)."""
    if isinstance(user, System) and user.client_id not in feeders:
        raise not_a_feeder(user)
    return user


def decide(user: System, *, mode: AccessMode, feeders: frozenset[str]) -> Decision:
    """Whether a feeding software may write to a record in ``mode`` (the record-level rules of software)."""
    if user.client_id not in feeders:
        error = not_a_feeder(user)
        return refuse(MesCode.NOT_A_FEEDER, error.diagnostics, mode)
    if mode is not AccessMode.NORMAL:
        return refuse(MesCode.MODE_NOT_ALLOWED, f"A feeding software writes in normal access only: leave "
                      f"{ACCESS_MODE_HEADER} out (not {mode.value}); emergency modes are a professional's.", mode)
    return Decision(True, f"declared feeding software {user.client_id} ({SETTING})", mode=mode)


def check_authors(user: Principal, checked: CheckedSubmission | CheckedDocument) -> None:
    """422 MES-0108 when software feeds a document no professional authored (a contained Practitioner(Role)
    with an idNat_PS or RPPS): a national service writes on a professional's behalf."""
    if not isinstance(user, System):
        return
    if isinstance(checked, CheckedSubmission):
        documents = [(f"Bundle.entry[{d.index}].resource.author", d.authors) for d in checked.documents]
    else:
        documents = [("DocumentReference.author", checked.authors)]
    if missing := [where for where, authors in documents if not authors]:
        raise SandboxError(422, MesCode.BAD_AUTHOR, "A feeding software writes for a professional: each document's "
                           "author is a contained Practitioner (or PractitionerRole) with an idNat_PS "
                           "(urn:oid:1.2.250.1.71.4.2.1) or RPPS, the prescriber or the pharmacist.",
                           issue="business-rule", expression=missing)


def wrote(store: DmpStore, conn: Connection, ctx: FhirContext, user: System, rid: str) -> bool:
    """Whether ``user`` wrote DocumentReference/``rid``: an AuditEvent of a successful write names both."""
    query = urlencode({"entity": f"DocumentReference/{rid}", "action": "C", "outcome": "0",
                       "agent-identifier": f"{CLIENT_ID_SYSTEM}|{user.client_id}"})
    return bool(store.api.find(conn, ctx, "AuditEvent", query))
