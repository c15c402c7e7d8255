"""Generated structures and professionals for the directory (spec digest §0.3, §0.4, §3.3, §6).

``professionals(seed, count)`` returns the organisations (few, complete, EJ before their EG) and a stream
of ``count`` professionals whose situations point at them. Identifier ranges keep clear of the personas
(RPPS 997…, FINESS dd8…, SIREN 81234…/26630…): generated RPPS are ``19`` + 8 digits + Luhn, FINESS
department + ``9`` + 5 digits + Luhn, SIREN ``269…`` (public bodies) or ``9…`` + Luhn, CPS ``30…``,
idSituationExercice ``2…``. TRE_G15 profession codes 10/21/70/80 are confirmed; 40, 50 and 60 are not (U).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date

from core.population.model import Mailbox, Organization, Professional, Situation, SmartCard, assemble
from core.population.names import FAMILY_NAMES, FEMALE_FIRST_NAMES, MALE_FIRST_NAMES
from core.population.personas import PROFESSIONALS
from core.population.structures import MAILBOX_DOMAINS, Structures, build_structures, luhn, slug

__all__ = ["professionals"]

# TRE_G15 code, share of the generated workforce, and where they practise: (structure kind, mode, share).
PROFESSIONS: tuple[tuple[str, float, tuple[tuple[str, str, float], ...]], ...] = (
    ("60", 0.40, (("hospital-eg", "S", 0.8), ("nursing-practice", "L", 0.2))),  # infirmier (U)
    ("10", 0.27, (("gp-practice", "L", 0.55), ("hospital-eg", "S", 0.45))),  # médecin
    ("70", 0.11, (("physio-practice", "L", 0.8), ("hospital-eg", "S", 0.2))),  # masseur-kinésithérapeute
    ("21", 0.09, (("pharmacy", "L", 0.5), ("pharmacy", "S", 0.25), ("hospital-eg", "S", 0.12),
                  ("laboratory", "S", 0.13))),  # pharmacien
    ("40", 0.06, (("dental-practice", "L", 1.0),)),  # chirurgien-dentiste (U)
    ("50", 0.05, (("hospital-eg", "S", 0.7), ("midwife-practice", "L", 0.3))),  # sage-femme (U)
    ("80", 0.02, (("podiatry-practice", "L", 1.0),)),  # pédicure-podologue
)
# Savoir-faire (TRE_R38) of generated doctors: SM54 médecine générale is confirmed, the others are not (U).
DOCTOR_SPECIALTIES = ("SM54",) * 12 + ("SM04", "SM02", "SM40", "SM42", "SM38", "SM15")
INACTIVE, SECOND_SITUATION, WITH_MAILBOX, WITH_CARD, WITH_ECPS = 0.03, 0.08, 0.8, 0.85, 0.6
CARD_PERIODS = tuple((date(2023 + m // 12, m % 12 + 1, 1), date(2026 + m // 12, m % 12 + 1, 1)) for m in range(36))
RESERVED_ADDRESSES = frozenset(
    m.address for p in PROFESSIONALS for m in (*p.mailboxes, *(b for s in p.situations for b in s.mailboxes))
)
# (profession, structure kind, mode) in 1000 weighted slots: one index draws all three.
ROLES = tuple((code, kind, mode) for code, share, places in PROFESSIONS for kind, mode, part in places
              for _ in range(round(share * part * 1000)))
NAMES = {"M": MALE_FIRST_NAMES, "MME": FEMALE_FIRST_NAMES}
SLUGS = {name: slug(name) for name in (*FAMILY_NAMES, *MALE_FIRST_NAMES, *FEMALE_FIRST_NAMES)}


def _scramble(seed_rnd: random.Random) -> tuple[int, int]:
    """A bijection n -> (n * a + b) mod 10^8 (a coprime with 10): unique numbers that do not look sequential."""
    return seed_rnd.randrange(10**6, 10**7) * 10 + 3, seed_rnd.randrange(10**8)


def professionals(seed: int, count: int) -> tuple[list[Organization], Iterator[Professional]]:
    """The structures for ``count`` professionals (complete list) and the professionals themselves (streamed)."""
    rnd = random.Random(f"professionals/{seed}")
    if count <= 0:
        return [], iter(())
    demand: dict[tuple[str, str], float] = {}
    for _code, share, places in PROFESSIONS:
        for kind, mode, part in places:
            demand[kind, mode] = demand.get((kind, mode), 0.0) + share * part * count
    structures = build_structures(seed, {kind: math.ceil(n) for (kind, _mode), n in demand.items()}, rnd)
    return structures.organizations, _stream(seed, count, structures, rnd)


def _stream(seed: int, count: int, structures: Structures, rnd_source: random.Random) -> Iterator[Professional]:
    """The professionals ``ps-<seed>-1`` ... ``ps-<seed>-<count>``, placed in ``structures``."""
    rnd = rnd_source.random
    rpps_a, rpps_b = _scramble(rnd_source)
    card_a, card_b = _scramble(rnd_source)
    taken: dict[str, int] = dict.fromkeys(RESERVED_ADDRESSES, 1)
    by_kind, domains = structures.by_kind, structures.domains
    families, n_families, n_roles, n_periods = FAMILY_NAMES, len(FAMILY_NAMES), len(ROLES), len(CARD_PERIODS)

    def mailbox(local: str, domain: str) -> Mailbox:
        # Homonyms share a local part: the second gets "jean.martin2", and so on (bases never end in a digit).
        address = f"{local}@{domain}"
        seen = taken.get(address, 0)
        taken[address] = seen + 1
        return assemble(Mailbox, {"address": f"{local}{seen + 1}@{domain}" if seen else address, "type": "PER"})

    def place(kind: str, mode: str, number: int, active: bool, local: str) -> Situation:
        orgs = by_kind[kind]
        org = orgs[int(rnd() * len(orgs))]
        boxes = (mailbox(local, domains[org]),) if active and mode == "S" and rnd() < 0.2 else ()
        # FON-AU is the fonction of both situations the IG examples show (DP/PP19DP-PractitionerRole-*.fsh)
        return assemble(Situation, {"id": f"2{number:09d}", "organization": org, "mode": mode, "mailboxes": boxes,
                                    "role": "FON-AU", "active": active})

    situation_number = 0
    for n in range(1, count + 1):
        code, kind, mode = ROLES[int(rnd() * n_roles)]
        civility = "M" if rnd() < 0.45 else "MME"
        given_table = NAMES[civility]
        given = given_table[int(rnd() * len(given_table))]
        family = families[int(rnd() * n_families)]
        active = rnd() >= INACTIVE
        local = f"{SLUGS[given]}.{SLUGS[family]}"
        situation_number += 1
        situations = [place(kind, mode, situation_number, active, local)]
        if kind != "hospital-eg" and rnd() < SECOND_SITUATION:  # a libéral who also works at a hospital
            situation_number += 1
            situations.append(place("hospital-eg", "S", situation_number, active, local))
        cards: tuple[SmartCard, ...] = ()
        if active and rnd() < WITH_CARD:
            start, end = CARD_PERIODS[int(rnd() * n_periods)]
            cards = (assemble(SmartCard, {"type": "CPS", "number": f"30{(n * card_a + card_b) % 10**8:08d}",
                                          "start": start, "end": end}),)
        doctor = code == "10"
        yield assemble(Professional, {
            "id": f"ps-{seed}-{n}", "rpps": luhn(f"19{(n * rpps_a + rpps_b) % 10**8:08d}"), "family": family,
            "given": given, "civility": civility, "profession": code,
            "exercise_civility": "DR" if doctor or code == "40" else None,
            "specialty": DOCTOR_SPECIALTIES[int(rnd() * len(DOCTOR_SPECIALTIES))] if doctor else None,
            "situations": tuple(situations),
            "mailboxes": (mailbox(local, MAILBOX_DOMAINS[code]),) if active and rnd() < WITH_MAILBOX else (),
            "cards": cards, "ecps": active and rnd() < WITH_ECPS, "active": active,
        })
