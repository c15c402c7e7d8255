"""write_reports (scenarios/reports/__init__.py): what the command line calls, each report where asked."""

from __future__ import annotations

import json

from scenarios.reports import write_reports
from tests.scenarios.reports.sample import sample_run


def test_every_report_asked_for_is_written_and_its_directory_made(tmp_path):
    out = tmp_path / "out" / "deep"
    written = write_reports(sample_run(), junit=out / "junit.xml", json=str(out / "run.json"),
                            html=out / "report.html", testreport=out / "testreport.json",
                            scoresheet=tmp_path / "sheets" / "score.csv")
    assert written == [out / "junit.xml", out / "run.json", out / "report.html", out / "testreport.json",
                       tmp_path / "sheets" / "score.csv"]
    assert all(path.stat().st_size > 0 for path in written)
    assert json.loads((out / "testreport.json").read_text(encoding="utf-8"))["resourceType"] == "Bundle"


def test_nothing_asked_nothing_written(tmp_path):
    assert write_reports(sample_run()) == []
    assert list(tmp_path.iterdir()) == []


def test_a_report_is_replaced_and_only_the_ones_asked_for_are_written(tmp_path):
    (tmp_path / "run.json").write_text("old", encoding="utf-8")
    assert write_reports(sample_run(), json=tmp_path / "run.json") == [tmp_path / "run.json"]
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["format_version"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
