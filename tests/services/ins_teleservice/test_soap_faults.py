"""Bad INSi requests: each gets one precise SOAP fault, with its stable code in siram:Erreur (digest §1.3)."""

from __future__ import annotations

import logging

import pytest

from tests.services.ins_teleservice.support import (
    BAM,
    LPS,
    MESSAGE_ID,
    NS,
    SOAP12,
    TRAITS,
    VITALE,
    call,
    cr,
    envelope,
    fault,
    traits_body,
    vitale_body,
)

ADRUN = traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-12-31")
WSA_NS = 'xmlns:wsa="http://www.w3.org/2005/08/addressing"'


async def test_unknown_idam_is_siram_100_desir_550_with_the_message_id(insi):
    found = fault(await call(insi, envelope(ADRUN, idam="FAKE-IDAM"), action=TRAITS))
    assert found["value"] == "soap:Sender"
    assert found["subcodes"] == ["soap:siram_100"]
    assert (found["code"], found["message_id"]) == ("desir_550", MESSAGE_ID)
    assert found["root"].find(".//siram:Erreur", NS).get("severite") == "erreur"


async def test_unknown_idam_fault_has_the_real_texts_and_the_help_outside_the_soap(insi, caplog):
    """Reason and siram:Erreur word for word as the qualification service (issue 10 / CNDA recordings); the
    sandbox's advice goes in the X-Sandbox-Help header and a WARNING log line, never in the SOAP text."""
    with caplog.at_level(logging.WARNING, logger="services.ins_teleservice"):
        response = await call(insi, envelope(ADRUN, idam="FAKE-IDAM"), action=TRAITS)
    root = fault(response)["root"]
    assert root.findtext(".//s:Reason/s:Text", namespaces=NS) == (
        "L'accès par ce progiciel au service n'est pas autorisé. Contactez l'éditeur du progiciel ou votre "
        "responsable informatique.")
    assert root.find(".//s:Reason/s:Text", NS).get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert root.findtext(".//siram:Erreur", namespaces=NS) == "Numéro d'autorisation du logiciel inconnu."
    assert "SANDBOX-IDAM" not in response.text and "FAKE-IDAM" not in response.text
    advice = response.headers["x-sandbox-help"]
    for part in ("'FAKE-IDAM'", "SANDBOX-IDAM-DEMO, SANDBOX-IDAM-CI", "INS_TELESERVICE_APPROVED_IDAMS",
                 f"POST http://sandbox.test/t/{insi.tenant}/ins-teleservice/_admin/software"):
        assert part in advice
    [record] = [r for r in caplog.records if "desir_550" in r.getMessage()]
    assert record.levelno == logging.WARNING and advice in record.getMessage()


async def test_help_header_quotes_a_hostile_idam_safely(insi):
    response = await call(insi, envelope(ADRUN, idam="É\u2028&#10;X&#13;Y"), action=TRAITS)
    assert fault(response)["code"] == "desir_550"
    assert all(" " <= c <= "~" for c in response.headers["x-sandbox-help"])


async def test_approved_idams_come_from_settings(make_client):
    async with make_client(approved_idams=["MY-LPS"]) as client:
        assert cr(await call(client, envelope(ADRUN, idam="MY-LPS"), action=TRAITS)) == "00"
        assert fault(await call(client, envelope(ADRUN), action=TRAITS))["code"] == "desir_550"
    async with make_client(approved_idams=["*"]) as client:
        assert cr(await call(client, envelope(ADRUN, idam="ANYTHING"), action=TRAITS)) == "00"


async def test_fault_http_status_is_configurable(make_client):
    async with make_client(fault_http_status=400) as client:
        assert fault(await call(client, envelope(ADRUN, idam="FAKE"), action=TRAITS), 400)["code"] == "desir_550"


@pytest.mark.parametrize("message_id, code, subcodes", [
    (None, "INS-0009", ["wsa:MessageAddressingHeaderRequired"]),
    ("", "INS-0010", ["wsa:InvalidAddressingHeader"]),
    ("not a uri", "INS-0010", ["wsa:InvalidAddressingHeader"]),
])
async def test_message_id_missing_or_malformed(insi, message_id, code, subcodes):
    found = fault(await call(insi, envelope(ADRUN, message_id=message_id), action=TRAITS))
    assert (found["code"], found["subcodes"]) == (code, subcodes)
    assert found["root"].findtext(".//wsa:ProblemHeaderQName", namespaces=NS) == "wsa:MessageID"


async def test_repeated_message_id_is_invalid_cardinality(insi):
    extra = f"<wsa:MessageID {WSA_NS}>uuid:other</wsa:MessageID>"
    found = fault(await call(insi, envelope(ADRUN, extra_headers=extra), action=TRAITS))
    assert found["code"] == "INS-0010"
    assert found["subcodes"] == ["wsa:InvalidAddressingHeader", "wsa:InvalidCardinality"]


LPS_OK = LPS.format(id="1", idam="SANDBOX-IDAM-DEMO")
BAM_OK = BAM.format(id="1")


@pytest.mark.parametrize("lps", [
    "",
    LPS_OK + LPS_OK,
    LPS_OK.replace('Nature="CTXLPS" ', ""),
    LPS_OK.replace('Nature="CTXLPS"', 'Nature="CTXBAM"'),
    LPS_OK.replace(' Version="01_00"', ""),
    LPS_OK.replace(' R="4"', ""),
    LPS_OK.replace("SANDBOX-IDAM-DEMO", ""),
    LPS_OK.replace("2024-05-01T10:15:00.000Z", "hier"),
    LPS_OK.replace("<ctxlps:Id>1</ctxlps:Id>", ""),
    LPS_OK[:LPS_OK.index("<ctxlps:LPS>")] + "</ctxlps:ContexteLPS>",
    LPS_OK.replace("<ctxlps:Emetteur>", "<ctxlps:Intrus/><ctxlps:Emetteur>"),
], ids=["missing", "repeated", "no-nature", "wrong-nature", "no-version", "no-R", "empty-idam", "bad-time", "no-id",
        "no-lps", "unknown-child"])
async def test_contexte_lps_problems_are_ins_0011(insi, lps):
    found = fault(await call(insi, envelope(ADRUN, lps=lps), action=TRAITS))
    assert (found["code"], found["message_id"]) == ("INS-0011", MESSAGE_ID)


@pytest.mark.parametrize("bam", [
    "", BAM_OK + BAM_OK, BAM_OK.replace(' Version="01_02"', ""),
    BAM_OK.replace("<ctxbam:COUVERTURE></ctxbam:COUVERTURE>", ""),
    BAM_OK.replace("<ctxbam:Id>1</ctxbam:Id>", ""),
    BAM_OK.replace("2024-05-01T10:15:00.000Z", "2024-05-01"),
], ids=["missing", "repeated", "no-version", "no-couverture", "no-id", "date-without-time"])
async def test_contexte_bam_problems_are_ins_0012(insi, bam):
    assert fault(await call(insi, envelope(ADRUN, bam=bam), action=TRAITS))["code"] == "INS-0012"


@pytest.mark.parametrize("raw", [b"", b"<soap:Envelope", b"\xff\xfe<a/>", b"<a>&undefined;</a>"])
async def test_malformed_xml_is_ins_0001(insi, raw):
    assert fault(await call(insi, raw, action=TRAITS))["code"] == "INS-0001"


async def test_dtd_and_entity_expansion_are_refused(insi):
    bomb = ('<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
            + envelope(ADRUN).split("?>", 1)[1].replace("ADRUN", "&b;"))
    assert fault(await call(insi, bomb, action=TRAITS))["code"] == "INS-0001"


async def test_soap_11_gets_a_soap_11_version_mismatch_with_upgrade(insi):
    xml = envelope(ADRUN).replace("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/")
    response = await call(insi, xml, content_type="text/xml; charset=utf-8")
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/xml")
    assert "<faultcode>env:VersionMismatch</faultcode>" in response.text
    assert 'qname="ns1:Envelope"' in response.text and 'code="INS-0014"' in response.text


async def test_unknown_envelope_namespace_is_version_mismatch(insi):
    xml = envelope(ADRUN).replace("http://www.w3.org/2003/05/soap-envelope", "urn:not-soap")
    found = fault(await call(insi, xml, action=TRAITS))
    assert (found["value"], found["code"]) == ("soap:VersionMismatch", "INS-0014")


@pytest.mark.parametrize("xml", [
    "<RECSANSVITALE/>",
    envelope(ADRUN).replace("<soap:Body>", "<soap:Body><x:Other xmlns:x='urn:x'/>"),
    envelope(ADRUN).replace(ADRUN, ""),
    envelope(ADRUN).replace("soap:Body", "soap:Corps"),
])
async def test_not_a_soap_request_is_ins_0002(insi, xml):
    assert fault(await call(insi, xml, action=TRAITS))["code"] == "INS-0002"


async def test_wrong_media_type_is_415(insi):
    found = fault(await call(insi, envelope(ADRUN), content_type="application/json"), 415)
    assert found["code"] == "INS-0003"


async def test_unknown_operation_is_action_not_supported(insi):
    action = "urn:ServiceIdentiteCertifiee:1.0.0:verifierIns"
    found = fault(await call(insi, envelope(ADRUN, action=action), action=action))
    assert (found["code"], found["subcodes"]) == ("INS-0006", ["wsa:ActionNotSupported"])
    assert found["root"].findtext(".//wsa:ProblemAction/wsa:Action", namespaces=NS) == action


async def test_missing_action_is_ins_0005(insi):
    found = fault(await call(insi, envelope(ADRUN, action=None)))
    assert (found["code"], found["subcodes"]) == ("INS-0005", ["wsa:MessageAddressingHeaderRequired"])


async def test_actions_that_disagree_are_ins_0007(insi):
    found = fault(await call(insi, envelope(ADRUN), action=VITALE))
    assert (found["code"], found["subcodes"]) == ("INS-0007", ["wsa:InvalidAddressingHeader", "wsa:ActionMismatch"])


async def test_body_of_the_other_operation_is_ins_0008(insi):
    xml = envelope(vitale_body(individu=("2751263220749", "74"), birth_date="1975-12-31"), action=TRAITS)
    assert fault(await call(insi, xml, action=TRAITS))["code"] == "INS-0008"


async def test_unknown_must_understand_header_is_a_must_understand_fault(insi):
    extra = f'<x:Secret xmlns:x="urn:x" xmlns:soap="{SOAP12}" soap:mustUnderstand="true"/>'
    found = fault(await call(insi, envelope(ADRUN, extra_headers=extra), action=TRAITS))
    assert (found["value"], found["code"]) == ("soap:MustUnderstand", "INS-0013")
    assert found["root"].find("s:Header/s:NotUnderstood", NS).get("qname") == "h:Secret"


async def test_unknown_optional_header_is_ignored(insi):
    extra = '<x:Trace xmlns:x="urn:x">1</x:Trace>'
    assert cr(await call(insi, envelope(ADRUN, extra_headers=extra), action=TRAITS)) == "00"


@pytest.mark.parametrize("traits, code", [
    ({"sex": "F", "birth_date": "1975-12-31"}, "INS-0020"),
    ({"birth_name": "ADRUN", "birth_date": "1975-12-31"}, "INS-0020"),
    ({"birth_name": "ADRUN", "sex": "F"}, "INS-0020"),
    ({"birth_name": " ", "sex": "F", "birth_date": "1975-12-31"}, "INS-0020"),
    ({"birth_name": "ADRUN", "sex": "X", "birth_date": "1975-12-31"}, "INS-0022"),
    ({"birth_name": "ADRUN", "sex": "f", "birth_date": "1975-12-31"}, "INS-0022"),
    ({"birth_name": "ADR0N", "sex": "F", "birth_date": "1975-12-31"}, "INS-0021"),
    ({"birth_name": "ADRUN-", "sex": "F", "birth_date": "1975-12-31"}, "INS-0021"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1975-02-30"}, "INS-0023"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1975-13-01"}, "INS-0023"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "31/12/1975"}, "INS-0023"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "2999-01-01"}, "INS-0023"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1700-01-01"}, "INS-0023"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1975-12-31", "birth_place": "99100"}, "INS-0024"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1975-12-31", "birth_place": "20004"}, "INS-0024"),
    ({"birth_name": "ADRUN", "sex": "F", "birth_date": "1975-12-31", "birth_place": "632"}, "INS-0024"),
])
async def test_missing_or_invalid_traits(insi, traits, code):
    others = {k: v for k, v in traits.items() if k != "birth_name"}
    found = fault(await call(insi, envelope(traits_body(traits.get("birth_name"), "ZOE", **others)), action=TRAITS))
    assert (found["subcodes"], found["code"]) == ([f"soap:{code}"], code)


async def test_empty_first_name_is_ins_0020(insi):
    body = traits_body("ADRUN", "", sex="F", birth_date="1975-12-31")
    assert fault(await call(insi, envelope(body), action=TRAITS))["code"] == "INS-0020"


async def test_lunar_dates_are_accepted_unless_disabled(make_client):
    body = envelope(traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-00-00"))
    async with make_client() as client:
        assert cr(await call(client, body, action=TRAITS)) == "01"
    async with make_client(accept_lunar_dates=False) as client:
        assert fault(await call(client, body, action=TRAITS))["code"] == "INS-0023"


@pytest.mark.parametrize("body", [
    ADRUN.replace("<rs:NomNaissance>", "<rs:Surnom>x</rs:Surnom><rs:NomNaissance>"),
    ADRUN.replace("<rs:Sexe>F</rs:Sexe>", "").replace("<rs:NomNaissance>", "<rs:Sexe>F</rs:Sexe><rs:NomNaissance>"),
    ADRUN.replace("<rs:Prenom>", "<rs:NomNaissance>ADRUN</rs:NomNaissance><rs:Prenom>"),
    ADRUN.replace("<rs:Prenom>ZOE</rs:Prenom>", "<rs:Prenom><b>ZOE</b></rs:Prenom>"),
    ADRUN.replace('xmlns:rs="http://www.cnamts.fr/INSiRecSans"', 'xmlns:rs="http://www.cnamts.fr/INSiRecSans" '
                  'xmlns:o="urn:o"').replace("<rs:Sexe>", "<o:Sexe>x</o:Sexe><rs:Sexe>"),
], ids=["unknown", "out-of-order", "repeated", "nested", "foreign-namespace"])
async def test_body_against_the_schema_is_ins_0015(insi, body):
    assert fault(await call(insi, envelope(body), action=TRAITS))["code"] == "INS-0015"


async def test_oversized_request_is_413(make_client):
    async with make_client(max_request_bytes=2048) as client:
        xml = envelope(ADRUN, extra_headers=f"<x:Pad xmlns:x='urn:x'>{'a' * 4096}</x:Pad>")
        assert fault(await call(client, xml, action=TRAITS), 413)["code"] == "INS-0004"


async def test_certificate_cn_check_when_enabled(make_client):
    async with make_client(cert_cn_check=True) as client:
        response = await call(client, envelope(ADRUN), action=TRAITS)
        found = fault(response)
        assert (found["subcodes"], found["code"]) == (["soap:siram_100"], "DESIR_560")
        assert found["root"].findtext(".//s:Reason/s:Text", namespaces=NS) == (
            "Vous ne disposez pas des droits suffisants pour accéder à ce service.")  # [TLSI] README
        assert "INSI-AUTO, INSI-MANU" in response.headers["x-sandbox-help"] and "INSI-" not in response.text
        response = await client.post("/lps", content=envelope(ADRUN).encode(), headers={
            "content-type": f'application/soap+xml; action="{TRAITS}"', "x-ssl-client-cn": "insi-auto"})
        assert fault(response)["code"] == "DESIR_560"
        response = await client.post("/lps", content=envelope(ADRUN).encode(), headers={
            "content-type": f'application/soap+xml; action="{TRAITS}"', "x-ssl-client-cn": "INSI-AUTO"})
        assert cr(response) == "00"


async def test_certificate_cn_is_not_checked_by_default(insi):
    response = await insi.post("/lps", content=envelope(ADRUN).encode(), headers={
        "content-type": f'application/soap+xml; action="{TRAITS}"', "x-ssl-client-cn": "SOMEONE"})
    assert cr(response) == "00"
