"""The score sheet: a row per team, counted, and its CSV."""

from __future__ import annotations

import csv

from scenarios.reports.scoresheet import score_sheet, write_scoresheet
from tests.scenarios.reports.sample import sample_run


def test_a_row_per_team_counts_scenarios_and_steps():
    sheet = score_sheet(sample_run())
    assert sheet.scenarios == [("identity-vigilance", "Identity vigilance at the front desk"),
                               ("gp-finds-a-colleague", "A GP logs in with her e-CPS and looks up a colleague"),
                               ("insi-outage", "Resilience when INSi is down")]
    a, b = sheet.rows
    assert (a.team, a.tenant, a.scenarios_passed, a.scenarios_total) == ("team-a", "team-a", 2, 3)
    assert a.steps == {"passed": 4, "skipped": 1, "failed": 1, "error": 0} and a.steps_total == 6
    assert a.statuses == {"identity-vigilance": "passed", "gp-finds-a-colleague": "failed", "insi-outage": "passed"}
    assert (b.scenarios_passed, b.status, b.steps["error"], b.duration_ms) == (0, "error", 1, 6160.0)


def test_a_team_without_a_scenario_has_an_empty_cell_and_a_team_of_two_tenants_names_both(tmp_path):
    run = sample_run()
    run.scenarios[2].team = "team-c"  # team-c ran insi-outage only
    run.scenarios[1].tenant = "team-a-2"
    path = write_scoresheet(run, tmp_path / "sheet.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert [row["team"] for row in rows] == ["team-a", "team-c", "team-b"]  # in order of first appearance
    assert rows[0]["tenant"] == "team-a, team-a-2" and rows[0]["insi-outage"] == ""
    assert rows[1]["identity-vigilance"] == "" and rows[1]["insi-outage"] == "passed"


def test_the_csv_has_one_row_per_team(tmp_path):
    path = write_scoresheet(sample_run(), tmp_path / "sheet.csv")
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows[0][:5] == ["team", "tenant", "status", "scenarios_passed", "scenarios_total"]
    assert rows[0][-3:] == ["identity-vigilance", "gp-finds-a-colleague", "insi-outage"]
    assert len(rows) == 3
    assert rows[1] == ["team-a", "team-a", "failed", "2", "3", "4", "6", "1", "0", "1", "0.230",
                       "passed", "failed", "passed"]


def test_scenario_runs_without_a_team_share_one_row():
    run = sample_run()
    for scenario in run.scenarios[:3]:
        scenario.team, scenario.tenant = None, f"run-1a2b-{scenario.id}"
    first, second = score_sheet(run).rows
    assert first.team == "(fresh tenants)" and first.scenarios_total == 3
    assert first.tenant == "run-1a2b-identity-vigilance, run-1a2b-gp-finds-a-colleague, run-1a2b-insi-outage"
    assert second.team == "team-b"
