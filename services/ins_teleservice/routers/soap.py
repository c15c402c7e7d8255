"""The INSi SOAP 1.2 endpoint ``/lps`` and its contract (digest §1.2-1.3, §1.7 items 1-4)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from core.codes import Code
from core.errors import SandboxError
from core.jsonbody import TooLarge, read_limited
from services.ins_teleservice import contract, insi
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.deps import Db, Settings, Tenant
from services.ins_teleservice.envelope import Envelope
from services.ins_teleservice.faults import sender
from services.ins_teleservice.resultat import resultat
from services.ins_teleservice.software import Approvals

SOAP_XML = "application/soap+xml; charset=utf-8"
router = APIRouter(tags=["INSi (SOAP 1.2)"])


SOAP_BODY = {"required": True, "content": {"application/soap+xml": {"schema": {"type": "string", "format": "xml"}}}}
SOAP_ANSWERS = {200: {"content": {"application/soap+xml": {}}, "description": "RESULTAT (CR 00, 01 or 02)"},
                500: {"content": {"application/soap+xml": {}}, "description": "SOAP 1.2 Fault (siram:Erreur detail)"}}


@router.post("/lps", response_class=Response, openapi_extra={"requestBody": SOAP_BODY}, responses=SOAP_ANSWERS)
async def lps(request: Request, settings: Settings, db: Db, tenant: Tenant) -> Response:
    """INSi: rechercherInsAvecTraitsIdentite and rechercherInsAvecCarteVitale (SOAP 1.2, action-dispatched)."""
    try:
        raw = await read_limited(request, settings.max_request_bytes)
    except TooLarge:
        raise sender(InsCode.TOO_LARGE, f"The request is larger than the {settings.max_request_bytes} bytes "
                     "accepted.", message_id=None, status=413) from None
    envelope = Envelope(settings, Approvals(settings, db, tenant))
    soap = envelope.parse(raw, request.headers)
    with db.read() as conn:
        code, person = insi.answer(conn, envelope, soap.operation, soap.body, tenant)
    return Response(resultat(code, person), media_type=SOAP_XML)


@router.get("/lps", response_class=Response)
async def lps_contract(request: Request, settings: Settings, tenant: Tenant) -> Response:
    """The INSi WSDL (``?wsdl``) or one of the XSDs it imports (``?xsd=NAME``), pointing at this sandbox."""
    params = {k.lower(): v for k, v in request.query_params.items()}
    if "wsdl" in params:
        return Response(contract.wsdl(settings.base_url(tenant) + "/lps"), media_type="text/xml; charset=utf-8")
    name = params.get("xsd")
    text = contract.schema(name) if name else None
    if text is None:
        known = ", ".join(contract.SCHEMAS)
        raise SandboxError(404, Code.NOT_FOUND, f"GET /lps serves ?wsdl or ?xsd=NAME with NAME one of: {known}.",
                           issue="not-found", expression=["xsd"])
    return Response(text, media_type="text/xml; charset=utf-8")
