"""Named personas: the ANS test professionals exactly, valid identifiers, consistent cross references."""

from __future__ import annotations

from core.identifiers import (
    INS_NIA_OID,
    finess_problem,
    luhn_valid,
    nir_key,
    parse_nir,
    rpps_problem,
    siren_problem,
    siret_problem,
)
from core.population.geography import cog_problem
from core.population.personas import CNDA_PATIENTS, FAMILY_PATIENTS, personas


def test_ans_test_professionals_are_reproduced_exactly() -> None:
    population = personas()
    robert = next(p for p in population.professionals if p.rpps == "99700218896")
    kit = next(p for p in population.professionals if p.rpps == "99700427885")
    assert (robert.given, robert.family, robert.profession) == ("ROBERT", "SPECIALISTE0021889", "10")
    assert (kit.given, kit.family, kit.profession) == ("KIT", "DOC0042788", "10")
    assert robert.id_nat_ps == "899700218896" and kit.id_nat_ps == "899700427885"
    # the real sandbox's KIT DOC0042788 (issue 10): SM26, two activities
    assert kit.specialty == "SM26" and [s.organization for s in kit.situations] == ["msp-des-puys", "ch-volcans"]
    assert [m.address for m in kit.mailboxes] == ["kit.doc0042788@medecin.mssante.fr"]


def test_every_profession_a_journey_needs_is_present() -> None:
    professions = {p.profession for p in personas().professionals}
    assert {"10", "21", "50", "60", "70"} <= professions


def test_professional_identifiers_are_valid_and_unique() -> None:
    pros = personas().professionals
    assert len({p.rpps for p in pros}) == len(pros) and len({p.id for p in pros}) == len(pros)
    for p in pros:
        assert rpps_problem(p.rpps, strict=True) is None, p.id
        assert p.rpps.startswith("997")
        assert p.cards or not p.active
        assert all(len(c.number) == 10 and c.number.isdigit() for c in p.cards)
    situations = [s.id for p in pros for s in p.situations]
    assert len(set(situations)) == len(situations) and all(s.isdigit() for s in situations)


def test_organisation_identifiers_pass_their_check_digits() -> None:
    orgs = personas().organizations
    counts = [sum(bool(getattr(o, name)) for o in orgs) for name in ("finess", "siren", "siret")]
    assert (len(orgs), counts) == (11, [9, 6, 7])  # so that the checks below run on every kind of identifier
    for org in orgs:
        if org.finess:
            assert finess_problem(org.finess, strict=True) is None, org.id
        if org.siren:
            assert siren_problem(org.siren) is None, org.id
        if org.siret:
            assert siret_problem(org.siret) is None, org.id
            assert org.siren is None or org.siret.startswith(org.siren)


def test_every_situation_and_part_of_points_at_a_known_organisation() -> None:
    population = personas()
    ids = {o.id for o in population.organizations}
    for p in population.professionals:
        assert p.situations, p.id
        assert all(s.organization in ids for s in p.situations), p.id
    for org in population.organizations:
        if org.level == "EG" and org.part_of:
            parent = population.organization(org.part_of)
            assert parent.level == "EJ"


def test_required_kinds_of_structure_are_present_with_org_and_app_mailboxes() -> None:
    orgs = {o.kind: o for o in personas().organizations}
    assert {"hospital-ej", "hospital-eg", "pharmacy", "pharmacy-ej", "laboratory", "gp-practice"} <= set(orgs)
    assert orgs["hospital-eg"].part_of == orgs["hospital-ej"].id and orgs["hospital-eg"].finess
    assert orgs["gp-practice"].siret and orgs["gp-practice"].id_nat_struct == "3" + orgs["gp-practice"].siret
    for kind in ("hospital-eg", "pharmacy", "laboratory", "gp-practice"):
        assert {m.type for m in orgs[kind].mailboxes} == {"ORG", "APP"}, kind


def test_mailboxes_are_unique_mssante_addresses_of_the_right_type() -> None:
    population = personas()
    boxes = [(m, "org") for o in population.organizations for m in o.mailboxes]
    for p in population.professionals:
        boxes += [(m, "pro") for m in p.mailboxes]
        boxes += [(m, "pro") for s in p.situations for m in s.mailboxes]
    addresses = [m.address for m, _ in boxes]
    assert len(set(addresses)) == len(addresses)
    for mailbox, owner in boxes:
        assert mailbox.address.endswith(".mssante.fr") and mailbox.address.count("@") == 1
        assert mailbox.address == mailbox.address.lower()
        assert (mailbox.type == "PER") == (owner == "pro")


def test_one_professional_is_deactivated() -> None:
    inactive = [p for p in personas().professionals if not p.active]
    assert [p.id for p in inactive] == ["dr-faure"]


def test_personas_returns_a_fresh_population_each_call() -> None:
    first = personas()
    first.patients.clear()
    assert personas().patients


def test_family_patients_have_valid_keys_and_consistent_matricules() -> None:
    for patient in FAMILY_PATIENTS:
        assert patient.ins is not None and nir_key(patient.ins.matricule) == patient.ins.key, patient.id
        nir = parse_nir(patient.ins.matricule)
        assert nir.sex == {"M": "1", "F": "2"}[patient.sex]
        assert nir.year + nir.month == patient.birth_date[2:4] + patient.birth_date[5:7]
        assert nir.place == patient.birth_place and cog_problem(patient.birth_place) is None


def test_twins_share_their_birth_and_have_consecutive_order_numbers() -> None:
    lucas, chloe = (next(p for p in FAMILY_PATIENTS if p.id == pid)
                    for pid in ("martin-lefevre-lucas", "martin-lefevre-chloe"))
    assert (lucas.birth_name, lucas.birth_date, lucas.birth_place) == (
        chloe.birth_name, chloe.birth_date, chloe.birth_place)
    assert int(parse_nir(chloe.ins.matricule).order) == int(parse_nir(lucas.ins.matricule).order) + 1


def test_personas_patients_start_with_the_cnda_identities() -> None:
    patients = personas().patients
    assert tuple(patients[: len(CNDA_PATIENTS)]) == CNDA_PATIENTS
    assert len({p.id for p in patients}) == len(patients)
    assert sum(1 for p in patients if p.ins and p.ins.oid == INS_NIA_OID) == 1


def test_rpps_luhn_helper_agrees_with_the_ans_values() -> None:
    assert luhn_valid("99700218896") and luhn_valid("99700427885")


def test_every_patient_has_a_physician_persona_as_medecin_traitant() -> None:
    population = personas()
    physicians = {p.id_nat_ps for p in population.professionals if p.profession == "10" and p.active}
    assert all(p.medecin_traitant in physicians for p in population.patients)


def test_the_pdsm_examples_patient_is_a_persona() -> None:
    """conformance/pdsm's subject INS (illustrative: its key fails mod 97) and author (ROBERT SPECIALISTE)."""
    population = personas()
    patient = next(p for p in population.patients if p.id == "pdsm-exemple")
    assert patient.ins is not None and patient.ins.value == "123456789012345" and patient.ins.oid != INS_NIA_OID
    assert nir_key(patient.ins.matricule) == "11" != patient.ins.key
    assert "899700218896" in {p.id_nat_ps for p in population.professionals}
