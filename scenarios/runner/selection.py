"""What ``sandbox run`` runs: the scenario files under the paths given, loaded, then selected by tag
(docs/scenarios.md, "sandbox run").

A directory stands for every ``*.yaml`` under it except fragments (a file with ``fragment:`` and no ``id:``);
a file named directly is taken as it is. Every file is loaded before anything runs, so one broken file stops
the run with all its issues. Journeys tagged ``vendor-in-the-loop`` wait for a vendor's own software: they are
left out unless asked for (``--tag vendor-in-the-loop``, or their file named directly).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.population.model import Population
from scenarios.errors import Issue, Location, ScenarioError, display
from scenarios.loader import Plan, load
from scenarios.source import read

LIBRARY = Path(__file__).resolve().parents[1] / "journeys"  # the packaged journey library
VENDOR = "vendor-in-the-loop"


@dataclass(frozen=True)
class LeftOut:
    """A scenario not run, and why (one line)."""

    plan: Plan
    reason: str


def is_fragment(path: Path) -> bool:
    """A fragment file (``fragment:`` without ``id:``); a file that cannot be read is not (the loader says why)."""
    try:
        data = read(path).data
    except ScenarioError:
        return False
    return isinstance(data, dict) and "fragment" in data and "id" not in data


def collect(paths: Iterable[Path | str]) -> tuple[list[Path], list[Issue]]:
    """The scenario files under ``paths`` (a directory: its ``*.yaml`` but fragments, sorted), each once; and
    an issue per path that does not exist."""
    files: list[Path] = []
    missing: list[Issue] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = [f for f in sorted(path.rglob("*.yaml")) if f.is_file() and not is_fragment(f)]
            files += found
        elif path.is_file():
            files.append(path)
        else:
            missing.append(Issue(Location(display(path)), "SCN-0001", "no such file or directory: give a scenario "
                                 "file or a directory of them"))
    unique = list({file.resolve(): file for file in files}.values())
    return unique, missing


def load_all(files: Sequence[Path], *, services: Iterable[str],
             population: Population | None = None) -> tuple[list[Plan], list[Issue]]:
    """Every file loaded: the plans, and every issue of every file (nothing runs unless there are none)."""
    services = tuple(services)
    plans: list[Plan] = []
    problems: list[Issue] = []
    for file in files:
        try:
            plans.append(load(file, services=services, population=population))
        except ScenarioError as exc:
            problems += exc.issues
    seen: dict[str, Plan] = {}
    for plan in plans:
        first = seen.setdefault(plan.scenario.id, plan)
        if first is not plan:
            problems.append(Issue(Location(plan.path, 1, 1), "SCN-0010", f"scenario id '{plan.scenario.id}' is "
                                  f"also the id of {first.path}: ids are unique in a suite"))
    return plans, problems


def select(plans: Sequence[Plan], *, tags: Collection[str] = (),
           include_vendor: bool | Collection[str] = False) -> tuple[list[Plan], list[LeftOut]]:
    """The plans to run and those left out. With ``tags``, a plan carrying none of them is left out; a
    ``vendor-in-the-loop`` plan is left out unless that tag is asked for, ``include_vendor`` is true, or
    it holds the plan's path (its file was named directly)."""
    kept: list[Plan] = []
    left: list[LeftOut] = []
    wanted = set(tags)
    named = set() if isinstance(include_vendor, bool) else {Path(p).resolve() for p in include_vendor}
    for plan in plans:
        own = set(plan.scenario.tags)
        direct = include_vendor is True or Path(plan.path).resolve() in named
        if wanted and not own & wanted:
            left.append(LeftOut(plan, f"not tagged {' or '.join(sorted(wanted))}"))
        elif VENDOR in own and VENDOR not in wanted and not direct:
            left.append(LeftOut(plan, f"waits for a vendor's software ({VENDOR}): run it with --tag {VENDOR}, or "
                                "name its file"))
        else:
            kept.append(plan)
    return kept, left
