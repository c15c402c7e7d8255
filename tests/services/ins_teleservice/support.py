"""Helpers of the INSi tests: SOAP requests as vendors write them, and readers of answers and faults."""

from __future__ import annotations

import uuid
from xml.sax.saxutils import escape

import httpx
from lxml import etree

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:"
TRAITS = ACTION + "rechercherInsAvecTraitsIdentite"
VITALE = ACTION + "rechercherInsAvecCarteVitale"
IDAM = "SANDBOX-IDAM-DEMO"
MESSAGE_ID = "uuid:b3549edd-4ae9-472a-b26f-fd2fb4ef397f"
NS = {"s": SOAP12, "r": "http://www.cnamts.fr/INSiResultat", "siram": "urn:siram",
      "wsa": "http://www.w3.org/2005/08/addressing"}

BAM = ('<ctxbam:ContexteBAM xmlns:ctxbam="urn:siram:bam:ctxbam" Version="01_02"><ctxbam:Id>{id}</ctxbam:Id>'
       "<ctxbam:Temps>2024-05-01T10:15:00.000Z</ctxbam:Temps><ctxbam:Emetteur>lps-test</ctxbam:Emetteur>"
       "<ctxbam:COUVERTURE></ctxbam:COUVERTURE></ctxbam:ContexteBAM>")
LPS = ('<ctxlps:ContexteLPS xmlns:ctxlps="urn:siram:lps:ctxlps" Nature="CTXLPS" Version="01_00">'
       "<ctxlps:Id>{id}</ctxlps:Id><ctxlps:Temps>2024-05-01T10:15:00.000Z</ctxlps:Temps>"
       "<ctxlps:Emetteur>lps-test</ctxlps:Emetteur><ctxlps:LPS><ctxlps:IDAM R=\"4\">{idam}</ctxlps:IDAM>"
       "<ctxlps:Version>1.0</ctxlps:Version><ctxlps:Instance>{id}</ctxlps:Instance>"
       "<ctxlps:Nom>urn:lps:test:1.0</ctxlps:Nom></ctxlps:LPS></ctxlps:ContexteLPS>")


def traits_body(birth_name: str | None = None, *first_names: str, sex: str | None = None,
                birth_date: str | None = None, birth_place: str | None = None) -> str:
    parts = [("NomNaissance", birth_name), *(("Prenom", f) for f in first_names), ("Sexe", sex),
             ("DateNaissance", birth_date), ("LieuNaissance", birth_place)]
    inner = "".join(f"<rs:{k}>{escape(v)}</rs:{k}>" for k, v in parts if v is not None)
    return f'<rs:RECSANSVITALE xmlns:rs="http://www.cnamts.fr/INSiRecSans">{inner}</rs:RECSANSVITALE>'


def vitale_body(*, individu: tuple[str, str | None] | None = None, od: tuple[str, str | None] | None = None,
                birth_name: str | None = None, birth_date: str | None = None, rank: str | None = None) -> str:
    def matricule(tag: str, value: tuple[str, str | None]) -> str:
        key = f"<rv:Cle>{value[1]}</rv:Cle>" if value[1] is not None else ""
        return f"<rv:{tag}><rv:NumIdentifiant>{value[0]}</rv:NumIdentifiant>{key}</rv:{tag}>"

    inner = matricule("MatriculeIndividu", individu) if individu else ""
    inner += matricule("MatriculeOD", od) if od else ""
    for tag, value in (("NomNaissance", birth_name), ("DateNaissance", birth_date), ("RangNaissance", rank)):
        if value is not None:
            inner += f"<rv:{tag}>{escape(value)}</rv:{tag}>"
    return f'<rv:RECVITALE xmlns:rv="http://www.cnamts.fr/INSiRecVit">{inner}</rv:RECVITALE>'


def envelope(body: str, *, action: str | None = TRAITS, idam: str = IDAM, message_id: str | None = MESSAGE_ID,
             lps: str | None = None, bam: str | None = None, extra_headers: str = "") -> str:
    """A request as the TLSI client writes it: ContexteBAM, ContexteLPS, wsa:Action, wsa:MessageID."""
    rid = str(uuid.uuid4())
    headers = (BAM.format(id=rid) if bam is None else bam) + (LPS.format(id=rid, idam=idam) if lps is None else lps)
    wsa = 'xmlns:wsa="http://www.w3.org/2005/08/addressing"'
    if action is not None:
        headers += f"<wsa:Action {wsa}>{action}</wsa:Action>"
    if message_id is not None:
        headers += f"<wsa:MessageID {wsa}>{message_id}</wsa:MessageID>"
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP12}">'
            f"<soap:Header>{headers}{extra_headers}</soap:Header><soap:Body>{body}</soap:Body></soap:Envelope>")


async def call(client: httpx.AsyncClient, xml: str | bytes, *, action: str | None = None,
               content_type: str = "application/soap+xml; charset=utf-8") -> httpx.Response:
    if action:
        content_type += f'; action="{action}"'
    data = xml.encode() if isinstance(xml, str) else xml
    return await client.post("/lps", content=data, headers={"content-type": content_type})


def result(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/soap+xml")
    return etree.fromstring(response.content).find("s:Body/r:RESULTAT", NS)


def cr(response: httpx.Response) -> str:
    return result(response).findtext("r:CR/r:CodeCR", namespaces=NS)


def fault(response: httpx.Response, status: int = 500) -> dict:
    """The parts of a SOAP 1.2 fault tests assert: code value, subcodes, siram:Erreur code and messageID."""
    assert response.status_code == status, response.text
    root = etree.fromstring(response.content)
    node = root.find("s:Body/s:Fault", NS)
    assert node is not None, response.text
    erreur = node.find("s:Detail/siram:Erreur", NS)
    return {
        "value": node.findtext("s:Code/s:Value", namespaces=NS),
        "subcodes": [v.text for v in node.iterfind(".//s:Subcode/s:Value", NS)],
        "code": erreur.get("code") if erreur is not None else None,
        "message_id": erreur.get("messageID") if erreur is not None else None,
        "root": root,
    }
