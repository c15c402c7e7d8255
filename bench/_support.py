"""What the live-server benchmarks share: uvicorn subprocesses on loopback, a minimal keep-alive HTTP/1.1
client, percentiles, and the demo requests (PSC demo client, Annuaire demo key, an INSi SOAP search)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]

# Pro Santé Connect: the demo client of every tenant, and its realm's token endpoint.
REALM_TOKEN = "/auth/realms/esante-wallet/protocol/openid-connect/token"
CLIENT_ID, CLIENT_SECRET = "sandbox-practice-software", "sandbox-practice-secret"
FORM = b"Content-Type: application/x-www-form-urlencoded\r\n"
BASIC = b"Authorization: Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()) + b"\r\n"

# Annuaire Santé: the demo API key and a persona's RPPS (robert-specialiste, idNat_PS 899700218896).
ANNUAIRE_KEY = b"ESANTE-API-KEY: sandbox-demo-key\r\n"
PERSONA_RPPS = "99700218896"

# INSi: rechercherInsAvecTraitsIdentite, the SOAP 1.2 request a vendor's LPS sends (as in docs/ins-teleservice.md).
TRAITS = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
SOAP_CONTENT_TYPE = f'application/soap+xml; charset=utf-8; action="{TRAITS}"'
SOAP_REQUEST = (
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:lps="urn:siram:lps:ctxlps" '
    'xmlns:bam="urn:siram:bam:ctxbam">'
    '<soap:Header><bam:ContexteBAM Version="01_02"><bam:Id>{n}</bam:Id><bam:Temps>2024-05-01T10:15:00Z</bam:Temps>'
    '<bam:COUVERTURE/></bam:ContexteBAM><lps:ContexteLPS Nature="CTXLPS" Version="01_00"><lps:Id>{n}</lps:Id>'
    '<lps:Temps>2024-05-01T10:15:00Z</lps:Temps><lps:LPS><lps:IDAM R="4">SANDBOX-IDAM-DEMO</lps:IDAM></lps:LPS>'
    f"</lps:ContexteLPS><wsa:Action>{TRAITS}</wsa:Action><wsa:MessageID>uuid:bench-{{n}}</wsa:MessageID>"
    '</soap:Header><soap:Body><RECSANSVITALE xmlns="http://www.cnamts.fr/INSiRecSans"><NomNaissance>{name}'
    "</NomNaissance><Prenom>{first}</Prenom><Sexe>{sex}</Sexe><DateNaissance>{date}</DateNaissance>"
    "</RECSANSVITALE></soap:Body></soap:Envelope>"
)


def gateway_app():  # noqa: ANN201
    """The full gateway (``sandbox up``'s one-process mode), for ``uvicorn --factory``; settings from SANDBOX_*."""
    from core.settings import SandboxSettings
    from gateway.app import create_app

    return create_app(SandboxSettings())


# ---- servers ----------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    base: str  # http://127.0.0.1:port[/prefix]
    log: Path | None = None

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.base)
        return parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def prefix(self) -> str:
        return urlsplit(self.base).path


def start(name: str, argv: list[str], port: int, env: dict[str, str], prefix: str = "",
          log: Path | None = None) -> Server:
    """Start a server process; ``log`` takes its stderr (authlib warns loudly at import, and 'always')."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    full_env = {**os.environ, "PYTHONPATH": path, **env}
    stderr = log.open("w") if log else None
    proc = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=stderr)
    return Server(name, proc, f"http://127.0.0.1:{port}{prefix}", log)


def uvicorn(target: str, port: int, *, wsgi: bool = False) -> list[str]:
    """uvicorn on 127.0.0.1 (its default host), one worker, httptools + uvloop, no access log."""
    return [sys.executable, "-m", "uvicorn", "--factory", target, "--port", str(port), "--no-access-log",
            "--log-level", "warning", "--http", "httptools", "--loop", "uvloop",
            *(["--interface", "wsgi"] if wsgi else [])]


def wait_ready(server: Server, path: str) -> None:
    url = f"http://127.0.0.1:{server.host_port[1]}{path}"
    for _ in range(300):
        if server.proc.poll() is not None:
            tail = server.log.read_text()[-3000:] if server.log else ""
            raise SystemExit(f"{server.name} exited with {server.proc.returncode}\n{tail}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{server.name} did not start")


def stop(servers: list[Server]) -> None:
    for server in servers:
        server.proc.terminate()
    for server in servers:
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()


# ---- client: a minimal keep-alive HTTP/1.1 client ----------------------------------------------------

class BadResponse(Exception):
    pass


class Connection:
    """One connection, reopened when the server closes it (werkzeug does after every response).

    Not httpx: its client spends ~1.6 ms of CPU per request (a whole core at ~600 req/s), this one ~0.12 ms.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.host_header = f"{host}:{port}".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, target: str, body: bytes = b"",
                      headers: bytes = b"") -> tuple[int, bytes, bytes]:
        """(status, raw head, body)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = (f"{method} {target} HTTP/1.1\r\n".encode() + b"Host: " + self.host_header + b"\r\n" + headers
                + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n")
        self.writer.write(head + body)
        try:
            raw = await self.reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            await self.close()
            raise BadResponse("connection closed before a response") from None
        status = int(raw[9:12])
        lower = raw.lower()
        at = lower.find(b"\r\ncontent-length:")
        if at < 0:
            await self.close()
            raise BadResponse("response without Content-Length")
        length = int(lower[at + 17:lower.find(b"\r\n", at + 2)])
        data = await self.reader.readexactly(length)
        if b"\r\nconnection: close" in lower:
            await self.close()
        return status, raw, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def pct(samples: list[float], q: float) -> float:
    """The q-quantile of ``samples`` (seconds), in milliseconds (nearest rank)."""
    ms = sorted(samples)
    return ms[min(len(ms) - 1, max(0, int(len(ms) * q) - 1))] * 1000 if ms else float("nan")
