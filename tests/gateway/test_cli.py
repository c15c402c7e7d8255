"""The ``sandbox`` CLI: version, reset, seed, and ``up`` answering /readyz quickly from an empty dir."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from typer.testing import CliRunner

from core.db import Database
from core.settings import SandboxSettings
from gateway import datadir
from gateway.cli import cli, seed_services
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


async def test_seed_services_seeds_each_service_and_registers_the_tenant(tmp_path, start_gateway) -> None:
    settings = SandboxSettings(data_dir=tmp_path / "data")
    seeded: list[str] = []
    await seed_services(settings, [DEMO_SERVICE], "team-c", seeded.append)
    assert seeded == ["demo-service"]

    db = Database(settings.sqlite_url("demo_service"), prefix="demo_service")
    with db.read() as conn:
        tenants = conn.execute(text("SELECT tenant FROM demo_service_notes WHERE key = 'marker'")).scalars()
        assert set(tenants) == {"default", "team-c"}
    db.dispose()

    async with start_gateway(data_dir=tmp_path / "data") as client:
        names = [t["name"] for t in (await client.get("/_admin/tenants")).json()["tenants"]]
        assert names == ["default", "team-c"]


def test_up_answers_readyz_within_3_seconds_on_an_empty_data_dir(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "empty"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")} | {"PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "up", "--port", str(port), "--data-dir", str(data),
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}", process, timeout=20)
        elapsed = time.monotonic() - started
        assert elapsed < 3.0, f"/readyz answered 200 only after {elapsed:.2f} s"
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
