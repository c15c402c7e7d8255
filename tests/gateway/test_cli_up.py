"""``sandbox up`` on a first run (issue 10 §4): what it prints once ready, and one-line refusals that create nothing."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from gateway import datadir
from gateway.cli import cli
from services.annuaire_sante.settings import DEMO_API_KEY
from services.ins_teleservice.settings import DEMO_IDAMS
from services.pro_sante_connect.clients import DEMO_CLIENTS
from tests.gateway.support import free_port

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any sandbox setting of the machine running the tests, plus ``extra``."""
    prefixes = ("SANDBOX_", "INS_TELESERVICE_", "ANNUAIRE_SANTE_", "PRO_SANTE_CONNECT_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)} | {"PYTHONPATH": str(ROOT)} | extra


def sandbox(*args: str, env: dict[str, str] | None = None, unprivileged: bool = False,
            timeout: float = 60) -> subprocess.CompletedProcess:
    """Run the ``sandbox`` command to its end; ``unprivileged``: file permissions hold even when run as root."""
    prefix: list[str] = []
    if unprivileged and os.geteuid() == 0:  # root ignores permissions unless it drops these two capabilities
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: file permissions cannot be tested")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    return subprocess.run([*prefix, sys.executable, "-m", "gateway.cli", *args], cwd=ROOT, env=env or clean_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)


def one_line_refusal(result: subprocess.CompletedProcess, *words: str) -> str:
    """The process failed with exactly one line on stderr (no traceback), naming ``words``."""
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and all(w in lines[0] for w in words), lines[0]
    return lines[0]


class Running:
    """A live ``sandbox up`` whose stdout is read line by line as it comes."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "up", *args], cwd=ROOT, env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, prefix: str, timeout: float = 30) -> list[str]:
        """Every line printed up to the first starting with ``prefix``."""
        seen, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"sandbox up exited ({self.process.wait()}): {seen}")
            seen.append(line)
            if line.startswith(prefix):
                return seen
        raise AssertionError(f"no line starting with {prefix!r} after {timeout} s: {seen}")

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=20)
        return err


def test_up_prints_each_service_its_credentials_the_docs_and_the_data_dir_once_ready(tmp_path: Path) -> None:
    port = free_port()
    public = "http://sandbox.example:9443/esante"
    clients = tmp_path / "clients.yaml"
    clients.write_text("- client_id: team-lgc\n  client_secret: file-s3cret-value\n"
                       "  redirect_uris: [https://lgc.example/cb]\n", encoding="utf-8")
    env = clean_env(ANNUAIRE_SANTE_API_KEYS=f"{DEMO_API_KEY},team-own-api-key", SANDBOX_ADMIN_TOKEN="admin-s3cret",
                    PRO_SANTE_CONNECT_CLIENTS_FILE=str(clients))
    data = tmp_path / "data"
    run = Running("--port", str(port), "--data-dir", str(data), "--public-url", public, "--log-level", "warning",
                  env=env)
    try:
        text = "\n".join(run.until("Ready:"))
        # printed once /readyz answers: it answers 200 now
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
    finally:
        err = run.stop()
    for slug, endpoint in (("ins-teleservice", "/lps?wsdl"), ("annuaire-sante", "/fhir/v2"),
                           ("pro-sante-connect", "/auth/realms/esante-wallet/.well-known/openid-configuration")):
        assert f"{public}/{slug}\n" in text + "\n" or f"{public}/{slug} " in text
        assert f"{public}/{slug}{endpoint}" in text
        assert f"{public}/{slug}/docs" in text and f"{public}/{slug}/openapi.json" in text
    assert f"{public}/docs" in text and f"{public}/openapi.json" in text and f"{public}/readyz" in text
    assert "127.0.0.1:" not in text.replace(f"listening on 127.0.0.1:{port}", "")  # every URL is the public one
    for idam in DEMO_IDAMS:
        assert idam in text
    assert f"ESANTE-API-KEY: {DEMO_API_KEY}" in text and "1 more from ANNUAIRE_SANTE_API_KEYS" in text
    for client in DEMO_CLIENTS:
        assert client["client_id"] in text and client.get("client_secret", client["client_id"]) in text
    assert "team-lgc" in text and "needs SANDBOX_ADMIN_TOKEN" in text
    assert str(data.absolute()) in text and text.splitlines()[-1].startswith(f"Ready: {public}/readyz answers 200")
    for secret in ("team-own-api-key", "admin-s3cret", "file-s3cret-value"):  # a team's own secrets: never shown
        assert secret not in text and secret not in err


def test_up_on_a_port_in_use_says_so_in_one_line_and_creates_nothing(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = sandbox("up", "--port", str(port), "--data-dir", str(tmp_path / "data"))
    one_line_refusal(result, f"Port {port}", "already in use", "--port")
    assert result.returncode == 1 and not (tmp_path / "data").exists()


def test_up_on_a_port_in_use_with_reset_deletes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    datadir.mark(data)
    (data / "gateway.db").write_bytes(b"")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = sandbox("up", "--port", str(busy.getsockname()[1]), "--data-dir", str(data), "--reset")
    one_line_refusal(result, "--port")
    assert (data / "gateway.db").exists()


@pytest.mark.parametrize("port", ["0", "70000", "-1", "http"])
def test_up_refuses_a_port_outside_1_to_65535(tmp_path: Path, port: str) -> None:
    result = runner.invoke(cli, ["up", "--port", port, "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 2 and "--port" in result.output
    assert not (tmp_path / "data").exists()


def test_up_refuses_an_unknown_host_in_one_line(tmp_path: Path) -> None:
    result = sandbox("up", "--host", "no-such-host.invalid", "--port", str(free_port()),
                     "--data-dir", str(tmp_path / "data"))
    one_line_refusal(result, "--host")
    assert not (tmp_path / "data").exists()


def wrong_data_dirs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Data directories the sandbox must refuse, with a word the refusal must carry."""
    (tmp_path / "a-file").write_text("not a directory")
    foreign = tmp_path / "project"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("someone's files")
    return {"file": (tmp_path / "a-file", "is a file"), "under a file": (tmp_path / "a-file" / "data", "is a file"),
            "foreign files": (foreign, "notes.txt")}


@pytest.mark.parametrize("case", ["file", "under a file", "foreign files"])
@pytest.mark.parametrize("command", [["up", "--port", "0"], ["seed"]])
def test_a_wrong_data_dir_is_refused_in_one_line_before_anything_is_created(tmp_path: Path, case: str,
                                                                             command: list[str]) -> None:
    path, word = wrong_data_dirs(tmp_path)[case]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = [*command, "--data-dir", str(path)]
    if command[0] == "up":
        args[2] = str(free_port())
    result = sandbox(*args)
    line = one_line_refusal(result, word, "--data-dir")
    assert result.returncode == 1 and line.startswith("The data directory")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing created


@pytest.mark.parametrize("command", [["up"], ["seed"]])
def test_an_unwritable_data_dir_is_refused_in_one_line(tmp_path: Path, command: list[str]) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    port = ["--port", str(free_port())] if command == ["up"] else []
    one_line_refusal(sandbox(*command, *port, "--data-dir", str(locked), unprivileged=True),
                     "not writable", "--data-dir")
    one_line_refusal(sandbox(*command, *port, "--data-dir", str(locked / "data"), unprivileged=True),
                     "cannot be created", "not writable")
    assert list(locked.iterdir()) == []


def test_a_data_dir_that_cannot_be_reached_is_refused_in_one_line(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o000)
    try:
        one_line_refusal(sandbox("seed", "--data-dir", str(private / "data"), unprivileged=True),
                         "cannot be used", "--data-dir")
    finally:
        private.chmod(0o700)


def test_a_damaged_database_file_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    data = tmp_path / "data"
    datadir.mark(data)
    (data / "gateway.db").write_text("this is not a SQLite file " * 100)
    line = one_line_refusal(sandbox("up", "--port", str(free_port()), "--data-dir", str(data)), "--reset")
    assert "not a database" in line
    seeded = sandbox("seed", "--data-dir", str(data))
    assert seeded.returncode == 1 and "Traceback" not in seeded.stderr and "not a database" in seeded.stderr


def test_reset_of_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    one_line_refusal(sandbox("reset", "--yes", "--data-dir", str(tmp_path / "a-file")), "not a directory")
    assert (tmp_path / "a-file").read_text() == "x"


def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    env = clean_env(SANDBOX_MAX_TENANTS="many")
    line = one_line_refusal(sandbox("up", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"), env=env),
                            "max_tenants")
    assert "many" in line


def test_up_on_every_interface_hands_out_loopback_urls(tmp_path: Path) -> None:
    port = free_port()
    run = Running("--host", "0.0.0.0", "--port", str(port), "--data-dir", str(tmp_path / "d"),
                  "--log-level", "warning", env=clean_env())
    try:
        text = "\n".join(run.until("Ready:"))
    finally:
        run.stop()
    assert f"http://127.0.0.1:{port}/annuaire-sante/fhir/v2" in text and "http://0.0.0.0" not in text


def test_reset_that_cannot_delete_is_one_line_naming_what_to_fix(tmp_path: Path) -> None:
    data = tmp_path / "data"
    datadir.mark(data)
    (data / "gateway.db").write_bytes(b"")
    tmp_path.chmod(0o555)  # the data directory cannot be removed from its parent
    try:
        line = one_line_refusal(sandbox("reset", "--yes", "--data-dir", str(data), unprivileged=True),
                                "Cannot delete", "permissions")
    finally:
        tmp_path.chmod(0o755)
    assert "Permission denied" in line and data.exists()
