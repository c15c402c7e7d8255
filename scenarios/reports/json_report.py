"""The JSON report: ``RunResult.as_dict()`` with a ``format`` and a ``format_version`` key, for tools to read.

``format`` names the document (:data:`FORMAT`) and ``format_version`` its shape (:data:`FORMAT_VERSION`, bumped
when a member changes meaning or goes away; new members may appear without a bump). ``version`` stays what
``as_dict()`` says it is, the sandbox's version, so that the document minus those two keys is exactly
``as_dict()``. Everything in it was masked when the run recorded it (``scenarios/results.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scenarios.results import RunResult

FORMAT = "esante-sandbox/scenario-run"
FORMAT_VERSION = 1


def report(result: RunResult) -> dict[str, Any]:
    """The document: format and format version first, then the run as ``as_dict()`` gives it."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, **result.as_dict()}


def write_json(result: RunResult, path: Path) -> Path:
    """Write the report at ``path``: UTF-8, indented by 2, non-ASCII kept as is."""
    text = json.dumps(report(result), indent=2, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path
