"""SQLite WAL checkpoints off the request path.

SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000 pages:
that request then copies the pages into the database file, milliseconds on a file of gigabytes (the
write-path p95 of a service with a big record, measured in bench/dmp_search.py). With
``wal_autocheckpoint=0`` on every connection (core/db.py), :class:`Checkpoints` runs a PASSIVE checkpoint,
which never blocks readers or writers, in a short-lived background thread after every ``every``
committed write transactions, or as soon as a commit has grown the log file by ``GROWTH`` bytes (a bulk load
writes hundreds of megabytes in one transaction: counted as one write, it let the log of the 1,000,000-document
bench record reach 16 GB, and the load ran at half speed); one already running is not started twice. When the
last connection closes (``Database.dispose``, the end of the process) SQLite checkpoints what is left, as before.
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

EVERY = 100  # write transactions between two checkpoints: ~10 pages each, about SQLite's own 1,000 pages
GROWTH = 64 * 1024 * 1024  # bytes the log file may grow by before a checkpoint starts, whatever the count


class Checkpoints:
    def __init__(self, engine: Engine, every: int = EVERY, growth: int = GROWTH) -> None:
        self.engine = engine
        self.every = every
        self.growth = growth
        self.log_size = 0  # the largest size of the log file seen at a commit
        self.commits = 0
        self.done = 0  # checkpoints run, for tests and curiosity
        self._lock = threading.Lock()
        self._running = False

    def committed(self) -> None:
        """One write transaction committed; every ``every`` of them, or when the log grew by ``growth`` bytes,
        start a checkpoint in the background. (A checkpointed log is written again from its start, the file keeping
        its size: only growth past the largest size seen means a large write.)"""
        size = self._log_size()
        with self._lock:
            self.commits += 1
            grown = size - self.log_size >= self.growth
            self.log_size = max(self.log_size, size)
            if (self.commits < self.every and not grown) or self._running:
                return
            self.commits = 0
            self._running = True
        threading.Thread(target=self.run, name="sqlite-wal-checkpoint", daemon=True).start()

    def _log_size(self) -> int:
        try:
            return os.stat(f"{self.engine.url.database}-wal").st_size
        except OSError:
            return 0

    def run(self) -> None:
        try:
            checkpoint(self.engine)
            self.done += 1
        except Exception as exc:  # noqa: BLE001 - a failed checkpoint is retried at the next one
            logger.warning("WAL checkpoint of %s failed (retried later): %s", self.engine.url.database, exc)
        finally:
            with self._lock:
                self._running = False


def checkpoint(engine: Engine) -> tuple[int, int, int]:
    """One PASSIVE checkpoint on a driver connection outside any transaction (inside one SQLite refuses it):
    (busy, pages in the log, pages checkpointed)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, log, done = cursor.fetchone()
        cursor.close()
        return busy, log, done
    finally:
        raw.close()
