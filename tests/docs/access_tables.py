"""The habilitation matrix table of docs/ms-espace-sante.md, rendered from services/ms_espace_sante/habilitations.py.

`tests/docs/test_access_tables.py` compares the page with this table, so the page cannot drift from the
data. After changing the matrix, rewrite the table with::

    python -m tests.docs.access_tables --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from services.ms_espace_sante.habilitations import ANY, Habilitation, Matrix, default_matrix

PAGE = Path(__file__).resolve().parents[2] / "docs" / "ms-espace-sante.md"
HEADING = "### Habilitation matrix"  # followed by the table
NONE = "—"


def _codes(codes: frozenset[str]) -> str:
    if ANY in codes:
        return "all"
    return ", ".join(f"`{c}`" for c in sorted(codes)) or NONE


def _row(r: Habilitation) -> str:
    profession = "any other" if r.profession == ANY else f"`{r.profession}`"
    return (f"| {profession} | {r.label} | {_codes(r.classes)} | {_codes(r.types)} | {_codes(r.denied_types)} "
            f"| {', '.join(sorted(r.modes))} | {r.confidence} | {r.note} |")


def render(matrix: Matrix | None = None) -> str:
    """The Markdown table, one row per profession in the data's order."""
    return "\n".join([
        "| profession (TRE_G15) | label | classes seen (TRE_A03) | types seen in any class | types refused "
        "| access modes | confidence | note |",
        "|---|---|---|---|---|---|---|---|",
        *map(_row, (matrix or default_matrix()).rows)])


def _table(text: str) -> re.Match[str] | None:
    return re.search(rf"^{re.escape(HEADING)}[ \t]*\n(?:[ \t]*\n)*(?P<table>(?:\|.*\n?)+)", text, re.M)


def table_in(text: str) -> str | None:
    match = _table(text)
    return match.group("table").rstrip("\n") if match else None


def rewrite(text: str, table: str) -> str:
    """``text`` with the table under the heading replaced by ``table``."""
    match = _table(text)
    if match is None:
        raise ValueError(f"docs/ms-espace-sante.md has no '{HEADING}' heading followed by a table")
    rest = text[match.end("table"):].lstrip("\n")
    return text[:match.start("table")] + table + "\n" + ("\n" + rest if rest else "")


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        PAGE.write_text(rewrite(PAGE.read_text(encoding="utf-8"), render()), encoding="utf-8")
        print(f"rewrote the habilitation matrix of {PAGE}")
    else:
        print(render())
