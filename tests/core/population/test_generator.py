"""Generated patients: valid and consistent INS, realistic variety, determinism (spec digest §0.1, §0.2)."""

from __future__ import annotations

import dataclasses
import gc
from collections import Counter

import pytest

from core.identifiers import INS_NIA_OID, nir_key, nir_problem, parse_nir
from core.population import generator
from core.population.generator import generate, patients
from core.population.geography import cog_problem
from core.population.model import (
    Address,
    Ins,
    Mailbox,
    Organization,
    Patient,
    Professional,
    Situation,
    SmartCard,
    assemble,
)
from core.population.personas import personas

SAMPLE = 30_000


@pytest.fixture(scope="module")
def sample() -> list[Patient]:
    return list(patients(11, SAMPLE))


def test_generated_nir_keys_are_valid(sample: list[Patient]) -> None:
    for p in sample:
        for ins in (p.ins, *p.history):
            assert nir_problem(ins.matricule, ins.key) is None, p
            assert ins.key == nir_key(ins.matricule)


def test_matricule_agrees_with_sex_birth_month_and_birth_place(sample: list[Patient]) -> None:
    for p in sample:
        nir = parse_nir(p.ins.matricule)
        assert nir.sex == ("1" if p.sex == "M" else "2")
        assert nir.year + nir.month == p.birth_date[2:4] + p.birth_date[5:7]
        assert nir.place == p.birth_place
        assert 1 <= int(nir.order) <= 999


def test_birth_places_cover_mainland_corsica_overseas_and_abroad(sample: list[Patient]) -> None:
    places = Counter(p.birth_place for p in sample)
    assert all(cog_problem(cog) is None for cog in places)
    abroad = sum(n for cog, n in places.items() if cog.startswith("99"))
    overseas = sum(n for cog, n in places.items() if cog.startswith("97"))
    corsica = sum(n for cog, n in places.items() if cog[:2] in ("2A", "2B"))
    assert 0.09 < abroad / SAMPLE < 0.15 and 0.02 < overseas / SAMPLE < 0.04 and corsica > 0
    assert "99100" not in places


def test_corsican_births_use_2a_2b_only_after_the_1976_split(sample: list[Patient]) -> None:
    corsicans = [p for p in sample if p.birth_place[:2] in ("2A", "2B")]
    assert corsicans and all(p.birth_date >= "1976" for p in corsicans)


def test_about_three_percent_are_nia_identities(sample: list[Patient]) -> None:
    nia = [p for p in sample if p.ins.oid == INS_NIA_OID]
    assert 0.02 < len(nia) / SAMPLE < 0.04
    assert all(nir_problem(p.ins.matricule, p.ins.key) is None for p in nia)  # NIA digits look like a NIR


def test_ids_and_matricules_are_unique(sample: list[Patient]) -> None:
    assert len({p.id for p in sample}) == SAMPLE
    matricules = [ins.matricule for p in sample for ins in (p.ins, *p.history)]
    assert len(set(matricules)) == len(matricules)


def test_generated_identities_never_reuse_a_persona_matricule(sample: list[Patient]) -> None:
    persona_matricules = {i.matricule for p in personas().patients if p.ins for i in (p.ins, *p.history)}
    assert not persona_matricules & {i.matricule for p in sample for i in (p.ins, *p.history)}


def test_a_reserved_order_number_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    first = next(patients(5, 1)).ins.matricule
    monkeypatch.setattr(generator, "RESERVED_ORDERS", {first[1:10]: {int(first[10:])}})
    again = next(patients(5, 1)).ins.matricule
    assert again[:10] == first[:10] and int(again[10:]) == int(first[10:]) + 1


def test_twins_share_birth_and_have_consecutive_order_numbers(sample: list[Patient]) -> None:
    twins = [(a, b) for a, b in zip(sample, sample[1:], strict=False)
             if (a.birth_name, a.birth_date, a.birth_place) == (b.birth_name, b.birth_date, b.birth_place)]
    assert len(twins) > SAMPLE * 0.005
    for a, b in twins:
        assert a.first_names[0] != b.first_names[0]
        assert int(b.ins.matricule[10:]) == int(a.ins.matricule[10:]) + 1


def test_homonyms_have_the_same_names_and_a_different_birth(sample: list[Patient]) -> None:
    by_name: dict[tuple, set] = {}
    for p in sample:
        by_name.setdefault((p.birth_name, p.first_names), set()).add((p.birth_date, p.birth_place))
    assert sum(1 for births in by_name.values() if len(births) > 1) > 50


def test_names_include_the_hard_cases(sample: list[Patient]) -> None:
    birth_names = {p.birth_name for p in sample}
    first_names = {name for p in sample for name in p.first_names}
    assert any("-" in n for n in birth_names) and any(" " in n for n in birth_names)
    assert any("'" in n for n in birth_names) and any(c in "ÈÉÊËÏÖÇ" for n in birth_names for c in n)
    assert {"Jean-Pierre", "Hélène"} <= first_names
    assert any(len(p.first_names) == 3 for p in sample) and any(len(p.first_names) == 1 for p in sample)


def test_some_patients_have_history_or_a_used_name(sample: list[Patient]) -> None:
    with_history = [p for p in sample if p.history]
    assert with_history and all(h.oid == INS_NIA_OID and h.matricule != p.ins.matricule
                                for p in with_history for h in p.history)
    assert sum(1 for p in sample if p.used_name) > SAMPLE * 0.05


def test_same_seed_same_population_and_another_seed_differs() -> None:
    assert list(patients(3, 500)) == list(patients(3, 500))
    assert list(patients(3, 500)) != list(patients(4, 500))


def test_a_stream_is_a_prefix_of_a_longer_stream() -> None:
    assert list(patients(9, 300)) == list(patients(9, 1000))[:300]


def test_generated_ids_carry_the_seed() -> None:
    assert [p.id for p in patients(42, 3)] == ["pat-42-1", "pat-42-2", "pat-42-3"]


def test_generate_adds_the_counts_to_the_personas() -> None:
    population = generate(1, patients=50, professionals=20)
    named = personas()
    assert len(population.patients) == len(named.patients) + 50
    assert len(population.professionals) == len(named.professionals) + 20
    assert population.patient("adrun-zoe").ins.value == "275126322074974"


def test_assembled_records_equal_normally_built_ones() -> None:
    ins = Ins("2751263220749", "74")
    built = Patient("x", "ADRUN", ("ZOE",), "F", "1975-12-31", "63220", ins)
    fields = {"id": "x", "birth_name": "ADRUN", "first_names": ("ZOE",), "sex": "F", "birth_date": "1975-12-31",
              "birth_place": "63220", "ins": ins, "history": (), "used_name": None}
    assembled = assemble(Patient, fields)
    assert assembled == built and hash(assembled) == hash(built) and assembled.tiq_first_name


def test_gc_paused_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with generator.gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.parametrize("cls", [Ins, Patient, Professional, Situation, SmartCard, Mailbox, Organization, Address])
def test_assembled_classes_have_only_plain_defaults(cls: type) -> None:
    # assemble() relies on class attributes for omitted fields; a default_factory would leave them unset.
    assert all(f.default_factory is dataclasses.MISSING for f in dataclasses.fields(cls))
