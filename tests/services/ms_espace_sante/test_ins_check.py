"""confirm_ins against INSi in an in-process gateway, through the kernel's peer client: a known INS with
its traits is confirmed; an unknown, former, provisional INS or other traits get 422 with their code."""

from __future__ import annotations

import uuid

import httpx
import pytest

from core.errors import SandboxError
from core.peers import Peers
from core.settings import SandboxSettings
from gateway.app import create_app
from gateway.registry import DEFAULT_SERVICES
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.ins_check import NIA, NIR, confirm_ins
from tests.services.ms_espace_sante import support

PUBLIC = "http://sandbox.test"
INSI = [spec for spec in DEFAULT_SERVICES if spec.slug == "ins-teleservice"]


def traits(family: str = "ADRUN", given: str = "ZOE", gender: str = "female", birth: str = "1975-12-31") -> dict:
    """Adrun Zoé (CNDA persona, INS 275126322074974) as a DMP Patient holds her."""
    return {"resourceType": "Patient", "name": [{"use": "official", "family": family, "given": [given]}],
            "gender": gender, "birthDate": birth}


@pytest.fixture
async def insi(tmp_path):
    """A peer client on ins-teleservice for a fresh tenant, through the gateway (as the DMP calls it)."""
    sandbox = SandboxSettings(data_dir=tmp_path, public_url=PUBLIC)
    gateway = create_app(sandbox, INSI)
    async with gateway.router.lifespan_context(gateway):
        peers = Peers(sandbox)
        peers.mount(gateway)
        yield peers.client("ins-teleservice", f"m2-{uuid.uuid4().hex[:8]}")
        await peers.aclose()


async def refusal(peer, **kwargs) -> tuple[int, list[tuple[str, str]]]:
    with pytest.raises(SandboxError) as caught:
        await confirm_ins(peer, **kwargs)
    issues = caught.value.outcome()["issue"]
    return caught.value.status, [(i["details"]["coding"][0]["code"], i["expression"][0]) for i in issues]


async def test_a_known_ins_with_its_traits_is_confirmed(insi):
    confirmed = await confirm_ins(insi, ins=support.ADRUN_INS, traits=traits())
    assert (confirmed.ins, confirmed.system) == (support.ADRUN_INS, NIR)
    assert confirmed.patient["resourceType"] == "Patient"


async def test_an_unknown_ins_is_refused(insi):
    # a well-formed INS (valid key) that INSi does not hold
    status, found = await refusal(insi, ins="185076311304276", traits=traits())
    assert status == 422 and found == [(MesCode.INS_UNKNOWN, "subject")]


async def test_an_ins_whose_key_fails_is_unknown(insi):
    status, found = await refusal(insi, ins="275126322074900", traits=traits())
    assert status == 422 and found == [(MesCode.INS_UNKNOWN, "subject")]


async def test_other_traits_are_refused_trait_by_trait(insi):
    status, found = await refusal(insi, ins=support.ADRUN_INS, traits=traits("ADRUNE", birth="1975-12-30"))
    assert status == 422
    assert found == [(MesCode.INS_TRAITS_MISMATCH, "Patient.name.family"),
                     (MesCode.INS_TRAITS_MISMATCH, "Patient.birthDate")]


async def test_a_nia_is_refused_without_asking_insi():
    class Never:
        async def post(self, *args, **kwargs):
            raise AssertionError("INSi must not be called for a NIA")

    status, found = await refusal(Never(), ins=support.NIA_INS, traits=traits(), system=NIA)
    assert status == 422 and found == [(MesCode.PROVISIONAL_IDENTITY, "subject")]


async def test_insi_unreachable_is_a_502():
    class Down:
        async def post(self, *args, **kwargs):
            raise httpx.ConnectError("refused")

    status, found = await refusal(Down(), ins=support.ADRUN_INS, traits=traits())
    assert status == 502 and found == [(MesCode.INS_UNAVAILABLE, "subject")]


async def test_a_former_ins_is_refused_naming_the_active_one(insi):
    ecetinsi = traits("ECETINSI", "PIERRE-ALAIN", "male", "2009-07-14")
    status, found = await refusal(insi, ins="209066322012355", traits=ecetinsi)
    assert status == 422 and found == [(MesCode.INS_FORMER, "subject")]


async def test_an_identity_insi_holds_under_a_nia_is_provisional(insi):
    # persona provisoire-matricule: INSi returns a NIA whose digits look like a NIR (CNDA TEST_2.05)
    nia = traits("PROVISOIRE", "MATRICULE", "male", "2009-07-01")
    status, found = await refusal(insi, ins=support.NIA_INS, traits=nia, system=NIR)
    assert status == 422 and found == [(MesCode.PROVISIONAL_IDENTITY, "subject")]
