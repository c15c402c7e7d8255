"""Helpers for gateway tests: free ports and readiness polling for real processes, test JWTs."""

from __future__ import annotations

import base64
import json
import re
import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 20.0) -> float:
    """Poll ``{url}/readyz`` until 200; return the time it took. Fails if the process exits."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return time.monotonic() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"{url} not ready after {timeout} s")


def jwt(claims: dict) -> str:
    """An unsigned-looking JWT carrying ``claims`` (the recorder reads claims without verifying)."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


GENERATED_ID = re.compile(r"[0-9a-f]{32}")  # the X-Request-ID the gateway makes when the client sent none
