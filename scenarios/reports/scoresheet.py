"""The projectathon score sheet: one row per team (its tenant), scenarios and steps counted, as data and CSV.

A row's team is the scenario result's ``team`` (a named tenant: the team's); the scenario runs without one,
each in a fresh tenant, share one row, :data:`NO_TEAM`, that lists their tenants.
The HTML report shows the sheet (``scenarios/reports/html.py``); ``sandbox run --scoresheet FILE.csv`` writes
it as CSV, one row per team, a column per scenario holding its status (empty when the team did not run it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from scenarios.results import RunResult, ScenarioResult, Status, worst

NO_TEAM = "(fresh tenants)"  # the row of the scenario runs that had no team (a plain sandbox run)


def team_of(scenario: ScenarioResult) -> str:
    """The row a scenario result counts in: its team, else :data:`NO_TEAM`."""
    return scenario.team or NO_TEAM


@dataclass
class Row:
    """One team's line of the sheet."""

    team: str
    tenants: list[str] = field(default_factory=list)
    scenarios_passed: int = 0
    scenarios_total: int = 0
    steps: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("passed", "skipped", "failed", "error"), 0))
    duration_ms: float = 0.0
    statuses: dict[str, Status] = field(default_factory=dict)  # scenario id -> its status for this team

    @property
    def steps_total(self) -> int:
        return sum(self.steps.values())

    @property
    def status(self) -> Status:
        return worst(list(self.statuses.values()))

    @property
    def tenant(self) -> str:
        return ", ".join(self.tenants)


@dataclass
class ScoreSheet:
    """The sheet: the scenarios in run order (id, title), and a row per team in order of first appearance."""

    scenarios: list[tuple[str, str]]
    rows: list[Row]


def score_sheet(result: RunResult) -> ScoreSheet:
    """Count every scenario result of ``result`` into its team's row."""
    scenarios: dict[str, str] = {}
    rows: dict[str, Row] = {}
    for scenario in result.scenarios:
        scenarios.setdefault(scenario.id, scenario.title)
        row = rows.setdefault(team_of(scenario), Row(team=team_of(scenario)))
        if scenario.tenant not in row.tenants:
            row.tenants.append(scenario.tenant)
        status = scenario.status
        # The same scenario run twice for one team (two tenants): the sheet keeps the worse of the two.
        row.statuses[scenario.id] = worst([row.statuses.get(scenario.id, "passed"), status])
        row.scenarios_total += 1
        row.scenarios_passed += status == "passed"
        for name, count in scenario.counts().items():
            row.steps[name] += count
        row.duration_ms += scenario.duration_ms
    return ScoreSheet(scenarios=list(scenarios.items()), rows=list(rows.values()))


HEADER = ["team", "tenant", "status", "scenarios_passed", "scenarios_total", "steps_passed", "steps_total",
          "steps_failed", "steps_error", "steps_skipped", "duration_s"]


def csv_rows(sheet: ScoreSheet) -> list[list[str]]:
    """The header then one list of cells per team; a column per scenario id after the counts."""
    ids = [scenario_id for scenario_id, _ in sheet.scenarios]
    out = [HEADER + ids]
    for row in sheet.rows:
        out.append([row.team, row.tenant, row.status, str(row.scenarios_passed), str(row.scenarios_total),
                    str(row.steps["passed"]), str(row.steps_total), str(row.steps["failed"]),
                    str(row.steps["error"]), str(row.steps["skipped"]), f"{row.duration_ms / 1000:.3f}"]
                   + [row.statuses.get(scenario_id, "") for scenario_id in ids])
    return out


def write_scoresheet(result: RunResult, path: Path) -> Path:
    """Write the sheet of ``result`` as CSV (UTF-8, comma-separated, a header line) at ``path``."""
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(csv_rows(score_sheet(result)))
    return path
