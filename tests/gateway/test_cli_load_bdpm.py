"""``sandbox load-bdpm DIR``: the real BDPM files into the data directory's drug reference, counts and time
printed; a bad directory is one line on stderr and a non-zero exit, leaving the data directory untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.db import Database
from core.settings import SandboxSettings
from gateway.cli import cli
from services.eprescription import medication_codes as mc
from services.eprescription.drug_reference import BDPM, DrugReference
from tests.services.eprescription.bdpm_files import require_bdpm

runner = CliRunner()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("EPRESCRIPTION_DATABASE_URL", "EPRESCRIPTION_BDPM_DIR"):
        monkeypatch.delenv(key, raising=False)


def reference(data: Path) -> DrugReference:
    db = Database(SandboxSettings(data_dir=data).sqlite_url("eprescription"), prefix="eprescription")
    return DrugReference(db)


def test_load_bdpm_loads_the_real_files_into_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(cli, ["load-bdpm", str(require_bdpm()), "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    first = next(line for line in result.output.splitlines() if line.startswith("Loaded"))
    assert first.startswith(f"Loaded the BDPM of {require_bdpm()} into sqlite:///") and first.endswith(" s.")
    assert "medicines" in result.output and "15," in result.output
    assert "CIS_COMPO_bdpm.txt:" in result.output  # the official files' own bad lines, shown by file:line
    drugs = reference(data)
    with drugs.db.read() as conn:
        entry = drugs.lookup(conn, mc.CIP, "3400935955838")
    assert (entry.cis, entry.source) == ("60234100", BDPM)
    drugs.db.dispose()


def test_load_bdpm_of_a_missing_directory_fails_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = runner.invoke(cli, ["load-bdpm", str(tmp_path / "nowhere"), "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "nowhere is not a directory" in result.output and "CIS_bdpm.txt" in result.output
    assert not data.exists()


def test_load_bdpm_of_a_directory_without_the_files_names_them(tmp_path: Path) -> None:
    empty, data = tmp_path / "empty", tmp_path / "data"
    empty.mkdir()
    (empty / "CIS_bdpm.txt").write_text("", encoding="cp1252")
    result = runner.invoke(cli, ["load-bdpm", str(empty), "--data-dir", str(data)])
    assert result.exit_code == 1
    assert "CIS_CIP_bdpm.txt, CIS_COMPO_bdpm.txt missing in" in result.output and "telechargement" in result.output
    assert not data.exists()


def test_load_bdpm_refuses_a_data_dir_of_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(cli, ["load-bdpm", str(tmp_path), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "holds files the sandbox did not create" in result.output


def test_load_bdpm_without_a_directory_is_a_usage_error() -> None:
    result = runner.invoke(cli, ["load-bdpm"])
    assert result.exit_code == 2 and "DIR" in result.output
