"""``Patient/$ins-verify``: does this INS belong to the person these traits describe? (digest §1.2: the
"vérification" operation exists but its schema is not public, so the sandbox answers in FHIR terms).

The answer is ``result`` = ``match`` | ``mismatch`` and one ``trait`` part per trait: ``match``, ``mismatch``
(with the registered value), or ``not-provided``. The INS itself may be ``not-found`` or ``former`` (an
INSHISTO: the active INS is then given).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.ins_teleservice.identity import Identity
from services.ins_teleservice.traits import Query

GENDERS = {"M": "male", "F": "female"}


@dataclass(frozen=True)
class Claim:
    """What the caller asserts: an INS (+ OID when given) and the traits."""

    matricule: str
    key: str
    oid: str | None
    query: Query


def _trait(name: str, status: str, expected: str | None = None) -> dict:
    parts = [{"name": "name", "valueCode": name}, {"name": "status", "valueCode": status}]
    if expected is not None and status in ("mismatch", "former"):
        parts.append({"name": "expected", "valueString": expected})
    return {"name": "trait", "part": parts}


def _compare(name: str, given: str | None, registered: str, equal: bool | None = None) -> dict:
    if given is None:
        return _trait(name, "not-provided")
    return _trait(name, "match" if (given == registered if equal is None else equal) else "mismatch", registered)


def ins_status(claim: Claim, person: Identity | None) -> str:
    if person is None:
        return "not-found"
    if person.matricule != claim.matricule:
        return "former"
    if person.cle != claim.key or (claim.oid is not None and claim.oid != person.oid):
        return "mismatch"
    return "match"


def verify(claim: Claim, person: Identity | None, patient: dict | None) -> dict:
    """The output ``Parameters``; ``person`` is the identity holding the INS (active or former), if any."""
    status = ins_status(claim, person)
    params: list[dict] = []
    if person is None:
        params.append(_trait("ins", status))
    else:
        q = claim.query
        params.append(_trait("ins", status, person.ins_value))
        params += [
            _compare("family", q.birth_name, person.birth_name),
            _compare("given", q.first_names, person.first_names,
                     None if q.first_names is None else q.first_names in (person.first_name, person.first_names)),
            _compare("gender", GENDERS[q.sex], GENDERS[person.sex]),
            _compare("birthDate", q.birth_date, person.birth_date),
            _compare("birthPlace", q.birth_place, person.birth_place),
        ]
    ok = all(p["part"][1]["valueCode"] in ("match", "not-provided") for p in params) and status == "match"
    result = [{"name": "result", "valueCode": "match" if ok else "mismatch"}]
    if patient is not None:
        result.append({"name": "patient", "resource": patient})
    return {"resourceType": "Parameters", "parameter": result + params}
