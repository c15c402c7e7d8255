"""The `sandbox` command as docs/gateway.md documents it: every command and option in the command table,
and `sandbox up --help` (the one command the examples cannot run) parses."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer.main

from gateway.cli import cli
from tests.docs.examples import ROOT

COMMANDS = typer.main.get_command(cli).commands  # type: ignore[attr-defined]


def _table_rows() -> dict[str, str]:
    text = (ROOT / "docs" / "gateway.md").read_text(encoding="utf-8")
    section = text.split("## Command line", 1)[1]
    return {m.group(1): line for line in section.splitlines()
            if (m := re.match(r"^\| `sandbox (\w+)", line))}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_and_option_is_in_the_command_table(name):
    rows = _table_rows()
    assert name in rows, f"docs/gateway.md 'Command line' has no row for `sandbox {name}`"
    options = [opt for param in COMMANDS[name].params for opt in param.opts if opt.startswith("--")]
    missing = [opt for opt in options if not re.search(rf"{re.escape(opt)}\b", rows[name])]
    assert not missing, f"`sandbox {name}` options missing from docs/gateway.md: {missing}"


def test_sandbox_up_help_parses():
    done = subprocess.run([sys.executable, "-m", "gateway.cli", "up", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for option in ("--host", "--port", "--data-dir", "--reset", "--public-url", "--log-level"):
        assert option in done.stdout


def test_the_clients_extra_is_in_the_test_extra():
    """The test environment runs the examples that need the `clients` extra (docs/ins-teleservice.md)."""
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras["clients"]) <= set(extras["test"])
