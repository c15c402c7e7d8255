"""Writing scenario files into a temporary directory and reading the issues a load raises."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gateway.registry import DEFAULT_SERVICES
from scenarios.errors import ScenarioError
from scenarios.loader import Plan, load

HEAD = """\
id: demo
title: Demo
actors:
  desk: {login: none, persona: ch-volcans}
  gp: {login: psc-ciba, persona: kit-doc}
steps:
"""


SERVICES = tuple(spec.slug for spec in DEFAULT_SERVICES)  # what sandbox run will pass: the registry's slugs


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def issues(path: Path) -> list[str]:
    """Each issue as ``name:line:col: message [code]`` (the file name only, not its directory)."""
    with pytest.raises(ScenarioError) as caught:
        load(path, services=SERVICES)
    return [str(issue).replace(f"{path.parent.as_posix()}/", "") for issue in caught.value.issues]


def loads(path: Path) -> Plan:
    return load(path, services=SERVICES)
