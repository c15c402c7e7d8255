"""FHIR RESTful interactions (R4 §3.1.0) in HTTP terms: status, body, headers.

The router and the batch/transaction processor both call these, so a Bundle entry behaves exactly
like the same request sent alone. Every method takes a connection opened by the caller; writes must
run inside ``Database.write`` so that an error rolls everything back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl

from sqlalchemy import Connection

from core.codes import Code
from core.digits import MAX_INT, ascii_digits, bounded_int
from core.errors import SandboxError
from core.fhir.bundles import history, searchset
from core.fhir.declare import FhirSpec, ResourceSpec
from core.fhir.models import validate_resource
from core.fhir.paging import PageCursor, PageLinks, refused
from core.fhir.patch import apply_fhirpath_patch, apply_json_patch
from core.fhir.schema import FhirTables
from core.fhir.search import SearchEngine
from core.fhir.sql import Sql
from core.fhir.store import FhirStore, Stored, check_id

ETAG_RE = re.compile(r'(?:W/)?"([0-9]{1,18})"')


@dataclass(frozen=True)
class FhirContext:
    tenant: str
    base: str  # absolute FHIR base of this tenant, e.g. http://127.0.0.1:8080/t/a/svc/fhir
    prefer_return: str = "representation"
    lenient: bool = False

    @property
    def base_urls(self) -> tuple[str, ...]:
        return (self.base,)


@dataclass
class FhirResult:
    status: int
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    stored: Stored | None = None


def http_date(instant: str) -> str:
    return format_datetime(datetime.fromisoformat(instant.replace("Z", "+00:00")), usegmt=True)


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    match = ETAG_RE.fullmatch(value.strip())
    if not match:
        raise SandboxError(400, Code.BAD_IF_MATCH, f'If-Match {value[:40]!r} is not an ETag such as W/"3".',
                           expression=["If-Match"])
    return int(match.group(1))


# the methods of the interactions at one URL level: /{type}/{id} and /{type} (vread, history: GET only)
INSTANCE_METHODS = {"read": "GET", "update": "PUT", "patch": "PATCH", "delete": "DELETE"}
TYPE_METHODS = {"search-type": "GET", "create": "POST"}


def allow(interactions: frozenset[str], interaction: str) -> str:
    """The ``Allow`` of a 405 for ``interaction``: the methods its URL serves for this type (may be empty)."""
    level = INSTANCE_METHODS if interaction in INSTANCE_METHODS else TYPE_METHODS if interaction in TYPE_METHODS \
        else {}
    return ", ".join(sorted(m for i, m in level.items() if i in interactions))


class FhirApi:
    def __init__(self, spec: FhirSpec, tables: FhirTables, *, pages: PageLinks | None = None) -> None:
        self.spec = spec
        self.store = FhirStore(spec, tables)
        self.search_engine = SearchEngine(spec, tables, self.store)
        self.pages = pages  # cursor paging (spec.paging == "cursor"): next links are {base}/_page?id=...

    # helpers -------------------------------------------------------------------------------------
    def resource_spec(self, rtype: str, interaction: str) -> ResourceSpec:
        spec = self.spec.by_type.get(rtype)
        if spec is None:
            raise SandboxError(404, Code.UNKNOWN_RESOURCE_TYPE, f"This server does not serve {rtype[:64]!r} "
                               f"resources; it serves {', '.join(self.spec.by_type)}.", issue="not-supported")
        if interaction not in spec.interactions:
            raise SandboxError(405, Code.METHOD_NOT_ALLOWED, f"The {interaction} interaction is not supported "
                               f"on {rtype}.", issue="not-supported",
                               headers={"Allow": allow(spec.interactions, interaction)})
        return spec

    def _written(self, ctx: FhirContext, stored: Stored, status: int) -> FhirResult:
        headers = {
            "Location": f"{ctx.base}/{stored.rtype}/{stored.rid}/_history/{stored.version}",
            "ETag": stored.etag,
            "Last-Modified": http_date(stored.last_updated),
        }
        body = stored.body
        if ctx.prefer_return == "minimal":
            body = None
        elif ctx.prefer_return == "OperationOutcome":
            body = json.dumps({"resourceType": "OperationOutcome", "issue": [
                {"severity": "information", "code": "informational",
                 "diagnostics": f"{stored.rtype}/{stored.rid} version {stored.version} stored."}]})
        return FhirResult(status, body, headers, stored)

    def _existing(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str) -> tuple[Stored, bool]:
        found = self.store.current(conn, tenant=ctx.tenant, rtype=rtype, rid=check_id(rid))
        if found is None:
            raise SandboxError(404, Code.RESOURCE_NOT_FOUND, f"{rtype}/{rid} does not exist.", issue="not-found")
        return found

    def _check_version(self, spec: ResourceSpec, current: Stored, if_match: str | None) -> None:
        expected = parse_if_match(if_match)
        if expected is None:
            if spec.require_if_match:
                raise SandboxError(428, Code.IF_MATCH_REQUIRED, f"Changing a {spec.type} requires an If-Match "
                                   f"header with its current ETag ({current.etag}).", expression=["If-Match"])
            return
        if expected != current.version:
            raise SandboxError(412, Code.VERSION_CONFLICT, f"If-Match names version {expected} but "
                               f"{current.rtype}/{current.rid} is at version {current.version}.",
                               issue="conflict", expression=["If-Match"])

    # reads ---------------------------------------------------------------------------------------
    def read(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str) -> FhirResult:
        self.resource_spec(rtype, "read")
        stored, deleted = self._existing(conn, ctx, rtype, rid)
        if deleted:
            raise SandboxError(410, Code.RESOURCE_GONE, f"{rtype}/{rid} was deleted (version {stored.version}).",
                               issue="deleted")
        return FhirResult(200, stored.body, {"ETag": stored.etag, "Last-Modified": http_date(stored.last_updated)},
                          stored)

    def vread(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str, vid: str) -> FhirResult:
        self.resource_spec(rtype, "vread")
        self._existing(conn, ctx, rtype, rid)
        stored = self.store.version(conn, tenant=ctx.tenant, rtype=rtype, rid=rid,
                                    version=int(vid)) if ascii_digits(vid) and int(vid) <= MAX_INT else None
        if stored is None:
            raise SandboxError(404, Code.VERSION_NOT_FOUND, f"{rtype}/{rid} has no version {vid[:20]!r}.",
                               issue="not-found")
        if stored.body is None:
            raise SandboxError(410, Code.RESOURCE_GONE, f"Version {vid} of {rtype}/{rid} is a deletion.",
                               issue="deleted")
        return FhirResult(200, stored.body, {"ETag": stored.etag, "Last-Modified": http_date(stored.last_updated)},
                          stored)

    def history(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str,
                params: list[tuple[str, str]]) -> FhirResult:
        self.resource_spec(rtype, "history-instance")
        self._existing(conn, ctx, rtype, rid)
        query = dict(params)
        try:
            count = bounded_int(query.get("_count", str(self.spec.default_count)))
        except ValueError as exc:
            raise SandboxError(400, Code.BAD_SEARCH_VALUE, f"_count {exc}.", expression=["_count"]) from None
        total, versions = self.store.history(conn, tenant=ctx.tenant, rtype=rtype, rid=rid,
                                             limit=min(count, self.spec.max_count))
        return FhirResult(200, history(ctx.base, rtype, rid, total, versions))

    def _page_url(self, ctx: FhirContext, req):
        if self.pages is None:
            return None
        query = req.link_query()
        return lambda offset: self.pages.url(ctx.base, PageCursor(req.rtype, query, offset), tenant=ctx.tenant)

    def search(self, conn: Connection, ctx: FhirContext, rtype: str, params: list[tuple[str, str]], *,
               self_url: str | None = None, extra: Sequence[Sql] = ()) -> FhirResult:
        """A searchset; ``extra`` SQL clauses (SearchEngine.criterion) narrow it, ``total`` and links included."""
        self.resource_spec(rtype, "search-type")
        req = self.search_engine.parse(rtype, params, lenient=ctx.lenient)
        result = self.search_engine.run(conn, tenant=ctx.tenant, req=req, base_urls=ctx.base_urls, extra=extra)
        return FhirResult(200, searchset(ctx.base, req, result, page_url=self._page_url(ctx, req), self_url=self_url))

    def page(self, conn: Connection, ctx: FhirContext, params: list[tuple[str, str]], self_url: str) -> FhirResult:
        """The page a ``{base}/_page?id=<cursor>`` link names: its search, run again from its position."""
        if self.pages is None:
            raise SandboxError(404, Code.NOT_FOUND, "This server pages with _offset; it has no _page links.",
                               issue="not-found")
        ids = [v for k, v in params if k == "id"]
        if len(ids) != 1 or not ids[0]:
            raise refused("_page takes exactly one id: the one in the next or previous link of a search.")
        cursor = self.pages.decode(ids[0], tenant=ctx.tenant)
        query = [*cursor.query, ("_offset", str(cursor.offset))]
        if cursor.rtype:
            return self.search(conn, ctx, cursor.rtype, query, self_url=self_url)
        return self.search_system(conn, ctx, query, self_url=self_url)

    def search_system(self, conn: Connection, ctx: FhirContext, params: list[tuple[str, str]], *,
                      self_url: str | None = None) -> FhirResult:
        """Search several types at once (``_type=A,B``; every searchable type without it)."""
        names = [t.strip() for value in (v for k, v in params if k == "_type") for t in value.split(",") if t.strip()]
        searchable = [t for t, spec in self.spec.by_type.items() if "search-type" in spec.interactions]
        for name in names:
            if name not in searchable:
                raise SandboxError(400, Code.UNKNOWN_RESOURCE_TYPE, f"_type names {name[:64]!r}, which is not "
                                   f"searchable here; use {', '.join(searchable)}.", issue="not-supported",
                                   expression=["_type"])
        rest = [(k, v) for k, v in params if k != "_type"]
        requests = [self.search_engine.parse(t, rest, lenient=ctx.lenient) for t in dict.fromkeys(names or searchable)]
        first = requests[0]
        echo = [("_type", ",".join(dict.fromkeys(names))), *first.echo] if names else first.echo
        page = replace(first, rtype="", criteria=list(first.criteria), echo=echo)  # before run_system pages it
        result = self.search_engine.run_system(conn, tenant=ctx.tenant, requests=requests, base_urls=ctx.base_urls)
        return FhirResult(200, searchset(ctx.base, page, result, page_url=self._page_url(ctx, page),
                                         self_url=self_url))

    def find(self, conn: Connection, ctx: FhirContext, rtype: str, query: str) -> list[Stored]:
        """Resources matching a search query string (conditional create, conditional references)."""
        params = parse_qsl(query, keep_blank_values=True)
        req = self.search_engine.parse(rtype, params)
        req.count, req.offset = 2, 0
        return self.search_engine.run(conn, tenant=ctx.tenant, req=req, base_urls=ctx.base_urls).matches

    # writes --------------------------------------------------------------------------------------
    def create(self, conn: Connection, ctx: FhirContext, rtype: str, resource: dict, *,
               if_none_exist: str | None = None, rid: str | None = None) -> FhirResult:
        self.resource_spec(rtype, "create")
        validate_resource(resource, rtype)
        if if_none_exist:
            found = self.find(conn, ctx, rtype, if_none_exist.split("?", 1)[-1])
            if len(found) > 1:
                raise SandboxError(412, Code.MULTIPLE_MATCHES, f"If-None-Exist {if_none_exist!r} matches several "
                                   f"{rtype} resources.", issue="multiple-matches", expression=["If-None-Exist"])
            if found:
                result = self._written(ctx, found[0], 200)
                result.headers.pop("Location", None)
                return result
        resource.pop("id", None)
        stored = self.store.create(conn, tenant=ctx.tenant, resource=resource, rid=rid, base_urls=ctx.base_urls)
        return self._written(ctx, stored, 201)

    def update(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str, resource: dict, *,
               if_match: str | None = None) -> FhirResult:
        spec = self.resource_spec(rtype, "update")
        check_id(rid)
        validate_resource(resource, rtype)
        if resource.get("id") != rid:
            raise SandboxError(400, Code.ID_MISMATCH, f"The body's id {resource.get('id')!r} must equal the id in "
                               f"the URL ({rid!r}).", expression=[f"{rtype}.id"])
        found = self.store.current(conn, tenant=ctx.tenant, rtype=rtype, rid=rid)
        if found is None:
            if parse_if_match(if_match) is not None:
                raise SandboxError(412, Code.VERSION_CONFLICT, f"If-Match given but {rtype}/{rid} does not exist.",
                                   issue="conflict", expression=["If-Match"])
            stored = self.store.create(conn, tenant=ctx.tenant, resource=resource, rid=rid, base_urls=ctx.base_urls)
            return self._written(ctx, stored, 201)
        current, _deleted = found
        self._check_version(spec, current, if_match)
        stored = self.store.replace(conn, tenant=ctx.tenant, resource=resource, rid=rid,
                                    current_version=current.version, base_urls=ctx.base_urls)
        return self._written(ctx, stored, 200)

    def patch(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str, document: object, *,
              json_patch: bool, if_match: str | None = None) -> FhirResult:
        spec = self.resource_spec(rtype, "patch")
        current, deleted = self._existing(conn, ctx, rtype, rid)
        if deleted:
            raise SandboxError(410, Code.RESOURCE_GONE, f"{rtype}/{rid} was deleted.", issue="deleted")
        self._check_version(spec, current, if_match)
        original = json.loads(current.body)
        patched = apply_json_patch(original, document) if json_patch else apply_fhirpath_patch(original, document)
        if not isinstance(patched, dict) or patched.get("resourceType") != rtype or patched.get("id") != rid:
            raise SandboxError(422, Code.BAD_PATCH, "A patch may not change resourceType or id.",
                               issue="processing")
        validate_resource(patched, rtype)
        stored = self.store.replace(conn, tenant=ctx.tenant, resource=patched, rid=rid,
                                    current_version=current.version, method="PATCH", base_urls=ctx.base_urls)
        return self._written(ctx, stored, 200)

    def delete(self, conn: Connection, ctx: FhirContext, rtype: str, rid: str, *,
               if_match: str | None = None) -> FhirResult:
        spec = self.resource_spec(rtype, "delete")
        current, deleted = self._existing(conn, ctx, rtype, rid)
        if deleted:
            return FhirResult(204)
        self._check_version(spec, current, if_match)
        stored = self.store.delete(conn, tenant=ctx.tenant, rtype=rtype, rid=rid, current_version=current.version)
        return FhirResult(204, None, {"ETag": stored.etag}, stored)
