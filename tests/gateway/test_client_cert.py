"""INSi's certificate check through the gateway: the CN header counts only when a trusted terminator set it."""

from __future__ import annotations

import pytest

from gateway.registry import DEFAULT_SERVICES
from tests.services.ins_teleservice.support import TRAITS, cr, envelope, fault, traits_body

INSI = next(spec for spec in DEFAULT_SERVICES if spec.slug == "ins-teleservice")
ADRUN = traits_body("ADRUN", "ZOE", sex="F", birth_date="1975-12-31")
SOAP = {"content-type": f'application/soap+xml; charset=utf-8; action="{TRAITS}"'}


@pytest.fixture(autouse=True)
def _cert_check_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INS_TELESERVICE_CERT_CN_CHECK", "true")


async def test_a_client_cannot_pass_the_insi_certificate_check_by_sending_the_cn_header(start_gateway) -> None:
    async with start_gateway(services=[INSI]) as client:
        for cn in ("INSI-AUTO", "INSI-MANU"):
            response = await client.post("/ins-teleservice/lps", content=envelope(ADRUN).encode(),
                                         headers={**SOAP, "x-ssl-client-cn": cn})
            assert fault(response)["code"] == "DESIR_560"


async def test_the_cn_header_of_a_trusted_terminator_reaches_insi(start_gateway) -> None:
    async with start_gateway(services=[INSI], trusted_proxies="127.0.0.1") as client:
        headers = {**SOAP, "x-ssl-client-cn": "INSI-AUTO"}
        assert cr(await client.post("/ins-teleservice/lps", content=envelope(ADRUN).encode(), headers=headers)) == "00"
        headers = {**SOAP, "x-ssl-client-cn": "SOMEONE"}
        refused = await client.post("/ins-teleservice/lps", content=envelope(ADRUN).encode(), headers=headers)
        assert fault(refused)["code"] == "DESIR_560"
