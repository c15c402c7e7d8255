"""Pro Santé Connect's client of the Annuaire Santé: who may log in, and what the claims say (spec digest §2.4, §6.1).

PSC reads the directory over HTTP through its peer client, as any vendor would (DESIGN.md: no service
imports another), with the ``ESANTE-API-KEY`` header. A lookup costs two calls: the Practitioner search
with ``_revinclude=PractitionerRole:practitioner`` (its situations), then the structures by ``_id`` with
``_include=Organization:partof`` (the legal entity of each site, for its FINESS EJ). The records keep
their raw FHIR resources so that :mod:`services.pro_sante_connect.claims` needs no other call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

import httpx

from core.digits import ascii_digits
from core.identifiers import FINESS_SYSTEM, IDNAT_PS_OID, IDNAT_STRUCT_OID, RPPS_SYSTEM, SIRENE_SYSTEM

FHIR_BASE = "/fhir/v2"
API_KEY_HEADER = "ESANTE-API-KEY"
NOS_TABLES = ("TRE_G15-ProfessionSante", "TRE_R09-CategorieProfessionnelle", "TRE_R04-TypeSavoirFaire",
              "TRE_R38-SpecialiteOrdinale", "TRE_R22-GenreActivite", "TRE_R23-ModeExercice", "TRE_R21-Fonction",
              "TRE_R02-SecteurActivite")
PROFESSION, CATEGORY, SAVOIR_FAIRE_TYPE, SPECIALTY, GENRE, MODE, FUNCTION, SECTOR = (
    f"https://mos.esante.gouv.fr/NOS/{t}/FHIR/{t.replace('_', '-')}" for t in NOS_TABLES)
EXT_SMARTCARD = "https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-smartcard"
# TRE_G15 wording, for the login page only (the claims carry codes)
PROFESSIONS = {"10": "Médecin", "21": "Pharmacien", "26": "Audioprothésiste", "40": "Chirurgien-dentiste",
               "50": "Sage-femme", "60": "Infirmier", "70": "Masseur-kinésithérapeute", "80": "Pédicure-podologue",
               "91": "Orthophoniste", "92": "Orthoptiste", "94": "Ergothérapeute"}
HINT = re.compile(r"[A-Za-z0-9]{1,40}")  # idNat_PS is alphanumeric (sandbox e-CPS accounts: ANS2023...)
MAX_LIMIT = 100

Reason = Literal["unauthorized", "unavailable", "unreachable", "rejected", "invalid"]


class DirectoryClient(Protocol):
    """What PSC needs of its peer client (core.peers.PeerClient; an httpx.AsyncClient also fits)."""

    async def get(self, path: str, *, params=None, headers=None) -> httpx.Response: ...


class DirectoryUnavailable(Exception):
    """The Annuaire could not answer: refused the API key, failed, was unreachable or answered nonsense."""

    def __init__(self, reason: Reason, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason  # stable: the lead maps it to its own error code and page
        self.status = status  # the Annuaire's HTTP status, when it answered


@dataclass(frozen=True)
class Card:
    """A CPx card of the as-ext-smartcard extension (TRE_R87 type, number, validity period)."""

    type: str
    number: str
    start: date | None
    end: date | None

    def valid_on(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Structure:
    """A site (EG) or legal entity (EJ) of a situation, with its legal entity when it is part of one."""

    id: str  # the Annuaire's technical id ("identifiant technique de la structure")
    name: str
    alias: str
    id_nat_struct: str
    finess: str  # FINESS of the site (FINEG), "" for an EJ or a cabinet
    finess_ej: str  # FINESS of the legal entity: its parent's FINEJ, or its own when it is an EJ
    siret: str
    siren: str
    sector: str  # TRE_R02 code, e.g. "SA07"
    resource: dict
    legal_entity: dict | None = None


@dataclass(frozen=True)
class Activity:
    """A situation d'exercice (PractitionerRole) and its structure."""

    id: str  # idSituationExercice
    active: bool
    mode: str  # TRE_R23: L, S, B
    genre: str  # TRE_R22: GENR01...
    role: str  # TRE_R21 fonction, "" when none
    structure: Structure | None
    resource: dict


@dataclass(frozen=True)
class DirectoryProfessional:
    """A professional as the Annuaire publishes them (RPPS exercice professionnel and situations)."""

    id: str
    id_nat_ps: str
    rpps: str
    given: str
    family: str
    civility: str  # name.prefix: M, MME
    exercise_civility: str  # name.suffix: DR, PR, ""
    profession: str  # TRE_G15 code, "" on a closed record
    category: str  # TRE_R09: C civil, M militaire, E étudiant
    specialty_type: str  # TRE_R04: S (spécialité ordinale), ""
    specialty: str  # TRE_R38: SM54..., ""
    active: bool
    cards: tuple[Card, ...]
    activities: tuple[Activity, ...]
    practitioner: dict

    @property
    def profession_label(self) -> str:
        return PROFESSIONS.get(self.profession, self.profession)

    @property
    def display_name(self) -> str:
        return f"{self.given} {self.family}".strip()

    def has_card_on(self, day: date) -> bool:
        return any(card.valid_on(day) for card in self.cards)

    @property
    def has_cps_card(self) -> bool:
        """A CPx card valid today: the "Carte CPS" login is possible."""
        return self.has_card_on(date.today())

    @property
    def open_activities(self) -> list[Activity]:
        return [a for a in self.activities if a.active]

    @property
    def main_structure(self) -> Structure | None:
        """The structure of the first open situation: PSC's SubjectOrganization."""
        return next((a.structure for a in self.open_activities if a.structure), None)


async def find_professional(client: DirectoryClient, api_key: str, hint: str) -> DirectoryProfessional | None:
    """The professional of an idNat_PS (``8`` + RPPS, or any other idNat_PS) or an 11-digit RPPS, or None."""
    hint = (hint or "").strip()
    if not HINT.fullmatch(hint):
        return None  # cannot be an identifier; never sent, so it cannot alter the search
    found = await _professionals(client, api_key, [("identifier", _identifier_token(hint)), ("_count", "2")])
    return found[0] if found else None


async def search_professionals(client: DirectoryClient, api_key: str, query: str,
                               limit: int = 20) -> list[DirectoryProfessional]:
    """The login page's list: digits -> identifier; words -> every word in the name; empty -> first page."""
    words = (query or "").split()
    limit = max(1, min(limit, MAX_LIMIT))
    compact = "".join(words)
    if not words:
        # persona technical ids are in the 00001 group, generated ones in 1xxxx: named people come first
        criteria = [("_sort", "_id")]
    elif ascii_digits(compact):
        criteria = [("identifier", _identifier_token(compact))]
    else:
        criteria = [("name", _escape(word)) for word in words] + [("_sort", "family")]
    return await _professionals(client, api_key, [*criteria, ("_count", str(limit))])


def _identifier_token(value: str) -> str:
    return f"{RPPS_SYSTEM}|{value}" if ascii_digits(value, 11) else f"{IDNAT_PS_OID}|{value}"


def _escape(value: str) -> str:
    """FHIR search escaping: a bare comma would mean OR, a backslash would escape the next character."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("$", "\\$").replace("|", "\\|")


async def _search(client: DirectoryClient, api_key: str, rtype: str,
                  params: Sequence[tuple[str, str]]) -> list[tuple[str, dict]]:
    """(search mode, resource) of every entry of a searchset, or DirectoryUnavailable."""
    try:
        response = await client.get(f"{FHIR_BASE}/{rtype}", params=list(params), headers={API_KEY_HEADER: api_key})
    except httpx.HTTPError as exc:
        raise DirectoryUnavailable("unreachable", f"The Annuaire Santé did not answer: {exc!r}.") from exc
    status = response.status_code
    if status != 200:  # 401/403: PSC's API key is refused; 429 and 5xx: the directory is in trouble
        reason: Reason = ("unauthorized" if status in (401, 403)
                          else "unavailable" if status >= 500 or status == 429 else "rejected")
        raise DirectoryUnavailable(reason, f"The Annuaire Santé answered HTTP {status} to a {rtype} search.", status)
    try:
        bundle = response.json()
    except ValueError:
        bundle = None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise DirectoryUnavailable("invalid", f"The Annuaire Santé answered a {rtype} search without a Bundle.", status)
    return [(e.get("search", {}).get("mode", "match"), e["resource"]) for e in bundle.get("entry", [])
            if isinstance(e.get("resource"), dict)]


async def _professionals(client: DirectoryClient, api_key: str,
                         criteria: list[tuple[str, str]]) -> list[DirectoryProfessional]:
    entries = await _search(client, api_key, "Practitioner",
                            [*criteria, ("_revinclude", "PractitionerRole:practitioner")])
    practitioners = [r for mode, r in entries if mode == "match" and r.get("resourceType") == "Practitioner"]
    roles = sorted((r for _, r in entries if r.get("resourceType") == "PractitionerRole"), key=lambda r: r["id"])
    wanted = sorted({_ref_id(r.get("organization")) for r in roles} - {""})
    organizations: dict[str, dict] = {}
    if wanted:
        found = await _search(client, api_key, "Organization", [
            ("_id", ",".join(wanted)), ("_include", "Organization:partof"), ("_count", str(len(wanted)))])
        organizations = {r["id"]: r for _, r in found if r.get("resourceType") == "Organization"}
    return [_professional(p, [r for r in roles if _ref_id(r.get("practitioner")) == p["id"]], organizations)
            for p in practitioners]


def _professional(practitioner: dict, roles: list[dict], organizations: dict[str, dict]) -> DirectoryProfessional:
    name = (practitioner.get("name") or [{}])[0]
    qualifications = [q.get("code", {}) for q in practitioner.get("qualification", [])]
    return DirectoryProfessional(
        id=practitioner["id"], id_nat_ps=identifier(practitioner, IDNAT_PS_OID),
        rpps=identifier(practitioner, RPPS_SYSTEM), given=" ".join(name.get("given", [])),
        family=name.get("family", ""), civility=(name.get("prefix") or [""])[0],
        exercise_civility=(name.get("suffix") or [""])[0], profession=code(qualifications, PROFESSION),
        category=code(qualifications, CATEGORY), specialty_type=code(qualifications, SAVOIR_FAIRE_TYPE),
        specialty=code(qualifications, SPECIALTY), active=practitioner.get("active", True) is not False,
        cards=tuple(_card(e) for e in practitioner.get("extension", []) if e.get("url") == EXT_SMARTCARD),
        activities=tuple(_activity(r, organizations) for r in roles), practitioner=practitioner)


def _activity(role: dict, organizations: dict[str, dict]) -> Activity:
    org = organizations.get(_ref_id(role.get("organization")))
    codes = role.get("code", [])
    return Activity(id=(role.get("identifier") or [{}])[0].get("value", ""),
                    active=role.get("active", True) is not False, mode=code(codes, MODE), genre=code(codes, GENRE),
                    role=code(codes, FUNCTION), structure=_structure(org, organizations) if org else None,
                    resource=role)


def _structure(org: dict, organizations: dict[str, dict]) -> Structure:
    parent = organizations.get(_ref_id(org.get("partOf")))
    return Structure(
        id=org["id"], name=org.get("name", ""), alias=(org.get("alias") or [""])[0],
        id_nat_struct=identifier(org, IDNAT_STRUCT_OID), finess=identifier(org, FINESS_SYSTEM, "FINEG"),
        finess_ej=identifier(parent or {}, FINESS_SYSTEM, "FINEJ") or identifier(org, FINESS_SYSTEM, "FINEJ"),
        siret=identifier(org, SIRENE_SYSTEM, "SIRET"), siren=identifier(org, SIRENE_SYSTEM, "SIREN"),
        sector=code(org.get("type", []), SECTOR), resource=org, legal_entity=parent)


def _card(extension: dict) -> Card:
    parts = {e.get("url"): e for e in extension.get("extension", [])}
    period = parts.get("period", {}).get("valuePeriod", {})
    return Card(type=code([parts.get("type", {}).get("valueCodeableConcept", {})], None),
                number=parts.get("number", {}).get("valueString", ""),
                start=_date(period.get("start")), end=_date(period.get("end")))


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _ref_id(reference: dict | None) -> str:
    return (reference or {}).get("reference", "").rpartition("/")[2]


def identifier(resource: dict, system: str, type_code: str | None = None) -> str:
    """The value of the first identifier of ``system`` (and of that FR Core type), or ""."""
    for ident in resource.get("identifier", []):
        types = {c.get("code") for c in ident.get("type", {}).get("coding", [])}
        if ident.get("system") == system and (type_code is None or type_code in types):
            return ident.get("value", "")
    return ""


def code(concepts: list[dict], system: str | None) -> str:
    """The first code of ``system`` (any system when None) among CodeableConcepts, or ""."""
    return next((c.get("code", "") for cc in concepts for c in cc.get("coding", [])
                 if system is None or c.get("system") == system), "")
