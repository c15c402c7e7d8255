"""docs/gateway.md "Command line" against the ``sandbox`` command itself, both ways, so the tables cannot go stale.

The command table must show each command with every option in its usage form (``[--port PORT]``), and the
option table one row per option with the commands that take it, its default and its environment variable.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from gateway.cli import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "gateway.md"
COMMANDS = typer.main.get_command(cli).commands  # type: ignore[attr-defined]
CODE = re.compile(r"`([^`]+)`")


def section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split("## Command line\n", 1)[1].split("\n## ", 1)[0]


def cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def command_rows() -> dict[str, str]:
    rows = {}
    for line in section().splitlines():
        if line.startswith("| `sandbox "):
            usage = CODE.findall(cells(line)[0])[0].replace("\\|", "|")
            rows[usage.split()[1]] = usage
    return rows


def option_rows() -> dict[str, dict[str, object]]:
    """``--opt`` -> its spelled forms, the commands that take it, its default cell."""
    rows: dict[str, dict[str, object]] = {}
    for line in section().splitlines():
        if line.startswith("| `-"):
            option, of, default, what = cells(line)
            forms = CODE.findall(option)
            rows[forms[0].split()[0]] = {"forms": forms, "of": set(CODE.findall(of)), "default": default,
                                         "what": what}
    return rows


def usage_form(param) -> str:  # noqa: ANN001 - typer's option or argument
    if param.param_type_name == "argument":  # `[PATH]...`: its metavar, shown in the command row only
        return param.metavar
    long = next(o for o in param.opts if o.startswith("--"))
    return long if param.is_flag else f"{long} {param.metavar}"


def options_of(command) -> list:  # noqa: ANN001 - a click command
    return [p for p in command.params if p.param_type_name == "option"]


def test_the_tables_list_every_command_and_no_other() -> None:
    assert set(command_rows()) == set(COMMANDS)
    documented = {(opt, command) for opt, row in option_rows().items() for command in row["of"]}  # type: ignore[union-attr]
    actual = {(usage_form(p).split()[0], name) for name, c in COMMANDS.items() for p in options_of(c)}
    assert documented == actual, f"only documented: {documented - actual}; only in the CLI: {actual - documented}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_command_row_shows_every_option_in_its_usage_form(name: str) -> None:
    usage = command_rows()[name]
    shown = re.findall(r"\[([^\]]+)\]", usage)
    expected = []
    for param in COMMANDS[name].params:
        shorts = [o for o in param.opts if not o.startswith("--")] if param.param_type_name == "option" else []
        expected.append("|".join([usage_form(param), *shorts]))
    assert shown == expected, f"`sandbox {name}` row: {usage!r}"


@pytest.mark.parametrize(("name", "option"), [(n, p) for n, c in sorted(COMMANDS.items()) for p in options_of(c)],
                         ids=lambda v: v if isinstance(v, str) else v.opts[0])
def test_each_option_row_gives_its_form_default_and_environment_variable(name: str, option) -> None:  # noqa: ANN001
    row = option_rows()[usage_form(option).split()[0]]
    assert row["forms"][0] == usage_form(option)  # type: ignore[index]
    assert set(row["forms"][1:]) == {o for o in option.opts if not o.startswith("--")}  # type: ignore[index]
    default = str(row["default"])
    if option.is_flag:
        assert default == "off"
    elif option.default is not None:
        value = option.default.value if hasattr(option.default, "value") else option.default
        assert f"`{value}`" in default, f"{option.opts[0]}: default {value!r} not in {default!r}"
    for variable in [option.envvar] if isinstance(option.envvar, str) else option.envvar or []:
        assert f"`{variable}`" in default, f"{option.opts[0]}: {variable} not in {default!r}"
    if option.max is not None:  # a bounded value says its bound
        assert f"{option.max:,}" in str(row["what"]) or str(option.max) in str(row["what"])
