"""run_scenario: logins first, steps in order with their names, groups, timings and events; a failed login
skips every step; nothing the sandbox answers makes it raise."""

from __future__ import annotations

from tests.scenarios.runner.support import Recording, failures

FRAGMENT = """\
fragment: metadata
params: {service: null}
steps:
  - request: {actor: desk, service: "${param.service}", path: /fhir/metadata, expect: {status: 200}}
"""


async def test_steps_run_in_order_with_names_groups_timings_and_events(sandbox):
    sandbox.write(FRAGMENT, "fragments/metadata.yaml")
    events = Recording()
    result = await sandbox.run("""\
id: demo
title: Demo
tags: [t1]
actors:
  desk: {login: none, persona: ch-volcans}
steps:
  - name: INSi answers
    include: {file: fragments/metadata.yaml, with: {service: ins-teleservice}}
  - include: {file: fragments/metadata.yaml, with: {service: ins-teleservice}}
  - request: {actor: desk, service: gateway, path: /_admin/faults, expect: {json: {"$.count": 0}}}
""", events=events)
    assert result.status == "passed", failures(result)
    assert [(s.index, s.name, s.groups) for s in result.steps] == [
        (1, "GET ins-teleservice /fhir/metadata", ("INSi answers",)),
        (2, "GET ins-teleservice /fhir/metadata", ("metadata.yaml",)),
        (3, "GET gateway /_admin/faults", ()),
    ]
    assert result.steps[0].where.endswith("fragments/metadata.yaml:4:5")
    assert all(s.started is not None and s.duration_ms > 0 for s in result.steps)
    assert result.started is not None and result.duration_ms > 0
    assert (result.tags, result.actors[0].name, result.actors[0].status) == (["t1"], "desk", "passed")
    assert events.seen == [("step_started", "GET ins-teleservice /fhir/metadata"), ("step_finished", "passed")] * 2 + [
        ("step_started", "GET gateway /_admin/faults"), ("step_finished", "passed")]


async def test_a_failed_login_is_the_actors_error_and_every_step_is_skipped(sandbox):
    result = await sandbox.run("""\
id: demo
title: Demo
actors:
  system: {login: client-credentials, secret: not-the-secret}
steps:
  - request: {actor: system, service: ins-teleservice, path: /fhir/metadata}
""")
    assert result.status == "error"
    assert result.actors[0].status == "error" and result.actors[0].message
    assert [(s.status, s.message) for s in result.steps] == [("skipped", "not run: actor system could not log in")]
