"""The in-process sandbox of ``sandbox run`` without ``--target``: the gateway served by uvicorn on a free port
of 127.0.0.1, in the caller's event loop, its data in a temporary directory removed when the run ends.

It is served over TCP, not reached through an ASGI transport, so that a vendor's own software (journey 4,
``vendor-in-the-loop``) can call it by URL while the suite runs. As ``sandbox up`` does (gateway/cli.py), the
lifespan is entered first, so that a start-up failure is one line, then ``uvicorn.Server.serve(sockets=...)``
runs as a task on the bound socket; the sandbox is handed over once ``/readyz`` answers 200.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from core.settings import SandboxSettings
from gateway import listen

READY_WITHIN = 60.0  # seconds for /readyz to answer 200


class LocalSandboxError(RuntimeError):
    """The in-process sandbox could not start; the message says why, in one line."""


async def _wait_ready(url: str, server: asyncio.Task) -> None:
    deadline = asyncio.get_running_loop().time() + READY_WITHIN
    async with httpx.AsyncClient(timeout=5.0) as http:
        while True:
            if server.done():
                cause = server.exception() if not server.cancelled() else None
                raise LocalSandboxError(f"The in-process sandbox stopped while starting ({cause or 'no cause'}).")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"{url}/readyz")).status_code == 200:
                    return
            if asyncio.get_running_loop().time() > deadline:
                raise LocalSandboxError(f"The in-process sandbox's {url}/readyz did not answer 200 within "
                                        f"{READY_WITHIN:.0f} s.")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def local_sandbox(*, log_level: str = "warning") -> AsyncIterator[tuple[str, Path]]:
    """Serve a fresh sandbox on 127.0.0.1 (a free port) until the block ends; yield its URL and data directory."""
    import uvicorn

    from gateway.app import create_app

    data = Path(tempfile.mkdtemp(prefix="sandbox-run-"))
    try:
        sock = listen.bind("127.0.0.1", 0)
        with contextlib.closing(sock):
            url = listen.default_public_url("127.0.0.1", sock.getsockname()[1])
            try:
                # SQLite in the temporary directory, whatever SANDBOX_DATABASE_URL says: a run's data is thrown away
                gateway = create_app(SandboxSettings(data_dir=data, public_url=url, database_url=None))
            except ValueError as exc:  # a setting from the environment (SANDBOX_...), a clients file
                raise LocalSandboxError(f"The in-process sandbox cannot start: {exc}".splitlines()[0]) from exc
            lifespan = gateway.router.lifespan_context(gateway)
            try:
                await lifespan.__aenter__()
            except Exception as exc:
                raise LocalSandboxError(f"The in-process sandbox could not start: {type(exc).__name__}: "
                                        f"{exc}".splitlines()[0]) from exc
            try:
                config = uvicorn.Config(gateway, lifespan="off", log_level=log_level, access_log=False)
                server = uvicorn.Server(config)
                task = asyncio.create_task(server.serve(sockets=[sock]))
                try:
                    await _wait_ready(url, task)
                    yield url, data
                finally:
                    server.should_exit = True
                    with contextlib.suppress(Exception):
                        await task
            finally:
                await lifespan.__aexit__(None, None, None)
    finally:
        shutil.rmtree(data, ignore_errors=True)
