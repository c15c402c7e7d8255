"""The directory's bulk extraction files, built from the FHIR records of a tenant (spec digest §6.1, §3.5).

``PS_LibreAcces_Personne_activite``: one line per active situation of an active professional (one line
without structure when there is none), 52 pipe-separated columns and a trailing ``|`` as in the published
file. ``Extraction_Correspondance_MSSante``: one line per published PER/ORG/CAB mailbox, 31 columns (the
published file holds no APP mailbox, and no mailbox on the liste rouge). UTF-8, a header line, ``\\n``
line ends. Labels come from :mod:`services.annuaire_sante.nos`; a code without a known label gets an
empty one.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.identifiers import FINESS_SYSTEM, IDNAT_PS_OID, IDNAT_STRUCT_OID, RPPS_SYSTEM, SIRENE_SYSTEM
from core.population.geography import DEPARTMENTS, department_of
from services.annuaire_sante import nos
from services.annuaire_sante.store import DirectoryStore

PERSONNE_ACTIVITE = (
    "Type d'identifiant PP|Identifiant PP|Identification nationale PP|Code civilité d'exercice|"
    "Libellé civilité d'exercice|Code civilité|Libellé civilité|Nom d'exercice|Prénom d'exercice|Code profession|"
    "Libellé profession|Code catégorie professionnelle|Libellé catégorie professionnelle|Code type savoir-faire|"
    "Libellé type savoir-faire|Code savoir-faire|Libellé savoir-faire|Code mode exercice|Libellé mode exercice|"
    "Numéro SIRET site|Numéro SIREN site|Numéro FINESS site|Numéro FINESS établissement juridique|"
    "Identifiant technique de la structure|Raison sociale site|Enseigne commerciale site|"
    "Complément destinataire (coord. structure)|Complément point géographique (coord. structure)|"
    "Numéro Voie (coord. structure)|Indice répétition voie (coord. structure)|Code type de voie (coord. structure)|"
    "Libellé type de voie (coord. structure)|Libellé Voie (coord. structure)|Mention distribution (coord. structure)|"
    "Bureau cedex (coord. structure)|Code postal (coord. structure)|Code commune (coord. structure)|"
    "Libellé commune (coord. structure)|Code pays (coord. structure)|Libellé pays (coord. structure)|"
    "Téléphone (coord. structure)|Téléphone 2 (coord. structure)|Télécopie (coord. structure)|"
    "Adresse e-mail (coord. structure)|Code Département (structure)|Libellé Département (structure)|"
    "Ancien identifiant de la structure|Autorité d'enregistrement|Code secteur d'activité|"
    "Libellé secteur d'activité|Code section tableau pharmaciens|Libellé section tableau pharmaciens|"
)
MSSANTE = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|Civilité d'exercice|"
    "Nom d'exercice|Prénom d'exercice|Catégorie profession|Libellé de catégorie profession|Code Profession|"
    "Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|"
    "L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|L6LIGNEACHEMINEMENT|Code postal|"
    "Département|Pays"
)
NO_PERSON = dict.fromkeys(("id_type", "rpps", "idnat", "title", "family", "given", "category", "profession", "sf"), "")
NO_ADDRESS = dict.fromkeys(("number", "type", "street", "routing", "postal", "department"), "")


def clean(value: object) -> str:
    return "" if value is None else str(value).replace("|", " ").replace("\n", " ").replace("\r", " ")


def identifier(resource: dict, system: str, type_code: str | None = None) -> str:
    for ident in resource.get("identifier", []):
        codes = {c.get("code") for c in ident.get("type", {}).get("coding", [])}
        if ident.get("system") == system and (type_code is None or type_code in codes):
            return ident.get("value", "")
    return ""


def code(concepts: list[dict], system: str) -> str:
    return next((c["code"] for cc in concepts for c in cc.get("coding", []) if c.get("system") == system), "")


def boxes(resource: dict, *types: str) -> Iterator[tuple[str, str, str]]:
    """(type, address, service) of the MSSanté mailboxes of a resource."""
    for point in resource.get("telecom", []):
        metadata = next((e for e in point.get("extension", []) if e["url"] == nos.EXT_MAILBOX_METADATA), None)
        if metadata is None or point.get("system") != "email":
            continue
        parts = {e["url"]: e for e in metadata.get("extension", [])}
        if parts.get("listeRouge", {}).get("valueBoolean"):
            continue  # never in the open extraction, even when the API is set to flag them
        kind = next(iter(parts.get("type", {}).get("valueCodeableConcept", {}).get("coding", [])), {}).get("code")
        if kind in types:
            yield kind, point.get("value", ""), parts.get("service", {}).get("valueString", "")


def line_parts(address: dict) -> tuple[str, str, str]:
    """(number, street type code, street name) of the first line: its ADXP parts, else the text split."""
    shadow = (address.get("_line") or [None])[0]
    if isinstance(shadow, dict) and shadow.get("extension"):
        parts = {e.get("url", "").removeprefix(nos.ADXP): e.get("valueString", "") for e in shadow["extension"]}
        return parts.get("houseNumber", ""), parts.get("streetNameType", ""), parts.get("streetNameBase", "")
    line = ((address.get("line") or [""])[0] or "").split()
    number = line.pop(0) if line and line[0].isdigit() else ""
    street_type = nos.STREET_TYPES.get(line[0].lower(), "") if line else ""
    if street_type:
        line.pop(0)
    return number, street_type, " ".join(line).upper()


def address_parts(org: dict | None) -> dict[str, str]:
    """Number, street type and name, postal code, commune of a structure's first address."""
    address = (org or {}).get("address", [{}])[0]
    number, street_type, street = line_parts(address)
    postal, city = address.get("postalCode", ""), address.get("city", "")
    insee = next((e["valueCoding"]["code"] for e in address.get("extension", []) if e["url"] == nos.EXT_INSEE_CODE), "")
    department = department_of(insee) if insee else postal[:2]
    return {"number": number, "type": street_type, "type_label": nos.STREET_TYPE_LABELS.get(street_type, ""),
            "street": street, "postal": postal, "insee": insee, "city": city,
            "routing": f"{postal} {city.upper()}".strip(), "department": department,
            "department_label": DEPARTMENTS.get(department, "")}


def person(practitioner: dict) -> dict[str, str]:
    name = (practitioner.get("name") or [{}])[0]
    qualifications = [q.get("code", {}) for q in practitioner.get("qualification", [])]
    profession = code(qualifications, nos.PROFESSION)
    return {
        "id_type": identifier(practitioner, IDNAT_PS_OID)[:1], "rpps": identifier(practitioner, RPPS_SYSTEM),
        "idnat": identifier(practitioner, IDNAT_PS_OID), "title": (name.get("suffix") or [""])[0],
        "civility": (name.get("prefix") or [""])[0], "family": name.get("family", ""),
        "given": " ".join(name.get("given", [])), "profession": profession,
        "category": code(qualifications, nos.CATEGORY), "sf_type": code(qualifications, nos.SAVOIR_FAIRE_TYPE),
        "sf": code(qualifications, nos.SPECIALTY), "authority": "/".join([nos.AUTHORITIES.get(profession, "ARS")] * 3),
    }


def personne_activite(store: DirectoryStore, tenant: str) -> Iterator[str]:
    """Lines of ``PS_LibreAcces_Personne_activite`` (header first)."""
    yield PERSONNE_ACTIVITE + "\n"
    for pro in store.professionals(tenant=tenant):
        if not pro.practitioner.get("active"):
            continue
        p = person(pro.practitioner)
        head = [p["id_type"], p["rpps"], p["idnat"], p["title"], nos.EXERCISE_CIVILITIES.get(p["title"], ""),
                p["civility"], nos.CIVILITIES.get(p["civility"], ""), p["family"], p["given"], p["profession"],
                nos.PROFESSIONS.get(p["profession"], ""), p["category"], nos.CATEGORIES.get(p["category"], ""),
                p["sf_type"], nos.SAVOIR_FAIRE_TYPES.get(p["sf_type"], ""), p["sf"], nos.SPECIALTIES.get(p["sf"], "")]
        roles = [r for r in pro.roles if r.get("active")] or [None]
        for role in roles:
            yield "|".join(clean(v) for v in head + site(store, role, p)) + "|\n"


def site(store: DirectoryStore, role: dict | None, p: dict[str, str]) -> list[str]:
    if role is None:
        return [""] * 30 + [p["authority"], "", "", "", ""]
    org = store.organization(role.get("organization")) or {}
    parent = store.organization(org.get("partOf")) or {}
    mode = code(role.get("code", []), nos.MODE)
    a = address_parts(org)
    phone = next((t.get("value", "") for t in org.get("telecom", []) if t.get("system") == "phone"), "")
    sector = code(org.get("type", []), nos.SECTOR)
    return [mode, nos.MODES.get(mode, ""), identifier(org, SIRENE_SYSTEM, "SIRET"),
            identifier(org, SIRENE_SYSTEM, "SIREN"), identifier(org, FINESS_SYSTEM, "FINEG"),
            identifier(parent, FINESS_SYSTEM, "FINEJ") or identifier(org, FINESS_SYSTEM, "FINEJ"),
            # identifiantEG: the IG maps identifier[rppsRang] to it (AsOrganizationProfile.fsh mapping)
            identifier(org, nos.RPPS_RANG_SYSTEM) or org.get("id", ""),
            org.get("name", ""), (org.get("alias") or [""])[0], "", "", a["number"], "", a["type"], a["type_label"],
            a["street"], "", a["routing"], a["postal"], a["insee"], a["city"].upper(), "", "", phone, "", "", "",
            a["department"], a["department_label"], identifier(org, IDNAT_STRUCT_OID), p["authority"], sector,
            nos.SECTORS.get(sector, ""), "", ""]


def mssante(store: DirectoryStore, tenant: str) -> Iterator[str]:
    """Lines of ``Extraction_Correspondance_MSSante`` (header first)."""
    yield MSSANTE + "\n"
    for pro in store.professionals(tenant=tenant):
        if not pro.practitioner.get("active"):
            continue
        p = person(pro.practitioner)
        holders = [(pro.practitioner, None)] + [(r, store.organization(r.get("organization")))
                                               for r in pro.roles if r.get("active")]
        for resource, org in holders:
            for kind, address, service in boxes(resource, "PER", "CAB"):
                yield mss_line(kind, address, service, p, org)
    for org in store.structures(tenant=tenant):
        if org.get("active"):
            for kind, address, service in boxes(org, "ORG"):
                yield mss_line(kind, address, service, None, org)


def mss_line(kind: str, address: str, service: str, p: dict[str, str] | None, org: dict | None) -> str:
    p = p or NO_PERSON
    idnat_struct = identifier(org, IDNAT_STRUCT_OID) if org else ""
    a = address_parts(org) if org else NO_ADDRESS
    values = [kind, address, p["id_type"], p["rpps"], p["idnat"], idnat_struct[:1], idnat_struct, service, p["title"],
              p["family"], p["given"], p["category"], nos.CATEGORIES.get(p["category"], ""), p["profession"],
              nos.PROFESSIONS.get(p["profession"], ""), p["sf"], nos.SPECIALTIES.get(p["sf"], ""), "N",
              (org or {}).get("name", ""), ((org or {}).get("alias") or [""])[0], "", "", a["number"], "", a["type"],
              a["street"], "", a["routing"], a["postal"], a["department"], ""]
    return "|".join(clean(v) for v in values) + "\n"
