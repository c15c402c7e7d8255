"""SOAP faults of the INSi endpoint (spec digest §1.3): SOAP 1.2 Faults carrying a ``siram:Erreur`` detail.

``siram:Erreur/@code`` always holds the stable code (the real ``desir_*`` code when known, else the
sandbox's ``INS-xxxx``) and ``@messageID`` the request's ``wsa:MessageID``. ``Subcode`` holds the real
``soap:siram_100``, a WS-Addressing 1.0 SOAP-binding subcode where one fits, or ``soap:INS-xxxx``.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from core.errors import SoapFault
from services.ins_teleservice.codes import DESIR_550, DESIR_560, SIRAM_100, InsCode

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"
SIRAM = "urn:siram"


HELP_HEADER = "x-sandbox-help"  # the sandbox's own advice: kept by the exchange recorder, never in the SOAP text
# The real texts of the access faults (issue 10 / CNDA recordings, [TLSI] siram_100-desir_500-fake-idam fixture;
# DESIR_560: the message quoted in the [TLSI] README, whose wording of Reason vs Erreur is not recorded).
UNKNOWN_IDAM_REASON = ("L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou "
                       "votre responsable informatique.")
UNKNOWN_IDAM_TEXT = "Numéro d'autorisation du logiciel inconnu."
WRONG_CN_REASON = "Vous ne disposez pas des droits suffisants pour accéder à ce service."
WRONG_CN_TEXT = "Niveau d'accès insuffisant."


def header_safe(text: str) -> str:
    """ASCII without control characters: a value a client put in its request, quoted in a response header."""
    return "".join(c if " " <= c <= "~" else "?" for c in text)


class InsiFault(SoapFault):
    """A fault whose stable code is ``erreur`` (the ``siram:Erreur/@code``), whatever its subcode.

    ``advice`` is the sandbox's own advice (what it accepts, which setting or admin route changes that): it goes
    in the ``X-Sandbox-Help`` response header, so that the SOAP text stays the real service's.
    """

    def __init__(self, erreur: str, reason: str, *, message_id: str | None, status: int, subcode: str = "",
                 subsubcode: str = "", value: str | None = None, text: str | None = None, extra: str = "",
                 header: str = "", advice: str | None = None) -> None:
        message = f" messageID={quoteattr(message_id)}" if message_id else ""
        detail = (f'{extra}<siram:Erreur xmlns:siram="{SIRAM}" code={quoteattr(erreur)}{message} severite="erreur">'
                  f"{escape(text or reason)}</siram:Erreur>")
        super().__init__(subcode or f"soap:{erreur}", reason, status=status, value=value, subsubcode=subsubcode,
                         detail=detail, header=header, namespaces={"wsa": WSA})
        self.erreur = erreur
        self.message_id = message_id
        self.advice = header_safe(advice) if advice else None

    def render(self) -> Response:
        response = super().render()
        if self.advice:
            response.headers[HELP_HEADER] = self.advice
        return response


def sender(code: InsCode, reason: str, *, message_id: str | None, status: int) -> InsiFault:
    """A client error with a sandbox code: ``soap:Sender`` / ``soap:INS-xxxx``."""
    return InsiFault(code, reason, message_id=message_id, status=status)


def addressing(code: InsCode, reason: str, *, subcode: str, header: str, message_id: str | None, status: int,
               subsubcode: str = "", problem_action: str | None = None) -> InsiFault:
    """A WS-Addressing fault (W3C WS-Addressing 1.0 SOAP Binding §6.4) with its problem detail."""
    if problem_action is not None:
        extra = f"<wsa:ProblemAction><wsa:Action>{escape(problem_action)}</wsa:Action></wsa:ProblemAction>"
    else:
        extra = f"<wsa:ProblemHeaderQName>{header}</wsa:ProblemHeaderQName>"
    return InsiFault(code, reason, message_id=message_id, status=status, subcode=subcode, subsubcode=subsubcode,
                     extra=extra)


def unknown_idam(*, message_id: str | None, status: int, advice: str) -> InsiFault:
    """The real answer to an unapproved software, word for word; ``advice`` says what this sandbox accepts."""
    return InsiFault(DESIR_550, UNKNOWN_IDAM_REASON, message_id=message_id, status=status,
                     subcode=f"soap:{SIRAM_100}", text=UNKNOWN_IDAM_TEXT, advice=advice)


def wrong_certificate(*, message_id: str | None, status: int, advice: str) -> InsiFault:
    return InsiFault(DESIR_560, WRONG_CN_REASON, message_id=message_id, status=status, subcode=f"soap:{SIRAM_100}",
                     text=WRONG_CN_TEXT, advice=advice)


def not_understood(qname: tuple[str, str], *, message_id: str | None, status: int) -> InsiFault:
    """SOAP 1.2 MustUnderstand fault, with the NotUnderstood header block naming the header."""
    ns, local = qname
    header = f'<soap:NotUnderstood xmlns:h={quoteattr(ns)} qname="h:{escape(local)}"/>'
    return InsiFault(InsCode.NOT_UNDERSTOOD, f"The header block {{{ns}}}{local} has mustUnderstand set but is not "
                     "processed by this service.", message_id=message_id, status=status, value="soap:MustUnderstand",
                     header=header)


class Soap11VersionMismatch(SoapFault):
    """A SOAP 1.1 request gets a SOAP 1.1 VersionMismatch fault with an Upgrade header (SOAP 1.2 part 1, App. A)."""

    def __init__(self, *, status: int) -> None:
        super().__init__("", "This service speaks SOAP 1.2 only (envelope http://www.w3.org/2003/05/soap-envelope).",
                         status=status)
        self.erreur = InsCode.VERSION_MISMATCH

    def render(self) -> Response:
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<env:Envelope xmlns:env="{SOAP11}"><env:Header>'
            f'<upg:Upgrade xmlns:upg="{SOAP12}"><upg:SupportedEnvelope qname="ns1:Envelope" xmlns:ns1="{SOAP12}"/>'
            "</upg:Upgrade></env:Header><env:Body><env:Fault><faultcode>env:VersionMismatch</faultcode>"
            f"<faultstring>{escape(self.diagnostics)}</faultstring>"
            f'<detail><siram:Erreur xmlns:siram="{SIRAM}" code="{InsCode.VERSION_MISMATCH}" severite="erreur">'
            f"{escape(self.diagnostics)}</siram:Erreur></detail></env:Fault></env:Body></env:Envelope>"
        )
        return Response(body, status_code=self.status, media_type="text/xml; charset=utf-8")


def version_mismatch(namespace: str, *, status: int) -> SoapFault:
    if namespace == SOAP11:
        return Soap11VersionMismatch(status=status)
    return InsiFault(InsCode.VERSION_MISMATCH, f"Envelope namespace {namespace[:100]!r} is not SOAP 1.2 ({SOAP12}).",
                     message_id=None, status=status, value="soap:VersionMismatch",
                     header='<soap:Upgrade><soap:SupportedEnvelope qname="soap:Envelope"/></soap:Upgrade>')
