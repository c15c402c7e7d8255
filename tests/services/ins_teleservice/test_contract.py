"""The served WSDL/XSDs: URLs point at this sandbox, imports resolve offline, and the structure matches the
CNAM contract (specs/insi, read by tests only); answers validate against the official RESULTAT schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from services.ins_teleservice import contract
from tests.services.ins_teleservice.support import NS, TRAITS, VITALE, call, envelope, traits_body, vitale_body
from tests.services.ins_teleservice.xsd_structure import SchemaSet
from tests.shared import shared_path

WSDL = "http://schemas.xmlsoap.org/wsdl/"
SOAP12_WSDL = "http://schemas.xmlsoap.org/wsdl/soap12/"
XS = "http://www.w3.org/2001/XMLSchema"
OFFICIAL = ["ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd", "ServiceIdentiteCertifiee/INSi_RECVITALE_INS.xsd",
            "ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd", "CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd",
            "CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd", "schema_faultSOAP_V01_01.xsd"]
ROOTS = [("http://www.cnamts.fr/INSiRecSans", "RECSANSVITALE"), ("http://www.cnamts.fr/INSiRecVit", "RECVITALE"),
         ("http://www.cnamts.fr/INSiResultat", "RESULTAT"), ("urn:siram:lps:ctxlps", "ContexteLPS"),
         ("urn:siram:bam:ctxbam", "ContexteBAM"), ("urn:siram", "Erreur")]


@pytest.fixture(scope="module")
def specs() -> Path:
    """The official INSi contract in ../shared/specs/insi (skipped locally when absent, a failure in CI)."""
    return shared_path("specs", "insi")


async def test_wsdl_points_at_the_tenant_url(insi):
    response = await insi.get("/lps?wsdl")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    endpoint = f"http://sandbox.test/t/{insi.tenant}/ins-teleservice/lps"
    assert root.find(f".//{{{SOAP12_WSDL}}}address").get("location") == endpoint
    imports = [i.get("schemaLocation") for i in root.iter(f"{{{XS}}}import")]
    assert len(imports) == 8 and all(i.startswith(endpoint + "?xsd=") for i in imports)
    assert not any("w3.org/2006/03" in i for i in imports)  # ws-addr.xsd is served locally


async def test_default_tenant_wsdl_has_no_tenant_prefix(insi):
    response = await insi.get("/lps?WSDL", headers={"x-sandbox-tenant": "default"})
    location = etree.fromstring(response.content).find(f".//{{{SOAP12_WSDL}}}address").get("location")
    assert location == "http://sandbox.test/ins-teleservice/lps"


async def test_every_imported_schema_is_served_and_compiles(insi):
    root = etree.fromstring((await insi.get("/lps?wsdl")).content)
    for imported in root.iter(f"{{{XS}}}import"):
        name = imported.get("schemaLocation").split("?xsd=")[1]
        response = await insi.get("/lps", params={"xsd": name})
        assert response.status_code == 200, name
        schema = etree.fromstring(response.content)
        assert schema.get("targetNamespace") == imported.get("namespace")
        etree.XMLSchema(schema)


async def test_unknown_schema_or_bare_get_is_404(insi):
    for params in ({"xsd": "../../etc/passwd"}, {"xsd": "other.xsd"}, {}):
        response = await insi.get("/lps", params=params)
        assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("namespace, name", ROOTS, ids=[r[1] for r in ROOTS])
def test_served_schemas_declare_the_official_structure(specs, namespace, name):
    official = SchemaSet.from_files([specs / "xsd" / p for p in OFFICIAL])
    ours = SchemaSet.from_texts([contract.schema(n) for n in contract.SCHEMAS])
    assert ours.structure(namespace, name) == official.structure(namespace, name)


def _wsdl_facts(root: etree._Element) -> dict:
    ns = {"w": WSDL, "s": SOAP12_WSDL}

    def qname(node: etree._Element, value: str) -> tuple[str, str]:
        prefix, _, local = value.rpartition(":")
        return node.nsmap.get(prefix or None), local

    return {
        "messages": sorted((m.get("name"), p.get("name"), qname(p, p.get("element")))
                           for m in root.iterfind("w:message", ns) for p in m.iterfind("w:part", ns)),
        "operations": sorted((o.get("name"), io.tag, io.get("name"), qname(io, io.get("message")),
                              io.get("{http://www.w3.org/2006/02/addressing/wsdl}Action") or "")
                             for o in root.iterfind("w:portType/w:operation", ns) for io in o
                             if isinstance(io.tag, str)),
        "binding": sorted((o.get("name"), o.find("s:operation", ns).get("soapAction"),
                           tuple((h.get("part"), h.get("use")) for h in o.iterfind("w:input/s:header", ns)))
                          for o in root.iterfind("w:binding/w:operation", ns)),
        "style": root.find("w:binding/s:binding", ns).get("style"),
        "names": (root.get("targetNamespace"), root.find("w:portType", ns).get("name"),
                  root.find("w:service", ns).get("name"), root.find("w:service/w:port", ns).get("name")),
    }


def test_served_wsdl_has_the_official_messages_operations_and_actions(specs):
    official = etree.parse(str(specs / "DESIR_ICIR_EXP_1.5.0.wsdl")).getroot()
    ours = etree.fromstring(contract.wsdl("http://sandbox.test/ins-teleservice/lps").encode())
    assert _wsdl_facts(ours) == _wsdl_facts(official)


@pytest.fixture(scope="module")
def resultat_schema(specs) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(specs / "xsd/ServiceIdentiteCertifiee/INSi_RESULTAT_INS.xsd")))


SEARCHES = [
    traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-12-31"),
    traits_body("ECETINSI", "PIERRE-ALAIN", sex="M", birth_date="2009-07-14"),
    traits_body("CORSE", "ANTHONY", sex="M", birth_date="1980-03-02"),
    traits_body("HERMANN", "GATIEN", sex="M", birth_date="1981-03-24"),
    traits_body("PROVISOIRE", "MATRICULE", sex="M", birth_date="2009-07-01"),
    traits_body("HOUILLES", "PIERRE", sex="M", birth_date="1993-01-27"),
    traits_body("N'DIAYE", "AMINATA", sex="F", birth_date="1992-03-08"),
]


async def test_answers_validate_against_the_official_resultat_schema(insi, resultat_schema):
    for body in SEARCHES:
        response = await call(insi, envelope(body), action=TRAITS)
        found = etree.fromstring(response.content).find("s:Body/r:RESULTAT", NS)
        resultat_schema.assertValid(etree.ElementTree(found))
    body = vitale_body(individu=("2751263220749", "74"), birth_date="1975-12-31")
    response = await call(insi, envelope(body, action=VITALE), action=VITALE)
    resultat_schema.assertValid(etree.ElementTree(etree.fromstring(response.content).find("s:Body/r:RESULTAT", NS)))


async def test_fault_details_and_test_requests_validate_against_the_official_schemas(insi, specs):
    fault_schema = etree.XMLSchema(etree.parse(str(specs / "xsd/schema_faultSOAP_V01_01.xsd")))
    response = await call(insi, envelope(SEARCHES[0], idam="FAKE"), action=TRAITS)
    fault_schema.assertValid(etree.ElementTree(etree.fromstring(response.content).find(".//siram:Erreur", NS)))
    request = etree.fromstring(envelope(SEARCHES[0]).encode())
    for name, path in (("ContexteLPS", "CTX/ROOT_ctxlps_CTXLPS_V01_00.xsd"),
                       ("ContexteBAM", "CTX/ROOT_ctxbam_CTXBAM_V01_02.xsd"),
                       ("RECSANSVITALE", "ServiceIdentiteCertifiee/INSi_RECSANS_INS.xsd")):
        schema = etree.XMLSchema(etree.parse(str(specs / "xsd" / path)))
        node = next(e for e in request.iter() if isinstance(e.tag, str) and e.tag.endswith("}" + name))
        schema.assertValid(etree.ElementTree(node))
