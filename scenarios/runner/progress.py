"""The console progress of ``sandbox run`` (rich): a line per finished step, the operator's instructions, a summary.

Each finished step is one line, ``✓`` passed, ``✗`` failed, ``!`` error, ``-`` skipped, with its name and
duration, and the first failure in full under it. An ``await`` step's instruction is a panel with the URL the
vendor's software must call (``{target}/t/{tenant}/{service}``). When scenarios run side by side (``-j``) or
for several teams their lines interleave: each is prefixed with ``[scenario]`` (``[team/scenario]``). rich
writes no colour and no cursor movement when the output is not a terminal, so CI logs stay readable.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from core.settings import DEFAULT_TENANT
from scenarios.loader import Plan
from scenarios.results import RunResult, ScenarioResult, StepResult
from scenarios.runner.events import Events

MARKS = {"passed": ("✓", "green"), "failed": ("✗", "red"), "error": ("!", "red bold"), "skipped": ("-", "dim")}
STYLES = {"passed": "green", "failed": "red", "error": "red bold", "skipped": "dim"}
COUNTED = ("passed", "failed", "error", "skipped")


def _ms(value: float) -> str:
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def first_failure(step: StepResult) -> str:
    """The step's first failure as the assertion check writes it (its body excerpt under it), or its message."""
    if step.failures:
        failure = step.failures[0]
        line = f"{failure.get('label', '')}: expected {failure.get('expected')}; found {failure.get('found')}"
        more = f" (and {len(step.failures) - 1} more)" if len(step.failures) > 1 else ""
        excerpt = failure.get("excerpt")
        return line + more + (f"\n    body: {excerpt}" if excerpt else "")
    return step.message


class ConsoleProgress(Events):
    """Progress on a rich console; ``interleaved``: prefix each line with its scenario (``-j`` > 1, teams)."""

    def __init__(self, console: Console | None = None, *, target: str = "", plans: Sequence[Plan] = (),
                 interleaved: bool = False, teams: bool = False) -> None:
        self.console = console or Console(highlight=False)
        self.target = target.rstrip("/")
        self.plans = {plan.scenario.id: plan for plan in plans}
        self.interleaved, self.teams = interleaved, teams

    def _who(self, scenario: ScenarioResult) -> str:
        return f"{scenario.team}/{scenario.id}" if self.teams and scenario.team else scenario.id

    def _print(self, scenario: ScenarioResult, text: str, style: str | None = None) -> None:
        prefix = f"[dim]\\[{escape(self._who(scenario))}][/dim] " if self.interleaved else "  "
        self.console.print(prefix + text, style=style, highlight=False, soft_wrap=True)

    def scenario_started(self, scenario: ScenarioResult) -> None:
        team = f", team {scenario.team}" if self.teams and scenario.team else ""
        self.console.print(f"[bold]▶ {escape(scenario.title)}[/bold] ({escape(scenario.id)}, tenant "
                           f"{escape(scenario.tenant)}{escape(team)})", highlight=False, soft_wrap=True)

    def step_finished(self, scenario: ScenarioResult, step: StepResult) -> None:
        mark, style = MARKS.get(step.status, ("?", ""))
        name = " › ".join([*(g for g in step.groups if g), step.name])
        self._print(scenario, f"[{style}]{mark}[/{style}] {escape(name)} [dim]({_ms(step.duration_ms)})[/dim]")
        if step.status in ("failed", "error") and (why := first_failure(step)):
            for line in why.splitlines():
                self._print(scenario, f"    {escape(line)}", STYLES[step.status] if line == why.splitlines()[0]
                            else None)

    def service_url(self, scenario: ScenarioResult, step: StepResult) -> str:
        """Where the vendor's software must send what the ``await`` step waits for: the method and URL (its
        path when the pattern has no ``*`` nor ``${...}``), or the service's root in the tenant."""
        plan = self.plans.get(scenario.id)
        placed = plan.steps[step.index - 1] if plan and 0 < step.index <= len(plan.steps) else None
        match = getattr(getattr(placed, "body", None), "match", None)
        service = getattr(match, "service", None) or "<service>"
        tenant = getattr(match, "tenant", None) or scenario.tenant
        tenant = scenario.tenant if "${" in tenant else tenant
        path = getattr(match, "path", None) or ""
        path = "" if "*" in path or "${" in path else path
        method = getattr(match, "method", None)
        prefix = "" if tenant == DEFAULT_TENANT else f"/t/{tenant}"
        url = (self.target or "<sandbox>") + prefix + ("" if service == "gateway" else f"/{service}") + path
        return f"{method} {url}" if method else url

    def instruction(self, scenario: ScenarioResult, step: StepResult, text: str) -> None:
        """The instruction in a panel, then the URL to call on a line of its own that is never wrapped (a
        terminal or a CI log shows it whole, to copy)."""
        body = f"{escape(text.strip())}\n[dim]waiting for it ({escape(step.name)}, {escape(step.where)})[/dim]"
        title = f"Your turn: {escape(self._who(scenario))}"
        self.console.print(Panel(body, title=title, title_align="left", border_style="yellow", expand=False))
        self.console.print(f"[bold yellow]Your software must call:[/bold yellow] "
                           f"{escape(self.service_url(scenario, step))}", highlight=False, soft_wrap=True)

    def scenario_finished(self, scenario: ScenarioResult) -> None:
        status = scenario.status
        counts = ", ".join(f"{n} {s}" for s, n in scenario.counts().items() if n)
        style = STYLES.get(status, "")
        if scenario.error:
            self._print(scenario, f"[{style}]! {escape(scenario.error)}[/{style}]")
        self._print(scenario, f"[{style}]{escape(scenario.id)}: {status}[/{style}]"
                    f"{escape(f' ({counts})') if counts else ''} [dim]in {_ms(scenario.duration_ms)}[/dim]")

    def run_finished(self, run: RunResult) -> None:
        """The summary: a row per scenario (a table per team when several), then the run's status. Plain aligned
        text, never cut to the console's width: a CI log shows every name whole."""
        teams = list(dict.fromkeys(s.team for s in run.scenarios)) if self.teams else [None]
        head = ("scenario", "tenant", "status", *COUNTED, "time")
        for team in teams:
            rows = [(s.id, s.tenant, s.status, *(str(s.counts()[k]) for k in COUNTED), _ms(s.duration_ms))
                    for s in run.scenarios if team is None or s.team == team]
            widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
            self.console.print(f"\n[bold]team {escape(team)}[/bold]" if team else "", highlight=False)
            self.console.print(_line(head, widths), style="bold", markup=False, highlight=False, soft_wrap=True)
            for row in rows:
                self.console.print(_line(row, widths), style=STYLES[row[2]] if row[2] != "passed" else None,
                                   markup=False, highlight=False, soft_wrap=True)
        passed = sum(1 for s in run.scenarios if s.status in ("passed", "skipped"))
        style = "green" if run.ok else "red"
        self.console.print(f"[{style} bold]{passed} of {len(run.scenarios)} scenario(s) passed[/] "
                           f"[dim]in {_ms(run.duration_ms)} against {escape(run.target)}[/dim]", highlight=False,
                           soft_wrap=True)


def _line(cells: Sequence[str], widths: list[int]) -> str:
    """A row of the summary: names left-aligned, figures right-aligned."""
    return "  ".join(cell.ljust(w) if i < 3 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths,
                                                                                                  strict=True)))
