"""A simulated vendor for journey 4 (``vendor-insi-search.yaml``): practice software searching an INS by traits.

It plays what a vendor's own software does when the operator searches a patient through INSi: it builds the
SOAP 1.2 request ``rechercherInsAvecTraitsIdentite`` (``ContexteBAM``, ``ContexteLPS`` with the software's
IDAM, WS-Addressing ``Action`` and ``MessageID``; docs/ins-teleservice.md) with lxml, posts it to the
tenant's INSi and prints the CR and the INS it got. It knows nothing of the sandbox's code: only its URL.

    python scenarios/journeys/vendors/insi_search.py --target http://127.0.0.1:8080 --tenant my-team

Exit status 0 when INSi answered CR 00, 1 otherwise, 2 when the sandbox did not answer.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import UTC, datetime

import httpx
from lxml import etree

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
CTXLPS = "urn:siram:lps:ctxlps"
CTXBAM = "urn:siram:bam:ctxbam"
RECSANS = "http://www.cnamts.fr/INSiRecSans"
ACTION = "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
SOFTWARE = "urn:lps:simulated-vendor:1.0"


def _el(parent: etree._Element, ns: str, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{name}", attrs)
    element.text = text
    return element


def envelope(*, family: str, given: str, sex: str, birth_date: str, idam: str) -> bytes:
    """The SOAP 1.2 request of a traits search without carte Vitale (RECSANSVITALE)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "wsa": WSA, "ctxlps": CTXLPS,
                                                       "ctxbam": CTXBAM, "rs": RECSANS})
    header = _el(root, SOAP, "Header")
    bam = _el(header, CTXBAM, "ContexteBAM", Version="01_02")
    _el(bam, CTXBAM, "Id", str(uuid.uuid4()))
    _el(bam, CTXBAM, "Temps", now)
    _el(bam, CTXBAM, "Emetteur", "simulated-vendor")
    _el(bam, CTXBAM, "COUVERTURE")
    lps_context = _el(header, CTXLPS, "ContexteLPS", Nature="CTXLPS", Version="01_00")
    _el(lps_context, CTXLPS, "Id", str(uuid.uuid4()))
    _el(lps_context, CTXLPS, "Temps", now)
    _el(lps_context, CTXLPS, "Emetteur", "simulated-vendor")
    lps = _el(lps_context, CTXLPS, "LPS")
    _el(lps, CTXLPS, "IDAM", idam, R="4")
    _el(lps, CTXLPS, "Version", "1.0")
    _el(lps, CTXLPS, "Instance", str(uuid.uuid4()))
    _el(lps, CTXLPS, "Nom", SOFTWARE)
    _el(header, WSA, "Action", ACTION)
    _el(header, WSA, "MessageID", f"uuid:{uuid.uuid4()}")
    search = _el(_el(root, SOAP, "Body"), RECSANS, "RECSANSVITALE")
    for name, value in (("NomNaissance", family), ("Prenom", given), ("Sexe", sex), ("DateNaissance", birth_date)):
        _el(search, RECSANS, name, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def answer_of(body: bytes) -> tuple[str | None, str | None, str | None]:
    """The CR code, its label and the active INS's matricule of an INSi answer (None where absent)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body, parser)

    def first(path: str) -> str | None:
        found = root.xpath(f"string({path})")
        return str(found) or None

    return (first("//*[local-name()='CR']/*[local-name()='CodeCR']"),
            first("//*[local-name()='CR']/*[local-name()='LibelleCR']"),
            first("//*[local-name()='INSACTIF']/*[local-name()='IdIndividu']/*[local-name()='NumIdentifiant']"))


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description="Search a patient's INS through the sandbox's INSi, as "
                                      "practice software does (journey 4, vendor-insi-search).")
    options.add_argument("--target", required=True, help="the sandbox's URL, e.g. http://127.0.0.1:8080")
    options.add_argument("--tenant", required=True, help="the tenant the run uses (the await's instruction says it)")
    options.add_argument("--family", default="HERMANN", help="birth name (default: HERMANN, a CNDA test identity)")
    options.add_argument("--given", default="GATIEN", help="first name")
    options.add_argument("--sex", default="M", choices=("M", "F"))
    options.add_argument("--birth-date", default="1981-03-24", help="YYYY-MM-DD")
    options.add_argument("--idam", default="SANDBOX-IDAM-DEMO", help="the software's IDAM (CNDA approval number)")
    args = options.parse_args(argv)
    url = f"{args.target.rstrip('/')}/t/{args.tenant}/ins-teleservice/lps"
    body = envelope(family=args.family, given=args.given, sex=args.sex, birth_date=args.birth_date, idam=args.idam)
    headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{ACTION}"'}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        print(f"INSi at {url} does not answer ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    try:
        code, label, ins = answer_of(response.content)
    except etree.XMLSyntaxError:
        code = label = ins = None
    print(f"POST {url}: {response.status_code}, CR {code} {label or ''}".rstrip() + (f", INS {ins}" if ins else ""))
    return 0 if response.status_code == 200 and code == "00" else 1


if __name__ == "__main__":
    sys.exit(main())
