"""ITI-68 Retrieve Document: exact bytes, a Binary on Accept: application/fhir+json, 404 and 406 (retrieval.py)."""

from __future__ import annotations

import base64

import pytest

from services.ms_espace_sante.retrieval import representation
from tests.services.ms_espace_sante.support import Dmp, provide_bundle
from tests.services.pro_sante_connect import support as psc_support

PDF = b"%PDF-1.4\n\x00\xff\xfe binary \r\n bytes"


async def stored_url(dmp) -> str:  # noqa: ANN001
    answer = await dmp.post("", provide_bundle(documents=(PDF,), content_type="application/pdf"))
    assert answer.status_code == 200, answer.text
    return answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]


async def test_the_exact_bytes_with_their_mime_type(dmp):
    url = await stored_url(dmp)
    for accept in (None, "*/*", "application/pdf", "application/*", "text/html;q=0.5, application/pdf"):
        answer = await dmp.get(url, headers={"accept": accept} if accept else {})
        assert answer.status_code == 200 and answer.content == PDF, accept
        assert answer.headers["content-type"] == "application/pdf"


async def test_a_binary_when_fhir_json_is_asked_for(dmp):
    url = await stored_url(dmp)
    answer = await dmp.get(url, headers={"accept": "application/fhir+json"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
    binary = answer.json()
    assert binary["resourceType"] == "Binary" and base64.b64decode(binary["data"]) == PDF
    assert binary["contentType"] == "application/pdf"
    assert binary["securityContext"]["reference"].startswith("DocumentReference/")


async def test_unknown_ids_are_404_and_unacceptable_types_406(dmp):
    url = await stored_url(dmp)
    missing = await dmp.get("/Binary/0c2d6c04-0000-4000-8000-00000000dead")
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    refused = await dmp.get(url, headers={"accept": "text/html"})
    assert refused.status_code == 406 and "MES-0013" in refused.text
    quality_zero = await dmp.get(url, headers={"accept": "application/pdf;q=0"})
    assert quality_zero.status_code == 406
    bad_id = await dmp.get("/Binary/" + "x" * 70)
    assert bad_id.status_code == 400


@pytest.mark.parametrize(("accept", "expected"), [
    (None, "raw"), ("", "raw"), ("application/fhir+json", "fhir"), ("application/json", "fhir"),
    ("application/pdf, application/fhir+json", "fhir"), ("*/*", "raw"), ("APPLICATION/PDF", "raw")])
def test_representation(accept, expected):
    assert representation(accept, "application/pdf") == expected


async def test_a_masked_document_is_403_to_another_physician_but_not_in_an_emergency_mode(dmp):
    bundle = provide_bundle(documents=(PDF,), content_type="application/pdf")
    bundle["entry"][1]["resource"]["securityLabel"].append({"coding": [{
        "system": "https://mos.esante.gouv.fr/NOS/TRE_A07-StatutVisibiliteDocument/FHIR/"
                  "TRE-A07-StatutVisibiliteDocument", "code": "MASQUE_PS"}]})
    answer = await dmp.post("", bundle)
    url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    assert (await dmp.get(url)).status_code == 200  # the author sees it
    kit = await psc_support.Psc(dmp.http, dmp.tenant).login(login_hint="899700427885")
    other = Dmp(dmp.http, dmp.tenant, kit["access_token"])
    refused = await other.get(url)
    assert refused.status_code == 403 and "MES-0203" in refused.text
    emergency = await other.get(url, headers={"x-access-mode": "bris_de_glace"})
    assert emergency.status_code == 200 and emergency.content == PDF
    bad_mode = await other.get(url, headers={"x-access-mode": "whenever"})
    assert bad_mode.status_code == 400 and "MES-0201" in bad_mode.text


async def test_another_tenant_never_sees_a_document(dmp):
    url = await stored_url(dmp)
    other = await Dmp.login(dmp.http)  # the same professional in another tenant
    rid = url.rsplit("/", 1)[1]
    assert (await other.get(f"/Binary/{rid}")).status_code == 404
    assert (await dmp.get(url, headers={"authorization": f"Bearer {other.token}"})).status_code == 401


async def test_a_text_document_keeps_its_mime_type_without_an_added_charset(dmp):
    answer = await dmp.post("", provide_bundle(documents=(b"Compte rendu\n",), content_type="text/plain"))
    assert answer.status_code == 200, answer.text
    url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    answer = await dmp.get(url)
    assert answer.status_code == 200 and answer.headers["content-type"] == "text/plain"
