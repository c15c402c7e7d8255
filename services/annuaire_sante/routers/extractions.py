"""The directory's bulk extraction files, per tenant (spec digest §6.1 and §3.5; sandbox-only).

The real files are public, unauthenticated zip downloads from ``service.annuaire.sante.fr`` under
``/annuaire-sante-webservices/V300/services/extraction/<name>``; the same path answers here (a vendor
changes only the host), and ``/extractions/<file>.txt|.zip`` gives each file directly. No API key and
no admin token: the real extractions are open data. Files are streamed as they are built.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from core.app import SANDBOX_ONLY
from core.errors import SandboxError
from services.annuaire_sante import exports
from services.annuaire_sante.codes import AsCode
from services.annuaire_sante.deps import Store, Tenant
from services.annuaire_sante.store import DirectoryStore

FILES: dict[str, Callable[[DirectoryStore, str], Iterator[str]]] = {
    "PS_LibreAcces_Personne_activite": exports.personne_activite,
    "Extraction_Correspondance_MSSante": exports.mssante,
}
ARCHIVES = {"PS_LibreAcces": "PS_LibreAcces_Personne_activite",
            "Extraction_Correspondance_MSSante": "Extraction_Correspondance_MSSante"}
FLUSH_LINES = 2000

router = APIRouter(tags=[SANDBOX_ONLY])


class Sink:
    """A write-only file for zipfile: what was written is taken back in pieces (streamed zip)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> Iterator[bytes]:
        parts, self.parts = self.parts, []
        yield from parts


def encoded(lines: Iterator[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= FLUSH_LINES:
            yield "".join(batch).encode()
            batch = []
    if batch:
        yield "".join(batch).encode()


def zipped(member: str, lines: Iterator[str]) -> Iterator[bytes]:
    sink = Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(member, "w", force_zip64=True) as entry:
            for chunk in encoded(lines):
                entry.write(chunk)
                yield from sink.drain()
    yield from sink.drain()


def unknown(name: str, known: list[str]) -> SandboxError:
    return SandboxError(404, AsCode.UNKNOWN_EXTRACTION, f"No extraction file {name[:80]!r}; available: "
                        f"{', '.join(known)}.", issue="not-found")


def download(stem: str, lines: Iterator[str], archive: bool, filename: str) -> StreamingResponse:
    stamp = datetime.now().strftime("%Y%m%d%H%M")
    if archive:
        return StreamingResponse(zipped(f"{stem}_{stamp}.txt", lines), media_type="application/zip",
                                 headers={"Content-Disposition": f"attachment; filename={filename}_{stamp}.zip"})
    return StreamingResponse(encoded(lines), media_type="text/plain; charset=utf-8",
                             headers={"Content-Disposition": f"attachment; filename={filename}_{stamp}.txt"})


@router.get("/annuaire-sante-webservices/V300/services/extraction/{name}")
def extraction_archive(name: str, store: Store, tenant: Tenant) -> StreamingResponse:
    """Download an extraction as the real service serves it: a zip holding one dated pipe-separated file."""
    stem = ARCHIVES.get(name)
    if stem is None:
        raise unknown(name, list(ARCHIVES))
    return download(stem, FILES[stem](store, tenant), True, name)


@router.get("/extractions/{filename}")
def extraction_file(filename: str, store: Store, tenant: Tenant) -> StreamingResponse:
    """Download one extraction file of this tenant as UTF-8 text (``.txt``) or zipped (``.zip``)."""
    stem, _, suffix = filename.rpartition(".")
    if stem not in FILES or suffix not in ("txt", "zip"):
        raise unknown(filename, [f"{f}.txt" for f in FILES] + [f"{f}.zip" for f in FILES])
    return download(stem, FILES[stem](store, tenant), suffix == "zip", stem)
