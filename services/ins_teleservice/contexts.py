"""The INSi context headers (digest §1.2): ``ctxlps:ContexteLPS`` (which software calls, its IDAM) and
``ctxbam:ContexteBAM``, checked against the element names and occurrences of their CNAM schemas."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from lxml import etree

from services.ins_teleservice.codes import InsCode
from services.ins_teleservice.faults import InsiFault, unknown_idam, wrong_certificate

if TYPE_CHECKING:
    from services.ins_teleservice.envelope import Envelope

logger = logging.getLogger("services.ins_teleservice")
CTXLPS = "urn:siram:lps:ctxlps"
CTXBAM = "urn:siram:bam:ctxbam"
CTXLPS_TAG = f"{{{CTXLPS}}}ContexteLPS"
CTXBAM_TAG = f"{{{CTXBAM}}}ContexteBAM"
LPS_CHILDREN = ("Id", "Temps", "Emetteur", "LPS")
LOGICIEL_CHILDREN = ("IDAM", "Version", "Instance", "Nom")
BAM_CHILDREN = ("Id", "Temps", "Emetteur", "DateRef", "COUVERTURE")


def _children(envelope: Envelope, element: etree._Element, ns: str, allowed: tuple[str, ...],
              code: InsCode) -> dict[str, etree._Element]:
    """The child elements by local name, in schema order, none repeated, none foreign."""
    found: dict[str, etree._Element] = {}
    last = -1
    where = etree.QName(element).localname
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace != ns or qname.localname not in allowed:
            raise envelope.fault(code, f"{where} holds an unexpected element {child.tag}.")
        rank = allowed.index(qname.localname)
        if qname.localname in found or rank < last:
            raise envelope.fault(code, f"{where}/{qname.localname} is repeated or out of order "
                                 f"(expected order: {', '.join(allowed)}).")
        found[qname.localname] = child
        last = rank
    return found


def _text(envelope: Envelope, parts: dict[str, etree._Element], name: str, where: str, code: InsCode) -> str:
    value = (parts[name].text or "").strip() if name in parts else ""
    if not value:
        raise envelope.fault(code, f"{where}/{name} is required.")
    return value


def _instant(envelope: Envelope, parts: dict[str, etree._Element], where: str, code: InsCode) -> None:
    value = _text(envelope, parts, "Temps", where, code)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise envelope.fault(code, f"{where}/Temps {value[:40]!r} is not an xsd:dateTime "
                             "(e.g. 2024-05-01T10:15:00Z).") from None
    if "T" not in value:
        raise envelope.fault(code, f"{where}/Temps {value[:40]!r} must carry a time (xsd:dateTime).")


def _attributes(envelope: Envelope, element: etree._Element, nature: str, code: InsCode, *, required: bool) -> None:
    where = etree.QName(element).localname
    if not (element.get("Version") or "").strip():
        raise envelope.fault(code, f"{where} needs its Version attribute.")
    value = element.get("Nature")
    if (value is None and required) or (value is not None and value != nature):
        raise envelope.fault(code, f"{where} needs Nature=\"{nature}\".")


def check_lps(envelope: Envelope, element: etree._Element) -> str:
    """Check ContexteLPS and return its IDAM, which must be an approved software number."""
    code = InsCode.CONTEXTE_LPS
    _attributes(envelope, element, "CTXLPS", code, required=True)
    parts = _children(envelope, element, CTXLPS, LPS_CHILDREN, code)
    _text(envelope, parts, "Id", "ContexteLPS", code)
    _instant(envelope, parts, "ContexteLPS", code)
    if "LPS" not in parts:
        raise envelope.fault(code, "ContexteLPS/LPS is required (it names the calling software).")
    software = _children(envelope, parts["LPS"], CTXLPS, LOGICIEL_CHILDREN, code)
    idam = _text(envelope, software, "IDAM", "ContexteLPS/LPS", code)
    if not (software["IDAM"].get("R") or "").strip():
        raise envelope.fault(code, "ContexteLPS/LPS/IDAM needs its R attribute (e.g. R=\"4\").")
    if not envelope.approvals.approved(idam):
        raise unknown_idam(message_id=envelope.message_id, status=envelope.status,
                           advice=envelope.approvals.refused(idam))
    return idam


def check_bam(envelope: Envelope, element: etree._Element) -> None:
    code = InsCode.CONTEXTE_BAM
    _attributes(envelope, element, "CTXBAM", code, required=False)
    parts = _children(envelope, element, CTXBAM, BAM_CHILDREN, code)
    _text(envelope, parts, "Id", "ContexteBAM", code)
    _instant(envelope, parts, "ContexteBAM", code)
    if "COUVERTURE" not in parts:
        raise envelope.fault(code, "ContexteBAM/COUVERTURE is required (it may be empty).")


def wrong_cn(envelope: Envelope, cn: str) -> InsiFault:
    settings = envelope.settings
    advice = (f"The client certificate CN {cn[:64]!r} (header {settings.cert_cn_header}) is not one of "
              f"{', '.join(settings.allowed_cert_cns)} (settings INS_TELESERVICE_ALLOWED_CERT_CNS, "
              "INS_TELESERVICE_CERT_CN_CHECK).")
    logger.warning("INSi DESIR_560: %s", advice)
    return wrong_certificate(message_id=envelope.message_id, status=envelope.status, advice=advice)
