"""The SOAP 1.2 envelope of an INSi request: parsing, dispatch on the action, header checks (digest §1.2).

Checks run in a fixed order so that each request gets one precise fault: XML, envelope version, media
type, body shape, ``mustUnderstand`` headers, action (Content-Type ``action=`` and ``wsa:Action``),
``wsa:MessageID``, client certificate CN (optional), ``ctxlps:ContexteLPS`` (IDAM: the setting's or one the
tenant registered, :mod:`services.ins_teleservice.software`), ``ctxbam:ContexteBAM``.
``wsse:Security`` is accepted as is: the sandbox does not verify SAML assertions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from services.ins_teleservice import contexts
from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.faults import (
    SOAP12,
    WSA,
    InsiFault,
    addressing,
    not_understood,
    sender,
    version_mismatch,
)
from services.ins_teleservice.settings import InsTeleserviceSettings
from services.ins_teleservice.software import Approvals

ACTION_PREFIX = "urn:ServiceIdentiteCertifiee:1.0.0:"
TRAITS = "rechercherInsAvecTraitsIdentite"
VITALE = "rechercherInsAvecCarteVitale"
BODY_ELEMENTS = {TRAITS: "{http://www.cnamts.fr/INSiRecSans}RECSANSVITALE",
                 VITALE: "{http://www.cnamts.fr/INSiRecVit}RECVITALE"}
UNDERSTOOD = {WSA, contexts.CTXLPS, contexts.CTXBAM,
              "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"}
ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_local = threading.local()


@dataclass(frozen=True)
class SoapRequest:
    operation: str  # TRAITS or VITALE
    body: etree._Element
    message_id: str
    idam: str


def parser() -> etree.XMLParser:
    """One hardened parser per thread (lxml parsers are not shared across threads): no DTD, no network."""
    if not hasattr(_local, "parser"):
        _local.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return _local.parser


def media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """``application/soap+xml; charset=utf-8; action="urn:x"`` -> (media type, {parameter: value})."""
    media, *params = content_type.split(";")
    values = {}
    for param in params:
        key, _, value = param.partition("=")
        values[key.strip().lower()] = value.strip().strip('"')
    return media.strip().lower(), values


class Envelope:
    """One request being checked; ``fault`` builds faults carrying its ``wsa:MessageID`` once known."""

    def __init__(self, settings: InsTeleserviceSettings, approvals: Approvals | None = None) -> None:
        self.settings = settings
        self.approvals = approvals or Approvals(settings, None)  # which IDAMs the tenant accepts
        self.status = settings.fault_http_status
        self.message_id: str | None = None

    def fault(self, code: InsCode, reason: str) -> InsiFault:
        return sender(code, reason, message_id=self.message_id, status=self.status)

    def parse(self, raw: bytes, headers: Mapping[str, str]) -> SoapRequest:
        root = self._xml(raw)
        ns = etree.QName(root).namespace or ""
        if etree.QName(root).localname == "Envelope" and ns != SOAP12:
            raise version_mismatch(ns, status=self.status)
        if root.tag != f"{{{SOAP12}}}Envelope":
            raise self.fault(InsCode.NOT_SOAP, f"The document element is {root.tag}, not a SOAP 1.2 Envelope.")
        media, params = media_type(headers.get("content-type", ""))
        if media != "application/soap+xml":
            raise sender(InsCode.MEDIA_TYPE, f"Content-Type {media or '(none)'!r} is not SOAP 1.2: send "
                         "application/soap+xml.", message_id=None, status=415)
        header_blocks, body = self._parts(root)
        self.message_id = self._message_id_text(header_blocks)
        self._must_understand(header_blocks)
        operation = self._operation(params.get("action"), header_blocks, body)
        self._check_message_id(header_blocks)
        self._check_certificate(headers)
        idam = contexts.check_lps(self, _only(self, header_blocks, contexts.CTXLPS_TAG, InsCode.CONTEXTE_LPS))
        contexts.check_bam(self, _only(self, header_blocks, contexts.CTXBAM_TAG, InsCode.CONTEXTE_BAM))
        return SoapRequest(operation=operation, body=body, message_id=self.message_id or "", idam=idam)

    def _xml(self, raw: bytes) -> etree._Element:
        try:
            root = etree.fromstring(raw, parser())
        except etree.XMLSyntaxError as exc:
            raise self.fault(InsCode.MALFORMED_XML, f"The body is not well-formed XML: {exc.msg}.") from None
        if root.getroottree().docinfo.doctype:
            raise self.fault(InsCode.MALFORMED_XML, "Document type declarations (DTD) are not accepted.")
        return root

    def _parts(self, root: etree._Element) -> tuple[list[etree._Element], etree._Element]:
        children = [c for c in root if isinstance(c.tag, str)]
        names = [c.tag for c in children]
        if names not in ([f"{{{SOAP12}}}Body"], [f"{{{SOAP12}}}Header", f"{{{SOAP12}}}Body"]):
            raise self.fault(InsCode.NOT_SOAP, "The Envelope must hold an optional Header then one Body.")
        blocks = [c for c in children[0] if isinstance(c.tag, str)] if len(children) == 2 else []
        content = [c for c in children[-1] if isinstance(c.tag, str)]
        if len(content) != 1:
            raise self.fault(InsCode.NOT_SOAP, f"The Body must hold exactly one element, not {len(content)}.")
        return blocks, content[0]

    def _message_id_text(self, blocks: list[etree._Element]) -> str | None:
        found = [b for b in blocks if b.tag == f"{{{WSA}}}MessageID"]
        return (found[0].text or "").strip()[:200] or None if len(found) == 1 else None

    def _must_understand(self, blocks: list[etree._Element]) -> None:
        for block in blocks:
            flag = block.get(f"{{{SOAP12}}}mustUnderstand", "false").strip()
            qname = etree.QName(block)
            if flag in ("true", "1") and qname.namespace not in UNDERSTOOD:
                raise not_understood((qname.namespace or "", qname.localname), message_id=self.message_id,
                                     status=self.status)

    def _operation(self, http_action: str | None, blocks: list[etree._Element], body: etree._Element) -> str:
        wsa_actions = [(b.text or "").strip() for b in blocks if b.tag == f"{{{WSA}}}Action"]
        if len(wsa_actions) > 1:
            raise addressing(InsCode.ACTION_MISMATCH, "wsa:Action appears more than once.",
                             subcode="wsa:InvalidAddressingHeader", subsubcode="wsa:InvalidCardinality",
                             header="wsa:Action", message_id=self.message_id, status=self.status)
        wsa_action = wsa_actions[0] if wsa_actions else None
        if http_action and wsa_action is not None and http_action != wsa_action:
            raise addressing(InsCode.ACTION_MISMATCH, f"The Content-Type action {http_action!r} differs from "
                             f"wsa:Action {wsa_action!r}.", subcode="wsa:InvalidAddressingHeader",
                             subsubcode="wsa:ActionMismatch", header="wsa:Action", message_id=self.message_id,
                             status=self.status)
        action = wsa_action or http_action
        if not action:
            raise addressing(InsCode.ACTION_MISSING, "No SOAP action: send wsa:Action or the action= parameter of "
                             "the Content-Type.", subcode="wsa:MessageAddressingHeaderRequired",
                             header="wsa:Action", message_id=self.message_id, status=self.status)
        operation = action.removeprefix(ACTION_PREFIX)
        if not action.startswith(ACTION_PREFIX) or operation not in BODY_ELEMENTS:
            raise addressing(InsCode.UNKNOWN_OPERATION, f"The action {action[:120]!r} is not an INSi operation.",
                             subcode="wsa:ActionNotSupported", header="", problem_action=action[:200],
                             message_id=self.message_id, status=self.status)
        if body.tag != BODY_ELEMENTS[operation]:
            raise self.fault(InsCode.BODY_MISMATCH, f"The action {operation} expects the body element "
                             f"{BODY_ELEMENTS[operation]}, not {body.tag}.")
        return operation

    def _check_message_id(self, blocks: list[etree._Element]) -> None:
        found = [b for b in blocks if b.tag == f"{{{WSA}}}MessageID"]
        common = {"header": "wsa:MessageID", "message_id": self.message_id, "status": self.status}
        if not found:
            raise addressing(InsCode.MESSAGE_ID_MISSING, "The wsa:MessageID header is required.",
                             subcode="wsa:MessageAddressingHeaderRequired", **common)
        if len(found) > 1:
            raise addressing(InsCode.MESSAGE_ID_INVALID, "wsa:MessageID appears more than once.",
                             subcode="wsa:InvalidAddressingHeader", subsubcode="wsa:InvalidCardinality", **common)
        if not ABSOLUTE_URI.fullmatch((found[0].text or "").strip()):
            raise addressing(InsCode.MESSAGE_ID_INVALID, "wsa:MessageID must be an absolute URI, e.g. "
                             "uuid:6f1c0c52-4b1e-4c6b-9a53-2f4b2a0c9d11.", subcode="wsa:InvalidAddressingHeader",
                             **common)

    def _check_certificate(self, headers: Mapping[str, str]) -> None:
        if self.settings.cert_cn_check:
            cn = headers.get(self.settings.cert_cn_header, "").strip()
            if cn not in self.settings.allowed_cert_cns:
                raise contexts.wrong_cn(self, cn)


def _only(envelope: Envelope, blocks: list[etree._Element], tag: str, code: InsCode) -> etree._Element:
    found = [b for b in blocks if b.tag == tag]
    if len(found) != 1:
        what = "is missing" if not found else "appears more than once"
        raise envelope.fault(code, f"The header {etree.QName(tag).localname} {what}.")
    return found[0]
