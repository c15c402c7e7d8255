"""What a run produced: the results the runner fills in and every report reads (docs/scenarios.md, "Reports").

One :class:`RunResult` holds a :class:`ScenarioResult` per scenario and tenant (a projectathon run holds one
per team), each a :class:`StepResult` per step, each with the HTTP :class:`Exchange` s it made or awaited.
Everything here is already masked (``core/masking.py``, as the recorder masks): a report writes what it finds
and never sees a secret. ``as_dict()`` gives the JSON report's shape (``scenarios/reports/json_report.py``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Status = Literal["passed", "failed", "error", "skipped"]
# passed: every assertion held; failed: an assertion or an await did not hold; error: the step could not
# run (the sandbox unreachable, a login refused, a template that cannot render); skipped: an earlier step
# of the scenario did not pass, so this one was not run.
WORST = ("passed", "skipped", "failed", "error")


def worst(statuses: list[str]) -> Status:
    """The scenario's (or the run's) status from its steps': the worst of them, ``passed`` when empty."""
    return max(statuses, key=WORST.index, default="passed")  # type: ignore[return-value]


@dataclass
class Exchange:
    """One HTTP request and its answer, masked; bodies are text (a body whose bytes are not UTF-8 is base64,
    flagged by ``request_base64`` / ``response_base64``, as the recorder flags its own)."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None  # None: no answer (connection dropped, timeout)
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    request_base64: bool = False
    response_base64: bool = False
    duration_ms: float = 0.0
    recorded_id: str | None = None  # the gateway's recorded exchange, for an await (or when known)
    fault: dict[str, Any] | None = None  # the fault rule that applied, as the gateway recorded it
    error: str | None = None  # why there is no answer


@dataclass
class StepResult:
    """One step as it ran."""

    index: int  # 1-based, in run order (includes expanded)
    kind: str  # request, await, fault, ... (scenarios/steps)
    name: str  # the step's name, or a generated one ("POST /fhir/Patient/$match")
    where: str  # "journeys/x.yaml:12:5", where the step is written
    groups: tuple[str, ...] = ()  # the names of the include steps that brought it in, outermost first
    actor: str | None = None
    status: Status = "passed"
    started: datetime | None = None
    duration_ms: float = 0.0
    message: str = ""  # one line for a person: what went wrong, or what an await waited for
    failures: list[dict[str, Any]] = field(default_factory=list)  # scenarios.expect.Failure.as_dict()
    exchanges: list[Exchange] = field(default_factory=list)
    captured: dict[str, Any] = field(default_factory=dict)  # masked
    instruction: str | None = None  # an await's instruction, rendered


@dataclass
class ActorResult:
    """An actor of a scenario and its login."""

    name: str
    login: str
    persona: str | None = None
    client: str | None = None
    status: Status = "passed"  # error when the login failed
    message: str = ""
    exchanges: list[Exchange] = field(default_factory=list)  # the login's own exchanges


@dataclass
class ScenarioResult:
    """One scenario run in one tenant."""

    id: str
    title: str
    path: str  # as shown to a person (relative to the current directory when below it)
    tenant: str
    team: str | None = None  # projectathon: the team the tenant belongs to (defaults to the tenant)
    description: str = ""
    tags: list[str] = field(default_factory=list)
    objectives: list[str] = field(default_factory=list)
    started: datetime | None = None
    duration_ms: float = 0.0
    actors: list[ActorResult] = field(default_factory=list)
    steps: list[StepResult] = field(default_factory=list)
    error: str | None = None  # the scenario could not start (tenant refused, sandbox unreachable)

    @property
    def status(self) -> Status:
        own = ["error"] if self.error else []
        return worst(own + [a.status for a in self.actors] + [s.status for s in self.steps])

    def counts(self) -> dict[str, int]:
        """Steps per status (every status present, zeros included)."""
        return {status: sum(1 for s in self.steps if s.status == status) for status in WORST}


@dataclass
class RunResult:
    """A whole ``sandbox run``: where it ran and every scenario result, in the order they were given."""

    target: str
    started: datetime
    duration_ms: float = 0.0
    version: str = ""  # the sandbox's version (its /readyz or the package)
    scenarios: list[ScenarioResult] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return worst([s.status for s in self.scenarios])

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")

    def as_dict(self) -> dict[str, Any]:
        """The JSON report: every field, datetimes in ISO 8601, statuses computed."""
        out = _plain(self)
        out["status"] = self.status
        for scenario, data in zip(self.scenarios, out["scenarios"], strict=True):
            data["status"] = scenario.status
            data["counts"] = scenario.counts()
        return out


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value
