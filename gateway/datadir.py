"""The data directory (SQLite files): checked before use, marked when used, deleted only when marked.

The marker keeps ``sandbox reset --data-dir .`` from deleting a directory the sandbox never owned, and
:func:`check` keeps ``sandbox up --data-dir .`` from filling (then owning) a directory of other files.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

MARKER = ".esante-sandbox"
# what an unmarked directory may hold and still be taken as the sandbox's (SQLite files and their journals)
SQLITE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal")


class DataDirError(ValueError):
    """The data directory cannot be used; the message says why and what to do, in one line."""


def check(data_dir: Path) -> None:
    """Raise :class:`DataDirError` unless the sandbox can use ``data_dir``; creates nothing.

    It must be a directory the process can write in (or a path that can be created under one), and either
    the sandbox's (marked), empty, or holding only SQLite files.
    """
    hint = "pass --data-dir (or SANDBOX_DATA_DIR) a new or empty directory, e.g. --data-dir .sandbox"
    try:
        _check(data_dir, hint)
    except OSError as exc:  # a directory on the way that this user cannot enter
        raise DataDirError(f"The data directory {data_dir} cannot be used ({exc.strerror or exc}: "
                           f"{exc.filename or data_dir}): {hint}.") from None


def _check(data_dir: Path, hint: str) -> None:
    if data_dir.exists() and not data_dir.is_dir():
        raise DataDirError(f"The data directory {data_dir} is a file, not a directory: {hint}.")
    if not data_dir.exists():
        parent = data_dir.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise DataDirError(f"The data directory {data_dir} cannot be created ({parent} is a file): {hint}.")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise DataDirError(f"The data directory {data_dir} cannot be created ({parent} is not writable): "
                               f"make {parent} writable or {hint}.")
        return
    if not os.access(data_dir, os.R_OK | os.W_OK | os.X_OK):
        raise DataDirError(f"The data directory {data_dir} is not writable: make it writable (chmod u+rwx "
                           f"{data_dir}) or {hint}.")
    if not (data_dir / MARKER).exists():
        others = [p.name for p in data_dir.iterdir() if not p.name.endswith(SQLITE_SUFFIXES)]
        if others:
            raise DataDirError(f"The data directory {data_dir} holds files the sandbox did not create "
                               f"({', '.join(sorted(others)[:3])}{', ...' if len(others) > 3 else ''}; no {MARKER} "
                               f"marker): {hint}.")


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
