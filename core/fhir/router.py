"""The FHIR REST routes of a service, generated from its :class:`FhirSpec` (thin: parse, call, respond).

Reads run inline (WAL readers never wait on writers); writes run in the thread pool, one database
transaction each.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import parse_qsl

from fastapi import APIRouter, FastAPI, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import Scope

from core import jsonbody
from core.db import Database
from core.errors import FHIR_JSON
from core.fhir.capability import capability_statement
from core.fhir.declare import FhirSpec
from core.fhir.fastread import FastReads
from core.fhir.interactions import FhirApi, FhirContext, FhirResult
from core.fhir.paging import MAX_CURSOR, PageLinks
from core.fhir.schema import fhir_tables
from core.fhir.transaction import BundleProcessor
from core.openapi import BUNDLE, JSON_PATCH, PARAMETERS, RESOURCE, body, outcomes, search_parameters
from core.settings import SandboxSettings, ServiceSettings
from core.tenancy import request_tenant

JSON_TYPES = {"application/fhir+json", "application/json"}
JSON_PATCH_TYPE = "application/json-patch+json"


def software_version() -> str:
    try:
        return version("esante-sandbox")
    except PackageNotFoundError:
        return "0.0.0+local"


def respond(result: FhirResult) -> Response:
    return Response(result.body, status_code=result.status, headers=result.headers,
                    media_type=FHIR_JSON if result.body else None)


async def read_json(request: Request, limits: SandboxSettings, *, allowed: set[str] = JSON_TYPES,
                    max_bytes: int | None = None) -> tuple[object, str]:
    """The JSON body and its media type, through the kernel's reader (415, 413, 400 FHIR-0001/FHIR-0021);
    ``max_bytes`` is a service's own limit (its settings), else the sandbox's."""
    return await jsonbody.read_json(request, max_bytes=max_bytes or limits.max_body_bytes,
                                    max_depth=limits.max_json_depth, allowed=allowed)


@dataclass
class FhirService:
    """The FHIR API of one service: its store (``api``), Bundle processor and routes."""

    spec: FhirSpec
    db: Database
    settings: ServiceSettings
    path: str = "/fhir"
    title: str = "FHIR server"
    guard: Callable[[Scope], None] | None = None  # raises SandboxError to refuse any request under ``path``

    def __post_init__(self) -> None:
        self.tables = fhir_tables(self.db.metadata, self.db.prefix)
        limits = self.settings.sandbox
        pages = None
        if self.spec.paging == "cursor":
            secret = limits.page_secret.get_secret_value().encode() if limits.page_secret else None
            pages = PageLinks(f"{self.spec.name}{self.path}", secret=secret, ttl=limits.page_ttl)
        self.api = FhirApi(self.spec, self.tables, pages=pages)
        self.bundles = BundleProcessor(self.api, self.db)

    def context(self, request: Request) -> FhirContext:
        tenant = request_tenant(request)
        prefer = {k.strip(): v.strip() for k, _, v in
                  (p.partition("=") for p in request.headers.get("prefer", "").split(";") if p.strip())}
        return FhirContext(
            tenant=tenant,
            base=self.settings.base_url(tenant) + self.path,
            prefer_return=prefer.get("return", "representation"),
            lenient=prefer.get("handling") == "lenient",
        )

    def capability(self, request: Request) -> Response:
        """The CapabilityStatement of the types and search parameters declared here (a service's ``/metadata``)."""
        body = capability_statement(self.spec, self.context(request).base, title=self.title,
                                    software_version=software_version())
        return Response(json.dumps(body), media_type=FHIR_JSON)

    def install(self, app: FastAPI) -> None:
        """Add the FHIR routes to ``app`` and the read hot path in front of its routing."""
        app.include_router(self.router())
        app.add_middleware(FastReads, service=self)

    def write(self, fn, *args, **kwargs) -> FhirResult:
        with self.db.write() as conn:
            return fn(conn, *args, **kwargs)

    def router(self) -> APIRouter:  # noqa: C901 - one short closure per FHIR interaction
        router = APIRouter(prefix=self.path, tags=["FHIR"], responses=outcomes(400, 401, 403, 404, 413, 415))
        api = self.api
        # What fuzzers and client generators need: the types served, the search parameters, the bodies.
        served = Path(description="A resource type served here.",
                      json_schema_extra={"enum": sorted(self.spec.by_type)})
        searched = {"parameters": search_parameters(self.spec)}
        search_form = body({"type": "object", "additionalProperties": {"type": "string"}},
                           ("application/x-www-form-urlencoded",), required=False)
        writes = outcomes(409, 410, 412, 422, 428)

        @router.get("/metadata")
        async def metadata(request: Request) -> Response:
            """CapabilityStatement generated from the resource types and search parameters declared here."""
            return self.capability(request)

        @router.get("", openapi_extra=searched)
        @router.get("/", include_in_schema=False)
        async def search_system(request: Request) -> Response:
            """Search several resource types at once (``_type=Practitioner,PractitionerRole``)."""
            ctx = self.context(request)
            with self.db.read() as conn:
                return respond(api.search_system(conn, ctx, request.query_params.multi_items()))

        @router.post("/_search", openapi_extra=search_form)
        async def search_system_post(request: Request) -> Response:
            """System search with parameters in an application/x-www-form-urlencoded body."""
            ctx = self.context(request)
            form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
            with self.db.read() as conn:
                return respond(api.search_system(conn, ctx, [*request.query_params.multi_items(), *form]))

        @router.post("", openapi_extra=body(BUNDLE), responses=writes)
        @router.post("/", include_in_schema=False)
        async def bundle(request: Request) -> Response:
            """Process a batch or transaction Bundle."""
            ctx = self.context(request)
            document, _ = await read_json(request, self.settings.sandbox)
            return respond(await run_in_threadpool(self.bundles.process, ctx, document))

        if self.spec.paging == "cursor":
            cursor = {"parameters": [{"name": "id", "in": "query", "required": True, "description": "The opaque "
                                      "cursor of a next or previous link.",
                                      "schema": {"type": "string", "maxLength": MAX_CURSOR}}]}

            @router.get("/_page", openapi_extra=cursor, responses=outcomes(410))
            async def page(request: Request) -> Response:
                """Another page of a search: the ``next``/``previous`` links point here (``_page?id=<cursor>``)."""
                ctx = self.context(request)
                self_url = f"{ctx.base}/_page?{request.url.query}"
                with self.db.read() as conn:
                    return respond(api.page(conn, ctx, request.query_params.multi_items(), self_url))

        @router.get("/{rtype}", openapi_extra=searched)
        async def search(request: Request, rtype: str = served) -> Response:
            """Search a resource type (searchset Bundle)."""
            ctx = self.context(request)
            with self.db.read() as conn:
                return respond(api.search(conn, ctx, rtype, request.query_params.multi_items()))

        @router.post("/{rtype}/_search", openapi_extra=search_form)
        async def search_post(request: Request, rtype: str = served) -> Response:
            """Search with parameters in an application/x-www-form-urlencoded body."""
            ctx = self.context(request)
            form = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
            with self.db.read() as conn:
                return respond(api.search(conn, ctx, rtype, [*request.query_params.multi_items(), *form]))

        @router.post("/{rtype}", openapi_extra=body(RESOURCE), responses=writes)
        async def create(request: Request, rtype: str = served) -> Response:
            """Create a resource (conditional with If-None-Exist)."""
            ctx = self.context(request)
            api.resource_spec(rtype, "create")  # a read-only type answers 405 whatever the body
            resource, _ = await read_json(request, self.settings.sandbox)
            return respond(await run_in_threadpool(self.write, api.create, ctx, rtype, resource,
                                                   if_none_exist=request.headers.get("if-none-exist")))

        @router.get("/{rtype}/{rid}")
        async def read(rid: str, request: Request, rtype: str = served) -> Response:
            """Read the current version of a resource."""
            ctx = self.context(request)
            with self.db.read() as conn:
                return respond(api.read(conn, ctx, rtype, rid))

        @router.put("/{rtype}/{rid}", openapi_extra=body(RESOURCE), responses=writes)
        async def update(rid: str, request: Request, rtype: str = served) -> Response:
            """Update (or create with a client id) a resource; honours If-Match."""
            ctx = self.context(request)
            api.resource_spec(rtype, "update")
            resource, _ = await read_json(request, self.settings.sandbox)
            return respond(await run_in_threadpool(self.write, api.update, ctx, rtype, rid, resource,
                                                   if_match=request.headers.get("if-match")))

        @router.patch("/{rtype}/{rid}", responses=writes, openapi_extra={"requestBody": {"required": True, "content": {
            **{m: {"schema": PARAMETERS} for m in JSON_TYPES}, JSON_PATCH_TYPE: {"schema": JSON_PATCH}}}})
        async def patch(rid: str, request: Request, rtype: str = served) -> Response:
            """Patch a resource with JSON Patch or FHIRPath Patch (a Parameters resource)."""
            ctx = self.context(request)
            api.resource_spec(rtype, "patch")
            document, media = await read_json(request, self.settings.sandbox, allowed={*JSON_TYPES, JSON_PATCH_TYPE})
            return respond(await run_in_threadpool(self.write, api.patch, ctx, rtype, rid, document,
                                                   json_patch=media == JSON_PATCH_TYPE,
                                                   if_match=request.headers.get("if-match")))

        @router.delete("/{rtype}/{rid}", responses=writes)
        async def delete(rid: str, request: Request, rtype: str = served) -> Response:
            """Delete a resource (a later read answers 410 Gone)."""
            ctx = self.context(request)
            return respond(await run_in_threadpool(self.write, api.delete, ctx, rtype, rid,
                                                   if_match=request.headers.get("if-match")))

        @router.get("/{rtype}/{rid}/_history")
        async def history(rid: str, request: Request, rtype: str = served) -> Response:
            """Every version of a resource, newest first."""
            ctx = self.context(request)
            with self.db.read() as conn:
                return respond(api.history(conn, ctx, rtype, rid, request.query_params.multi_items()))

        @router.get("/{rtype}/{rid}/_history/{vid}")
        async def vread(rid: str, vid: str, request: Request, rtype: str = served) -> Response:
            """Read one version of a resource."""
            ctx = self.context(request)
            with self.db.read() as conn:
                return respond(api.vread(conn, ctx, rtype, rid, vid))

        return router
