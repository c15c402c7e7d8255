"""TD02 "check DMP" (digest §4.5): ``GET /fhir/Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>``.

A searchset with the patient's DMP (a Patient carrying the INS, ``active`` true when open, and the DMP
extensions: attached to Mon espace santé, closure, médecin traitant) or no entry at all: no DMP. Only
the INS identifier is accepted (NIR ``…1.4.8`` or NIA ``…1.4.9``); anything else is 400 MES-0015.
"""

from __future__ import annotations

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.spec import INS_NIA_SYSTEM, INS_NIR_SYSTEM
from services.ms_espace_sante.store import DmpStore

IGNORED = ("_format", "_pretty")


def check_query(params: list[tuple[str, str]]) -> str:
    """The one ``identifier`` value of a TD02 query; 400 MES-0015 otherwise."""
    identifiers = [v for k, v in params if k == "identifier"]
    others = sorted({k for k, _ in params if k not in ("identifier", *IGNORED)})
    system, _, value = identifiers[0].partition("|") if len(identifiers) == 1 else ("", "", "")
    if others or len(identifiers) != 1 or system not in (INS_NIR_SYSTEM, INS_NIA_SYSTEM) or not value:
        extra = f" (not {', '.join(o[:32] for o in others[:5])})" if others else ""
        raise SandboxError(400, MesCode.BAD_PATIENT_QUERY, "The DMP status (TD02) is searched with one "
                           f"identifier={INS_NIR_SYSTEM}|<INS> (or {INS_NIA_SYSTEM}|<NIA>) and nothing else{extra}.",
                           expression=["identifier"])
    return identifiers[0]


def dmp_status(store: DmpStore, conn: Connection, ctx: FhirContext, params: list[tuple[str, str]]) -> FhirResult:
    """The searchset of the INS's DMP (0 or 1 Patient)."""
    identifier = check_query(params)
    return store.api.search(conn, ctx, "Patient", [("identifier", identifier)])
