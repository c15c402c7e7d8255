"""The HTML report: one self-contained file a person reads, with every request and response of the run.

A header with the run (target, when, duration, status) stays on screen; then the projectathon score sheet
(``scenarios/reports/scoresheet.py``), a per-actor summary, and each scenario with its steps and, per step,
its exchanges as ``<details>`` (headers, bodies indented, the fault rule that applied). No external asset:
the CSS and the few lines of script are inline, and a Content-Security-Policy allows nothing else (the script
by its hash), so a hostile body can neither load nor run anything even if it escaped the escaping, which
Jinja2's autoescape does for every value. Bodies are as the run kept them, masked (``scenarios/results.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from scenarios.reports.bodies import Body, pretty
from scenarios.reports.scoresheet import ScoreSheet, score_sheet, team_of
from scenarios.reports.text import failure_line, repeated_ids, step_name, suite_label
from scenarios.results import Exchange, RunResult

TEMPLATES = Path(__file__).with_name("templates")
# What the page may do: its own inline style, its one inline script (allowed by hash), data: images; no
# request may leave the file (default-src 'none' covers fetches, frames, fonts, media and forms).
CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '{script}'; "
       "form-action 'none'; base-uri 'none'")
SCRIPT = """\
document.querySelectorAll('[data-toggle]').forEach(function (button) {
  button.addEventListener('click', function () {
    var open = button.dataset.toggle === 'open';
    document.querySelectorAll('details.exchange').forEach(function (d) { d.open = open; });
  });
});
document.getElementById('only-problems').addEventListener('change', function (e) {
  document.body.classList.toggle('only-problems', e.target.checked);
});
"""


@dataclass
class ExchangeView:
    """One exchange as the template shows it."""

    exchange: Exchange
    request_body: Body | None
    response_body: Body | None
    fault: str | None

    @property
    def summary(self) -> str:
        answer = self.exchange.error or str(self.exchange.status)
        return f"{self.exchange.method} {self.exchange.url} → {answer}"


def exchange_view(exchange: Exchange) -> ExchangeView:
    fault = json.dumps(exchange.fault, indent=2, ensure_ascii=False) if exchange.fault else None
    return ExchangeView(exchange, pretty(exchange.request_body, exchange.request_base64),
                        pretty(exchange.response_body, exchange.response_base64), fault)


def actor_rows(result: RunResult) -> list[dict[str, Any]]:
    """Per scenario run and actor: the actor (persona, login, client, status) and the requests made as it."""
    rows = []
    for number, scenario in enumerate(result.scenarios, 1):
        for actor in scenario.actors:
            requests = sum(len(step.exchanges) for step in scenario.steps if step.actor == actor.name)
            rows.append({"anchor": f"s{number}", "scenario": scenario, "actor": actor, "requests": requests,
                         "login_requests": len(actor.exchanges)})
    return rows


def _duration(milliseconds: float) -> str:
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    seconds = milliseconds / 1000
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(duration=_duration, when=_when, exchange=exchange_view, failure_line=failure_line,
                       step_name=step_name)
    return env


def render_html(result: RunResult) -> str:
    """The report of ``result`` as one HTML document."""
    sheet: ScoreSheet = score_sheet(result)
    repeated = repeated_ids(result)
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    anchors: dict[tuple[str, str], str] = {}
    for number, scenario in enumerate(result.scenarios, 1):
        anchors.setdefault((team_of(scenario), scenario.id), f"s{number}")
    scenarios = [{"anchor": f"s{number}", "label": suite_label(scenario, repeated), "result": scenario}
                 for number, scenario in enumerate(result.scenarios, 1)]
    counts = {status: sum(s.counts()[status] for s in result.scenarios) for status in
              ("passed", "failed", "error", "skipped")}
    return _environment().get_template("report.html").render(
        run=result, sheet=sheet, anchors=anchors, scenarios=scenarios, actors=actor_rows(result),
        counts=counts, passed=sum(s.status == "passed" for s in result.scenarios), script=SCRIPT,
        csp=CSP.format(script=f"sha256-{digest}"), generated=_when(datetime.now(UTC)))


def write_html(result: RunResult, path: Path) -> Path:
    """Write the report of ``result`` at ``path`` (UTF-8)."""
    path.write_text(render_html(result), encoding="utf-8")
    return path
