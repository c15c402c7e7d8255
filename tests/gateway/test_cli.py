"""The ``sandbox`` CLI: version, reset, seed, and ``up`` answering /readyz quickly from an empty dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import text
from typer.testing import CliRunner

from core.app import MAX_GENERATED
from core.db import Database
from core.settings import SandboxSettings
from gateway import cli as cli_module
from gateway import datadir
from gateway.cli import cli
from tests.gateway.demo_service import FAILING_SEED, REQUEST_KEY
from tests.gateway.demo_service import SPEC as DEMO_SERVICE
from tests.gateway.support import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_version_prints_the_distribution_version() -> None:
    result = runner.invoke(cli, ["version"])
    assert result.exit_code == 0
    assert result.output.strip()[0].isdigit()


def test_reset_with_yes_deletes_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    datadir.mark(data)
    (data / "gateway.db").write_bytes(b"x")
    result = runner.invoke(cli, ["reset", "--data-dir", str(data), "--yes"])
    assert result.exit_code == 0, result.output
    assert not data.exists()
    assert runner.invoke(cli, ["reset", "--data-dir", str(data), "--yes"]).exit_code == 0


def test_reset_without_yes_on_non_interactive_input_fails_without_deleting(tmp_path: Path) -> None:
    datadir.mark(tmp_path / "data")
    result = runner.invoke(cli, ["reset", "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2
    assert "--yes" in result.output
    assert (tmp_path / "data").exists()


def test_reset_refuses_a_directory_the_sandbox_does_not_own(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = runner.invoke(cli, ["reset", "--data-dir", str(tmp_path), "--yes"])
    assert result.exit_code == 1
    assert (tmp_path / "precious.txt").exists()


def test_reset_as_a_real_process_with_closed_stdin_does_not_hang(tmp_path: Path) -> None:
    datadir.mark(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "reset", "--data-dir", str(tmp_path / "data")],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2 and "--yes" in result.stderr


def test_up_answers_readyz_on_an_empty_data_dir(tmp_path: Path) -> None:
    """How fast is measured by bench/first_run.py (aim < 3 s), not here: a timing bound fails on a loaded machine."""
    port = free_port()
    data = tmp_path / "empty"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")} | {"PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "up", "--port", str(port), "--data-dir", str(data),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, timeout=20)
        index = httpx.get(f"http://127.0.0.1:{port}/").json()
        assert index["name"] == "e-santé sandbox"
        assert (data / datadir.MARKER).exists() and (data / "gateway.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_seed_command_runs_on_the_registered_services(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path / "data"), "--tenant", "team-d"])
    assert result.exit_code == 0, result.output
    assert "team-d" in result.output
    assert (tmp_path / "data" / datadir.MARKER).exists()


def test_seed_command_rejects_a_bad_tenant_name(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path / "data"), "--tenant", "Team D"])
    assert result.exit_code == 2
    assert "invalid" in result.output


def test_seed_command_passes_the_generated_counts_to_every_service(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "DEFAULT_SERVICES", [DEMO_SERVICE])
    data = tmp_path / "data"
    result = runner.invoke(cli, ["seed", "--data-dir", str(data), "--tenant", "team-f", "--patients", "1000",
                                 "--professionals", "200", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "1,000 generated patients" in result.output and "seed 5" in result.output
    assert _note(SandboxSettings(data_dir=data), "team-f", REQUEST_KEY) == "1000 200 5"


def test_seed_command_without_counts_seeds_the_personas_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "DEFAULT_SERVICES", [DEMO_SERVICE])
    data = tmp_path / "data"
    result = runner.invoke(cli, ["seed", "--data-dir", str(data), "--tenant", "team-g"])
    assert result.exit_code == 0, result.output
    assert _note(SandboxSettings(data_dir=data), "team-g", REQUEST_KEY) == "0 0 0"


def test_seed_command_rejects_a_negative_or_huge_count(tmp_path: Path) -> None:
    for option, value in (("--patients", "-1"), ("--professionals", str(MAX_GENERATED + 1))):
        result = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path / "data"), option, value])
        assert result.exit_code == 2
        assert option in result.output


def test_seed_command_names_the_failing_service_and_the_fix(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(cli_module, "DEFAULT_SERVICES", [DEMO_SERVICE])
    result = runner.invoke(cli, ["seed", "--data-dir", str(tmp_path / "data"), "--seed", str(FAILING_SEED)])
    assert result.exit_code == 1
    assert "demo-service" in result.output and "refuses seed" in result.output and "reset --yes" in result.output


async def test_admin_seed_route_still_passes_the_counts(tmp_path) -> None:
    settings = SandboxSettings(data_dir=tmp_path / "data")
    app = DEMO_SERVICE.build_app(DEMO_SERVICE.build_settings(settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
            response = await client.post("/_admin/tenants/team-h/seed",
                                         params={"patients": 3, "professionals": 2, "seed": 4})
            assert response.status_code == 200
            assert response.json() == {"tenant": "team-h", "seeded": {"markers": 1}, "total": {"markers": 1}}
    assert _note(settings, "team-h", REQUEST_KEY) == "3 2 4"


def _note(settings: SandboxSettings, tenant: str, key: str) -> str | None:
    db = Database(settings.sqlite_url("demo_service"), prefix="demo_service")
    try:
        with db.read() as conn:
            return conn.execute(
                text("SELECT value FROM demo_service_notes WHERE tenant = :t AND key = :k"), {"t": tenant, "k": key}
            ).scalar_one_or_none()
    finally:
        db.dispose()


def _count_rows(output: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(service, records) -> (in tenant, added) from the table `sandbox seed` prints."""
    rows, slug = {}, ""
    for line in output.splitlines():
        parts = line.split()
        if len(parts) in (3, 4) and parts[-1].replace(",", "").isdigit() and parts[-2].replace(",", "").isdigit():
            if len(parts) == 4:
                slug = parts[0]
            rows[slug, parts[-3]] = (int(parts[-2].replace(",", "")), int(parts[-1].replace(",", "")))
    return rows


def test_seed_command_prints_what_each_service_holds_and_what_it_added(tmp_path: Path) -> None:
    from core.population.generator import patients
    from services.ins_teleservice.seed import persona_identities

    data = ["--data-dir", str(tmp_path / "data"), "--tenant", "team-n"]
    first = runner.invoke(cli, ["seed", *data, "--patients", "30", "--seed", "3"])
    assert first.exit_code == 0, first.output
    rows = _count_rows(first.output)
    identities = 30 - sum(p.ins is None for p in patients(3, 30)) + len(persona_identities())
    assert rows["ins-teleservice", "identities"] == (identities, identities)
    assert rows["annuaire-sante", "Practitioner"][0] == rows["annuaire-sante", "Practitioner"][1] > 0
    assert rows["pro-sante-connect", "clients"][0] >= 2
    again = _count_rows(runner.invoke(cli, ["seed", *data]).output)
    assert set(again) == set(rows) and all(added == 0 for _, added in again.values())  # nothing new the second time
    assert all(again[key][0] == held for key, (held, _) in rows.items())
