"""Inputs of the FHIR operations: the Patient carrying the traits (bare, or in a ``Parameters``), the INS
identifier and the options; each failure names its element in ``OperationOutcome.issue.expression``."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import SandboxError
from core.fhir.models import validate_resource
from core.identifiers import INS_NIA_OID, INS_NIR_OID, nir_problem
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.fhir_out import BIRTH_PLACE, INSEE_CODE
from services.ins_teleservice.traits import (
    Query,
    TraitError,
    check_birth_date,
    check_birth_place,
    check_first_names,
    check_name,
)

INS_SYSTEMS = {INS_NIR_OID: "1.2.250.1.213.1.4.8", INS_NIA_OID: "1.2.250.1.213.1.4.9"}
SEXES = {"male": "M", "female": "F"}


def bad(code: InsCode, message: str, where: str, status: int = 400) -> SandboxError:
    return SandboxError(status, code, message, expression=[where])


@dataclass
class Inputs:
    """The named parameters of an operation call, with the element path of each."""

    values: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)

    def one(self, name: str) -> tuple[str, dict] | None:
        found = self.values.get(name, [])
        if len(found) > 1:
            raise bad(InsCode.BAD_PARAMETER, f"Parameter {name!r} may appear once.", found[1][0])
        return found[0] if found else None


def read_parameters(body: object, allowed: dict[str, str], *, bare_patient: bool) -> Inputs:
    """A ``Parameters`` body (or a bare Patient, put under ``resource``) -> parameters by name.

    ``allowed`` maps each parameter name to its value[x] key (``resource``, ``valueBoolean``...).
    """
    rtype = body.get("resourceType") if isinstance(body, dict) else None
    if bare_patient and rtype == "Patient":
        validate_resource(body)
        return Inputs({"resource": [("Patient", body)]})
    if rtype != "Parameters":
        expected = "a Parameters (or a Patient)" if bare_patient else "a Parameters"
        raise bad(InsCode.BAD_OPERATION_INPUT, f"The body must be {expected}, not {rtype or 'this'}.", "resourceType")
    validate_resource(body)
    inputs = Inputs()
    for i, param in enumerate(body.get("parameter", [])):
        name, where = param.get("name"), f"Parameters.parameter[{i}]"
        if name not in allowed:
            raise bad(InsCode.BAD_PARAMETER, f"Unknown parameter {name!r}; expected one of {sorted(allowed)}.", where)
        key = allowed[name]
        value_keys = [k for k in param if k == "resource" or k.startswith("value")]
        if value_keys != [key] and not (isinstance(key, tuple) and len(value_keys) == 1 and value_keys[0] in key):
            raise bad(InsCode.BAD_PARAMETER, f"Parameter {name!r} takes {key}.", where)
        inputs.values.setdefault(name, []).append((f"{where}.{value_keys[0]}", param))
    return inputs


def _fail(error: TraitError, where: str) -> SandboxError:
    return bad(error.code, f"{where}: {error.message}", where)


def patient_query(resource: dict, where: str) -> Query:
    """The traits of a Patient as an INSi query (gender male/female, full birth date, optional COG)."""
    names = resource.get("name") or []
    index = next((i for i, n in enumerate(names) if n.get("use") == "official"), 0)
    name = names[index] if names else {}
    path = f"{where}.name[{index}]"
    try:
        family = check_name(name.get("family"), "birth_name", "the birth name (family)")
    except TraitError as error:
        raise _fail(error, f"{path}.family") from None
    try:
        given = check_first_names(name.get("given") or [])
    except TraitError as error:
        raise _fail(error, f"{path}.given") from None
    gender = resource.get("gender")
    if gender is None:
        raise bad(InsCode.TRAIT_MISSING, f"{where}.gender is required.", f"{where}.gender")
    if gender not in SEXES:
        raise bad(InsCode.BAD_SEX, f"{where}.gender {gender!r}: INSi knows male and female only.", f"{where}.gender")
    raw_date = resource.get("birthDate")
    if isinstance(raw_date, str) and len(raw_date) != 10:
        raise bad(InsCode.BAD_DATE, f"{where}.birthDate {raw_date!r} must be a full date (YYYY-MM-DD).",
                  f"{where}.birthDate")
    try:
        birth_date = check_birth_date(raw_date, lunar=False)
    except TraitError as error:
        raise _fail(error, f"{where}.birthDate") from None
    return Query(birth_name=family, first_names=given, sex=SEXES[gender], birth_date=birth_date,
                 birth_place=birth_place(resource, where))


def birth_place(resource: dict, where: str) -> str | None:
    """The INSEE code of the ``patient-birthPlace`` extension, when there is one."""
    for i, ext in enumerate(resource.get("extension") or []):
        if ext.get("url") != BIRTH_PLACE:
            continue
        for j, inner in enumerate((ext.get("valueAddress") or {}).get("extension") or []):
            if inner.get("url") == INSEE_CODE:
                path = f"{where}.extension[{i}].valueAddress.extension[{j}].valueCoding.code"
                try:
                    return check_birth_place((inner.get("valueCoding") or {}).get("code"), required=True)
                except TraitError as error:
                    raise _fail(error, path) from None
    return None


def ins_identifier(system: str | None, value: str | None, where: str, *, registered_key: str | None = None
                   ) -> tuple[str, str, str | None]:
    """(matricule, key, bare OID or None) of an INS; the key must pass mod 97 unless the registry holds it."""
    if system is not None and system not in INS_SYSTEMS:
        raise bad(InsCode.BAD_INS_SYSTEM, f"{where}: system {system!r} is not an INS system ({INS_NIR_OID} for "
                  f"a NIR, {INS_NIA_OID} for a NIA).", f"{where}.system")
    if not isinstance(value, str) or len(value) != 15:
        raise bad(InsCode.BAD_INS, f"{where}: an INS is 15 characters (13-character matricule + 2-digit key).",
                  f"{where}.value")
    matricule, key = value[:13].upper(), value[13:]
    problem = nir_problem(matricule, key)
    if problem and not (registered_key == key and nir_problem(matricule) is None):
        raise bad(InsCode.BAD_INS, f"{where}: {problem}.", f"{where}.value")
    return matricule, key, INS_SYSTEMS.get(system) if system else None
