"""scenarios/templates.py: ${...} parsed, checked against what a scenario defines, rendered, and bounded."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from core.population.personas import personas
from scenarios import templates
from scenarios.templates import Context, TemplateError, check, parse, render

POPULATION = personas()


def _ctx(**captures) -> Context:
    return Context(POPULATION, captures=captures, run={"tenant": "run-1", "target": "http://x", "id": "r1"},
                   clock=lambda: datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC), rng=random.Random(1))


def _problem(text: str, captures=(), params=None) -> str | None:
    [ref] = [p for p in parse(text) if isinstance(p, templates.Ref)]
    return check(ref, captures=set(captures), population=POPULATION, params=params, actors={"gp"})


def test_render_personas_captures_run_and_generated_values():
    ctx = _ctx(patient={"id": "p1", "names": ["A", "B"]}, count=3)
    assert render("rpps ${persona.kit-doc.rpps} at ${persona.ch-volcans.finess}", ctx) == \
        "rpps 99700427885 at 638000026"
    assert render("${persona.adrun-zoe.ins.value}", ctx) == "275126322074974"
    assert render("${persona.tchitchi-catarina.first_names.1}", ctx) == "BELLA"
    assert render("${persona.kit-doc.id_nat_ps}", ctx) == "899700427885"
    assert render("${capture.patient.names.1}/${capture.patient.id}", ctx) == "B/p1"
    assert render("${capture.count}", ctx) == 3  # a whole-string reference keeps the value's type
    assert render({"n": ["${capture.count}", "x${capture.count}"]}, ctx) == {"n": [3, "x3"]}
    ctx.actors["gp"] = {"access_token": "at-1", "refresh_token": "rt-1"}
    assert render("Bearer ${actor.gp.access_token}", ctx) == "Bearer at-1"
    assert render("${run.tenant} ${now} ${today}", ctx) == "run-1 2026-03-04T05:06:07Z 2026-03-04"
    assert len(render("${uuid}", ctx)) == 36
    assert render("${random.digits(6)}", ctx).isdigit() and len(render("${random.letters(3)}", ctx)) == 3
    assert render("price $${not.a.variable} and $5", ctx) == "price ${not.a.variable} and $5"


@pytest.mark.parametrize(("text", "message"), [
    ("${capture.pid}", "${capture.pid}: no earlier step captures 'pid'"),
    ("${persona.nobody.rpps}", "${persona.nobody.rpps}: no persona 'nobody'"),
    ("${persona.kit-doc.secret}", "${persona.kit-doc.secret}: persona 'kit-doc' has no field 'secret'"),
    ("${persona.kit-doc.__class__}", "${persona.kit-doc.__class__}: persona 'kit-doc' has no field '__class__'"),
    ("${persona.kit-doc.situations}", "${persona.kit-doc.situations}: persona 'kit-doc' field 'situations' is not"
                                      " a single value"),
    ("${persona.kit-doc}", "${persona.kit-doc}: name a field of persona 'kit-doc' (e.g. persona.kit-doc.id)"),
    ("${env.HOME}", "${env.HOME}: unknown variable 'env' (known: capture, persona, param, run, actor, uuid, now, "
                    "today, random)"),
    ("${actor.nurse.access_token}", "${actor.nurse.access_token}: no actor 'nurse' in this scenario"),
    ("${actor.gp.password}", "${actor.gp.password}: an actor has access_token, refresh_token, id_token, client, "
                             "persona"),
    ("${run.secret}", "${run.secret}: run has tenant, target, id"),
    ("${random.digits(0)}", "${random.digits(0)}: random.digits(N) needs N between 1 and 64"),
    ("${random.digits(999)}", "${random.digits(999)}: random.digits(N) needs N between 1 and 64"),
    ("${uuid(3)}", "${uuid(3)}: only random.digits(N), random.letters(N) and now.plus(N) take an argument"),
    ("${now.year}", "${now.year}: ${now} has no fields"),
    ("${param.x}", "${param.x}: no parameter 'x' here (parameters: none)"),
    ("${capture}", "${capture}: 'capture' needs a name after it ('capture.NAME')"),
])
def test_check_names_what_is_wrong(text, message):
    assert _problem(text) == message


def test_check_accepts_what_is_defined():
    assert _problem("${capture.pid.id}", captures={"pid"}) is None
    assert _problem("${param.who}", params={"who"}) is None
    assert _problem("${persona.corse-anthony.birth_place}") is None


@pytest.mark.parametrize(("text", "message"), [
    ("${capture.a", "'${' without its closing '}'"),
    ("${capture.${capture.a}}", "${...} cannot be nested"),
    ("${__import__('os').system('x')}", "is not a dotted name"),
    ("${a..b}", "is not a dotted name"),
    ("${" + "a." * 20 + "b}", "more than 16 dotted parts"),
    ("${" + "a" * 300 + "}", "limited to 200 characters"),
    ("${a}" * 101, "more than 100 ${...} in one string"),
    ("x" * (templates.MAX_TEMPLATE + 1), "a templated string is limited to"),
])
def test_hostile_templates_are_refused(text, message):
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace(")", r"\)").replace(
            "$", r"\$").replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        parse(text)


def test_rendering_is_bounded():
    ctx = _ctx(big="x" * 600_000)
    with pytest.raises(TemplateError, match="a rendered string is limited to"):
        render("${capture.big}${capture.big}", ctx)
    deep: object = "${uuid}"
    for _ in range(templates.MAX_DEPTH + 2):
        deep = [deep]
    with pytest.raises(TemplateError, match="nested deeper than 64 levels"):
        render(deep, ctx)


def test_render_of_what_the_run_does_not_hold_is_an_error():
    with pytest.raises(TemplateError, match=r"\$\{capture\.pid\} has no value in this run"):
        render("${capture.pid}", _ctx())
    with pytest.raises(TemplateError, match="the captured value has no 'x'"):
        render("${capture.p.x}", _ctx(p={"id": 1}))


def test_now_plus_n_is_n_seconds_later_and_bounded():
    from datetime import UTC, datetime

    from core.population.personas import personas
    from scenarios.templates import Context, TemplateError, check, parse, render

    clock = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert render("${now.plus(90)}", Context(personas(), clock=lambda: clock)) == "2026-12-03T10:01:30Z"
    assert check(parse("${now.plus(999)}")[0], captures=set(), population=personas()) is None
    with pytest.raises(TemplateError):
        parse("${now.plus(1000)}")  # three digits at most
