"""Journey 4 (vendor in the loop): ``sandbox run --tag vendor-in-the-loop`` waits for the vendor's INSi call,
which the simulated vendor beside the journey (``scenarios/journeys/vendors/insi_search.py``) makes once the
await's instruction shows the URL; and a plain ``sandbox run`` of the library leaves the journey out."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "scenarios" / "journeys" / "vendors" / "insi_search.py"
INSI_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/t/([a-z0-9-]+)/ins-teleservice/lps")
WAIT = 120  # seconds, for the whole run


def sandbox(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    env |= {"PYTHONUNBUFFERED": "1", "COLUMNS": "80"}  # lines as they come; a CI width: the URL stays whole
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "run", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def lines_of(process: subprocess.Popen[str]) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_the_vendor_journey_passes_when_the_vendors_software_calls_insi() -> None:
    run = sandbox("--tag", "vendor-in-the-loop")
    try:
        lines, seen, vendor = lines_of(run), [], None
        while (line := lines.get(timeout=WAIT)) is not None:
            seen.append(line)
            found = INSI_URL.search(line)
            if found and vendor is None:  # the await's panel: play the vendor's software now
                vendor = subprocess.run([sys.executable, str(VENDOR), "--target", found[1], "--tenant", found[2]],
                                        capture_output=True, text=True, timeout=60)
        assert run.wait(timeout=WAIT) == 0, "".join(seen)
    finally:
        run.kill()
    output = "".join(seen)
    assert vendor is not None, output
    assert vendor.returncode == 0 and "CR 00" in vendor.stdout, vendor.stdout + vendor.stderr
    assert "Your software must call: POST http://127.0.0.1:" in output
    assert "✓ The vendor's software searches HERMANN GATIEN through INSi" in output
    assert "1 of 1 scenario(s) passed" in output


def test_a_plain_run_of_the_library_leaves_the_vendor_journey_out() -> None:
    run = sandbox()
    try:
        output, _ = run.communicate(timeout=WAIT * 2)
    finally:
        run.kill()
    assert "left out: vendor-insi-search (scenarios/journeys/vendor-insi-search.yaml): waits for a vendor's " \
           "software (vendor-in-the-loop)" in output
    assert "Your turn" not in output and "vendor-insi-search  run-" not in output
    assert run.returncode == 0, output
