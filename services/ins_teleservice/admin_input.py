"""The JSON a vendor sends to add a test identity (``POST /_admin/identities``), and its checks.

Traits go through the same rules as INSi queries; the INS key must pass mod 97 unless ``allowInvalidKey``
(the CNDA HERMANN case); ``oid`` names NIR (default) or NIA, bare or as ``urn:oid:``.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from core.digits import ascii_digits
from core.errors import SandboxError
from core.identifiers import nir_problem
from core.jsonbody import validated
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.identity import BARE_OIDS, NIA_OID, NIR_OID, HistoIns, Identity, bare_oid
from services.ins_teleservice.traits import (
    TraitError,
    check_birth_date,
    check_birth_place,
    check_name,
    check_sex,
)

ID_RE = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # a FHIR id: the identity is also Patient/{id}
FIELD_OF = {"birth_name": "birthName", "first_names": "firstNames", "sex": "sex", "birth_date": "birthDate",
            "birth_place": "birthPlace"}
Text = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class FormerIns(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ins: Text
    oid: Text = NIR_OID
    start: Text | None = None
    end: Text | None = None


class IdentityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Text | None = None
    birthName: Text
    firstNames: Annotated[list[Text], Field(min_length=1, max_length=10)] | Text
    sex: Text
    birthDate: Text
    birthPlace: Text
    ins: Text
    oid: Text = NIR_OID
    history: Annotated[list[FormerIns], Field(max_length=10)] = []
    tiqFirstName: StrictBool = True
    ouvrantDroit: Text | None = None
    birthRank: Annotated[StrictInt, Field(ge=1, le=9)] = 1
    allowInvalidKey: StrictBool = False


def bad(code: InsCode, message: str, where: str) -> SandboxError:
    return SandboxError(400, code, message, expression=[where])


def parse(body: object) -> IdentityIn:
    if not isinstance(body, dict):
        raise bad(InsCode.BAD_JSON, "The body must be a JSON object describing one identity.", "body")
    return validated(IdentityIn, body, lambda message, where: bad(InsCode.BAD_IDENTITY, f"{message}.", where))


def _oid(value: str, where: str) -> str:
    oid = {"NIR": NIR_OID, "NIA": NIA_OID}.get(value.upper(), bare_oid(value))
    if oid not in BARE_OIDS:
        raise bad(InsCode.BAD_INS_SYSTEM, f"{where} {value!r} must be NIR ({NIR_OID}) or NIA ({NIA_OID}).", where)
    return oid


def _ins(value: str, where: str, *, allow_invalid_key: bool) -> tuple[str, str]:
    matricule, key = value[:13].upper(), value[13:]
    problem = "an INS is 15 characters: the matricule and its key" if len(value) != 15 else nir_problem(matricule)
    if problem is None and not allow_invalid_key:
        problem = nir_problem(matricule, key)
    if problem:
        raise bad(InsCode.BAD_INS, f"{where}: {problem}.", where)
    if not ascii_digits(key, 2):
        raise bad(InsCode.BAD_INS, f"{where}: the key must be 2 digits.", where)
    return matricule, key


def _former(former: FormerIns, where: str, allow_invalid_key: bool) -> HistoIns:
    dates = []
    for name, value in (("start", former.start), ("end", former.end)):
        try:
            dates.append(check_birth_date(value, lunar=False) if value else None)
        except TraitError as error:
            raise bad(error.code, f"{where}.{name}: {error.message.replace('birth date', 'date')}",
                      f"{where}.{name}") from None
    matricule, key = _ins(former.ins, f"{where}.ins", allow_invalid_key=allow_invalid_key)
    return HistoIns(matricule, key, _oid(former.oid, f"{where}.oid"), *dates)


def to_identity(data: IdentityIn, *, lunar: bool) -> Identity:
    """The identity to store, or a 400 naming the field at fault."""
    if data.id is not None and not ID_RE.fullmatch(data.id):
        raise bad(InsCode.BAD_IDENTITY, "id may hold 1-64 letters, digits, '-' and '.'.", "id")
    raw_names = data.firstNames if isinstance(data.firstNames, list) else data.firstNames.split()
    try:
        names = [check_name(n, "first_names", "a first name") for n in raw_names]
        birth_name = check_name(data.birthName, "birth_name", "the birth name")
        sex, birth_date = check_sex(data.sex), check_birth_date(data.birthDate, lunar=lunar)
        place = check_birth_place(data.birthPlace, required=True) or ""
    except TraitError as error:
        where = FIELD_OF[error.trait]
        raise bad(error.code, f"{where}: {error.message}", where) from None
    history = [_former(former, f"history.{i}", data.allowInvalidKey) for i, former in enumerate(data.history)]
    matricule, key = _ins(data.ins, "ins", allow_invalid_key=data.allowInvalidKey)
    od = data.ouvrantDroit
    if od is not None and nir_problem(od.upper()):
        raise bad(InsCode.BAD_INS, f"ouvrantDroit: {nir_problem(od.upper())}.", "ouvrantDroit")
    return Identity(
        pid=data.id or f"ins-{matricule.lower()}", matricule=matricule, cle=key, oid=_oid(data.oid, "oid"),
        birth_name=birth_name, first_names=" ".join(names), sex=sex, birth_date=birth_date, birth_place=place,
        tiq_prenom=data.tiqFirstName, od_matricule=od.upper() if od else None, rang=data.birthRank,
        origin="admin", history=tuple(history),
    )


def to_json(person: Identity) -> dict:
    """An identity as the admin API shows it (the same shape it accepts)."""
    return {
        "id": person.pid, "birthName": person.birth_name, "firstNames": person.first_names.split(" "),
        "sex": person.sex, "birthDate": person.birth_date, "birthPlace": person.birth_place,
        "ins": person.ins_value, "oid": person.oid, "tiqFirstName": person.tiq_prenom,
        "history": [{"ins": h.matricule + h.cle, "oid": h.oid, "start": h.date_deb, "end": h.date_fin}
                    for h in person.history],
        "ouvrantDroit": person.od_matricule, "birthRank": person.rang, "origin": person.origin,
    }
