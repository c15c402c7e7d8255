"""The built-in medicines are facts: each CIS, name, form, route, CIP13, substance and generic group is checked
against the official BDPM files (skipped, saying why, only when those are absent)."""

from __future__ import annotations

import pytest

from services.eprescription import drugs
from services.eprescription import medication_codes as mc
from tests.services.eprescription.bdpm_files import by_cis, require_bdpm


@pytest.fixture(scope="module")
def bdpm() -> dict[str, dict[str, list[list[str]]]]:
    require_bdpm()
    return {"cis": by_cis("CIS_bdpm.txt"), "cip": by_cis("CIS_CIP_bdpm.txt"), "compo": by_cis("CIS_COMPO_bdpm.txt"),
            "gener": by_cis("CIS_GENER_bdpm.txt", column=2)}


def test_the_built_in_set_holds_at_least_50_distinct_medicines() -> None:
    assert len(drugs.MEDICINES) >= 50
    assert len({m.cis for m in drugs.MEDICINES}) == len(drugs.MEDICINES)


def test_the_common_substances_are_all_there() -> None:
    names = {c.name for m in drugs.MEDICINES for c in m.components}
    for wanted in ("PARACÉTAMOL", "IBUPROFÈNE", "AMOXICILLINE", "ACIDE CLAVULANIQUE", "METFORMINE", "ATORVASTATINE",
                   "SIMVASTATINE", "RAMIPRIL", "AMLODIPINE", "LÉVOTHYROXINE", "OMÉPRAZOLE", "ÉSOMÉPRAZOLE",
                   "SALBUTAMOL", "PREDNISOLONE", "TRAMADOL", "CODÉINE", "PHLOROGLUCINOL", "ALGINATE"):
        assert any(wanted in name for name in names), wanted
    brands = " ".join(m.name for m in drugs.MEDICINES)
    for brand in ("DOLIPRANE", "EFFERALGAN", "DAFALGAN", "SPASFON", "GAVISCON", "CODOLIPRANE"):
        assert brand in brands, brand


def test_every_code_has_the_shape_of_its_system() -> None:
    for m in drugs.MEDICINES:
        assert len(m.cis) == 8 and m.cis.isdigit(), m.cis
        assert m.presentations, m.cis
        for cip13, label in m.presentations:
            assert len(cip13) == 13 and cip13.isdigit() and cip13.startswith("34009"), cip13
            assert label.strip() == label and label


def test_every_cis_is_a_marketed_specialite_of_the_bdpm_with_its_name_form_and_routes(bdpm) -> None:
    for m in drugs.MEDICINES:
        (row,) = bdpm["cis"][m.cis]
        assert (row[1], row[2], tuple(row[3].split(";"))) == (m.name, m.form, m.routes), m.cis
        assert (row[4], row[6]) == ("Autorisation active", "Commercialisée"), m.cis


def test_every_cip13_is_an_active_presentation_of_its_cis_with_its_label(bdpm) -> None:
    for m in drugs.MEDICINES:
        presentations = {r[6]: r for r in bdpm["cip"][m.cis]}
        for cip13, label in m.presentations:
            row = presentations[cip13]
            assert " ".join(row[2].split()) == label, cip13
            assert row[3] == "Présentation active", cip13


def test_every_composition_is_the_bdpm_one_row_for_row(bdpm) -> None:
    for m in drugs.MEDICINES:
        official = [(r[2], r[3], r[4], r[5], r[6], int(r[7])) for r in bdpm["compo"][m.cis]]
        ours = [(c.code, c.name, c.dosage, c.reference, c.nature, c.link) for c in m.components]
        assert ours == official, m.cis


def test_every_generic_group_is_the_bdpm_one_and_none_is_left_out(bdpm) -> None:
    for m in drugs.MEDICINES:
        groups = {(r[0], int(r[-3] if len(r) > 6 else r[3])) for r in bdpm["gener"].get(m.cis, [])}
        if m.generic_group is None:
            assert not groups, m.cis
        else:
            assert (m.generic_group, m.generic_type) in groups, m.cis


def test_generics_and_their_princeps_share_groups_in_the_built_in_set() -> None:
    groups: dict[str, set[int | None]] = {}
    for m in drugs.MEDICINES:
        if m.generic_group:
            groups.setdefault(m.generic_group, set()).add(m.generic_type)
    assert sum(1 for kinds in groups.values() if 0 in kinds and kinds - {0}) >= 10


def test_the_ig_example_codes_are_there_as_written_in_the_guide() -> None:
    codes = {(c.system, c.code): c for c in drugs.IG_CODES}
    assert codes[(mc.UCD, "3400893766521")].display == "EFFERALGAN 1000 mg cpr"
    assert codes[(mc.UCD, "3400893936047")].display == "CODOLIPRANE 500/30 mg cpr"
    assert codes[(mc.SMS, "100000090270")].substances == (drugs.PARACETAMOL,)
    assert codes[(mc.MEDICABASE, "MV00000063")].substances == (drugs.PARACETAMOL,)
    assert "exemple" in codes[(mc.MEDICABASE, "MV00000063")].display


def test_paracetamol_s_substance_code_is_the_bdpm_one(bdpm) -> None:
    assert {r[3] for r in bdpm["compo"]["60234100"] if r[2] == drugs.PARACETAMOL} == {"PARACÉTAMOL"}
    assert {r[3] for r in bdpm["compo"]["60904643"] if r[2] == drugs.CODEINE} == {"PHOSPHATE DE CODÉINE HÉMIHYDRATÉ"}
