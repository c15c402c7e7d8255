"""Benchmark: loading the full BDPM files into the drug reference, against merely reading them, in one run.

  1. read the four files with the csv module (Windows-1252, tab-separated): the floor any loader pays;
  2. parse them with services/eprescription/bdpm.py (typed records, checks, bad lines): no database;
  3. ``DrugReference.load_bdpm`` into a fresh SQLite file (parse + rows + one transaction of bulk inserts),
     then a reload (which deletes the previous load first); with ``--postgres URL`` the same on PostgreSQL,
     in tables of a prefix of their own, dropped at the end.
Each step is timed ``--repeat`` times (best kept); ratios are to step 1 (aim: the load within a few seconds).

``python bench/bdpm_load.py [DIR] [--repeat 3] [--postgres postgresql://...]``
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/<name>.py`: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.db import Database
from services.eprescription.bdpm import GENER_FILE, MANDATORY, BdpmFiles
from services.eprescription.drug_reference import DrugReference

DEFAULT_DIR = Path("/work/shared/reference/bdpm")


def read_csv(directory: Path) -> int:
    lines = 0
    for name in (*MANDATORY, GENER_FILE):
        with (directory / name).open(encoding="cp1252", errors="replace", newline="") as raw:
            lines += sum(1 for _ in csv.reader(raw, delimiter="\t", quoting=csv.QUOTE_NONE))
    return lines


def parse(directory: Path) -> int:
    files = BdpmFiles(directory)
    return sum(1 for reader in (files.specialities, files.presentations, files.compositions, files.generics)
               for _ in reader())


def best(repeat: int, fn, *args) -> tuple[float, object]:  # noqa: ANN001
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        times.append(time.perf_counter() - start)
    return min(times), result


def load_twice(url: str, directory: Path, repeat: int) -> tuple[float, float, dict]:
    db = Database(url, prefix=f"eprbench{uuid.uuid4().hex[:8]}")
    drugs = DrugReference(db)
    db.create_all()
    try:
        drugs.ensure(None)
        loads, reloads, counts = [], [], {}
        for _ in range(repeat):
            start = time.perf_counter()
            counts = drugs.load_bdpm(directory)
            loads.append(time.perf_counter() - start)
            start = time.perf_counter()
            drugs.load_bdpm(directory)
            reloads.append(time.perf_counter() - start)
        return min(loads), min(reloads), counts
    finally:
        if not db.is_sqlite:
            db.metadata.drop_all(db.engine)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also load into this PostgreSQL database")
    args = parser.parse_args()
    directory = args.directory
    size = sum((directory / n).stat().st_size for n in (*MANDATORY, GENER_FILE)) / 1e6
    print(f"BDPM files in {directory} ({size:.1f} MB), best of {args.repeat}")
    read_s, lines = best(args.repeat, read_csv, directory)
    parse_s, records = best(args.repeat, parse, directory)
    rows = [("1. csv read (floor)", read_s, f"{lines:,} lines"),
            ("2. bdpm.py parse", parse_s, f"{records:,} records")]
    with tempfile.TemporaryDirectory() as tmp:
        load_s, reload_s, counts = load_twice(f"sqlite:///{tmp}/eprescription.db", directory, args.repeat)
    summary = f"{counts['medicines']:,} CIS, {counts['presentations']:,} CIP13, {counts['components']:,} COMPO"
    rows += [("3. load_bdpm SQLite", load_s, summary), ("   reload SQLite", reload_s, "replaces the load")]
    if args.postgres:
        load_s, reload_s, _ = load_twice(args.postgres, directory, args.repeat)
        rows += [("4. load_bdpm PostgreSQL", load_s, summary), ("   reload PostgreSQL", reload_s, "replaces the load")]
    print(f"  {'step':<26} {'seconds':>8} {'x csv':>7}  what")
    for name, seconds, what in rows:
        print(f"  {name:<26} {seconds:>8.2f} {seconds / read_s:>7.1f}  {what}")


if __name__ == "__main__":
    main()
