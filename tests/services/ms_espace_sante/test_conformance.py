"""The PDSm IG's own examples (read from /work/shared/conformance/pdsm, never copied) are accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.population.personas import personas

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "pdsm"
EXAMPLE_INS = "123456789012345"  # the subject of every PDSm example


def example(name: str) -> dict:
    path = EXAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the shared conformance examples are outside the product)")
    return json.loads(path.read_text())


def needs_the_example_patient() -> None:
    if not any(p.ins and p.ins.value == EXAMPLE_INS for p in personas().patients):
        pytest.skip(f"no patient persona with the examples' INS {EXAMPLE_INS} yet (core/population/personas.py: "
                    "the PDSm example patient is added with the access-rule personas)")


async def test_the_td2_iti65_submission_is_accepted(dmp):
    needs_the_example_patient()
    bundle = example("Bundle-example-td2-iti65-lot-soumission.json")
    answer = await dmp.post("", bundle)
    assert answer.status_code == 200, answer.text
    assert [e["response"]["status"] for e in answer.json()["entry"]] == ["201 Created"] * len(bundle["entry"])
    url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    raw = await dmp.get(url)
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/xml")
    assert raw.content.startswith(b"<?xml")


async def test_the_td2_iti105_simplified_publish_is_accepted(dmp):
    needs_the_example_patient()
    resource = example("DocumentReference-example-td2-iti105-publication-simplifiee.json")
    answer = await dmp.post("/DocumentReference", resource)
    assert answer.status_code == 201, answer.text
