"""ITI-105 Simplified Publish (digest §4.2): one DocumentReference with its document inline.

``POST /fhir/DocumentReference`` with ``content.attachment.data`` (base64) and no ``attachment.url``,
``status`` current. The bytes become a Binary, the attachment gets its ITI-68 URL (and ``size`` and
``hash`` when the client left them out), the subject's ``Patient?identifier=<INS>`` is resolved to the
patient's DMP, and both are stored on one connection: a refusal stores nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult
from core.fhir.store import new_id
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.documents import decode_data, resolver, rewrite_references, sha1_base64
from services.ms_espace_sante.store import DmpStore
from services.ms_espace_sante.submission import attachments


def refuse(status: int, diagnostics: str, where: str) -> SandboxError:
    return SandboxError(status, MesCode.SIMPLIFIED_PUBLISH, diagnostics, expression=[where])


def check_publish(resource: object, *, max_document_bytes: int) -> list[bytes]:
    """The documents' bytes of an ITI-105 DocumentReference, in content order; refuse what ITI-105 forbids."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "DocumentReference":
        got = resource.get("resourceType") if isinstance(resource, dict) else type(resource).__name__
        raise SandboxError(400, MesCode.WRONG_RESOURCE_TYPE, f"POST /DocumentReference (ITI-105) takes a "
                           f"DocumentReference, not {str(got)[:64]!r}.", expression=["resourceType"])
    if resource.get("status") != "current":
        raise refuse(422, "An ITI-105 DocumentReference has status 'current'.", "DocumentReference.status")
    found = attachments(resource)
    if not found or len(found) != len(resource.get("content") or []):
        raise refuse(422, "An ITI-105 DocumentReference carries its document in content.attachment.data.",
                     "DocumentReference.content")
    documents = []
    for k, attachment in enumerate(found):
        where = f"DocumentReference.content[{k}].attachment"
        if "url" in attachment:
            raise refuse(422, "attachment.url is forbidden in ITI-105: send the document inline in "
                         "attachment.data (the server gives it its URL).", f"{where}.url")
        documents.append(decode_data(attachment.get("data"), f"{where}.data", max_document_bytes))
    return documents


def publish(store: DmpStore, conn: Connection, ctx: FhirContext, resource: dict, documents: list[bytes]) -> FhirResult:
    """Store the Binaries and the DocumentReference of a checked ITI-105 request on ``conn``."""
    rid = new_id()
    for attachment, raw in zip(attachments(resource), documents, strict=True):
        binary = {"resourceType": "Binary", "contentType": attachment.get("contentType") or "application/octet-stream",
                  "data": attachment.pop("data"), "securityContext": {"reference": f"DocumentReference/{rid}"}}
        stored = store.api.create(conn, ctx, "Binary", binary)
        attachment["url"] = store.binary_url(ctx, stored.stored.rid)
        attachment.setdefault("size", len(raw))
        attachment.setdefault("hash", sha1_base64(raw))
    rewrite_references(resource, resolver(store, conn, ctx, {}), "DocumentReference")
    result = store.api.create(conn, ctx, "DocumentReference", resource, rid=rid)
    result.headers["Location"] = f"{ctx.base}/DocumentReference/{rid}"
    return result
