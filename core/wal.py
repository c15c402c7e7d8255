"""SQLite WAL checkpoints off the request path.

SQLite's automatic checkpoint runs inside the commit that takes the write-ahead log past 1,000 pages:
that request then copies the pages into the database file, milliseconds on a file of gigabytes (the
write-path p95 of a service with a big record, measured in bench/dmp_search.py). With
``wal_autocheckpoint=0`` on every connection (core/db.py), :class:`Checkpoints` runs a PASSIVE checkpoint,
which never blocks readers or writers, in a short-lived background thread after every ``every``
committed write transactions; one already running is not started twice. When the last connection closes
(``Database.dispose``, the end of the process) SQLite checkpoints what is left, as before.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

EVERY = 100  # write transactions between two checkpoints: ~10 pages each, about SQLite's own 1,000 pages


class Checkpoints:
    def __init__(self, engine: Engine, every: int = EVERY) -> None:
        self.engine = engine
        self.every = every
        self.commits = 0
        self.done = 0  # checkpoints run, for tests and curiosity
        self._lock = threading.Lock()
        self._running = False

    def committed(self) -> None:
        """One write transaction committed; every ``every`` of them, start a checkpoint in the background."""
        with self._lock:
            self.commits += 1
            if self.commits < self.every or self._running:
                return
            self.commits = 0
            self._running = True
        threading.Thread(target=self.run, name="sqlite-wal-checkpoint", daemon=True).start()

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
