"""ITI-68 Retrieve Document (digest §4.2): the bytes at ``content.attachment.url``, honouring ``Accept``.

``GET /fhir/Binary/{id}`` answers the exact bytes with the document's MIME type, or the ``Binary``
resource when ``Accept`` asks for ``application/fhir+json``; 406 when ``Accept`` allows neither; 404 for
an unknown id; 410 when the document it belongs to was deleted (``entered-in-error``). Each Binary
names its DocumentReference in ``securityContext`` (transactions.py, publish.py): the access decision
of the caller is taken on that document.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from core.fhir.store import check_id
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.store import DmpStore

FHIR_TYPES = ("application/fhir+json", "application/json")
GONE_STATUSES = ("entered-in-error",)


@dataclass(frozen=True)
class Retrieved:
    """A stored document: the Binary and the DocumentReference it belongs to."""

    binary: dict
    document: dict

    @property
    def content_type(self) -> str:
        return str(self.binary.get("contentType") or "application/octet-stream")

    @property
    def raw(self) -> bytes:
        return base64.b64decode(self.binary.get("data") or "")


def media_ranges(accept: str | None) -> list[str]:
    """The media ranges ``Accept`` allows (``q=0`` ones left out), lowercased; ``*/*`` when absent."""
    if not accept or not accept.strip():
        return ["*/*"]
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = next((p.split("=", 1)[1] for p in params if p.lower().startswith("q=")), "1")
        if media and quality.strip() not in ("0", "0.0", "0.00", "0.000"):
            ranges.append(media.lower())
    return ranges


def matches(media_range: str, content_type: str) -> bool:
    kind, _, sub = content_type.lower().partition(";")[0].strip().partition("/")
    want_kind, _, want_sub = media_range.partition("/")
    return media_range == "*/*" or (want_kind == kind and want_sub in ("*", sub))


def representation(accept: str | None, content_type: str) -> str:
    """``raw`` or ``fhir``: what to answer for this ``Accept``; 406 MES-0013 when neither is acceptable."""
    ranges = media_ranges(accept)
    for media in ranges:  # an explicit FHIR type wins; the document's own type (or */*) comes next
        if media in FHIR_TYPES:
            return "fhir"
    if any(matches(media, content_type) for media in ranges):
        return "raw"
    raise SandboxError(406, MesCode.NOT_ACCEPTABLE, f"Accept {accept[:120]!r} allows neither the document's type "
                       f"{content_type!r} nor application/fhir+json: ask for one of them (or */*).",
                       issue="not-supported", expression=["Accept"])


def fetch(store: DmpStore, conn: Connection, ctx: FhirContext, rid: str) -> Retrieved:
    """The Binary ``rid`` and its DocumentReference; 404 unknown, 410 deleted (kernel codes or MES-0014)."""
    result = store.api.read(conn, ctx, "Binary", check_id(rid))
    binary = json.loads(result.body)
    ref = (binary.get("securityContext") or {}).get("reference", "")
    found = store.api.store.current(conn, tenant=ctx.tenant, rtype="DocumentReference", rid=ref.split("/", 1)[1]) \
        if ref.startswith("DocumentReference/") else None
    document = json.loads(found[0].body) if found is not None and not found[1] else None
    if document is None or document.get("status") in GONE_STATUSES:  # every Binary written here has one
        raise SandboxError(410, MesCode.DOCUMENT_GONE, f"Binary/{rid} belongs to no available document (deleted "
                           "or never filed): it is no longer available.", issue="deleted")
    return Retrieved(binary, document)
