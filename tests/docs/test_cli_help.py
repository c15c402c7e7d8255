"""`sandbox up --help` parses: the one command the examples cannot run (it serves until stopped). The command
tables of docs/gateway.md are checked against the typer app by tests/gateway/test_cli_docs.py."""

from __future__ import annotations

import subprocess
import sys

from tests.docs.examples import ROOT


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
