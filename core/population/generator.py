"""Seeded generator of large populations (DESIGN.md "Personas"): same seed, same people, on every service.

``patients(seed, count)`` streams patients with valid INS: NIR keys mod 97 (2A/2B handled), matricules
consistent with sex, birth month and birth place (mainland, Corsica, overseas, abroad), order numbers taken
from one birth register per place and month (so twins get consecutive numbers), ~3% NIA identities, INS
history, used names, composite names and homonyms. ``professionals(seed, count)`` (see
:mod:`core.population.workforce`) gives the structures and streams the professionals. A stream is a prefix
of any longer stream with the same seed, so a service may load it in chunks.

Generated values never collide with the personas: ids are ``pat-<seed>-<n>`` / ``ps-<seed>-<n>``, persona
matricules are skipped, and RPPS/FINESS/SIREN use ranges the personas do not (see workforce.py).
Speed matters (a service loads a million patients in under a minute): everything drawable is tabulated
at import, and each patient costs a handful of ``random()`` calls and one integer modulo.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from core.identifiers import INS_NIA_OID, INS_NIR_OID
from core.population.geography import COMMUNES, COUNTRIES
from core.population.model import Ins, Patient, Population, assemble
from core.population.names import FAMILY_NAMES, FEMALE_FIRST_NAMES, MALE_FIRST_NAMES
from core.population.personas import personas
from core.population.workforce import professionals

__all__ = ["gc_paused", "generate", "patients", "professionals"]

FIRST_YEAR, LAST_YEAR = 1925, 2024  # fixed, so the output never depends on today's date
SEX_VALUE = 10**9  # the sex digit's weight in the 10 leading characters of the matricule
CORSICA_SPLIT = 1976  # 2A/2B exist since 1976; earlier Corsican births are simply not generated
SHARE_ABROAD, SHARE_OVERSEAS, SHARE_CORSICA = 0.12, 0.03, 0.01
NIA_AMONG_ABROAD = 0.25  # people born abroad wait for a NIR: ~3% of everyone carries a NIA
HISTORY_AMONG_ABROAD = 0.08  # ... and some who got their NIR keep the NIA in their INS history
TWINS, HOMONYM, COMPOSITE_NAME, USED_NAME = 0.015, 0.005, 0.04, 0.35


def _dates() -> list[tuple[str, str, int, int]]:
    """Every birth date of the range as (ISO date, YYMM, YYMM as int, year), weighted by a rough pyramid."""
    table: list[tuple[str, str, int, int]] = []
    day = date(FIRST_YEAR, 1, 1)
    while day.year <= LAST_YEAR:
        weight = 1 if day.year < 1935 else 2 if day.year < 1945 else 3
        yymm = f"{day.year % 100:02d}{day.month:02d}"
        table.extend([(day.isoformat(), yymm, int(yymm), day.year)] * weight)
        day += timedelta(days=1)
    return table


def _places() -> list[tuple[str, int]]:
    """Birth places as (COG, the number it stands for in the key) with the shares above, 1000 slots."""
    mainland = [c.cog for c in COMMUNES if c.department not in ("2A", "2B") and not c.cog.startswith("97")]
    corsica = [c.cog for c in COMMUNES if c.department in ("2A", "2B")]
    overseas = [c.cog for c in COMMUNES if c.cog.startswith("97")]
    abroad = list(COUNTRIES)
    slots = ((SHARE_ABROAD, abroad), (SHARE_OVERSEAS, overseas), (SHARE_CORSICA, corsica))
    table = [group[i % len(group)] for share, group in slots for i in range(round(1000 * share))]
    table += [mainland[i % len(mainland)] for i in range(1000 - len(table))]
    return [(cog, int(cog.replace("2A", "19").replace("2B", "18"))) for cog in table]


DATES = _dates()
PLACES = _places()
MAINLAND = [p for p in PLACES if p[0][:2] not in ("2A", "2B", "97", "99")]


def _first_name_lists(names: tuple[str, ...], size: int = 8192) -> list[tuple[str, ...]]:
    """Birth first-name lists (1 to 3 names, 35/45/20%), drawn once: picking one is then a single index."""
    rnd = random.Random(f"first-names/{names[0]}").random
    lists = []
    for _ in range(size):
        r = rnd()
        picks = 1 if r < 0.35 else 2 if r < 0.8 else 3
        lists.append(tuple(dict.fromkeys(names[int(rnd() * len(names))] for _ in range(picks))))
    return lists


FIRST_NAME_LISTS = {"1": _first_name_lists(MALE_FIRST_NAMES), "2": _first_name_lists(FEMALE_FIRST_NAMES)}
# Order numbers the personas hold in each register (YYMM + place), whatever their sex: never generated.
RESERVED_ORDERS: dict[str, set[int]] = {}
for _ins in (ins for p in personas().patients if p.ins for ins in (p.ins, *p.history)):
    RESERVED_ORDERS.setdefault(_ins.matricule[1:10].upper(), set()).add(int(_ins.matricule[10:]))


def patients(seed: int, count: int) -> Iterator[Patient]:
    """``count`` generated patients for ``seed``, streamed; ids ``pat-<seed>-1`` ... ``pat-<seed>-<count>``."""
    rnd = random.Random(f"patients/{seed}").random
    registers: dict[str, int] = {}  # YYMM + place -> last order number given in that birth register
    n_dates, n_places, n_families, n_mainland = len(DATES), len(PLACES), len(FAMILY_NAMES), len(MAINLAND)
    families, male, female, reserved = FAMILY_NAMES, FIRST_NAME_LISTS["1"], FIRST_NAME_LISTS["2"], RESERVED_ORDERS
    n_male, n_female = len(male), len(female)
    previous: Patient | None = None

    def order(register: str) -> int | None:
        """The next free order number of a register, skipping persona matricules; None when it is full."""
        last = registers.get(register)
        # A register's first number is drawn (as if 0-499 births came before) so numbers do not all start at 001.
        number = (int(rnd() * 500) if last is None else last) + 1
        while register in reserved and number in reserved[register]:
            number += 1
        if number > 999:
            return None
        registers[register] = number
        return number

    def ins(sex: str, register: str, base: int, number: int, oid: str) -> Ins:
        value = ((SEX_VALUE if sex == "1" else 2 * SEX_VALUE) + base) * 1000 + number
        return assemble(Ins, {"matricule": f"{sex}{register}{number:03d}", "key": f"{97 - value % 97:02d}", "oid": oid})

    n = 0
    while n < count:
        iso, yymm, yymm_value, year = DATES[int(rnd() * n_dates)]
        place, place_value = PLACES[int(rnd() * n_places)]
        if year < CORSICA_SPLIT and place[1] in "AB":
            place, place_value = MAINLAND[int(rnd() * n_mainland)]
        register = yymm + place
        number = order(register)
        if number is None:  # register full (only with millions of people): draw another birth
            continue
        base = yymm_value * 100_000 + place_value  # the key's number without sex and order
        # Twins are registered one after the other: the second number is taken now (even past ``count``, so
        # a shorter stream stays a prefix of a longer one).
        second = order(register) if rnd() < TWINS else None
        r = rnd()
        if r < HOMONYM and previous is not None:  # same names as someone else, different birth
            birth_name, names, sex = previous.birth_name, previous.first_names, previous.sex
        else:
            birth_name = families[int(rnd() * n_families)]
            if r > 1 - COMPOSITE_NAME:
                birth_name = f"{birth_name}-{families[int(rnd() * n_families)]}"
            sex = "M" if rnd() < 0.5 else "F"
            names = male[int(rnd() * n_male)] if sex == "M" else female[int(rnd() * n_female)]
        digit = "1" if sex == "M" else "2"
        abroad = place[0] == "9" and place[1] == "9"
        oid = INS_NIA_OID if abroad and rnd() < NIA_AMONG_ABROAD else INS_NIR_OID
        history: tuple[Ins, ...] = ()
        if abroad and oid == INS_NIR_OID and rnd() < HISTORY_AMONG_ABROAD and (old := order(register)) is not None:
            history = (ins(digit, register, base, old, INS_NIA_OID),)  # the NIA they had before their NIR
        used = families[int(rnd() * n_families)] if sex == "F" and year < 2000 and rnd() < USED_NAME else None
        n += 1
        previous = assemble(Patient, {
            "id": f"pat-{seed}-{n}", "birth_name": birth_name, "first_names": names, "sex": sex, "birth_date": iso,
            "birth_place": place, "ins": ins(digit, register, base, number, oid), "history": history,
            "used_name": used,
        })
        yield previous
        if second is not None and n < count:
            twin_sex = "M" if rnd() < 0.5 else "F"
            table = male if twin_sex == "M" else female
            twin_names = names
            while twin_names[0] == names[0]:
                twin_names = table[int(rnd() * len(table))]
            n += 1
            yield assemble(Patient, {
                "id": f"pat-{seed}-{n}", "birth_name": birth_name, "first_names": twin_names, "sex": twin_sex,
                "birth_date": iso, "birth_place": place,
                "ins": ins("1" if twin_sex == "M" else "2", register, base, second, oid), "history": (),
                "used_name": None,
            })


_patients, _professionals = patients, professionals  # generate()'s keywords shadow the two functions


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk load keeps millions of generated records alive.

    The records hold no reference cycles, but every collection walks all of them: measured here, keeping
    a million patients in a list takes ~15 s with the collector on and ~5 s with it paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def generate(seed: int = 0, *, patients: int = 0, professionals: int = 0) -> Population:
    """The named personas plus ``patients`` generated patients and ``professionals`` generated professionals."""
    population = personas()
    with gc_paused():
        population.patients.extend(_patients(seed, patients))
        organizations, people = _professionals(seed, professionals)
        population.organizations.extend(organizations)
        population.professionals.extend(people)
    return population
