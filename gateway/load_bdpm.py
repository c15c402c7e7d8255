"""``sandbox load-bdpm DIR``: the official BDPM files into the ordonnance numérique's drug reference.

The service is built as ``sandbox seed`` builds it (gateway/seeding.py): from the registry, with the settings
of the data directory and its ``EPRESCRIPTION_*`` environment keys (``EPRESCRIPTION_DATABASE_URL`` for
PostgreSQL), so the files land in the database ``sandbox up`` then serves. Its lifespan is not run: only the
drug reference's tables are created, nothing is seeded, no background task starts. gateway/cli.py draws the
progress bar and prints the counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.settings import SandboxSettings
from gateway import datadir
from gateway.registry import DEFAULT_SERVICES, ServiceSpec
from gateway.seeding import one_line

SLUG = "eprescription"


class LoadError(RuntimeError):
    """The files cannot be loaded; the message says why and what to do, in one line."""


@dataclass
class Loaded:
    counts: dict[str, int]
    seconds: float
    database: str  # the database URL, password hidden
    bad_lines: list[str] = field(default_factory=list)  # the first ones, "file:line: reason"


def load(settings: SandboxSettings, directory: Path, progress: Callable[[int, int], None] | None = None,
         services: list[ServiceSpec] | None = None) -> Loaded:
    """Load ``directory`` into the drug reference of the data directory's ordonnance numérique."""
    spec = next((s for s in services or DEFAULT_SERVICES if s.slug == SLUG), None)
    if spec is None:
        raise LoadError(f"No {SLUG} service is registered in this sandbox: nothing to load the BDPM into.")
    if not directory.is_dir():
        raise LoadError(f"{directory} is not a directory: give the directory holding CIS_bdpm.txt, "
                        "CIS_CIP_bdpm.txt and CIS_COMPO_bdpm.txt (https://base-donnees-publique.medicaments.gouv.fr"
                        "/telechargement).")
    existed = settings.data_dir.exists()
    try:
        app = spec.build_app(spec.build_settings(settings))
    except Exception as exc:  # a setting (pydantic), the database URL
        raise LoadError(f"The {SLUG} service cannot be built: {one_line(exc)}. Fix its EPRESCRIPTION_* "
                        "settings and run `sandbox load-bdpm` again.") from exc
    db, drugs = app.state.db, _drugs(app)
    try:
        try:
            drugs.check(directory)  # the files first: a wrong directory leaves the data directory as it was
        except Exception as exc:
            if not existed and settings.data_dir.is_dir() and not any(settings.data_dir.iterdir()):
                settings.data_dir.rmdir()  # made by the SQLite engine, before any connection
            raise LoadError(str(exc)) from exc
        try:
            if db.is_sqlite:
                datadir.mark(settings.data_dir)
            db.create_all()
            started = time.monotonic()
            counts = drugs.load_bdpm(directory, progress)
            seconds = time.monotonic() - started
        except Exception as exc:
            raise LoadError(f"Loading {directory} failed: {one_line(exc)}. Nothing was changed; fix the cause "
                            "and run `sandbox load-bdpm` again.") from exc
        bad = (drugs.loaded().get("bdpm") or {}).get("bad") or []
        url = db.engine.url.render_as_string(hide_password=True)
        return Loaded(dict(counts), seconds, url, list(bad))
    finally:
        db.dispose()


def _drugs(app: Any) -> Any:  # noqa: ANN401 - the hook the service names (app.state.drug_reference)
    drugs = getattr(app.state, "drug_reference", None)
    if drugs is None:
        raise LoadError(f"The {SLUG} service of this sandbox has no drug reference to load the BDPM into.")
    return drugs


def summary(loaded: Loaded, directory: Path, shown: int = 5) -> list[str]:
    """What the command prints: where, how long, the counts, and the first bad lines."""
    lines = [f"Loaded the BDPM of {directory} into {loaded.database} in {loaded.seconds:.1f} s."]
    width = max(len(kind) for kind in loaded.counts)
    lines += [f"  {kind:<{width}}  {count:>9,}" for kind, count in loaded.counts.items()]
    bad = loaded.counts.get("bad_lines", 0)
    if bad:
        lines.append(f"{bad:,} line(s) skipped (reported, not loaded):")
        lines += [f"  {line}" for line in loaded.bad_lines[:shown]]
        if bad > shown:
            lines.append(f"  ... and {bad - shown:,} more")
    return lines
