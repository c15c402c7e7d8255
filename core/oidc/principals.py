"""Typed principals built from verified access-token claims (DESIGN.md "Auth").

Pro Santé Connect tokens carry the professional in ``SubjectNameID`` (idNat_PS), ``SubjectRole``
(``<TRE_G15 code>^1.2.250.1.213.1.1.5.5``) and ``SubjectRefPro`` (exercices and their activities), as in
specs/fr-building-blocks.md section 2.4; client-credentials tokens carry only the software
(``clientId``, ``sub = service-account-<client_id>``). Mon espace santé citizen tokens will carry the
patient's INS in ``ins``. Services enforce their own rules on these objects, never on raw claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

SUBJECT_ROLE_OID = "1.2.250.1.213.1.1.5.5"
SERVICE_ACCOUNT_PREFIX = "service-account-"
PATIENT_INS_CLAIM = "ins"  # Mon espace santé citizen tokens (reserved until that issuer exists)


class UnknownPrincipal(ValueError):
    """The claims name no professional, patient or software."""


@dataclass(frozen=True)
class Organisation:
    """A structure where the professional practises (one ``SubjectRefPro`` activity)."""

    technical_id: str | None = None  # identifiantTechniqueDeLaStructure, e.g. R10100000000001
    finess_site: str | None = None  # numeroFinessSite
    finess_ej: str | None = None  # numeroFinessetablissementJuridique
    siret: str | None = None  # numeroSiretSite
    name: str | None = None  # raisonSocialeSite, else enseigneCommercialeSite


@dataclass(frozen=True)
class Practitioner:
    """A health professional logged in through Pro Santé Connect (CPS card or e-CPS)."""

    token_hint: ClassVar[str] = "a health professional's token (authorization code or CIBA login)"
    id_nat_ps: str
    rpps: str | None  # idNat_PS without its leading 8; None for non-RPPS identifiers (ADELI ...)
    given_name: str | None
    family_name: str | None
    profession: str | None  # TRE_G15 code (10 médecin, 21 pharmacien ...)
    specialty: str | None  # codeSavoirFaire of the first exercice
    organisations: tuple[Organisation, ...]
    client_id: str | None
    scopes: frozenset[str]
    tenant: str
    subject: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class System:
    """Software calling with its own client credentials, without a user."""

    token_hint: ClassVar[str] = "a software token (client_credentials grant)"
    client_id: str
    scopes: frozenset[str]
    tenant: str
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Patient:
    """A citizen logged in to Mon espace santé (minimal until the citizen issuer lands)."""

    token_hint: ClassVar[str] = "a patient's token (Mon espace santé login)"
    ins: str  # matricule INS (NIR or NIA)
    subject: str | None
    given_name: str | None
    family_name: str | None
    client_id: str | None
    scopes: frozenset[str]
    tenant: str
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


Principal = Practitioner | System | Patient


def text(value: Any) -> str | None:
    """A non-empty string claim, else None (PSC sends "" for unknown codes)."""
    return value if isinstance(value, str) and value else None


def rpps_of(id_nat_ps: str) -> str | None:
    """RPPS of an idNat_PS: ``8`` + RPPS; other prefixes (0 ADELI, 3 FINESS ...) have none."""
    return id_nat_ps[1:] if id_nat_ps.startswith("8") and len(id_nat_ps) > 1 else None


def exercices(claims: Mapping[str, Any]) -> list[dict]:
    ref = claims.get("SubjectRefPro")
    found = ref.get("exercices") if isinstance(ref, dict) else None
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def profession_of(claims: Mapping[str, Any], first: dict | None) -> str | None:
    roles = claims.get("SubjectRole")
    for role in roles if isinstance(roles, list) else [roles]:
        if isinstance(role, str) and role:
            code, _, oid = role.partition("^")
            if code and oid in ("", SUBJECT_ROLE_OID):
                return code
    return text(first.get("codeProfession")) if first else None


def organisations_of(claims: Mapping[str, Any], exercised: list[dict]) -> tuple[Organisation, ...]:
    found: list[Organisation] = []
    for exercice in exercised:
        activities = exercice.get("activities")
        for activity in activities if isinstance(activities, list) else []:
            if not isinstance(activity, dict):
                continue
            org = Organisation(
                technical_id=text(activity.get("identifiantTechniqueDeLaStructure")),
                finess_site=text(activity.get("numeroFinessSite")),
                finess_ej=text(activity.get("numeroFinessetablissementJuridique")),
                siret=text(activity.get("numeroSiretSite")),
                name=text(activity.get("raisonSocialeSite")) or text(activity.get("enseigneCommercialeSite")),
            )
            if org != Organisation() and org not in found:
                found.append(org)
    if not found and (text(claims.get("SubjectOrganizationID")) or text(claims.get("SubjectOrganization"))):
        # Userinfo-like tokens without activities still name the main structure at the top level.
        found.append(Organisation(technical_id=text(claims.get("SubjectOrganizationID")),
                                  name=text(claims.get("SubjectOrganization"))))
    return tuple(found)


def principal_from_claims(claims: Mapping[str, Any], tenant: str) -> Principal:
    """The principal a verified token speaks for; :class:`UnknownPrincipal` when it names none."""
    scope = claims.get("scope")
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    client_id = text(claims.get("azp")) or text(claims.get("clientId"))
    subject = text(claims.get("sub"))
    id_nat_ps = text(claims.get("SubjectNameID"))
    if id_nat_ps:
        exercised = exercices(claims)
        first = exercised[0] if exercised else None
        return Practitioner(
            id_nat_ps=id_nat_ps,
            rpps=rpps_of(id_nat_ps),
            given_name=text(claims.get("given_name")) or (text(first.get("prenomDexercice")) if first else None),
            family_name=text(claims.get("family_name")) or (text(first.get("nomDexercice")) if first else None),
            profession=profession_of(claims, first),
            specialty=text(first.get("codeSavoirFaire")) if first else None,
            organisations=organisations_of(claims, exercised),
            client_id=client_id, scopes=scopes, tenant=tenant, subject=subject, claims=dict(claims),
        )
    ins = text(claims.get(PATIENT_INS_CLAIM))
    if ins:
        return Patient(
            ins=ins, subject=subject, given_name=text(claims.get("given_name")),
            family_name=text(claims.get("family_name")), client_id=client_id, scopes=scopes, tenant=tenant,
            claims=dict(claims),
        )
    software = text(claims.get("clientId"))
    if software is None and subject and subject.startswith(SERVICE_ACCOUNT_PREFIX):
        software = subject[len(SERVICE_ACCOUNT_PREFIX):] or None
    if software is not None:
        return System(client_id=software, scopes=scopes, tenant=tenant, claims=dict(claims))
    raise UnknownPrincipal("the token names no professional (SubjectNameID), patient (ins) or software (clientId)")
