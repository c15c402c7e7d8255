"""Personalised prevention (roadmap 2-1): rules as data that turn a patient's age, sex and declared conditions
into prevention messages, kept as FHIR ``Communication`` resources the patient reads.

A :class:`Rule` says who (``min_age``/``max_age`` in years, inclusive, or ``min_months``/``max_months`` for
small children; ``sex`` M or F; ``conditions``: every code listed must be declared by the patient, an
active ``Condition`` of the record, ``POST /fhir/Condition``), what (``title`` and ``message``), how
(``channel``: ``mes`` the Mon espace santé inbox, or ``mes+email``) and how often (``every_months``: one
message per window of that many months counted from the patient's birth; 0: once in a life). Running the
rules for a date (:func:`due`) gives, per patient, the messages due that have not been sent in their
window: a run is idempotent, so a journey or a daily job may run it again.

The default rules follow the French prevention calendar as public sources state it (confidence ``S``:
calendrier des vaccinations 2024 and the organised cancer screenings of Santé publique France / INCa; the
compulsory child examinations of the Code de la santé publique, art. R2132-1); the digest names none (U):
replace them with ``MS_ESPACE_SANTE_PREVENTION_RULES_FILE`` (a JSON list of rules, :func:`rules_to_json`
prints the default ones).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

CHANNELS = ("mes", "mes+email")


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    message: str
    min_age: int = 0
    max_age: int = 200
    min_months: int | None = None  # for small children: age in months, inclusive, instead of years
    max_months: int | None = None
    sex: str | None = None  # M | F | None (both)
    conditions: tuple[str, ...] = ()
    channel: str = "mes"
    every_months: int = 0  # 0: once in a life
    source: str = ""
    confidence: str = "S"


@dataclass(frozen=True)
class Person:
    """What the rules look at: a record's patient."""

    reference: str  # Patient/<id>
    ins: str
    birth_date: date
    sex: str | None  # M | F
    conditions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Due:
    rule: Rule
    person: Person
    window: str  # the window's first day (YYYY-MM-DD), or "once"

    @property
    def key(self) -> str:
        """The Communication's identifier value: one message per rule, patient and window."""
        return f"{self.rule.id}|{self.window}"


def months_between(born: date, day: date) -> int:
    return (day.year - born.year) * 12 + day.month - born.month - (day.day < born.day)


def applies(rule: Rule, person: Person, day: date) -> bool:
    months = months_between(person.birth_date, day)
    if months < 0:
        return False
    if rule.min_months is not None or rule.max_months is not None:
        within = (rule.min_months or 0) <= months <= (rule.max_months if rule.max_months is not None else 10**6)
    else:
        within = rule.min_age <= months // 12 <= rule.max_age
    return within and (rule.sex is None or rule.sex == person.sex) and set(rule.conditions) <= person.conditions


def window(rule: Rule, person: Person, day: date) -> str:
    if rule.every_months <= 0:
        return "once"
    start = months_between(person.birth_date, day) // rule.every_months * rule.every_months
    year, month = divmod(person.birth_date.month - 1 + start, 12)
    first = date(person.birth_date.year + year, month + 1, 1)
    return first.isoformat()


def due(rules: Iterable[Rule], people: Iterable[Person], day: date, sent: set[tuple[str, str]]) -> list[Due]:
    """The messages due on ``day``; ``sent`` holds (patient reference, key) of the messages already stored."""
    rules = list(rules)
    found = []
    for person in people:
        for rule in rules:
            if applies(rule, person, day):
                item = Due(rule, person, window(rule, person, day))
                if (person.reference, item.key) not in sent:
                    found.append(item)
    return found


VACCINATION = "Calendrier des vaccinations 2024 (Ministère de la santé)"
SCREENING = "Dépistages organisés des cancers (INCa, Santé publique France)"
CHILD = "Examens obligatoires de l'enfant (Code de la santé publique, art. R2132-1)"
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("dtcap-adulte", "Rappel de vaccination diphtérie, tétanos, coqueluche, polio",
         "Un rappel dTcaP est recommandé à 25, 45 et 65 ans : parlez-en à votre médecin ou à votre pharmacien.",
         min_age=25, max_age=25, every_months=0, source=VACCINATION),
    Rule("dtp-45", "Rappel de vaccination diphtérie, tétanos, polio à 45 ans",
         "Un rappel dTP est recommandé à 45 ans : parlez-en à votre médecin ou à votre pharmacien.",
         min_age=45, max_age=45, source=VACCINATION),
    Rule("grippe-65", "Vaccination contre la grippe saisonnière",
         "À partir de 65 ans, la vaccination contre la grippe est recommandée chaque automne, prise en charge.",
         min_age=65, every_months=12, source=VACCINATION),
    Rule("depistage-sein", "Dépistage organisé du cancer du sein",
         "Entre 50 et 74 ans, une mammographie de dépistage est recommandée tous les deux ans, prise en charge.",
         min_age=50, max_age=74, sex="F", every_months=24, source=SCREENING),
    Rule("depistage-colorectal", "Dépistage organisé du cancer colorectal",
         "Entre 50 et 74 ans, un test de dépistage à faire chez soi est recommandé tous les deux ans.",
         min_age=50, max_age=74, every_months=24, source=SCREENING),
    Rule("depistage-col", "Dépistage du cancer du col de l'utérus",
         "Entre 25 et 65 ans, un dépistage est recommandé (tous les 3 ans jusqu'à 29 ans, puis tous les 5 ans).",
         min_age=25, max_age=65, sex="F", every_months=36, source=SCREENING),
    Rule("examen-16-ans", "Examen de santé obligatoire de l'adolescent",
         "Un examen de santé est prévu entre 15 et 16 ans : prenez rendez-vous avec le médecin de votre enfant.",
         min_age=15, max_age=16, source=CHILD),
    Rule("rappel-11-13-ans", "Rappel de vaccination de l'enfant de 11 à 13 ans",
         "Entre 11 et 13 ans, un rappel diphtérie, tétanos, coqueluche, polio est recommandé.",
         min_age=11, max_age=13, source=VACCINATION),
    Rule("diabete-fond-oeil", "Examen des yeux (diabète)",
         "Avec un diabète, un examen du fond d'œil est recommandé chaque année.",
         min_age=18, conditions=("diabete",), every_months=12, source="Haute Autorité de santé", confidence="U"),
)


def rules_from_json(text: str) -> tuple[Rule, ...]:
    """Rules from a JSON list of objects with :class:`Rule`'s field names (ValueError naming what is wrong)."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("expected a JSON list of rules")
    names = {f.name for f in fields(Rule)}
    rules = []
    for k, item in enumerate(data):
        if not isinstance(item, dict) or not {"id", "title", "message"} <= item.keys() or item.keys() - names:
            raise ValueError(f"rule #{k + 1}: an object with id, title, message and only {', '.join(sorted(names))}")
        rule = Rule(**{**item, "conditions": tuple(item.get("conditions") or ())})
        if rule.channel not in CHANNELS or rule.sex not in (None, "M", "F") or rule.every_months < 0:
            raise ValueError(f"rule {rule.id!r}: channel one of {CHANNELS}, sex M, F or null, every_months >= 0")
        rules.append(rule)
    return tuple(rules)


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    return DEFAULT_RULES if path is None else rules_from_json(Path(path).read_text(encoding="utf-8"))


def rules_to_json(rules: Iterable[Rule] = DEFAULT_RULES) -> str:
    return json.dumps([{**asdict(r), "conditions": list(r.conditions)} for r in rules], ensure_ascii=False,
                      indent=2)
