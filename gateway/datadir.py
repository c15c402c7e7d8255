"""The data directory (SQLite files): marked when the sandbox uses it, deleted only when marked.

The marker keeps ``sandbox reset --data-dir .`` from deleting a directory the sandbox never owned.
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".esante-sandbox"


def mark(data_dir: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    marker = data_dir / MARKER
    if not marker.exists():
        marker.write_text("Data directory of the e-santé sandbox; `sandbox reset` deletes it.\n")


def delete(data_dir: Path) -> bool:
    """Delete ``data_dir``; False when there was nothing to delete. Refuses unmarked, non-empty dirs."""
    if not data_dir.exists():
        return False
    if not data_dir.is_dir():
        raise ValueError(f"{data_dir} is not a directory.")
    if not (data_dir / MARKER).exists() and any(data_dir.iterdir()):
        raise ValueError(
            f"{data_dir} holds files the sandbox did not create ({MARKER} is missing); not deleting."
        )
    shutil.rmtree(data_dir)
    return True
