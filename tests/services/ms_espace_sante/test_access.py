"""The access rules of the DMP: habilitation matrix rows, masking, modes, opposition, blocking, the header."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.audit import PatientRef, audit_event
from core.errors import SandboxError
from core.oidc.principals import Patient, Practitioner, System
from services.ms_espace_sante.access import (
    CLASS_SYSTEM,
    ID_NAT_PS_SYSTEM,
    VISIBILITY_SYSTEM,
    AccessMode,
    DocumentMeta,
    decide,
    decide_audit_search,
    decide_record,
    mode_coding,
    parse_access_mode,
    trace,
    visible,
)
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.consents import (
    CarerAccess,
    PatientConsents,
    TemporaryAccess,
    medecin_traitant_extension,
)
from services.ms_espace_sante.habilitations import (
    DEFAULT_MATRIX,
    EHPAD_PLAN,
    PSYCHIATRIC_SYNTHESIS,
    RESIDENCE_ATTESTATION,
    default_matrix,
    matrix_from_json,
    matrix_to_json,
)

INS = "2751263220749" + "74"
GP, AUTHOR, OTHER = "899799000015", "899700218896", "899799000023"
NORMAL, BDG, C15 = AccessMode.NORMAL, AccessMode.BRIS_DE_GLACE, AccessMode.CENTRE_15


def pro(id_nat_ps: str = OTHER, profession: str | None = "10") -> Practitioner:
    return Practitioner(id_nat_ps=id_nat_ps, rpps=id_nat_ps[1:], given_name=None, family_name=None,
                        profession=profession, specialty=None, organisations=(), client_id="lps",
                        scopes=frozenset(), tenant="default")


def doc(class_code: str = "11", type_code: str = "11488-4", labels: tuple[str, ...] = ("N",),
        author: str = AUTHOR) -> dict:
    return {
        "resourceType": "DocumentReference",
        "contained": [{"resourceType": "Practitioner", "id": "a",
                       "identifier": [{"system": ID_NAT_PS_SYSTEM, "value": author}]}],
        "type": {"coding": [{"system": "http://loinc.org", "code": type_code}]},
        "category": [{"coding": [{"system": CLASS_SYSTEM, "code": class_code}]}],
        "securityLabel": [{"coding": [{"system": VISIBILITY_SYSTEM, "code": label}]} for label in labels],
        "author": [{"reference": "#a"}],
    }


MASKED = doc(labels=("MASQUE_PS",))
RECORD = PatientConsents(ins=INS, medecin_traitant=GP)


def code_of(principal, document, mode=NORMAL, record=RECORD):
    decision = decide(principal, document, mode=mode, patient_record=record)
    return decision.code if not decision.allowed else None


# matrix rows ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("profession", "class_code", "type_code", "expected"), [
    ("10", "11", "11488-4", None),  # physician: every class
    ("10", "95", RESIDENCE_ATTESTATION, MesCode.NOT_HABILITATED),  # ... but the residence attestation
    ("10", "11", PSYCHIATRIC_SYNTHESIS, None),
    ("40", "11", "11488-4", None),  # dentist: denied types only
    ("40", "11", PSYCHIATRIC_SYNTHESIS, MesCode.NOT_HABILITATED),
    ("40", "44", EHPAD_PLAN, MesCode.NOT_HABILITATED),
    ("21", "43", "60593-1", None),  # pharmacist: dispensation
    ("21", "11", "83901-9", MesCode.NOT_HABILITATED),
    ("60", "45", "80565-5", None),  # nurse
    ("60", "11", PSYCHIATRIC_SYNTHESIS, MesCode.NOT_HABILITATED),
    ("50", "10", "15508-5", None),  # midwife
    ("50", "44", EHPAD_PLAN, MesCode.NOT_HABILITATED),
    ("70", "31", "18748-4", None),  # physiotherapist: an allowed class
    ("70", "43", "60593-1", MesCode.NOT_HABILITATED),  # ... not dispensations
    ("80", "31", "18748-4", MesCode.NOT_HABILITATED),  # podiatrist: no imaging
    ("93", "44", EHPAD_PLAN, None),  # any other profession (social): medico-social types
    ("93", "11", "11488-4", MesCode.NOT_HABILITATED),  # ... not a consultation report
])
def test_matrix_rows(profession, class_code, type_code, expected):
    assert code_of(pro(profession=profession), doc(class_code, type_code)) == expected


def test_every_row_is_exercised_and_has_a_confidence():
    assert {r.profession for r in DEFAULT_MATRIX} == {"10", "40", "21", "60", "50", "70", "80", "*"}
    assert all(r.confidence in ("C", "S", "U") and r.note for r in DEFAULT_MATRIX)


def test_no_profession_is_refused():
    assert code_of(pro(profession=None), doc()) == MesCode.UNKNOWN_PROFESSION


def test_matrix_replaced_by_json():
    assert matrix_from_json(matrix_to_json(default_matrix())) == default_matrix()
    only = matrix_from_json(json.dumps([{"profession": "10", "classes": ["10"]}]))
    assert decide(pro(), doc("10"), mode=NORMAL, patient_record=RECORD, matrix=only).allowed
    refused = decide(pro(), doc("11"), mode=NORMAL, patient_record=RECORD, matrix=only)
    assert refused.code == MesCode.NOT_HABILITATED
    assert decide(pro(profession="21"), doc("10"), mode=NORMAL, patient_record=RECORD,
                  matrix=only).code == MesCode.UNKNOWN_PROFESSION  # no '*' row in that file
    with pytest.raises(ValueError, match="row 0"):
        matrix_from_json('[{"label": "no profession"}]')


# masking ----------------------------------------------------------------------------------------
def test_masked_seen_by_author_and_medecin_traitant_only():
    assert code_of(pro(AUTHOR), MASKED) is None
    assert code_of(pro(GP), MASKED) is None
    assert code_of(pro(OTHER), MASKED) == MesCode.MASKED
    assert code_of(pro(OTHER, "21"), MASKED) == MesCode.MASKED


def test_masked_author_through_practitioner_role():
    document = doc(labels=("MASQUE_PS",), author="x")
    document["contained"] = [
        {"resourceType": "PractitionerRole", "id": "r", "practitioner": {"reference": "#p"}},
        {"resourceType": "Practitioner", "id": "p", "identifier": [{"system": ID_NAT_PS_SYSTEM, "value": OTHER}]}]
    document["author"] = [{"reference": "#r"}]
    assert DocumentMeta.of(document).authors == {OTHER}
    assert code_of(pro(OTHER), document) is None


def test_masque_psocial_hides_from_social_professions_only():
    document = doc(class_code="44", type_code=EHPAD_PLAN, labels=("MASQUE_PSOCIAL",))
    assert code_of(pro(profession="93"), document) == MesCode.MASKED
    assert code_of(pro(profession="10"), document) is None


def test_invisible_patient_hides_nothing_from_professionals():
    assert code_of(pro(OTHER), doc(labels=("INVISIBLE_PATIENT",))) is None


# modes ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", [BDG, C15])
def test_emergency_modes_bypass_masking(mode):
    decision = decide(pro(OTHER), MASKED, mode=mode, patient_record=RECORD)
    assert decision.allowed and decision.bypassed_masking and decision.mode is mode


def test_emergency_mode_keeps_the_matrix():
    assert code_of(pro(OTHER), doc("95", RESIDENCE_ATTESTATION), BDG) == MesCode.NOT_HABILITATED


def test_modes_per_profession():
    assert code_of(pro(profession="60"), MASKED, BDG) is None
    assert code_of(pro(profession="60"), doc(), C15) == MesCode.MODE_NOT_ALLOWED
    assert code_of(pro(profession="70"), doc("10"), BDG) == MesCode.MODE_NOT_ALLOWED


@pytest.mark.parametrize(("mode", "flag"), [(BDG, "opposes_bris_de_glace"), (C15, "opposes_centre_15")])
def test_opposition_refuses_that_mode_only(mode, flag):
    record = PatientConsents.from_dict({**RECORD.to_dict(), flag: True})
    assert code_of(pro(OTHER), doc(), mode, record) == MesCode.EMERGENCY_OPPOSED
    assert code_of(pro(OTHER), doc(), NORMAL, record) is None
    other = BDG if mode is C15 else C15
    assert code_of(pro(OTHER), doc(), other, record) is None


# blocking ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", list(AccessMode))
def test_blocked_professional_refused_in_every_mode(mode):
    record = PatientConsents(ins=INS, medecin_traitant=GP, blocked=frozenset({OTHER, AUTHOR}))
    assert code_of(pro(OTHER), doc(), mode, record) == MesCode.BLOCKED
    assert code_of(pro(AUTHOR), MASKED, mode, record) == MesCode.BLOCKED  # even the author
    decision = decide_record(pro(OTHER), mode=mode, patient_record=record)
    assert decision.status == 403
    with pytest.raises(SandboxError) as err:
        decision.raise_if_refused()
    assert err.value.status == 403 and err.value.code == MesCode.BLOCKED


def test_consents_round_trip():
    record = PatientConsents(ins=INS, medecin_traitant=GP, blocked=frozenset({OTHER}), opposes_centre_15=True)
    assert PatientConsents.from_dict(json.loads(json.dumps(record.to_dict()))) == record


# other principals -------------------------------------------------------------------------------
def test_patient_and_system_principals():
    me = Patient(ins=INS, subject=None, given_name=None, family_name=None, client_id=None,
                 scopes=frozenset({"mes.documents.read"}), tenant="default")
    assert code_of(me, MASKED) is None
    assert code_of(me, doc(labels=("INVISIBLE_PATIENT",))) == MesCode.MASKED
    assert code_of(me, doc(), record=PatientConsents(ins="1" * 15)) == MesCode.NOT_YOUR_RECORD
    no_scope = Patient(ins=INS, subject=None, given_name=None, family_name=None, client_id=None,
                       scopes=frozenset({"openid"}), tenant="default")
    assert code_of(no_scope, doc()) == MesCode.SCOPE_MISSING
    robot = System(client_id="lps", scopes=frozenset(), tenant="default")
    assert code_of(robot, doc()) == MesCode.NOT_A_PROFESSIONAL


def test_visible_filters_search_hits():
    hits = [doc(), MASKED, doc("95", RESIDENCE_ATTESTATION)]
    assert visible(pro(OTHER), hits, mode=NORMAL, patient_record=RECORD) == [hits[0]]
    assert visible(pro(OTHER), hits, mode=C15, patient_record=RECORD) == hits[:2]


# header -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "mode"), [(None, NORMAL), ("", NORMAL), ("normal", NORMAL),
                                              ("bris_de_glace", BDG), (" CENTRE_15 ", C15)])
def test_parse_access_mode(value, mode):
    assert parse_access_mode(value) is mode


@pytest.mark.parametrize("value", ["urgence", "bris-de-glace", "centre15", "1"])
def test_unknown_access_mode_is_400(value):
    with pytest.raises(SandboxError) as err:
        parse_access_mode(value)
    assert err.value.status == 400 and err.value.code == MesCode.BAD_ACCESS_MODE
    assert err.value.expression == ["X-Access-Mode"] and "bris_de_glace" in err.value.diagnostics


def test_consents_of_a_dmp_patient_and_audit_helpers():
    patient = {"resourceType": "Patient", "identifier": [{"system": "urn:oid:1.2.250.1.213.1.4.8", "value": INS}],
               "extension": [medecin_traitant_extension(GP)]}
    record = PatientConsents.of_patient(patient, {"blocked": [OTHER], "opposes_centre_15": True})
    assert record == PatientConsents(ins=INS, medecin_traitant=GP, blocked=frozenset({OTHER}), opposes_centre_15=True)
    assert mode_coding(C15)["code"] == "centre_15"
    refused = decide(pro(OTHER), MASKED, mode=NORMAL, patient_record=RECORD)
    assert (refused.outcome, refused.outcome_desc.split(":")[0]) == ("4", "MES-0203")
    assert decide(pro(GP), MASKED, mode=NORMAL, patient_record=RECORD).outcome == "0"


def test_audit_search_is_the_patients():
    assert decide_audit_search(pro()).code == MesCode.AUDIT_FORBIDDEN
    me = Patient(ins=INS, subject=None, given_name=None, family_name=None, client_id=None,
                 scopes=frozenset({"mes.documents.read"}), tenant="default")
    assert decide_audit_search(me).allowed
    assert decide_audit_search(me, RECORD).allowed
    assert decide_audit_search(me, PatientConsents(ins="1" * 15)).code == MesCode.NOT_YOUR_RECORD
    carer = PatientConsents(ins="1" * 15, carers=(CarerAccess(INS, frozenset({"access"})),))
    assert decide_audit_search(me, carer).allowed
    assert decide_audit_search(Patient(ins=INS, subject=None, given_name=None, family_name=None, client_id=None,
                                       scopes=frozenset(), tenant="default")).code == MesCode.SCOPE_MISSING


def test_trace_of_a_decision_is_a_valid_audit_event():
    decision = decide(pro(OTHER), MASKED, mode=C15, patient_record=RECORD)
    access = trace(decision, action="R", subtype="ITI-68", patient=PatientRef(INS, reference="Patient/dmp-x"),
                   entities=("DocumentReference/d1",))
    event = audit_event(pro(OTHER), access, source="ms-espace-sante")
    assert event["purposeOfEvent"][0]["coding"][0]["code"] == "centre_15" and event["outcome"] == "0"
    refused = trace(decide(pro(OTHER), MASKED, mode=NORMAL, patient_record=RECORD), action="R", subtype="ITI-68",
                    patient=PatientRef(INS))
    assert refused.outcome == "4" and refused.outcome_desc.startswith("MES-0203")


CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "pdsm"


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="the conformance examples are not on this machine")
def test_the_pdsm_example_author_is_read():
    example = json.loads((CONFORMANCE / "DocumentReference-doc-x-id.json").read_text(encoding="utf-8"))
    meta = DocumentMeta.of(example)
    assert meta.authors == {AUTHOR} and meta.classes == {"11"} and meta.types == {"11488-4"}
    masked = {**example, "securityLabel": [{"coding": [{"system": VISIBILITY_SYSTEM, "code": "MASQUE_PS"}]}]}
    assert code_of(pro(AUTHOR), masked) is None and code_of(pro(OTHER), masked) == MesCode.MASKED


# temporary access (a permit Consent of the patient) ----------------------------------------------
KINE = "899799000072"


def granted(start: timedelta, end: timedelta) -> PatientConsents:
    now = datetime.now(UTC)
    return PatientConsents(ins=INS, medecin_traitant=GP, temporary=(
        TemporaryAccess(KINE, (now + start).isoformat(), (now + end).isoformat()),))


def test_a_temporary_access_lifts_the_matrix_row_while_open_never_masking_or_blocking():
    kine, certificate = pro(KINE, "70"), doc("52", "89601-9")
    assert code_of(kine, certificate) == MesCode.NOT_HABILITATED
    open_now = granted(timedelta(hours=-1), timedelta(hours=1))
    assert code_of(kine, certificate, record=open_now) is None
    assert "temporary access" in decide(kine, certificate, mode=NORMAL, patient_record=open_now).reason
    assert code_of(kine, doc("52", "89601-9", labels=("MASQUE_PS",)), record=open_now) == MesCode.MASKED
    blocked = PatientConsents(ins=INS, blocked=frozenset({KINE}), temporary=open_now.temporary)
    assert code_of(kine, certificate, record=blocked) == MesCode.BLOCKED
    for over in (granted(timedelta(hours=-2), timedelta(hours=-1)), granted(timedelta(hours=1), timedelta(hours=2))):
        assert code_of(kine, certificate, record=over) == MesCode.NOT_HABILITATED  # ended, or not begun
    assert code_of(pro(OTHER, "70"), certificate, record=open_now) == MesCode.NOT_HABILITATED  # another one


def test_a_temporary_access_survives_its_json_round_trip():
    record = granted(timedelta(0), timedelta(days=1))
    assert PatientConsents.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    assert record.let_in(KINE, datetime.now(UTC) + timedelta(hours=1))
    assert not record.let_in(KINE, datetime.now(UTC) + timedelta(days=2))
