"""Where the tests find the official BDPM files, and a plain reading of them (csv, no sandbox code), so that the
built-in facts and the parser are checked against the files themselves."""

from __future__ import annotations

import csv
import os
from collections import defaultdict
from pathlib import Path

import pytest

BDPM_DIR = Path(os.environ.get("SANDBOX_TEST_BDPM_DIR", "/work/shared/reference/bdpm"))
FILES = ("CIS_bdpm.txt", "CIS_CIP_bdpm.txt", "CIS_COMPO_bdpm.txt", "CIS_GENER_bdpm.txt")


def require_bdpm() -> Path:
    """The BDPM directory, or skip: these tests check facts against the official files, which are not in the
    repository (set SANDBOX_TEST_BDPM_DIR to a directory holding them)."""
    missing = [name for name in FILES if not (BDPM_DIR / name).is_file()]
    if missing:
        pytest.skip(f"the official BDPM files are not in {BDPM_DIR} ({', '.join(missing)} missing): set "
                    "SANDBOX_TEST_BDPM_DIR to a directory holding them")
    return BDPM_DIR


def rows(name: str) -> list[list[str]]:
    """The lines of one file as fields (Windows-1252, tab-separated, trailing tabs kept)."""
    with (BDPM_DIR / name).open(encoding="cp1252", errors="replace", newline="") as raw:
        return [[f.strip() for f in line] for line in csv.reader(raw, delimiter="\t", quoting=csv.QUOTE_NONE)]


def by_cis(name: str, column: int = 0) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = defaultdict(list)
    for fields in rows(name):
        if len(fields) > column:
            out[fields[column]].append(fields)
    return out
