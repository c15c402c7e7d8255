"""docs/ms-espace-sante.md shows the habilitation matrix as services/ms_espace_sante/habilitations.py defines it."""

from __future__ import annotations

import difflib

import pytest

from services.ms_espace_sante.habilitations import matrix_from_json
from tests.docs.access_tables import PAGE, render, rewrite, table_in


def test_habilitation_table_matches_the_data():
    shown = table_in(PAGE.read_text(encoding="utf-8"))
    expected = render()
    assert shown is not None, "docs/ms-espace-sante.md: no table under '### Habilitation matrix'"
    if shown != expected:
        diff = "\n".join(difflib.unified_diff(shown.splitlines(), expected.splitlines(), "docs/ms-espace-sante.md",
                                              "services/ms_espace_sante/habilitations.py", lineterm=""))
        pytest.fail("the habilitation matrix of docs/ms-espace-sante.md differs from the data; run "
                    f"`python -m tests.docs.access_tables --write`:\n{diff}", pytrace=False)


def test_rewrite_replaces_only_the_table():
    page = "# P\n\n### Habilitation matrix\n\n| a |\n|---|\n| old |\n\ntext after\n"
    assert rewrite(page, "| a |\n|---|\n| new |") == page.replace("old", "new")


def test_a_matrix_change_shows_in_the_table():
    matrix = matrix_from_json('[{"profession": "10", "label": "Médecin", "classes": ["10"], "confidence": "C"}]')
    assert render(matrix).splitlines()[2] == "| `10` | Médecin | `10` | — | — | normal | C |  |"
