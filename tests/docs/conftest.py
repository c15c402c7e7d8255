"""One live sandbox for the documentation examples: `sandbox up` in a subprocess, a fresh data directory
(personas seeded on start), no admin token, a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.docs.examples import ROOT


@dataclass(frozen=True)
class LiveSandbox:
    url: str
    data_dir: Path
    env: dict[str, str]  # what an example runs with: the sandbox's data dir, the project's interpreter first


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env() -> dict[str, str]:
    """The caller's environment without the sandbox's settings (a developer's own would change the answers)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SANDBOX_", "INS_TELESERVICE_", "ANNUAIRE_SANTE_", "PRO_SANTE_CONNECT_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _start(data_dir: Path, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    last = ""
    for _ in range(3):  # another process may take the free port between the probe and the bind
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "up", "--host", "127.0.0.1", "--port", str(port),
                 "--data-dir", str(data_dir), "--log-level", "warning"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    return proc, url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        last = log.read_text(errors="replace")
        _stop(proc)
    raise RuntimeError(f"the sandbox did not start:\n{last[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture(scope="session")
def live_sandbox(tmp_path_factory) -> Iterator[LiveSandbox]:
    base = tmp_path_factory.mktemp("docs-sandbox")
    data_dir = base / "data"
    env = clean_env()
    proc, url = _start(data_dir, base / "sandbox.log", env)
    try:
        yield LiveSandbox(url, data_dir, {**env, "SANDBOX_DATA_DIR": str(data_dir)})
    finally:
        _stop(proc)
