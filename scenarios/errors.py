"""Located problems of a scenario file: every issue names its file, line and column (docs/scenarios.md, "Errors").

The loader collects all the issues of a file before raising, so one run of ``sandbox run`` (or of the
editor's schema check) shows everything to fix, one ``path:line:col: message`` per line.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """Where a value stands: file, 1-based line and column (0 when the file as a whole is meant)."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Issue:
    """One problem: where, a stable code (``SCN-…``) and a sentence saying what is wrong."""

    where: Location
    code: str
    message: str
    via: tuple[Location, ...] = ()  # the include steps that brought a fragment's issue in, outermost first

    def __str__(self) -> str:
        line = f"{self.where}: {self.message} [{self.code}]"
        return line + "".join(f" (included from {site})" for site in reversed(self.via))


class ScenarioError(Exception):
    """A scenario (or fragment) file that cannot run; ``issues`` holds every problem found, in file order."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(issues, key=lambda issue: (issue.via, issue.where))
        super().__init__("\n".join(str(issue) for issue in self.issues))


def display(path: Path | str) -> str:
    """The path as issues show it: relative to the working directory when it is under it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def suggest(word: str, choices: object) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to ``word``, else nothing."""
    close = get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)  # type: ignore[attr-defined]
    return f" (did you mean '{close[0]}'?)" if close else ""
