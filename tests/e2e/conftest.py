"""A real HTTP server for independent clients: the gateway with the kernel demo FHIR service, served
by uvicorn in a background thread on a free loopback port (the browser is tests/conftest.py's)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import ServiceSpec

KERNEL_DEMO = ServiceSpec(slug="kernel-demo", factory="tests.kernel_app.app:create_app")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve_gateway(data_dir: Path, services: Sequence[ServiceSpec]) -> Iterator[str]:
    """A gateway with ``services`` under uvicorn on a free loopback port; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(SandboxSettings(data_dir=data_dir, public_url=base), list(services))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sandbox did not start")
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_sandbox(tmp_path) -> Iterator[str]:
    with serve_gateway(tmp_path, [KERNEL_DEMO]) as base:
        yield base

