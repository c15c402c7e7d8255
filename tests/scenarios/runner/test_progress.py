"""The console progress: a line per finished step with its mark, the first failure in full under it, the await
instruction as a panel naming the URL to call, prefixes when scenarios interleave, a summary per team; plain
text (no colour, nothing cut) when the output is not a terminal."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from scenarios.results import RunResult, ScenarioResult, StepResult
from scenarios.runner.progress import ConsoleProgress
from tests.scenarios.support import SERVICES, write

AWAIT = """\
id: waits
title: Waits for the vendor
steps:
  - name: The vendor searches
    await:
      instruction: Search ADRUN ZOE in your software.
      match: {service: ins-teleservice, method: POST, path: /lps}
"""


def console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=80, highlight=False), out  # a file: no terminal, so no colour


def scenario(id_: str = "demo", team: str | None = None, tenant: str = "run-1-demo") -> ScenarioResult:
    return ScenarioResult(id=id_, title="Demo", path="demo.yaml", tenant=tenant, team=team)


def step(status: str, **fields) -> StepResult:
    return StepResult(index=1, kind="request", name="Search ADRUN ZOE", where="demo.yaml:5:5", status=status,
                      duration_ms=12.0, **fields)


def test_each_finished_step_is_a_line_with_its_mark_and_the_first_failure_under_it() -> None:
    con, out = console()
    progress = ConsoleProgress(con)
    s = scenario()
    for status in ("passed", "skipped"):
        progress.step_finished(s, step(status))
    failure = {"label": "xpath //CR/CodeCR", "expected": "'00'", "found": "'01'", "excerpt": "<CR><CodeCR>01</CodeCR>"}
    progress.step_finished(s, step("failed", failures=[failure, dict(failure)]))
    progress.step_finished(s, step("error", message="step 1 (Search): the sandbox did not answer"))
    lines = out.getvalue().splitlines()
    assert lines[0] == "  ✓ Search ADRUN ZOE (12 ms)" and lines[1] == "  - Search ADRUN ZOE (12 ms)"
    assert lines[2] == "  ✗ Search ADRUN ZOE (12 ms)"
    assert lines[3] == "      xpath //CR/CodeCR: expected '00'; found '01' (and 1 more)"
    assert lines[4] == "          body: <CR><CodeCR>01</CodeCR>"
    assert lines[5:] == ["  ! Search ADRUN ZOE (12 ms)", "      step 1 (Search): the sandbox did not answer"]
    assert "\x1b[" not in out.getvalue()


def test_interleaved_lines_are_prefixed_with_the_team_and_scenario() -> None:
    con, out = console()
    progress = ConsoleProgress(con, interleaved=True, teams=True)
    progress.step_finished(scenario(team="team-a", tenant="team-a"), step("passed"))
    progress.step_finished(scenario("other"), step("passed"))
    assert out.getvalue().splitlines() == ["[team-a/demo] ✓ Search ADRUN ZOE (12 ms)",
                                           "[other] ✓ Search ADRUN ZOE (12 ms)"]


def test_the_await_instruction_is_a_panel_with_the_url_the_software_must_call(tmp_path) -> None:
    from scenarios.loader import load

    plan = load(write(tmp_path, "waits.yaml", AWAIT), services=SERVICES)
    con, out = console()
    progress = ConsoleProgress(con, target="http://127.0.0.1:8080/", plans=[plan])
    s = scenario("waits", tenant="run-1-waits")
    progress.instruction(s, StepResult(index=1, kind="await", name="The vendor searches", where="waits.yaml:4:5"),
                         "Search ADRUN ZOE in your software.")
    text = out.getvalue()
    assert "Your turn: waits" in text and "Search ADRUN ZOE in your software." in text
    assert "Your software must call: POST http://127.0.0.1:8080/t/run-1-waits/ins-teleservice/lps" in text
    assert text.splitlines()[0].startswith("╭") and text.splitlines()[-1].startswith("Your software must call: ")


def test_the_summary_has_a_table_per_team_with_names_never_cut() -> None:
    con, out = console()
    progress = ConsoleProgress(con, teams=True)
    long_id = "a-scenario-with-a-very-long-identifier-that-would-not-fit"
    ok = scenario(long_id, team="team-a", tenant="team-a")
    ok.steps = [step("passed")]
    bad = scenario("second", team="team-b", tenant="team-b")
    bad.steps = [step("passed"), step("failed")]
    run = RunResult(target="http://127.0.0.1:8080", started=datetime.now(UTC), scenarios=[ok, bad])
    progress.run_finished(run)
    text = out.getvalue()
    assert "team team-a" in text and "team team-b" in text and long_id in text
    row = next(line for line in text.splitlines() if line.startswith("second"))
    assert row.split() == ["second", "team-b", "failed", "1", "1", "0", "0", "0", "ms"]
    assert "1 of 2 scenario(s) passed" in text
