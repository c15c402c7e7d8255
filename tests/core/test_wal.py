"""WAL checkpoints off the request path (core/wal.py): a file SQLite database checkpoints in the background
every ``every`` committed writes, never inside a commit; other databases have no checkpointer."""

import logging
import time

from sqlalchemy import func, insert, select, text

from core.wal import Checkpoints, checkpoint
from tests.core.test_db import make_db


def wait_for(condition, seconds: float = 5.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_commits_never_checkpoint_and_every_hundredth_starts_one_in_the_background(tmp_path):
    db, table = make_db(f"sqlite:///{tmp_path / 'demo.db'}")
    with db.read() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    db.checkpoints.every = 10

    def writes(n: int) -> None:
        for k in range(n):
            with db.write() as conn:
                conn.execute(insert(table).values(tenant="a", value=str(k)))

    writes(10)
    assert wait_for(lambda: db.checkpoints.done == 1)
    writes(8)
    with db.atomic() as conn:  # an atomic block counts as one write
        conn.execute(insert(table).values(tenant="a", value="x"))
    time.sleep(0.2)
    assert db.checkpoints.done == 1 and db.checkpoints.commits == 9
    writes(1)
    assert wait_for(lambda: db.checkpoints.done == 2)
    with db.read() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 20
    busy, log, checkpointed = checkpoint(db.engine)
    assert busy == 0 and checkpointed == log
    db.dispose()


def test_a_commit_that_grows_the_log_past_the_limit_starts_a_checkpoint_at_once(tmp_path):
    db, table = make_db(f"sqlite:///{tmp_path / 'demo.db'}")
    db.checkpoints.growth = 256 * 1024
    with db.write() as conn:  # one transaction of ~1 MB: a bulk load, counted as one write
        conn.execute(insert(table), [{"tenant": "a", "value": f"{k:06d}" + "x" * 1000} for k in range(1000)])
    assert wait_for(lambda: db.checkpoints.done == 1)
    assert db.checkpoints.commits == 0
    for k in range(3):  # small writes reuse the checkpointed log: no growth, no checkpoint before the 100th
        with db.write() as conn:
            conn.execute(insert(table).values(tenant="a", value=f"small {k}"))
    time.sleep(0.2)
    assert db.checkpoints.done == 1 and db.checkpoints.commits == 3
    db.dispose()


def test_a_failed_checkpoint_is_logged_and_the_next_one_runs(tmp_path, caplog):
    db, _ = make_db(f"sqlite:///{tmp_path / 'demo.db'}")

    class Broken:
        url = db.engine.url

        def raw_connection(self):  # noqa: ANN201
            raise OSError("disk gone")

    checkpoints = Checkpoints(Broken(), every=1)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="core.wal"):
        checkpoints.committed()
        assert wait_for(lambda: not checkpoints._running)
    assert "WAL checkpoint" in caplog.text and "disk gone" in caplog.text and checkpoints.done == 0
    checkpoints.engine = db.engine
    checkpoints.committed()
    assert wait_for(lambda: checkpoints.done == 1)
    db.dispose()


def test_memory_and_server_databases_have_no_checkpointer(database_url):
    db, _ = make_db("sqlite://")
    assert db.checkpoints is None
    if database_url.startswith("postgresql"):
        server, _ = make_db(database_url)
        assert server.checkpoints is None
