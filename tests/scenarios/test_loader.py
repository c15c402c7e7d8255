"""scenarios/loader.py: every issue of a file, located, before anything runs; includes expanded in place."""

from __future__ import annotations

from core.population.personas import personas
from scenarios.errors import ScenarioError
from scenarios.templates import Context, render
from tests.scenarios.support import HEAD, SERVICES, issues, loads, write


def test_a_valid_scenario_loads_with_its_steps_in_order(tmp_path):
    path = write(tmp_path, "ok.yaml", HEAD + """\
      - name: find the GP
        request:
          actor: gp
          service: annuaire-sante
          path: /fhir/v2/Practitioner?identifier=${persona.kit-doc.rpps}
          expect: {status: 200}
          capture: {pid: {fhirpath: "Bundle.entry.resource.id"}}
      - request: {actor: desk, service: annuaire-sante, path: "/fhir/v2/Practitioner/${capture.pid}"}
      - fault: {set: {service: ins-teleservice, method: POST, path: /lps, status: 503, count: 3}}
      - await:
          instruction: In your software, search ADRUN ZOE through INSi.
          match: {service: ins-teleservice, method: POST, path: /lps}
          timeout: 30
      - fault: {clear: all}
      - request: {actor: desk, service: pro-sante-connect, method: POST, path: /t, body: "rt=${actor.gp.refresh_token}"}
    """)
    plan = loads(path)
    assert plan.scenario.id == "demo"
    assert [(s.kind, s.where.line) for s in plan.steps] == [
        ("request", 7), ("request", 14), ("fault", 15), ("await", 16), ("fault", 20), ("request", 21)]
    assert plan.steps[0].name == "find the GP" and plan.steps[2].body.set.count == 3


def test_every_error_kind_is_located_and_all_are_reported(tmp_path):
    path = write(tmp_path, "bad.yaml", """\
        id: Demo!
        title: Demo
        tittle: typo
        actors:
          desk: {login: none, persona: ch-volcans}
          gp: {login: psc-cba, persona: kit-doc}
          nurse: {login: psc-ciba, persona: kit-dok}
          ward: {login: psc-ciba, persona: ch-volcans}
          solo: {login: psc-code-pkce}
          other: {persona: kit-doc}
        steps:
          - requets: {}
          - request: {actor: desk, service: ins-teleservise, method: FETCH, path: /x, bodyfile: a}
          - request: {actor: dsk, service: ins-teleservice, path: "/p/${capture.pid}/${env.HOME}"}
          - request: {actor: desk, service: ins-teleservice, path: /p, body_file: missing.xml}
          - request: {actor: desk, service: ins-teleservice, path: /p, body: {a: 1}, body_file: x.xml}
          - await: {instruction: go, match: {service: ins-teleservice, actor: nobody}, timeout: 0}
          - {name: two, request: {actor: desk, service: ins-teleservice, path: /}, fault: {clear: all}}
          - request: {service: ins-teleservice, path: 12}
          - just a string
    """)
    assert issues(path) == [
        "bad.yaml:1:5: 'id': String should match pattern '^[a-z0-9][a-z0-9-]{0,63}$' [SCN-0010]",
        "bad.yaml:3:1: unknown key 'tittle' (did you mean 'title'?) [SCN-0010]",
        "bad.yaml:6:7: unknown login kind 'psc-cba' (did you mean 'psc-ciba'?) (known: psc-code-pkce, psc-ciba, "
        "citizen-code-pkce, client-credentials, none) [SCN-0012]",
        "bad.yaml:7:37: unknown persona 'kit-dok' (did you mean 'kit-doc'?) [SCN-0013]",
        "bad.yaml:8:36: persona 'ch-volcans' is a organization: login psc-ciba takes a professional [SCN-0013]",
        "bad.yaml:9:9: actor 'solo': login psc-code-pkce needs a persona [SCN-0013]",
        "bad.yaml:10:10: missing field 'login' (one of psc-code-pkce, psc-ciba, citizen-code-pkce, client-credentials, "
        "none) [SCN-0012]",
        "bad.yaml:12:5: unknown step kind 'requets' (did you mean 'request'?) (known: request, await, fault, include, "
        "wait) [SCN-0011]",
        "bad.yaml:13:62: 'method': Input should be 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE' or 'OPTIONS'"
        " [SCN-0010]",
        "bad.yaml:13:79: unknown key 'bodyfile' (did you mean 'body_file'?) [SCN-0010]",
        "bad.yaml:14:22: unknown actor 'dsk' (did you mean 'desk'?) (actors: desk, gp, nurse, ward, solo, other)"
        " [SCN-0015]",
        "bad.yaml:14:59: ${capture.pid}: no earlier step captures 'pid' [SCN-0021]",
        "bad.yaml:14:59: ${env.HOME}: unknown variable 'env' (known: capture, persona, param, run, actor, uuid, now,"
        " today, random) [SCN-0021]",
        "bad.yaml:15:75: no body file 'missing.xml' [SCN-0033]",
        "bad.yaml:16:14: 'request': give body or body_file, not both [SCN-0010]",
        "bad.yaml:17:89: 'timeout': Input should be greater than 0 [SCN-0010]",
        "bad.yaml:18:5: one kind per step: found request and fault [SCN-0011]",
        "bad.yaml:19:14: missing field 'actor' [SCN-0010]",
        "bad.yaml:19:47: 'path': Input should be a valid string [SCN-0010]",
        "bad.yaml:20:5: a step is a mapping with one of: request, await, fault, include, wait [SCN-0011]",
    ]


def test_the_error_prints_one_issue_per_line(tmp_path):
    path = write(tmp_path, "two.yaml", "id: x\ntitle: t\nsteps:\n  - fault: {clear: everything}\n  - nope: 1\n")
    try:
        loads(path)
    except ScenarioError as exc:
        lines = str(exc).splitlines()
    registered = ", ".join((*SERVICES, "gateway"))  # the registry's slugs, as sandbox run passes them
    assert len(lines) == 2 and lines[0].endswith(f"two.yaml:4:20: unknown service 'everything' (registered: "
                                                 f"{registered}) [SCN-0014]")


def test_fault_rules_get_the_gateways_own_checks(tmp_path):
    path = write(tmp_path, "faults.yaml", HEAD + """\
      - fault: {set: {service: ins-teleservice, status: 503, drop: true}}
      - fault: {set: {service: ins-teleservice, count: 2}}
      - fault: {set: {service: ins-teleservice, status: 200}}
      - fault: {set: {service: ins-teleservice, status: 503}, clear: all}
      - fault: {set: {service: insi, status: 503, latency: 5}}
    """)
    assert issues(path) == [
        "faults.yaml:7:22: A rule has one effect: status and drop cannot go together (latency_ms may go with any of"
        " them). [SCN-0016]",
        "faults.yaml:8:22: A rule needs an effect: status, drop, expire_tokens or latency_ms. [SCN-0016]",
        "faults.yaml:9:57: 'status': Input should be greater than or equal to 400 [SCN-0010]",
        "faults.yaml:10:16: 'fault': a fault step takes either set or clear [SCN-0010]",
        "faults.yaml:11:51: unknown key 'latency' (did you mean 'latency_ms'?) [SCN-0010]",
    ]


def test_expressions_of_expect_and_capture_are_checked(tmp_path):
    path = write(tmp_path, "expr.yaml", HEAD + """\
      - request:
          actor: desk
          service: annuaire-sante
          path: /fhir/v2/Practitioner
          expect:
            fhirpath: ["Bundle.total > 0", "Bundle.entry.where("]
          capture:
            pid: {json: "$["}
    """)
    found = issues(path)
    assert [line.split(": not")[0] for line in found] == [
        "expr.yaml:12:44: expect.fhirpath.1", "expr.yaml:14:19: capture.pid.json"]
    assert all(line.endswith("[SCN-0017]") for line in found)


def test_a_fragment_is_expanded_with_its_parameters(tmp_path):
    write(tmp_path, "fragments/lookup.yaml", """\
        fragment: lookup
        params: {who: null, rpps: "${persona.kit-doc.rpps}"}
        steps:
          - name: look up ${param.rpps}
            request:
              actor: ${param.who}
              service: annuaire-sante
              path: /fhir/v2/Practitioner?identifier=${param.rpps}
              capture: {pid: {fhirpath: "Bundle.entry.resource.id"}}
    """)
    path = write(tmp_path, "journey.yaml", HEAD + """\
      - include: {file: fragments/lookup.yaml, with: {who: gp}}
      - request: {actor: desk, service: annuaire-sante, path: "/fhir/v2/Practitioner/${capture.pid}"}
    """)
    plan = loads(path)
    first = plan.steps[0]
    # a parameter's value may itself be a template, rendered at run time like the rest of the step
    assert first.name == "look up ${persona.kit-doc.rpps}" and first.body.actor == "gp"
    assert render(first.body.path, Context(personas())) == "/fhir/v2/Practitioner?identifier=99700427885"
    assert (first.where.path.endswith("fragments/lookup.yaml"), first.where.line) == (True, 4)
    assert [site.line for site in first.via] == [7]
    assert first.groups == (None,) and plan.steps[1].groups == ()


def test_fragment_problems_name_the_include_that_brought_them(tmp_path):
    write(tmp_path, "frag.yaml", """\
        fragment: frag
        params: {who: null}
        steps:
          - request: {actor: "${param.who}", service: annuaire-sante, path: "/${param.nope}"}
          - request: {actor: "${param.who}", service: annuaire-sante, path: /, method: PUTT}
    """)
    path = write(tmp_path, "journey.yaml", HEAD + """\
      - include: {file: frag.yaml, with: {who: gp, whom: x}}
      - include: {file: frag.yaml}
      - include: {file: frag.yaml, with: {who: nobody}}
      - include: {file: nowhere.yaml}
      - include: {file: journey.yaml}
      - request: {actor: desk, service: annuaire-sante, path: "/${param.who}"}
    """)
    assert issues(path) == [
        "journey.yaml:7:52: the fragment has no parameter 'whom' (did you mean 'who'?) (parameters: who) [SCN-0032]",
        "journey.yaml:8:18: the fragment needs parameter 'who' (include: with: {who: ...}) [SCN-0032]",
        "journey.yaml:10:25: no fragment file 'nowhere.yaml' (looked for nowhere.yaml) [SCN-0031]",
        "journey.yaml:11:25: include cycle: journey.yaml -> journey.yaml [SCN-0030]",
        "journey.yaml:12:63: ${param.who}: parameters exist only in fragment files [SCN-0021]",
        "frag.yaml:4:22: unknown actor 'nobody' (actors: desk, gp) [SCN-0015] (included from journey.yaml:9:25)",
        "frag.yaml:4:69: ${param.nope}: no parameter 'nope' here (parameters: who) [SCN-0021] (included from"
        " journey.yaml:9:25)",
        "frag.yaml:5:80: 'method': Input should be 'GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE' or 'OPTIONS'"
        " [SCN-0010] (included from journey.yaml:9:25)",
    ]


def test_include_cycles_are_refused(tmp_path):
    write(tmp_path, "a.yaml", "fragment: a\nsteps:\n  - include: {file: b.yaml}\n")
    write(tmp_path, "b.yaml", "fragment: b\nsteps:\n  - include: {file: a.yaml}\n")
    path = write(tmp_path, "journey.yaml", HEAD + "  - include: {file: a.yaml}\n")
    [issue] = issues(path)
    assert issue == ("b.yaml:3:21: include cycle: a.yaml -> b.yaml -> a.yaml [SCN-0030]"
                     " (included from a.yaml:3:21) (included from journey.yaml:7:21)")


def test_a_fragment_does_not_run_on_its_own(tmp_path):
    path = write(tmp_path, "frag.yaml", "fragment: f\nsteps:\n  - fault: {clear: all}\n")
    assert issues(path) == ["frag.yaml:1:1: this is a fragment: scenarios include it, it does not run on its own"
                            " [SCN-0010]"]


def test_an_include_of_a_scenario_is_refused(tmp_path):
    write(tmp_path, "other.yaml", "id: other\ntitle: t\nsteps:\n  - fault: {clear: all}\n")
    path = write(tmp_path, "journey.yaml", HEAD + "  - include: {file: other.yaml}\n")
    assert issues(path) == ["other.yaml:1:1: not a fragment (a fragment file starts with 'fragment: <slug>' and has"
                            " steps) [SCN-0031] (included from journey.yaml:7:21)"]


def test_a_fragment_without_steps_is_refused(tmp_path):
    write(tmp_path, "empty.yaml", "fragment: empty\nparams: {}\n")
    path = write(tmp_path, "journey.yaml", HEAD + "  - include: {file: empty.yaml}\n")
    assert issues(path) == ["empty.yaml:1:1: a fragment needs steps (a list of at least one) [SCN-0010]"
                            " (included from journey.yaml:7:21)"]


def test_body_files_are_found_beside_the_file_that_names_them(tmp_path, monkeypatch):
    write(tmp_path, "bodies/adrun.xml", "<x/>")
    path = write(tmp_path, "journey.yaml", HEAD + """\
      - request: {actor: desk, service: ins-teleservice, method: POST, path: /lps, body_file: bodies/adrun.xml}
    """)
    monkeypatch.chdir("/")
    [step] = loads(path).steps
    assert step.file == str(path.resolve()) and step.body.body_file == "bodies/adrun.xml"

    # the body file is a template, checked where the step names it
    write(tmp_path, "bodies/adrun.xml", "<x>${persona.adrun-zoe.ins.value} ${capture.later}</x>")
    [issue] = issues(path)
    assert issue.endswith("journey.yaml:7:95: ${capture.later}: no earlier step captures 'later' [SCN-0021]")
    write(tmp_path, "bodies/adrun.xml", "<x>${oops</x>")
    [issue] = issues(path)
    assert issue.endswith("journey.yaml:7:95: '${' without its closing '}' [SCN-0020]")


def test_the_expressions_of_an_expect_mapping_are_templates_too(tmp_path):
    """FHIRPath, JSONPath and XPath expressions are the keys of an expect block: checked and substituted."""
    write(tmp_path, "fragment.yaml", """\
    fragment: f
    params: {family: null}
    steps:
      - request:
          actor: desk
          service: ins-teleservice
          path: /fhir/metadata
          expect: {fhirpath: {"Patient.name.where(family = '${param.family}').exists()": true}}
    """)
    path = write(tmp_path, "journey.yaml", HEAD + "  - include: {file: fragment.yaml, with: {family: ADRUN}}\n")
    [step] = loads(path).steps
    assert list(step.body.expect.fhirpath) == ["Patient.name.where(family = 'ADRUN').exists()"]
    path = write(tmp_path, "journey.yaml", HEAD + """\
      - request:
          actor: desk
          service: ins-teleservice
          path: /fhir/metadata
          expect: {json: {"$.entry[?@.id == '${capture.later}']": {exists: true}}}
    """)
    [issue] = issues(path)
    assert issue.endswith("${capture.later}: no earlier step captures 'later' [SCN-0021]")
