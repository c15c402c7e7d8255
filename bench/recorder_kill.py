"""Benchmark (issue 9): exchanges of acknowledged requests lost by ``kill -9`` under load, default vs durable.

For each mode (the default recorder, then ``SANDBOX_RECORD_DURABLE=true``), ``--runs`` times: the gateway
over a FHIR service in a uvicorn process (SQLite in a fresh data directory), ``--clients`` keep-alive
clients reading a Patient with their own ``X-Request-ID`` each, ``kill -9`` after a random 1.5 to 3 s,
then a restart on the same data directory, a read of ``/_admin/exchanges`` (it replays the journal) and a
clean stop; the exchanges recorded in ``gateway.db`` are compared with the requests that got a complete
response. Prints lost / acknowledged per run and per mode: ``python bench/recorder_kill.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sqlite3
import sys
import tempfile
import urllib.request
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/recorder_kill.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import BadResponse, Connection, free_port, start, stop, uvicorn, wait_ready


def serve(data_dir: str, durable: bool):  # noqa: ANN201
    port = free_port()
    env = {"BENCH_DATA_DIR": data_dir, "SANDBOX_DATA_DIR": data_dir, "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "SANDBOX_RECORD_DURABLE": "true" if durable else "false"}
    server = start("gateway", uvicorn("bench.apps:gateway_app", port), port, env)
    wait_ready(server, "/livez")
    return server


def create_patient(base: str) -> str:
    body = json.dumps({"resourceType": "Patient", "name": [{"family": "Martin"}]}).encode()
    request = urllib.request.Request(f"{base}/bench-fhir/fhir/Patient", data=body, method="POST",
                                     headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["id"]


async def load_then_kill(server, clients: int, kill_after: float) -> set[str]:  # noqa: ANN001
    """Keep-alive clients read a Patient until the server is killed; the request ids that were answered."""
    target = f"/bench-fhir/fhir/Patient/{create_patient(server.base)}"
    acknowledged: set[str] = set()

    async def client(n: int) -> None:
        connection = Connection(*server.host_port)
        i = 0
        while True:
            request_id = f"kill-{n}-{i}"
            header = f"X-Request-ID: {request_id}\r\n".encode()
            try:
                status, _, _ = await connection.request("GET", target, headers=header)
            except (BadResponse, OSError, asyncio.IncompleteReadError):
                return
            if status == 200:
                acknowledged.add(request_id)  # its whole response (Content-Length bytes) came back
            i += 1

    tasks = [asyncio.create_task(client(n)) for n in range(clients)]
    await asyncio.sleep(kill_after)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    await asyncio.gather(*tasks)
    return acknowledged


def recorded(data_dir: str) -> set[str]:
    with sqlite3.connect(Path(data_dir) / "gateway.db") as conn:
        return {row[0] for row in conn.execute("SELECT request_id FROM gateway_exchanges")}


def run(durable: bool, clients: int) -> tuple[int, int]:
    """(lost, acknowledged) of one kill -9."""
    with tempfile.TemporaryDirectory() as data_dir:
        server = serve(data_dir, durable)
        try:
            acknowledged = asyncio.run(load_then_kill(server, clients, random.uniform(1.5, 3.0)))
        finally:
            if server.proc.poll() is None:
                server.proc.kill()
        server = serve(data_dir, durable)
        urllib.request.urlopen(f"{server.base}/_admin/exchanges?limit=1", timeout=60).read()  # replays the journal
        stop([server])
        return len(acknowledged - recorded(data_dir)), len(acknowledged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    for durable in (False, True):
        mode = "durable" if durable else "default"
        results = [run(durable, args.clients) for _ in range(args.runs)]
        for lost, total in results:
            print(f"{mode:8s} kill -9: lost {lost:5d} of {total:6d} acknowledged exchanges")
        lost, total = map(sum, zip(*results, strict=True))
        print(f"{mode:8s} total:   lost {lost:5d} of {total:6d} ({lost / max(total, 1):.2%})")


if __name__ == "__main__":
    main()
