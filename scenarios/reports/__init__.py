"""The reports of a ``sandbox run``: JUnit XML, JSON, one self-contained HTML file, a FHIR TestReport, and the
projectathon score sheet as CSV (docs/scenarios.md, "Reports"). Each reads a :class:`~scenarios.results.RunResult`
and nothing else; :func:`write_reports` is what the command line calls."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scenarios.reports.html import write_html
from scenarios.reports.json_report import write_json
from scenarios.reports.junit import write_junit
from scenarios.reports.scoresheet import write_scoresheet
from scenarios.reports.testreport import write_testreport
from scenarios.results import RunResult

__all__ = ["write_reports"]


def write_reports(result: RunResult, *, junit: Path | str | None = None, json: Path | str | None = None,
                  html: Path | str | None = None, testreport: Path | str | None = None,
                  scoresheet: Path | str | None = None) -> list[Path]:
    """Write each report whose path is given (parent directories created, files replaced); answer the paths
    written, in the order of the arguments."""
    writers: list[tuple[Path | str | None, Callable[[RunResult, Path], Path]]] = [
        (junit, write_junit), (json, write_json), (html, write_html), (testreport, write_testreport),
        (scoresheet, write_scoresheet)]
    written = []
    for target, write in writers:
        if target is None:
            continue
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        written.append(write(result, path))
    return written
