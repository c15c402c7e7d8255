"""Generated structures (FINESS EJ/EG, practices with a SIRET) sized for the professionals who work there.

Identifier ranges (never used by the personas): FINESS department + ``9`` + 5 digits + Luhn (2A/2B count
as 20 in the check, as :func:`core.identifiers.finess_problem` does), SIREN ``269`` + 5 digits + Luhn for
public bodies and ``9`` + 7 digits + Luhn otherwise, SIRET = SIREN + 4-digit NIC + Luhn.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.population.geography import COMMUNES
from core.population.model import Activity, Address, Equipment, Mailbox, Organization, assemble
from core.population.names import FAMILY_NAMES, STREETS

# PER mailbox domains by TRE_G15 profession; that operators use such domains is plausible, not confirmed (U).
MAILBOX_DOMAINS = {
    "10": "medecin.mssante.fr", "21": "pharmacien.mssante.fr", "40": "chirurgien-dentiste.mssante.fr",
    "50": "sagefemme.mssante.fr", "60": "infirmier.mssante.fr", "70": "masseur-kinesitherapeute.mssante.fr",
    "80": "pedicure-podologue.mssante.fr",
}
# kind -> (professionals per structure, name pattern, domain prefix, TRE_R02 sector (U), FINESS category)
KINDS: dict[str, tuple[int, str, str, str, str]] = {
    "hospital-eg": (150, "CENTRE HOSPITALIER {of_city}", "ch", "SA01", "355"),
    "pharmacy": (3, "PHARMACIE {family}", "pharmacie", "SA33", "620"),
    "laboratory": (8, "LABORATOIRE {family} - SITE {city}", "labo", "SA25", "611"),
    "gp-practice": (2, "CABINET MÉDICAL {family}", "cabinet", "SA08", ""),
    "nursing-practice": (2, "CABINET INFIRMIER {family}", "cabinet-infirmier", "SA08", ""),
    "physio-practice": (2, "CABINET DE KINÉSITHÉRAPIE {family}", "cabinet-kine", "SA08", ""),
    "dental-practice": (2, "CABINET DENTAIRE {family}", "cabinet-dentaire", "SA08", ""),
    "midwife-practice": (2, "CABINET DE SAGE-FEMME {family}", "cabinet-sage-femme", "SA07", ""),
    "podiatry-practice": (1, "CABINET DE PÉDICURIE-PODOLOGIE {family}", "cabinet-podologie", "SA07", ""),
}
FINESSED = {"hospital-eg": "hospital-ej", "pharmacy": "pharmacy-ej", "laboratory": "laboratory-ej"}
ORG_BOXES = {  # kind -> ((local part, type, description, probability), ...)
    "hospital-eg": (("accueil", "ORG", "Accueil et admissions", 1.0), ("dpi", "APP", "Dossier patient", 0.8)),
    "pharmacy": (("contact", "ORG", "Officine", 0.7), ("lgo", "APP", "Logiciel de gestion d'officine", 0.3)),
    "laboratory": (("resultats", "ORG", "Résultats de biologie", 1.0), ("sil", "APP", "Système de laboratoire", 0.9)),
}
# Authorisations of generated hospitals (Annuaire Device / HealthcareService). 05602 and form 07 are the
# documented examples; 06201 (IRM), 05701 (caméra à scintillation), modality 00 and form 01 are unconfirmed (U).
EQUIPMENT_TYPES = (("05602", 1.0), ("06201", 0.6), ("05701", 0.2))
MANUFACTURERS = ("SIEMENS HEALTHINEERS", "GE HEALTHCARE", "PHILIPS", "CANON MEDICAL SYSTEMS")
ACTIVITIES = (("01", "00", "01", 1.0), ("02", "00", "01", 0.9), ("02", "00", "07", 0.8), ("14", "00", "01", 0.5))
FIRST_DECISION = date(2016, 1, 1)
EXPIRED_BEFORE = date(2026, 1, 1)  # fixed, so the output never depends on today's date
DOUBLED = str.maketrans("0123456789", "0246813579")  # digit -> digit sum of its double
PRACTICE_BOXES = (("secretariat", "ORG", "Secrétariat", 0.4),)
CITIES = tuple(c for c in COMMUNES if "Arrondissement" not in c.name)


def luhn(digits: str) -> str:
    """``digits`` followed by its Luhn check digit (the fast form of core.identifiers.luhn_complete)."""
    # Digits in even positions from the right get doubled once the check digit is appended; summing the
    # bytes of the translated strings keeps the loop in C (this runs for every generated identifier).
    reverse = digits[::-1]
    total = sum(reverse[0::2].translate(DOUBLED).encode()) + sum(reverse[1::2].encode()) - 48 * len(digits)
    return f"{digits}{-total % 10}"


def slug(text: str) -> str:
    """ASCII, lower-case, words joined by hyphens: "N'DIAYE" -> "ndiaye", "DE LA FONTAINE" -> "delafontaine"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9-]", "", ascii_text)


CITY_SLUGS = {c.cog: slug(c.name) for c in CITIES}


def _of(city: str) -> str:
    """French "de" + a city name, with elision and contraction: D'ÉVREUX, DU HAVRE, DES ABYMES."""
    upper = city.upper()
    if upper.startswith("LE "):
        return "DU " + upper[3:]
    if upper.startswith("LES "):
        return "DES " + upper[4:]
    if upper[0] in "AEIOUYÉÈÂÎ" or (upper[0] == "H" and upper[1] in "AEIOUY"):
        return "D'" + upper
    return "DE " + upper


OF_CITY = {c.cog: _of(c.name) for c in CITIES}


def authorisations(seed: int, oid: str, department: str,
                   counter: list[int]) -> tuple[tuple[Equipment, ...], tuple[Activity, ...]]:
    """A hospital's heavy equipment and healthcare activities, drawn from a stream of its own.

    The stream depends on the seed and the structure only, so adding this left every other generated value
    unchanged. ARHGOS numbers are ``<department>-<department>-<serial>`` (the IG examples look like
    ``93-93-1905``; what the two groups mean is not documented (U)); serials start at 30001, clear of the personas.
    """
    rnd = random.Random(f"authorisations/{seed}/{oid}").random
    area = department[:2].replace("2A", "20").replace("2B", "20")

    def number() -> str:
        counter[0] += 1
        return f"{area}-{area}-{30000 + counter[0]}"

    def period() -> tuple[date, date, date]:
        decided = FIRST_DECISION + timedelta(days=int(rnd() * 2500))
        start = decided + timedelta(days=30 + int(rnd() * 300))
        return decided, start, start + timedelta(days=3652)

    equipment = []
    for code, share in EQUIPMENT_TYPES:
        if rnd() < share:
            decided, start, end = period()
            brand = MANUFACTURERS[int(rnd() * len(MANUFACTURERS))]
            equipment.append(assemble(Equipment, {
                "arhgos": number(), "type": code, "manufacturer": brand, "serial": f"SN{oid[4:]}-{code}",
                "authorised": decided, "start": start, "end": end, "active": end >= EXPIRED_BEFORE}))
    activities = []
    for activity, modality, form, share in ACTIVITIES:
        if rnd() < share:
            decided, start, end = period()
            activities.append(assemble(Activity, {
                "arhgos": number(), "activity": activity, "modality": modality, "form": form,
                "authorised": decided, "start": start, "end": end, "active": end >= EXPIRED_BEFORE}))
    return tuple(equipment), tuple(activities)


@dataclass
class Structures:
    """Generated organisations, the ids usable per kind, and each one's MSSanté domain."""

    organizations: list[Organization] = field(default_factory=list)
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)


def build_structures(seed: int, needs: dict[str, int], rnd_source: random.Random) -> Structures:
    """Enough structures of each kind for ``needs`` (kind -> professionals placed there)."""
    rnd = rnd_source.random
    out = Structures()
    finess_counters: dict[str, int] = {}
    counters = {"public": 0, "private": 0, "org": 0}
    arhgos = [0]

    def finess(department: str) -> str:
        prefix = department[:2]
        finess_counters[prefix] = number = finess_counters.get(prefix, 0) + 1
        if number > 99_999:
            raise ValueError(f"more than 99,999 generated FINESS numbers in department {prefix}")
        check = luhn(f"{prefix.replace('2A', '20').replace('2B', '20')}9{number:05d}")[-1]
        return f"{prefix}9{number:05d}{check}"

    def siren(public: bool) -> str:
        key = "public" if public else "private"
        counters[key] += 1
        return luhn(f"269{counters[key]:05d}" if public else f"9{counters[key]:07d}")

    def organization(**fields: object) -> str:
        counters["org"] += 1
        oid = f"org-{seed}-{counters['org']}"
        out.organizations.append(assemble(Organization, {"id": oid, **fields}))
        return oid

    for kind, placed in needs.items():
        team, pattern, prefix, sector, category = KINDS[kind]
        ids = out.by_kind.setdefault(kind, [])
        parent: str | None = None
        parent_siren, siblings = "", 0
        for _ in range(max(1, math.ceil(placed / team))):
            city = CITIES[int(rnd() * len(CITIES))]
            family = FAMILY_NAMES[int(rnd() * len(FAMILY_NAMES))]
            name = pattern.format(city=city.name.upper(), of_city=OF_CITY[city.cog], family=family)
            address = assemble(Address, {"line": f"{1 + int(rnd() * 120)} {STREETS[int(rnd() * len(STREETS))]}",
                                         "postal_code": city.postal_code, "city": city.name, "insee": city.cog})
            identifiers: dict[str, object] = {}
            if kind in FINESSED:
                if parent is None or siblings >= 1 + int(rnd() * (3 if kind != "pharmacy" else 1)):
                    parent_siren = siren(public=kind == "hospital-eg")
                    ej_name = name if kind != "pharmacy" else f"SELARL {name}"
                    parent = organization(name=ej_name, kind=FINESSED[kind], level="EJ",
                                          finess=finess(city.department), siren=parent_siren, address=address)
                    siblings = 0
                siblings += 1
                siret = luhn(f"{parent_siren}{siblings:04d}")  # one establishment (NIC) per site
                identifiers = {"finess": finess(city.department), "siret": siret, "part_of": parent}
            else:
                own = siren(public=False)
                identifiers = {"siren": own, "siret": luhn(f"{own}0001")}
            oid_number = counters["org"] + 1
            if kind == "hospital-eg":
                equipment, activities = authorisations(seed, f"org-{seed}-{oid_number}", city.department, arhgos)
                identifiers = {**identifiers, "equipment": equipment, "activities": activities}
            domain = f"{prefix}-{CITY_SLUGS[city.cog]}-{oid_number}.mssante.fr"
            boxes = tuple(assemble(Mailbox, {"address": f"{local}@{domain}", "type": type_, "description": text})
                          for local, type_, text, p in ORG_BOXES.get(kind, PRACTICE_BOXES) if rnd() < p)
            oid = organization(name=name, kind=kind, level="EG", sector=sector, category=category, address=address,
                               mailboxes=boxes, **identifiers)
            ids.append(oid)
            out.domains[oid] = domain
    return out
