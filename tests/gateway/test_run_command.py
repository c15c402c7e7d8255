"""``sandbox run`` end to end, against the in-process sandbox it starts: exit status 0 when every scenario
passed, 1 when a step failed, 2 for a load, usage or target problem (printed as ``file:line:col``, nothing run);
what is left out and why; the reports it writes."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import cli

runner = CliRunner()

SCENARIO = """\
id: {id}
title: INSi's capability statement
tags: [{tags}]
actors:
  desk: {{persona: ch-volcans, login: none}}
steps:
  - name: INSi answers its CapabilityStatement
    request:
      actor: desk
      service: ins-teleservice
      path: /fhir/metadata
      expect: {{status: {status}}}
"""


def scenario(directory: Path, name: str, *, status: int = 200, tags: str = "demo") -> Path:
    path = directory / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCENARIO.format(id=name, status=status, tags=tags), encoding="utf-8")
    return path


def test_a_passing_scenario_exits_0_after_serving_an_in_process_sandbox(tmp_path: Path) -> None:
    done = runner.invoke(cli, ["run", str(scenario(tmp_path, "ok"))])
    assert done.exit_code == 0, done.output
    assert "In-process sandbox listening on http://127.0.0.1:" in done.stdout
    assert "✓ INSi answers its CapabilityStatement" in done.stdout
    assert "1 of 1 scenario(s) passed" in done.stdout


def test_a_failing_step_exits_1_with_the_failure_under_it(tmp_path: Path) -> None:
    done = runner.invoke(cli, ["run", str(scenario(tmp_path, "ok")), str(scenario(tmp_path, "bad", status=418)),
                               "-j", "2"])
    assert done.exit_code == 1, done.output
    assert "[bad] ✗ INSi answers its CapabilityStatement" in done.stdout
    assert "status: expected 418; found 200" in done.stdout
    assert "1 of 2 scenario(s) passed" in done.stdout


def test_a_load_error_exits_2_with_every_issue_located_and_nothing_run(tmp_path: Path) -> None:
    scenario(tmp_path, "ok")
    broken = tmp_path / "broken.yaml"
    broken.write_text(textwrap.dedent("""\
        id: broken
        tittle: Typo
        steps:
          - requets: {}
        """), encoding="utf-8")
    done = runner.invoke(cli, ["run", str(tmp_path)])
    assert done.exit_code == 2, done.output
    assert "broken.yaml:2:1: unknown key 'tittle' (did you mean 'title'?) [SCN-0010]" in done.stderr
    assert "broken.yaml:4:5: unknown step kind 'requets'" in done.stderr
    assert "nothing was run" in done.stderr and "In-process sandbox" not in done.stdout


def test_usage_and_target_problems_exit_2_naming_the_fix(tmp_path: Path) -> None:
    missing = runner.invoke(cli, ["run", str(tmp_path / "nowhere.yaml")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.stderr
    down = runner.invoke(cli, ["run", str(scenario(tmp_path, "ok")), "--target", "http://127.0.0.1:9"])
    assert down.exit_code == 2 and "No sandbox answers at http://127.0.0.1:9" in down.stderr
    assert "`sandbox up`" in down.stderr
    nothing = runner.invoke(cli, ["run", str(tmp_path), "--tag", "no-such-tag"])
    assert nothing.exit_code == 2 and "Nothing to run" in nothing.stderr
    assert "left out: ok" in nothing.stdout and "not tagged no-such-tag" in nothing.stdout
    report = runner.invoke(cli, ["run", str(tmp_path), "--json", str(tmp_path / "no" / "dir" / "r.json")])
    assert report.exit_code == 2 and "--json" in report.stderr and "In-process sandbox" not in report.stdout


def test_vendor_in_the_loop_scenarios_are_left_out_unless_asked_for(tmp_path: Path) -> None:
    scenario(tmp_path, "ok")
    vendor = scenario(tmp_path, "needs-a-vendor", tags="vendor-in-the-loop")
    done = runner.invoke(cli, ["run", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "left out: needs-a-vendor" in done.stdout and "--tag vendor-in-the-loop" in done.stdout
    named = runner.invoke(cli, ["run", str(vendor)])  # its file named directly: it runs
    assert named.exit_code == 0 and "left out" not in named.stdout


def test_the_reports_are_written(tmp_path: Path) -> None:
    reports = pytest.importorskip("scenarios.reports")
    if not hasattr(reports, "write_reports"):
        pytest.skip("scenarios/reports has no write_reports yet")
    files = {kind: tmp_path / "out" / name for kind, name in (
        ("--json", "run.json"), ("--junit", "junit.xml"), ("--html", "run.html"), ("--testreport", "tr.json"),
        ("--scoresheet", "sheet.csv"))}
    (tmp_path / "out").mkdir()
    args = [part for option, file in files.items() for part in (option, str(file))]
    done = runner.invoke(cli, ["run", str(scenario(tmp_path, "ok")), *args])
    assert done.exit_code == 0, done.output
    assert all(file.is_file() and file.stat().st_size for file in files.values())
    assert json.loads(files["--json"].read_text())["status"] == "passed"
    assert done.stdout.count("report: ") == len(files)


def test_the_admin_token_creates_the_tenants_and_a_wrong_one_exits_2(tmp_path: Path) -> None:
    path = str(scenario(tmp_path, "ok"))
    env = {"SANDBOX_ADMIN_TOKEN": "s3cret"}  # the in-process sandbox and the option both read it
    done = runner.invoke(cli, ["run", path], env=env)
    assert done.exit_code == 0, done.output
    wrong = runner.invoke(cli, ["run", path, "--admin-token", "not-it"], env=env)
    assert wrong.exit_code == 2 and "refused the admin token" in wrong.stderr
