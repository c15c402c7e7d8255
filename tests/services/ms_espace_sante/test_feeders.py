"""Feeding software (feeders.py, deps.Writer): a national service's software token writes to a DMP.

The ordonnance numérique's demo client (``sandbox-eprescription``, MS_ESPACE_SANTE_FEEDER_CLIENTS by default)
feeds a prescription (57833-6, class 42) and a dispensation (60593-1, class 43) that the patient and the
prescriber then read; other software gets 403 MES-0210; the feeder reads nothing, writes in normal mode only,
for a professional author, and replaces only what it wrote; its AuditEvent names the software.
"""

from __future__ import annotations

import pytest

from core.audit.events import CLIENT_ID_SYSTEM
from services.ms_espace_sante.settings import SLUG, MsEspaceSanteSettings
from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.support import ADRUN_INS, CLASSES, INS_SYSTEM, Dmp, location_id
from tests.services.ms_espace_sante.test_writes import events, refusals
from tests.services.pro_sante_connect import support as psc_support

FEEDER = ("sandbox-eprescription", "sandbox-eprescription-secret")
GIRARD = "899799000031"  # persona pharmacien-girard
SEARCH = "/DocumentReference"
PDF = b"%PDF-1.4\n% dispensation\n%%EOF\n"


async def software(dmp: Dmp, client: tuple[str, str] = FEEDER) -> Dmp:
    """A :class:`Dmp` acting with a client-credentials token of ``client`` on the same tenant."""
    answer = await psc_support.Psc(dmp.http, dmp.tenant).token({"grant_type": "client_credentials"}, auth=client)
    assert answer.status_code == 200, answer.text
    return Dmp(dmp.http, dmp.tenant, answer.json()["access_token"])


def typed(doc: dict, loinc: str, klass: str) -> dict:
    doc["type"] = {"coding": [{"system": "http://loinc.org", "code": loinc}]}
    doc["category"] = [{"coding": [{"system": CLASSES, "code": klass}]}]
    return doc


def prescription(**kwargs) -> dict:
    """An ITI-65 bundle of a prescription (57833-6, class 42) that Dr Robert wrote (support.author)."""
    bundle = support.provide_bundle(documents=(b"Ordonnance: amoxicilline 1 g, 3 fois par jour, 6 jours.",),
                                    **kwargs)
    typed(bundle["entry"][1]["resource"], "57833-6", "42")
    return bundle


def dispensation() -> dict:
    """An ITI-105 dispensation (60593-1, class 43, a PDF) that the pharmacist Luc Girard wrote."""
    doc = typed(support.simplified(raw=PDF, content_type="application/pdf"), "60593-1", "43")
    doc["contained"][0]["identifier"][0]["value"] = GIRARD
    return doc


def mine(ins: str = ADRUN_INS) -> dict:
    return {"patient.identifier": f"{INS_SYSTEM}|{ins}", "status": "current"}


def document_id(answer) -> str:  # noqa: ANN001 - an ITI-65 response
    return location_id(answer.json()["entry"][1]["response"]["location"])


def software_agent(event: dict) -> dict:
    (agent,) = event["agent"]
    return agent


def test_the_ordonnance_numerique_is_the_default_feeder(monkeypatch):
    assert MsEspaceSanteSettings.for_slug(SLUG).feeder_clients == ["sandbox-eprescription"]
    monkeypatch.setenv("MS_ESPACE_SANTE_FEEDER_CLIENTS", "a, b")
    assert MsEspaceSanteSettings.for_slug(SLUG).feeder_clients == ["a", "b"]


async def test_a_feeders_prescription_is_read_by_the_patient_and_the_prescriber(dmp):
    feeder = await software(dmp)
    answer = await feeder.post("", prescription())
    assert answer.status_code == 200, answer.text
    rid = document_id(answer)
    patient = await support.patient_dmp(dmp.http, dmp.tenant)
    for reader in (patient, dmp):  # Zoé Adrun, then Dr Robert (who prescribed)
        found = await reader.get(SEARCH, params=mine())
        assert found.status_code == 200, found.text
        (entry,) = found.json()["entry"]
        doc = entry["resource"]
        assert doc["id"] == rid and doc["type"]["coding"][0]["code"] == "57833-6"
        assert doc["category"][0]["coding"][0]["code"] == "42"
        assert (await reader.get(doc["content"][0]["attachment"]["url"])).content.startswith(b"Ordonnance")


async def test_a_feeders_dispensation_in_pdf_is_published(dmp):
    feeder = await software(dmp)
    answer = await feeder.post(SEARCH, dispensation())
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["type"]["coding"][0]["code"] == "60593-1" and stored["category"][0]["coding"][0]["code"] == "43"
    retrieved = await dmp.get(stored["content"][0]["attachment"]["url"])
    assert retrieved.status_code == 200 and retrieved.content == PDF
    assert retrieved.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(("path", "body"), [("", prescription), (SEARCH, dispensation)])
async def test_software_that_is_not_a_feeder_gets_mes_0210_and_stores_nothing(dmp, path, body):
    other = await software(dmp, psc_support.PRACTICE)  # the practice software's own token, no user
    before = dmp.counts()
    refused = await other.post(path, body())
    assert refused.status_code == 403 and "MES-0210" in refused.text, refused.text
    assert "MS_ESPACE_SANTE_FEEDER_CLIENTS" in refused.json()["issue"][0]["diagnostics"]
    assert dmp.counts() == before  # refused on the token, before INSi is asked: nothing traced either


async def test_the_setting_names_the_feeders(tmp_path, monkeypatch):
    monkeypatch.setenv("MS_ESPACE_SANTE_FEEDER_CLIENTS", psc_support.PRACTICE[0])
    async for http in support.sandbox(tmp_path):
        dmp = await Dmp.login(http)
        assert (await (await software(dmp, psc_support.PRACTICE)).post("", prescription())).status_code == 200
        refused = await (await software(dmp)).post("", prescription())
        assert refused.status_code == 403 and "MES-0210" in refused.text


async def test_a_feeder_reads_nothing_as_any_software(dmp):
    written = await dmp.post("", prescription())
    binary = written.json()["entry"][2]["response"]["location"].split("/_history/")[0]
    feeder = await software(dmp)
    for answer in (await feeder.get(SEARCH, params=mine()), await feeder.get(binary),
                   await feeder.get("/Patient", params={"identifier": f"{INS_SYSTEM}|{ADRUN_INS}"}),
                   await feeder.get("/List", params={**mine(), "code": "submissionset"}),
                   await feeder.get("/AuditEvent", params={"patient.identifier": f"{INS_SYSTEM}|{ADRUN_INS}"}),
                   await feeder.get("/Consent")):
        assert answer.status_code == 403 and "AUTH-0008" in answer.text, answer.text


@pytest.mark.parametrize(("path", "body", "subtype"), [("", prescription, "ITI-65"),
                                                       (SEARCH, dispensation, "ITI-105")])
@pytest.mark.parametrize("mode", ["bris_de_glace", "centre_15"])
async def test_a_feeder_writes_in_normal_mode_only(dmp, path, body, subtype, mode):
    feeder = await software(dmp)
    before = dmp.counts()
    refused = await feeder.post(path, body(), **{"x-access-mode": mode})
    assert refused.status_code == 403 and "MES-0206" in refused.text, refused.text
    assert refused.json()["issue"][0]["expression"] == ["X-Access-Mode"]
    assert dmp.counts() == {**before, "AuditEvent": before.get("AuditEvent", 0) + 1}
    (event,) = refusals(dmp, subtype)
    assert software_agent(event)["who"]["identifier"] == {"system": CLIENT_ID_SYSTEM, "value": FEEDER[0]}
    assert (await feeder.post(path, body(), **{"x-access-mode": "normal"})).status_code in (200, 201)


async def test_the_audit_event_of_a_feed_names_the_software_and_the_patient_reads_it(dmp):
    feeder = await software(dmp)
    assert (await feeder.post("", prescription())).status_code == 200
    (event,) = [e for e in events(dmp) if e["subtype"][0]["code"] == "ITI-65"]
    agent = software_agent(event)
    assert event["outcome"] == "0" and agent["requestor"] is True
    assert agent["who"] == {"identifier": {"system": CLIENT_ID_SYSTEM, "value": FEEDER[0]}, "display": FEEDER[0]}
    patient = await support.patient_dmp(dmp.http, dmp.tenant)
    history = (await patient.get("/AuditEvent")).json()
    fed = [e["resource"] for e in history["entry"] if e["resource"]["subtype"][0]["code"] == "ITI-65"]
    assert [software_agent(e)["who"]["identifier"]["value"] for e in fed] == [FEEDER[0]]


@pytest.mark.parametrize(("path", "body", "where"), [
    ("", prescription, "Bundle.entry[1].resource.author"), (SEARCH, dispensation, "DocumentReference.author")])
async def test_a_feeder_writes_for_a_professional_author(dmp, path, body, where):
    document = body()
    doc = document["entry"][1]["resource"] if path == "" else document
    doc["contained"] = [{"resourceType": "Device", "id": "author", "deviceName": [
        {"name": "Base nationale des ordonnances", "type": "user-friendly-name"}]}]
    before = dmp.counts()
    refused = await (await software(dmp)).post(path, document)
    assert refused.status_code == 422 and "MES-0108" in refused.text, refused.text
    assert refused.json()["issue"][0]["expression"] == [where]
    assert dmp.counts() == before
    assert (await dmp.post(path, document)).status_code in (200, 201)  # a professional may name a device


async def test_a_feeder_replaces_its_own_documents_only(dmp):
    feeder = await software(dmp)
    own = document_id(await feeder.post("", prescription()))
    replaced = await feeder.post("", prescription(replaces=own))
    assert replaced.status_code == 200, replaced.text
    robert = document_id(await dmp.post("", support.provide_bundle()))
    before = dmp.counts()
    refused = await feeder.post("", prescription(replaces=robert))
    assert refused.status_code == 403 and "MES-0211" in refused.text, refused.text
    assert refused.json()["issue"][0]["expression"] == ["Bundle.entry[1].resource.relatesTo"]
    assert dmp.counts() == {**before, "AuditEvent": before.get("AuditEvent", 0) + 1}
    (event,) = refusals(dmp, "ITI-65")
    assert f"DocumentReference/{robert}" in [e.get("what", {}).get("reference") for e in event["entity"]]
    current = document_id(replaced)
    assert (await dmp.post("", support.provide_bundle(replaces=current))).status_code == 200  # the prescriber may
