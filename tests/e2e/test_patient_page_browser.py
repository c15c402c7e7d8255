"""The patient's Mon espace santé page in a real browser (Debian's headless Chromium, driven by Playwright):
Zoé Adrun logs in with a click, sees the report her médecin traitant shared, masks it, blocks a professional
and reads her activity history; each control works from the page. Screenshots are written to the test's
directory (and to $SANDBOX_TEST_ARTIFACTS when set), for a person to look at."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

ADRUN_INS, KIT_DOC, ROBERT = "275126322074974", "899700427885", "899700218896"



def professional_token(base: str) -> str:
    """Dr Robert's access token (Pro Santé Connect, scripted login), to feed a report."""
    realm = f"{base}/pro-sante-connect/auth/realms/esante-wallet"
    query = urlencode({"response_type": "code", "client_id": "sandbox-practice-software", "scope": "openid scope_all",
                       "redirect_uri": "http://localhost:3000/callback", "state": "s", "login_hint": ROBERT})
    location = httpx.get(f"{base}/pro-sante-connect/wallet/auth?{query}").headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    answer = httpx.post(f"{realm}/protocol/openid-connect/token", auth=("sandbox-practice-software",
                                                                         "sandbox-practice-secret"),
                        data={"grant_type": "authorization_code", "code": code,
                              "redirect_uri": "http://localhost:3000/callback"})
    return answer.json()["access_token"]


def report() -> dict:
    raw = "Compte rendu : tension 12/8, rien à signaler.".encode()
    return {"resourceType": "DocumentReference", "status": "current",
            "contained": [{"resourceType": "Practitioner", "id": "a", "identifier": [
                {"system": "urn:oid:1.2.250.1.71.4.2.1", "value": ROBERT}], "name": [{"family": "SPECIALISTE"}]}],
            "masterIdentifier": {"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.250.1.999.77.1"},
            "type": {"coding": [{"system": "http://loinc.org", "code": "11488-4"}]},
            "category": [{"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_A03-ClasseDocument/FHIR/"
                                                "TRE-A03-ClasseDocument", "code": "10"}]}],
            "subject": {"reference": f"Patient?identifier=urn:oid:1.2.250.1.213.1.4.8|{ADRUN_INS}"},
            "date": "2026-11-30T10:00:00+01:00", "author": [{"reference": "#a"}],
            "securityLabel": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
                                           "code": "N"}]}],
            "content": [{"attachment": {"contentType": "text/plain", "language": "fr-FR", "title": "Consultation",
                                        "creation": "2026-11-30T10:00:00+01:00", "size": len(raw),
                                        "hash": base64.b64encode(hashlib.sha1(raw).digest()).decode(),  # noqa: S324
                                        "data": base64.b64encode(raw).decode()},
                         "format": {"system": "http://ihe.net/fhir/ihe.formatcode.fhir/CodeSystem/formatcode",
                                    "code": "urn:ihe:iti:xds:2017:mimeTypeSufficient"}}],
            "context": {"period": {"start": "2026-11-30T10:00:00+01:00"},
                        "facilityType": {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_R02-Secteur"
                                                               "Activite/FHIR/TRE-R02-SecteurActivite",
                                                     "code": "SA07"}]},
                        "practiceSetting": {"coding": [{"system": "https://mos.esante.gouv.fr/NOS/TRE_A01-Cadre"
                                                                  "Exercice/FHIR/TRE-A01-CadreExercice",
                                                        "code": "AMBULATOIRE"}]}}}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with serve_gateway(tmp_path_factory.mktemp("patient-page"), DEFAULT_SERVICES) as url:
        fed = httpx.post(f"{url}/ms-espace-sante/fhir/DocumentReference", json=report(), timeout=30,
                         headers={"Authorization": f"Bearer {professional_token(url)}",
                                  "Content-Type": "application/fhir+json"})
        assert fed.status_code == 201, fed.text
        yield url



def shoot(page, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    for folder in (tmp_path, Path(os.environ["SANDBOX_TEST_ARTIFACTS"]) if os.environ.get("SANDBOX_TEST_ARTIFACTS")
                   else None):
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"patient-page-{name}.png"), full_page=True)


def test_the_patient_masks_blocks_and_reads_her_history_from_her_page(base, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/ms-espace-sante/espace")
    assert "Connexion à Mon espace santé" in page.inner_text("h1")  # the citizen login's picker
    page.get_by_role("button", name="Se connecter en tant que ZOE ADRUN").click()
    page.wait_for_url(f"{base}/ms-espace-sante/espace")
    assert page.inner_text("h1") == "Bonjour ZOE ADRUN"
    document = page.locator("li.document").filter(has_text="Consultation")
    assert "Visible des professionnels autorisés" in document.inner_text()
    shoot(page, tmp_path, "1-logged-in")
    document.get_by_role("button", name="Masquer aux professionnels").click()
    page.wait_for_load_state()
    assert page.inner_text("#notice") == "Document masqué aux professionnels."
    assert "Masqué aux professionnels" in page.locator("li.document").filter(has_text="Consultation").inner_text()
    page.get_by_label("Bloquer un professionnel (idNat_PS)").fill(KIT_DOC)
    page.get_by_role("button", name="Bloquer", exact=True).click()
    page.wait_for_load_state()
    assert KIT_DOC in page.locator("li.blocked").inner_text()
    history = page.locator("table.history tbody").inner_text()
    assert "ZOE ADRUN" in history and "ROBERT SPECIALISTE" in history  # her own reads, the author's feed
    shoot(page, tmp_path, "2-masked-and-blocked")
    page.locator("li.blocked").get_by_role("button", name="Débloquer").click()
    page.wait_for_load_state()
    assert page.locator("li.blocked").count() == 0
    assert errors == []
    page.close()
