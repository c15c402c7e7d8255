"""ITI-65 Provide Document Bundle (digest §4.2): one submission stored atomically, or nothing.

:func:`provide` runs on one write connection (``DmpStore.db.write``): any refusal raises and rolls the
whole submission back. It assigns every POSTed resource a server id, rewrites the bundle's references
(``urn:uuid:`` entries, ``Patient?identifier=<INS>``), points each ``attachment.url`` at the stored
Binary's absolute ITI-68 URL, ties each Binary to its DocumentReference (``Binary.securityContext``,
so a retrieval knows which document's access rules apply) and stores through the kernel's store.

Replacement: a DocumentReference with ``relatesTo.code = replaces`` supersedes its target, which must be
``current``; the bundle's PATCH entry for it (FHIRPath Patch or a Binary JSON Patch) may only set
``status`` to ``superseded`` (without one, the server supersedes the target all the same, as XDS does).
The old version is overwritten with a compare-and-set on its version, so of two concurrent replacements
of one document exactly one commits; the other gets 409 MES-0010 and stores nothing (SQLite serialises
writers, PostgreSQL re-checks the version after the winner's row lock is released).
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection

from core import jsonbody
from core.codes import Code
from core.errors import SandboxError
from core.fhir.interactions import FhirContext, FhirResult
from core.fhir.patch import apply_fhirpath_patch, apply_json_patch
from core.fhir.store import new_id
from core.fhir.transaction import entry_response
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.documents import resolver, rewrite_references
from services.ms_espace_sante.store import DmpStore
from services.ms_espace_sante.submission import Submission, attachments

SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Replaced:
    """A stored DocumentReference a submission supersedes, and the entry that replaces it."""

    rid: str
    version: int
    body: dict
    by: int  # index of the replacing DocumentReference entry


def replaced_id(store: DmpStore, ctx: FhirContext, ref: object) -> str | None:
    """The id of ``DocumentReference/<id>`` (relative or under this base), else None."""
    if not isinstance(ref, str):
        return None
    for prefix in (f"{ctx.base}/DocumentReference/", "DocumentReference/"):
        if ref.startswith(prefix):
            rest = ref[len(prefix):].split("/_history/")[0]
            return rest if rest and "/" not in rest else None
    return None


def _replacements(store: DmpStore, conn: Connection, ctx: FhirContext, sub: Submission) -> dict[str, Replaced]:
    found: dict[str, Replaced] = {}
    for i in sub.documents:
        relates = sub.resource(i).get("relatesTo")
        for k, relation in enumerate(relates if isinstance(relates, list) else []):
            if not isinstance(relation, dict) or relation.get("code") != "replaces":
                continue
            where = f"Bundle.entry[{i}].resource.relatesTo[{k}].target"
            ref = (relation.get("target") or {}).get("reference") if isinstance(relation.get("target"), dict) else None
            rid = replaced_id(store, ctx, ref)
            current = store.api.store.current(conn, tenant=ctx.tenant, rtype="DocumentReference", rid=rid) \
                if rid else None
            if current is None or current[1]:
                raise SandboxError(422, MesCode.REPLACED_NOT_FOUND, f"relatesTo replaces {str(ref)[:80]!r}, which "
                                   "is no stored DocumentReference: search the document first (ITI-67) and "
                                   "point to DocumentReference/<its id>.", issue="not-found", expression=[where])
            stored = current[0]
            body = json.loads(stored.body)
            if rid in found:
                raise SandboxError(422, MesCode.BAD_REPLACEMENT_PATCH, f"Two DocumentReferences of this bundle "
                                   f"replace DocumentReference/{rid}: a document is replaced by one other.",
                                   expression=[where])
            if body.get("status") != "current":
                raise already_superseded(rid, where)
            found[rid] = Replaced(rid, stored.version, body, i)
    return found


def already_superseded(rid: str, where: str) -> SandboxError:
    return SandboxError(409, MesCode.ALREADY_SUPERSEDED, f"DocumentReference/{rid} is no longer current (another "
                        "submission replaced it first): search its current version and replace that one.",
                        issue="conflict", expression=[where])


def _patched(entry: dict, original: dict, where: str) -> dict:
    """The replaced document after the bundle's PATCH entry, through the kernel's patch engines."""
    resource = entry["resource"]
    if resource["resourceType"] == "Binary":
        try:
            document = jsonbody.loads(base64.b64decode(resource.get("data", ""), validate=True))
        except (ValueError, TypeError):
            raise SandboxError(400, MesCode.BAD_REPLACEMENT_PATCH, "The Binary of a PATCH entry must hold a "
                               "base64 JSON Patch.", expression=[f"{where}.resource.data"]) from None
        return apply_json_patch(copy.deepcopy(original), document)
    return apply_fhirpath_patch(copy.deepcopy(original), resource)


def _check_patches(store: DmpStore, ctx: FhirContext, sub: Submission, replaced: dict[str, Replaced]) -> dict[int, str]:
    """Each PATCH entry's replaced id; a PATCH of anything else than status -> superseded is refused."""
    targets: dict[int, str] = {}
    for i in sub.patches:
        where = f"Bundle.entry[{i}]"
        rid = sub.entries[i]["request"]["url"].strip("/").split("/")[1]
        if rid not in replaced:
            raise SandboxError(422, MesCode.BAD_REPLACEMENT_PATCH, f"{where} patches DocumentReference/{rid[:64]}, "
                               "which no DocumentReference of this bundle replaces (relatesTo code replaces).",
                               expression=[f"{where}.request.url"])
        original = replaced[rid].body
        patched = _patched(sub.entries[i], original, where)
        if not isinstance(patched, dict) or patched.get("status") != SUPERSEDED or \
                {**patched, "status": None} != {**original, "status": None}:
            raise SandboxError(422, MesCode.BAD_REPLACEMENT_PATCH, f"{where} must only set the replaced "
                               "document's status to superseded (FHIRPath Patch: replace DocumentReference.status "
                               "with valueCode superseded).", expression=[f"{where}.resource"])
        targets[i] = rid
    return targets


def _supersede(store: DmpStore, conn: Connection, ctx: FhirContext, old: Replaced) -> FhirResult:
    body = {**old.body, "status": SUPERSEDED}
    try:
        stored = store.api.store.replace(conn, tenant=ctx.tenant, resource=body, rid=old.rid,
                                         current_version=old.version, method="PATCH", base_urls=ctx.base_urls)
    except SandboxError as exc:
        if exc.code == Code.WRITE_CONFLICT:
            raise already_superseded(old.rid, f"Bundle.entry[{old.by}].resource.relatesTo") from None
        raise
    return FhirResult(200, None, {"Location": f"{ctx.base}/DocumentReference/{old.rid}/_history/{stored.version}"},
                      stored)


def provide(store: DmpStore, conn: Connection, ctx: FhirContext, sub: Submission, *,
            may_replace: Callable[[Replaced], None] | None = None) -> list[FhirResult]:
    """Store a checked submission on ``conn``; the results in entry order (PATCH entries included).

    ``may_replace`` sees each document the submission would supersede before anything is written, and
    raises to refuse (the access rules: a professional replaces only a document they may see).
    """
    replaced = _replacements(store, conn, ctx, sub)
    for old in replaced.values():
        if may_replace is not None:
            may_replace(old)
    patch_targets = _check_patches(store, ctx, sub, replaced)
    results: dict[int, FhirResult] = {}
    by_rid = {old.rid: _supersede(store, conn, ctx, old) for old in replaced.values()}  # row locks first
    for i, rid in patch_targets.items():
        results[i] = by_rid[rid]
    ids = {i: new_id() for i, e in enumerate(sub.entries) if e["request"]["method"] == "POST"}
    mapping = {sub.entries[i]["fullUrl"]: f"{sub.resource(i)['resourceType']}/{rid}" for i, rid in ids.items()}
    owner: dict[str, str] = {}  # Binary fullUrl -> the DocumentReference id it belongs to
    for i in sub.documents:
        for attachment in attachments(sub.resource(i)):
            owner.setdefault(attachment["url"], ids[i])
            attachment["url"] = store.binary_url(ctx, mapping[attachment["url"]].split("/", 1)[1])
    target = resolver(store, conn, ctx, mapping)
    for full_url, i in sub.binaries.items():
        sub.resource(i)["securityContext"] = {"reference": f"DocumentReference/{owner[full_url]}"}
    for i in [*sub.binaries.values(), *sub.documents, sub.submission_set, *sub.folders]:
        resource = sub.resource(i)
        rewrite_references(resource, target, f"Bundle.entry[{i}].resource")
        try:
            results[i] = store.api.create(conn, ctx, resource["resourceType"], resource, rid=ids[i])
        except SandboxError as exc:
            raise SandboxError(exc.status, exc.code, f"Entry {i} ({resource['resourceType']}): {exc.diagnostics} "
                               "Nothing was stored.", issue=exc.issue,
                               expression=[f"Bundle.entry[{i}].resource.{e.split('.', 1)[-1]}" for e in exc.expression]
                               or [f"Bundle.entry[{i}]"], cause=exc.cause) from None
    return [results[i] for i in range(len(sub.entries))]


def response_bundle(results: list[FhirResult]) -> dict:
    """The ``transaction-response``: one entry per request entry, in order (201 + location, 200 for PATCH)."""
    entries = [{"response": entry_response(result)} for result in results]
    return {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "transaction-response", "entry": entries}
