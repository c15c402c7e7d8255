"""docs/personas.md shows the personas as core/population/personas.py defines them."""

from __future__ import annotations

import difflib

import pytest

from tests.docs.personas_tables import PAGE, SECTIONS, render, rewrite, tables_in


@pytest.mark.parametrize("section", SECTIONS)
def test_personas_table_matches_the_data(section):
    shown = tables_in(PAGE.read_text(encoding="utf-8"))[section]
    expected = render()[section]
    assert shown is not None, f"docs/personas.md: no table under '## {section}'"
    if shown != expected:
        diff = "\n".join(difflib.unified_diff(shown.splitlines(), expected.splitlines(), "docs/personas.md",
                                              "core/population/personas.py", lineterm=""))
        pytest.fail(f"the {section} table of docs/personas.md differs from the data; run "
                    f"`python -m tests.docs.personas_tables --write`:\n{diff}", pytrace=False)


def test_rewrite_replaces_only_the_tables():
    page = "# P\n\n## Professionals\n\n| a |\n|---|\n| old |\n\ntext after\n\n## Structures\n| b |\n"
    tables = {"Professionals": "| a |\n|---|\n| new |", "Structures": "| b |\n|---|"}
    assert rewrite(page, tables) == ("# P\n\n## Professionals\n\n| a |\n|---|\n| new |\n\ntext after\n\n"
                                     "## Structures\n| b |\n|---|\n")
    assert tables_in(rewrite(page, tables))["Professionals"] == tables["Professionals"]


def test_a_persona_change_shows_in_the_rendered_table():
    from dataclasses import replace

    from core.population.personas import personas

    population = personas()
    robert = population.professional("robert-specialiste")
    population.professionals[0] = replace(robert, situations=(replace(robert.situations[0], organization="x"),))
    assert "1000000101 → `x` (L)" in render(population)["Professionals"]
