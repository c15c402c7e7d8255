"""The dependency direction of DESIGN.md: nothing under scenarios/ imports the gateway, a service, tests or
bench (scenarios -> core and HTTP), and the one gateway module composing the two is gateway/run_command.py,
behind the `sandbox run` command."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported(path: Path) -> set[str]:
    """The top-level packages a module imports (absolute imports, lazy ones inside functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_scenarios_module_imports_neither_the_gateway_nor_a_service(path: Path) -> None:
    assert not imported(path) & {"gateway", "services", "tests", "bench"}


def test_only_the_run_command_composes_the_gateway_and_scenarios() -> None:
    composing = sorted(p.name for p in (ROOT / "gateway").rglob("*.py") if "scenarios" in imported(p))
    assert composing == ["run_command.py"]
