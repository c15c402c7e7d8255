"""The JSON report: as_dict() plus its format keys, round-tripping, with every status."""

from __future__ import annotations

import json

from scenarios.reports.json_report import FORMAT, FORMAT_VERSION, write_json
from tests.scenarios.reports.sample import HOSTILE, sample_run


def test_the_report_is_as_dict_plus_format_and_round_trips(tmp_path):
    run = sample_run()
    data = json.loads(write_json(run, tmp_path / "run.json").read_text(encoding="utf-8"))
    assert data.pop("format") == FORMAT and data.pop("format_version") == FORMAT_VERSION
    assert data == json.loads(json.dumps(run.as_dict()))
    assert data["version"] == "0.1.0"


def test_statuses_and_counts_are_there(tmp_path):
    data = json.loads(write_json(sample_run(), tmp_path / "run.json").read_text(encoding="utf-8"))
    assert data["status"] == "error"
    assert [s["status"] for s in data["scenarios"]] == ["passed", "failed", "passed", "failed", "error", "failed"]
    assert data["scenarios"][4]["counts"] == {"passed": 0, "skipped": 1, "failed": 0, "error": 1}
    steps = data["scenarios"][5]["steps"]
    assert steps[2]["instruction"].startswith("From your software")
    assert steps[1]["exchanges"][0]["fault"]["id"] == "f1"
    assert steps[3]["exchanges"][0]["response_base64"] is True
    assert steps[3]["exchanges"][0]["request_base64"] is False


def test_it_is_utf8_indented_and_keeps_text_as_is(tmp_path):
    text = write_json(sample_run(), tmp_path / "run.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "format": ')
    assert "Her MSSanté address" in text
    assert json.dumps(HOSTILE)[1:-1] in text  # a body is a string like any other
