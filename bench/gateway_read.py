"""Benchmark (issue 2): throughput of a FHIR read through the gateway, as ratios measured in one run.

  (a) gateway FHIR read  /  bare Starlette JSON endpoint        (aim >= 0.35)
  (b) gateway FHIR read  /  the same service app called directly (aim >= 0.8)
  (c) gateway FHIR read with SANDBOX_RECORD_DURABLE=true  /  the default recorder (the cost of durable mode)

Each app runs in its own uvicorn process (httptools, uvloop, no access log) and is loaded with wrk
(``apt-get install wrk``) from this machine: ``python bench/gateway_read.py [--seconds 8]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(factory: str, data_dir: str, **extra: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "BENCH_DATA_DIR": data_dir, "SANDBOX_DATA_DIR": data_dir,
           "SANDBOX_PUBLIC_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(ROOT), **extra}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port), "--no-access-log",
         "--log-level", "warning", "--http", "httptools", "--loop", "uvloop"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/livez" if "bare" not in factory else base + "/Patient/p1", timeout=1)
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{factory} did not start")


def create_patient(fhir_base: str) -> str:
    body = json.dumps({"resourceType": "Patient", "name": [{"family": "Martin", "given": ["Jeanne"]}]}).encode()
    req = urllib.request.Request(fhir_base + "/Patient", data=body, method="POST",
                                 headers={"Content-Type": "application/fhir+json"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["id"]


def wrk(url: str, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", url], capture_output=True, text=True,
                         check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url} answered {non2xx.group(1)} errors:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    procs = []
    try:
        with (tempfile.TemporaryDirectory() as gw_dir, tempfile.TemporaryDirectory() as direct_dir,
              tempfile.TemporaryDirectory() as durable_dir):
            bare, bare_base = serve("bench.apps:bare_app", gw_dir)
            gateway, gw_base = serve("bench.apps:gateway_app", gw_dir)
            direct, direct_base = serve("bench.apps:fhir_app", direct_dir)
            durable, durable_base = serve("bench.apps:gateway_app", durable_dir, SANDBOX_RECORD_DURABLE="true")
            procs = [bare, gateway, direct, durable]
            urls = {
                "bare Starlette JSON endpoint": f"{bare_base}/Patient/p1",
                "FHIR read through the gateway": f"{gw_base}/bench-fhir/fhir/Patient/"
                                                 + create_patient(f"{gw_base}/bench-fhir/fhir"),
                "FHIR read on the service app directly": f"{direct_base}/fhir/Patient/"
                                                         + create_patient(f"{direct_base}/fhir"),
                "FHIR read through the gateway, durable": f"{durable_base}/bench-fhir/fhir/Patient/"
                                                          + create_patient(f"{durable_base}/bench-fhir/fhir"),
            }
            for url in urls.values():  # warm up
                wrk(url, 1)
            rates = {name: wrk(url, args.seconds) for name, url in urls.items()}
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
    for name, rate in rates.items():
        print(f"{name:40s} {rate:10.0f} req/s")
    gw = rates["FHIR read through the gateway"]
    print(f"(a) gateway / bare Starlette = {gw / rates['bare Starlette JSON endpoint']:.2f}  (aim >= 0.35)")
    print(f"(b) gateway / direct service = {gw / rates['FHIR read on the service app directly']:.2f}  (aim >= 0.8)")
    print(f"(c) durable / default recorder = {rates['FHIR read through the gateway, durable'] / gw:.2f}")


if __name__ == "__main__":
    main()
