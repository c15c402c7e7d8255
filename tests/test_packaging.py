"""A non-editable install ships what the sandbox reads at run time: the journey library, its fragments and
bodies, the WSDL and templates (a data directory without ``__init__.py`` is easily left out of a wheel)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ("*.yaml", "*.xml", "*.wsdl", "*.xsd", "*.html", "*.json")


def test_the_wheel_holds_every_data_file_of_the_packages(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    expected = {path.relative_to(ROOT).as_posix()
                for top in ("core", "gateway", "services", "scenarios") for pattern in DATA
                for path in (ROOT / top).rglob(pattern) if "__pycache__" not in path.parts}
    assert any(name.startswith("scenarios/journeys/") for name in expected)
    assert sorted(expected - shipped) == []
