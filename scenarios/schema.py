"""The JSON Schema of scenario and fragment files, generated from the models (docs/scenarios.md, "Editor support").

Regenerate the committed file with ``python -m scenarios.schema``; ``tests/scenarios/test_schema.py``
fails when it is not current.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Union

from pydantic import TypeAdapter
from pydantic.json_schema import PydanticJsonSchemaWarning

from scenarios.model import Fragment, Scenario

SCHEMA_FILE = Path(__file__).with_name("schema.json")


def schema() -> dict:
    """A scenario (``id:``) or a fragment (``fragment:``), in JSON Schema 2020-12."""
    with warnings.catch_warnings():  # a default pydantic cannot write (a sentinel) is left out of the schema
        warnings.simplefilter("ignore", PydanticJsonSchemaWarning)
        generated = TypeAdapter(Union[Scenario, Fragment]).json_schema(by_alias=True)  # noqa: UP007
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "e-santé sandbox scenario or fragment", **generated}


def text() -> str:
    """The schema as committed: indented, keys in model order, a final newline."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    SCHEMA_FILE.write_text(text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
