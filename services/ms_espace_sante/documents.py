"""Helpers shared by the writes: strict base64 of a document, its size limit and SHA-1, reference rewriting.

A document's bytes travel as base64 (``Binary.data``, ITI-105's ``attachment.data``); they are decoded
strictly (no foreign characters skipped) and refused past ``MS_ESPACE_SANTE_MAX_DOCUMENT_BYTES`` (413).
References of a bundle are rewritten on one connection: ``urn:uuid:`` to the entry's new ``Type/id``,
``Patient?identifier=<INS>`` to the patient's DMP (422 when the patient has none here).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable

from sqlalchemy import Connection

from core.errors import SandboxError
from core.fhir.interactions import FhirContext
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.store import DmpStore


def decode_data(data: object, where: str, max_bytes: int) -> bytes:
    """The bytes of a base64 value; 400 MES-0008 if it is not base64, 413 MES-0007 past ``max_bytes``."""
    if not isinstance(data, str) or not data:
        raise SandboxError(400, MesCode.BAD_ATTACHMENT_DATA, "The document's bytes are missing: put them, base64 "
                           "encoded, in this element.", expression=[where])
    if (len(data) // 4) * 3 > max_bytes + 3:  # refused before decoding a huge value
        raise too_large(where, max_bytes)
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise SandboxError(400, MesCode.BAD_ATTACHMENT_DATA, "The document's bytes are not valid base64 "
                           "(RFC 4648, with padding, no line breaks).", expression=[where]) from None
    if len(raw) > max_bytes:
        raise too_large(where, max_bytes)
    return raw


def too_large(where: str, max_bytes: int) -> SandboxError:
    return SandboxError(413, MesCode.DOCUMENT_TOO_LARGE, f"The document is larger than {max_bytes} bytes, the "
                        "limit of this sandbox (MS_ESPACE_SANTE_MAX_DOCUMENT_BYTES): send a smaller one or raise "
                        "the limit.", issue="too-costly", expression=[where])


def sha1_base64(raw: bytes) -> str:
    """``attachment.hash``: the base64 SHA-1 of the bytes (digest §4.3)."""
    return base64.b64encode(hashlib.sha1(raw).digest()).decode()  # noqa: S324 - SHA-1 is what XDS hashes


def resolver(store: DmpStore, conn: Connection, ctx: FhirContext, mapping: dict[str, str]) -> Callable[[str, str], str]:
    """A function rewriting one reference value (``where`` names the element in errors)."""

    def target(ref: str, where: str) -> str:
        if ref in mapping:
            return mapping[ref]
        if ref.startswith("#"):
            return ref
        if ref.startswith(("urn:uuid:", "urn:oid:")):
            raise SandboxError(422, MesCode.BAD_SUBMISSION, f"Reference {ref[:80]!r} names no entry of this "
                               "bundle.", expression=[where])
        if "?" in ref and "://" not in ref:
            rtype, query = ref.split("?", 1)
            if rtype not in store.api.spec.by_type:
                raise SandboxError(422, MesCode.BAD_SUBMISSION, f"Conditional reference {ref[:80]!r}: only "
                                   "Patient?identifier=<system>|<INS> is resolved here.", expression=[where])
            found = store.api.find(conn, ctx, rtype, query)
            if len(found) != 1:
                if rtype == "Patient":
                    raise SandboxError(422, MesCode.UNKNOWN_PATIENT, f"{ref[:120]!r} names no patient with a DMP "
                                       "in this tenant: check the INS (system urn:oid:1.2.250.1.213.1.4.8, 15 "
                                       "characters) or qualify the identity with INSi first.",
                                       issue="not-found", expression=[where])
                raise SandboxError(422, MesCode.BAD_SUBMISSION, f"Conditional reference {ref[:80]!r} matches "
                                   f"{len(found) or 'no'} resources; it must match exactly one.", expression=[where])
            return f"{rtype}/{found[0].rid}"
        return ref

    return target


def rewrite_references(node: object, target: Callable[[str, str], str], where: str) -> None:
    """Rewrite every ``reference`` of ``node`` in place through ``target``."""
    if isinstance(node, list):
        for item in node:
            rewrite_references(item, target, where)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                node[key] = target(value, where)
            elif key != "contained":  # contained resources point to each other with #id
                rewrite_references(value, target, where)
