"""The FHIR façade's operations (digest §1.5, §1.7 item 5): ``Patient/$match`` is the INSi traits search,
``Patient/$ins-verify`` checks an INS against the traits INSi holds, ``Patient/{id}`` reads an identity."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from core.codes import Code
from core.errors import SandboxError
from services.ins_teleservice import store
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.fhir_in import (
    INS_SYSTEMS,
    Inputs,
    bad,
    ins_identifier,
    patient_query,
    read_parameters,
)
from services.ins_teleservice.fhir_out import match_bundle, patient
from services.ins_teleservice.identity import Identity
from services.ins_teleservice.resultat import cr_code
from services.ins_teleservice.traits import Query
from services.ins_teleservice.verify import Claim, verify

MATCH_PARAMS = {"resource": "resource", "onlyCertainMatches": "valueBoolean", "count": "valueInteger"}
INS_FAMILY = "urn:oid:1.2.250.1.213.1.4."
VERIFY_PARAMS = {"ins": ("valueIdentifier", "valueString"), "system": "valueUri", "resource": "resource"}


def _patient_of(inputs: Inputs) -> tuple[str, dict]:
    found = inputs.one("resource")
    if found is None:
        raise bad(InsCode.BAD_OPERATION_INPUT, "The 'resource' parameter (a Patient with the traits) is required.",
                  "Parameters.parameter")
    where, param = found
    resource = param.get("resource", param) if where != "Patient" else param
    if resource.get("resourceType") != "Patient":
        raise bad(InsCode.BAD_OPERATION_INPUT, f"{where} must be a Patient.", where)
    return where, resource


def _holder(conn: Connection, tenant: str, matricule: str) -> Identity | None:
    """The identity holding this matricule, as its active INS or as a former one."""
    row = store.find_by_matricule(conn, tenant=tenant, matricule=matricule)
    rows = [row] if row is not None else store.find_by_former_matricule(conn, tenant=tenant, matricule=matricule)
    return store.load(conn, tenant=tenant, row=rows[0]) if len(rows) == 1 else None


def _registered_key(person: Identity | None, matricule: str) -> str | None:
    if person is None:
        return None
    return next((i.cle for i in (person, *person.history) if i.matricule == matricule), None)


def match(conn: Connection, *, tenant: str, base: str, body: object) -> dict:
    """``$match``: one certain match on CR 00, none on 01/02; the CR rides along as an outcome entry."""
    inputs = read_parameters(body, MATCH_PARAMS, bare_patient=True)
    where, resource = _patient_of(inputs)
    query = patient_query(resource, where)
    count = inputs.one("count")
    limit = count[1]["valueInteger"] if count else None
    if limit is not None and limit < 1:
        raise bad(InsCode.BAD_PARAMETER, "count must be 1 or more.", count[0])
    wanted = []
    for i, ident in enumerate(resource.get("identifier") or []):
        if ident.get("system") in INS_SYSTEMS:
            matricule = str(ident.get("value", ""))[:13].upper()
            key = _registered_key(_holder(conn, tenant, matricule), matricule)
            wanted.append(ins_identifier(ident["system"], ident.get("value"), f"{where}.identifier[{i}]",
                                         registered_key=key)[0])
    rows = store.find_by_traits(conn, tenant=tenant, query=query)
    code, person = cr_code(len(rows)), None
    if code == "00":
        person = store.load(conn, tenant=tenant, row=rows[0])
        held = {person.matricule, *(h.matricule for h in person.history)}
        if any(m not in held for m in wanted):
            code, person = "01", None
    return match_bundle(base, code, person, today=date.today().isoformat(), count=limit)


def ins_verify(conn: Connection, *, tenant: str, body: object) -> dict:
    """``$ins-verify``: the INS (parameter ``ins``, or the INS identifier of the Patient) against its traits."""
    inputs = read_parameters(body, VERIFY_PARAMS, bare_patient=False)
    where, resource = _patient_of(inputs)
    query: Query = patient_query(resource, where)
    system_param = inputs.one("system")
    found = inputs.one("ins")
    if found is not None:
        path, param = found
        ident = param.get("valueIdentifier") or {"value": param.get("valueString")}
        system = ident.get("system") or (system_param[1]["valueUri"] if system_param else None)
    else:
        # any INS-family system (NIR, NIA, and TEST/DEMO which ins_identifier then refuses with INS-0026)
        idents = [(i, x) for i, x in enumerate(resource.get("identifier") or [])
                  if str(x.get("system", "")).startswith(INS_FAMILY)]
        if not idents:
            raise bad(InsCode.TRAIT_MISSING, "The INS to verify is missing: send the 'ins' parameter or an INS "
                      "identifier on the Patient.", "Parameters.parameter")
        path, ident = f"{where}.identifier[{idents[0][0]}]", idents[0][1]
        system = ident.get("system")
    matricule = str(ident.get("value") or "")[:13].upper()
    person = _holder(conn, tenant, matricule)
    matricule, key, oid = ins_identifier(system, ident.get("value"), path,
                                         registered_key=_registered_key(person, matricule))
    shown = patient(person, today=date.today().isoformat()) if person is not None else None
    return verify(Claim(matricule, key, oid, query), person, shown)


def read(conn: Connection, *, tenant: str, pid: str) -> dict:
    person = store.get_identity(conn, tenant=tenant, pid=pid)
    if person is None:
        raise SandboxError(404, Code.RESOURCE_NOT_FOUND, f"No Patient {pid[:64]!r} in this tenant.",
                           issue="not-found", expression=["Patient.id"])
    return patient(person, today=date.today().isoformat())
