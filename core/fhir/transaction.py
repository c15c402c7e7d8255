"""``batch`` and ``transaction`` Bundles (R4 §3.1.0.11): each entry runs as the same request alone would.

A transaction is atomic (one database transaction; any failing entry rolls back every entry),
resolves ``urn:uuid:`` and conditional (``Patient?identifier=...``) references, processes entries in
the order the spec prescribes (DELETE, POST, PUT/PATCH, GET) and answers in entry order.
"""

from __future__ import annotations

import base64
import json
import uuid
from http import HTTPStatus
from urllib.parse import parse_qsl

from sqlalchemy import Connection

from core import jsonbody
from core.codes import Code
from core.db import Database
from core.errors import SandboxError
from core.fhir.interactions import FhirApi, FhirContext, FhirResult
from core.fhir.store import new_id

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3}


def bad_bundle(diagnostics: str, where: str) -> SandboxError:
    return SandboxError(400, Code.BAD_BUNDLE, diagnostics, expression=[where])


class BundleProcessor:
    def __init__(self, api: FhirApi, db: Database) -> None:
        self.api = api
        self.db = db

    def process(self, ctx: FhirContext, bundle: object) -> FhirResult:
        entries, kind = self._check(bundle)
        if kind == "transaction":
            with self.db.write() as conn:
                results = self._transaction(conn, ctx, entries)
        else:
            results = [self._batch_entry(ctx, i, entry) for i, entry in enumerate(entries)]
        return FhirResult(200, json.dumps({
            "resourceType": "Bundle", "id": str(uuid.uuid4()), "type": f"{kind}-response",
            "entry": [self._response_entry(r) for r in results]}, ensure_ascii=False))

    # shape ---------------------------------------------------------------------------------------
    def _check(self, bundle: object) -> tuple[list[dict], str]:
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise SandboxError(400, Code.TYPE_MISMATCH, "POST to the FHIR base takes a Bundle of type batch or "
                               "transaction.", expression=["resourceType"])
        kind = bundle.get("type")
        if kind not in ("batch", "transaction"):
            raise bad_bundle(f"Bundle.type must be 'batch' or 'transaction', not {kind!r}.", "Bundle.type")
        if kind == "transaction" and not self.api.spec.transactions:
            raise SandboxError(405, Code.METHOD_NOT_ALLOWED, "Transactions are not supported here.",
                               issue="not-supported")
        entries = bundle.get("entry", [])
        if not isinstance(entries, list):
            raise bad_bundle("Bundle.entry must be a list.", "Bundle.entry")
        for i, entry in enumerate(entries):
            where = f"Bundle.entry[{i}]"
            request = entry.get("request") if isinstance(entry, dict) else None
            if not isinstance(request, dict):
                raise bad_bundle(f"{where} has no request.", f"{where}.request")
            if request.get("method") not in METHODS:
                raise bad_bundle(f"{where}.request.method must be one of {', '.join(METHODS)}.",
                                 f"{where}.request.method")
            if not isinstance(request.get("url"), str) or not request["url"]:
                raise bad_bundle(f"{where}.request.url is missing.", f"{where}.request.url")
            if request["method"] in ("POST", "PUT", "PATCH") and not isinstance(entry.get("resource"), dict):
                raise bad_bundle(f"{where} ({request['method']}) needs a resource.", f"{where}.resource")
        return entries, kind

    # transaction ---------------------------------------------------------------------------------
    def _transaction(self, conn: Connection, ctx: FhirContext, entries: list[dict]) -> list[FhirResult]:
        ids, mapping = self._assign_ids(entries)
        results: dict[int, FhirResult] = {}
        for i in sorted(range(len(entries)), key=lambda k: ORDER[entries[k]["request"]["method"]]):
            entry = entries[i]
            try:
                if "resource" in entry:
                    self._resolve(conn, ctx, entry["resource"], mapping, f"Bundle.entry[{i}].resource")
                results[i] = self._dispatch(conn, ctx, entry, ids.get(i))
            except SandboxError as exc:
                method, url = entry["request"]["method"], entry["request"]["url"]
                raise SandboxError(exc.status, Code.TRANSACTION_FAILED,
                                   f"Entry {i} ({method} {url}) failed, nothing was written: {exc.diagnostics}",
                                   issue=exc.issue, expression=[f"Bundle.entry[{i}]"], cause=exc) from None
        return [results[i] for i in range(len(entries))]

    def _assign_ids(self, entries: list[dict]) -> tuple[dict[int, str], dict[str, str]]:
        ids: dict[int, str] = {}
        mapping: dict[str, str] = {}
        for i, entry in enumerate(entries):
            full_url, method = entry.get("fullUrl"), entry["request"]["method"]
            rtype = entry.get("resource", {}).get("resourceType") if isinstance(entry.get("resource"), dict) else None
            if method == "POST" and rtype:
                ids[i] = new_id()
                target = f"{rtype}/{ids[i]}"
            elif method == "PUT" and rtype:
                target = entry["request"]["url"].split("?", 1)[0].strip("/")
            else:
                continue
            if isinstance(full_url, str) and full_url:
                if full_url in mapping:
                    raise bad_bundle(f"fullUrl {full_url!r} appears twice.", f"Bundle.entry[{i}].fullUrl")
                mapping[full_url] = target
        return ids, mapping

    def _resolve(self, conn: Connection, ctx: FhirContext, node: object, mapping: dict[str, str], where: str) -> None:
        """Rewrite ``reference`` values that name other entries (urn:uuid) or a search (Type?query)."""
        if isinstance(node, list):
            for item in node:
                self._resolve(conn, ctx, item, mapping, where)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                node[key] = self._target(conn, ctx, value, mapping, where)
            else:
                self._resolve(conn, ctx, value, mapping, where)

    def _target(self, conn: Connection, ctx: FhirContext, ref: str, mapping: dict[str, str], where: str) -> str:
        if ref in mapping:
            return mapping[ref]
        if ref.startswith("urn:uuid:") or ref.startswith("urn:oid:"):
            raise SandboxError(400, Code.BAD_REFERENCE, f"Reference {ref!r} names no entry of this transaction.",
                               expression=[where])
        if "?" in ref and "://" not in ref:
            rtype, query = ref.split("?", 1)
            found = self.api.find(conn, ctx, rtype, query)
            if len(found) != 1:
                raise SandboxError(412 if found else 404, Code.BAD_REFERENCE,
                                   f"Conditional reference {ref!r} matches {len(found) or 'no'} resources; "
                                   "it must match exactly one.", expression=[where])
            return f"{rtype}/{found[0].rid}"
        return ref

    # batch ---------------------------------------------------------------------------------------
    def _batch_entry(self, ctx: FhirContext, i: int, entry: dict) -> FhirResult:
        try:
            with self.db.write() as conn:
                return self._dispatch(conn, ctx, entry, None)
        except SandboxError as exc:
            return FhirResult(exc.status, json.dumps(exc.outcome(), ensure_ascii=False), {})

    # one entry -----------------------------------------------------------------------------------
    def _dispatch(self, conn: Connection, ctx: FhirContext, entry: dict, rid: str | None) -> FhirResult:
        request = entry["request"]
        method, url = request["method"], request["url"]
        if url.startswith(ctx.base + "/"):
            url = url[len(ctx.base) + 1:]
        path, _, query = url.partition("?")
        parts = [p for p in path.split("/") if p]
        params = parse_qsl(query, keep_blank_values=True)
        api, resource = self.api, entry.get("resource")
        shape = (method, len(parts))
        if shape == ("GET", 1):
            return api.search(conn, ctx, parts[0], params)
        if shape == ("GET", 2):
            return api.read(conn, ctx, parts[0], parts[1])
        if shape == ("GET", 3) and parts[2] == "_history":
            return api.history(conn, ctx, parts[0], parts[1], params)
        if shape == ("GET", 4) and parts[2] == "_history":
            return api.vread(conn, ctx, parts[0], parts[1], parts[3])
        if shape == ("POST", 1):
            return api.create(conn, ctx, parts[0], resource, if_none_exist=request.get("ifNoneExist"), rid=rid)
        if shape == ("PUT", 2) and not query:
            return api.update(conn, ctx, parts[0], parts[1], resource, if_match=request.get("ifMatch"))
        if shape == ("PATCH", 2):
            document, json_patch = _patch_document(resource)
            return api.patch(conn, ctx, parts[0], parts[1], document, json_patch=json_patch,
                             if_match=request.get("ifMatch"))
        if shape == ("DELETE", 2) and not query:
            return api.delete(conn, ctx, parts[0], parts[1], if_match=request.get("ifMatch"))
        raise bad_bundle(f"{method} {request['url']!r} is not a supported entry request.", "Bundle.entry.request")

    @staticmethod
    def _response_entry(result: FhirResult) -> dict:
        response = entry_response(result)
        entry: dict = {"response": response}
        if result.body:
            body = json.loads(result.body)
            if body.get("resourceType") == "OperationOutcome" and result.status >= 400:
                response["outcome"] = body
            else:
                entry["resource"] = body
        return entry


def entry_response(result: FhirResult) -> dict:
    """The ``response`` of a transaction-response entry: status, location, etag and lastModified."""
    response = {"status": f"{result.status} {HTTPStatus(result.status).phrase}"}
    if "Location" in result.headers:
        response["location"] = result.headers["Location"]
    if result.stored is not None:
        response["etag"] = result.stored.etag
        response["lastModified"] = result.stored.last_updated
    return response


def _patch_document(resource: dict) -> tuple[object, bool]:
    """A PATCH entry carries a Parameters (FHIRPath Patch) or a Binary holding a JSON Patch."""
    if resource.get("resourceType") == "Binary":
        try:
            return jsonbody.loads(base64.b64decode(resource.get("data", ""))), True
        except (ValueError, TypeError) as exc:  # jsonbody.JsonError is a ValueError
            if getattr(exc, "code", None) == Code.JSON_TOO_DEEP:
                raise
            raise SandboxError(400, Code.BAD_PATCH, "The Binary of a PATCH entry must hold a base64 JSON Patch.",
                               expression=["Binary.data"]) from None
    return resource, False
