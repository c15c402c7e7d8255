"""``sandbox --help``: flags look like flags, every option says what it does (issue 10 §4)."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from gateway.cli import cli

runner = CliRunner()
COMMAND = typer.main.get_command(cli)  # typer's own click-like command tree
COMMANDS = sorted(COMMAND.commands)


@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_shows_flags_as_flags_and_no_type_placeholders(name: str) -> None:
    result = runner.invoke(cli, [*([name] if name else []), "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output and "<str>" not in result.output and "<int" not in result.output
    assert "<list" not in result.output and "<path>" not in result.output.lower()
    assert "--help  " in result.output or "--help\n" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_says_what_it_does_and_booleans_are_flags(name: str) -> None:
    command = COMMAND.commands[name]
    assert command.help and command.help.strip().endswith(".")
    for param in command.params:
        if param.param_type_name == "argument":  # typer lists it as "PATH <list[Path]>": the docstring says it
            assert param.metavar and f"{param.metavar}: " in command.help, f"{name}: say what {param.metavar} is"
            continue
        assert param.help and param.help.strip(), f"{name} {param.opts} has no help"
        assert param.help[0].isupper(), f"{name} {param.opts}: help should start with a capital"
        if param.type_descriptor.annotation is bool:
            assert param.is_flag, f"{name} {param.opts} should be a flag"
        else:
            assert param.metavar, f"{name} {param.opts} should name its value (metavar)"


def test_the_up_help_names_the_public_url_and_log_level_defaults() -> None:
    output = runner.invoke(cli, ["up", "--help"], terminal_width=200).output
    assert "http://HOST:PORT" in output and "SANDBOX_PUBLIC_URL" in output
    assert "--log-level LEVEL" in output and "[default: info]" in output and "1<=x<=65535" in output
