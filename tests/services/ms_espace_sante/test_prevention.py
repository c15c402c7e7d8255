"""Prevention rules as data (prevention.py) and their runs over a tenant (prevention_runs.py, routers/prevention.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.ms_espace_sante.prevention import (
    DEFAULT_RULES,
    Person,
    Rule,
    applies,
    due,
    rules_from_json,
    rules_to_json,
    window,
)
from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.test_acting_for import ANTHONY, CATARINA, NESSI

RULES = {r.id: r for r in DEFAULT_RULES}
DAY = date(2026, 12, 3)


def person(born: str, sex: str = "F", *conditions: str) -> Person:
    return Person("Patient/p", "1" * 15, date.fromisoformat(born), sex, frozenset(conditions))


@pytest.mark.parametrize(("rule", "born", "sex", "expected"), [
    ("depistage-sein", "1975-12-31", "F", True),  # 50
    ("depistage-sein", "1975-12-31", "M", False),
    ("depistage-sein", "1976-12-04", "F", False),  # 49 the day before her birthday
    ("depistage-sein", "1952-01-01", "F", True),  # 74
    ("depistage-sein", "1951-12-02", "F", False),  # 75
    ("grippe-65", "1936-06-21", "M", True),
    ("examen-16-ans", "2010-08-07", "M", True),
    ("rappel-11-13-ans", "2010-08-07", "M", False),
])
def test_a_rule_applies_by_age_and_sex(rule, born, sex, expected):
    assert applies(RULES[rule], person(born, sex), DAY) is expected


def test_months_conditions_and_windows():
    baby = Rule("9-mois", "t", "m", min_months=9, max_months=9)
    assert applies(baby, person("2026-03-01"), DAY) and not applies(baby, person("2026-02-01"), DAY)
    diabetes = RULES["diabete-fond-oeil"]
    assert applies(diabetes, person("1970-01-01", "M", "diabete"), DAY)
    assert not applies(diabetes, person("1970-01-01", "M"), DAY)
    screening = RULES["depistage-colorectal"]  # every 24 months from the birth month
    zoe = person("1975-12-31")
    assert window(screening, zoe, DAY) == window(screening, zoe, date(2027, 11, 1)) == "2025-12-01"
    assert window(screening, zoe, date(2027, 12, 31)) == "2027-12-01"
    assert window(RULES["examen-16-ans"], zoe, DAY) == "once"


def test_a_message_sent_in_its_window_is_not_sent_again():
    zoe = person("1975-12-31")
    first = due(DEFAULT_RULES, [zoe], DAY, set())
    assert {d.rule.id for d in first} == {"depistage-sein", "depistage-colorectal", "depistage-col"}
    assert due(DEFAULT_RULES, [zoe], DAY, {(zoe.reference, d.key) for d in first}) == []


@pytest.mark.parametrize("text", ['{"id": "x"}', '[{"id": "x"}]', '[{"id": "x", "title": "t", "message": "m", '
                                  '"colour": "red"}]', '[{"id": "x", "title": "t", "message": "m", "channel": "sms"}]'])
def test_a_bad_rules_file_is_refused(text):
    with pytest.raises(ValueError):
        rules_from_json(text)


def test_the_default_rules_survive_their_json():
    assert rules_from_json(rules_to_json()) == DEFAULT_RULES


# through the service --------------------------------------------------------------------------------------
async def run(dmp, day: str = "2026-12-03"):  # noqa: ANN001, ANN201
    return await dmp.http.post(f"/t/{dmp.tenant}/ms-espace-sante/_admin/prevention/run", json={"date": day})


async def test_a_run_reaches_the_patients_a_rule_applies_to_and_no_one_else(dmp):
    answer = await run(dmp)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["sent"] > 0 and report["by_rule"]["depistage-sein"] >= 1 and report["by_rule"]["grippe-65"] >= 1
    assert (await run(dmp)).json()["sent"] == 0  # idempotent
    zoe = await support.patient_dmp(dmp.http, dmp.tenant)
    mine = (await zoe.get("/Communication")).json()
    topics = {e["resource"]["topic"]["coding"][0]["code"] for e in mine["entry"]}
    assert topics == {"depistage-sein", "depistage-colorectal", "depistage-col"}
    assert all(e["resource"]["recipient"][0]["reference"] == "Patient/dmp-adrun-zoe" for e in mine["entry"])
    anthony = await support.patient_dmp(dmp.http, dmp.tenant, ANTHONY)
    his = (await anthony.get("/Communication")).json()
    assert his["type"] == "searchset" and "depistage-sein" not in str(his)
    son = await anthony.get("/Communication", params={"patient.identifier": f"{support.INS_SYSTEM}|{NESSI}"})
    assert {e["resource"]["topic"]["coding"][0]["code"] for e in son.json()["entry"]} == {"examen-16-ans"}
    other = await anthony.get("/Communication", params={"patient.identifier": f"{support.INS_SYSTEM}|{CATARINA}"})
    assert other.status_code == 403 and "MES-0303" in other.text
    pro = await dmp.get("/Communication")
    assert pro.status_code == 403 and "MES-0305" in pro.text


@pytest.mark.parametrize("body", [{"date": "2026-13-01"}, {"date": 7}, {"when": "2026-12-03"}, ["x"]])
async def test_a_bad_run_request_is_refused_and_sends_nothing(dmp, body):
    before = dmp.counts()
    answer = await dmp.http.post(f"/t/{dmp.tenant}/ms-espace-sante/_admin/prevention/run", json=body)
    assert answer.status_code == 400, answer.text
    assert dmp.counts() == before


async def test_the_rules_in_force_are_listed(dmp):
    listed = await dmp.http.get(f"/t/{dmp.tenant}/ms-espace-sante/_admin/prevention/rules")
    assert listed.status_code == 200 and {r["id"] for r in json.loads(listed.text)} == set(RULES)


DECLARED = "https://sandbox.esante.local/fhir/CodeSystem/mes-declared-condition"


def condition(code: str = "diabete", ins: str = support.ADRUN_INS, system: str = DECLARED) -> dict:
    return {"resourceType": "Condition", "code": {"coding": [{"system": system, "code": code}]},
            "subject": {"identifier": {"system": support.INS_SYSTEM, "value": ins}}}


async def test_a_declared_condition_brings_its_rule_to_the_patient(dmp):
    zoe = await support.patient_dmp(dmp.http, dmp.tenant)
    declared = await zoe.post("/Condition", condition())
    assert declared.status_code == 201, declared.text
    assert (await zoe.get("/Condition")).json()["total"] == 1
    assert (await run(dmp)).json()["by_rule"]["diabete-fond-oeil"] == 1  # her, and no one else
    topics = {e["resource"]["topic"]["coding"][0]["code"] for e in (await zoe.get("/Communication")).json()["entry"]}
    assert "diabete-fond-oeil" in topics


@pytest.mark.parametrize(("body", "status", "code"), [
    (condition(system="http://snomed.info/sct"), 422, "MES-0316"), (condition(code="Diabète!"), 422, "MES-0316"),
    (condition(ins=CATARINA), 403, "MES-0303"), ({"resourceType": "Condition"}, 400, "FHIR-0003"),
])
async def test_a_bad_declaration_is_refused_and_stores_nothing(dmp, body, status, code):
    zoe = await support.patient_dmp(dmp.http, dmp.tenant)
    before = dmp.counts()
    answer = await zoe.post("/Condition", body)
    assert answer.status_code == status and code in answer.text, answer.text
    assert dmp.counts() == before
    professional = await dmp.post("/Condition", condition())
    assert professional.status_code == 403 and "MES-0305" in professional.text
