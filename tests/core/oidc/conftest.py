"""Fixtures of the verifier tests: a fake issuer mounted as the peers' in-process gateway, a clock."""

from __future__ import annotations

import pytest
from joserfc.jwk import RSAKey

from core.oidc.verifier import TokenVerifier
from core.peers import Peers
from core.settings import SandboxSettings
from tests.core.oidc.fake_issuer import PUBLIC, Clock, FakeIssuer, rsa_key


@pytest.fixture(scope="session")
def rsa_keys() -> dict[str, RSAKey]:
    """Generated once: RSA generation is the slow part of these tests."""
    return {kid: rsa_key(kid) for kid in ("default-1", "acme-1", "acme-2", "acme-3")}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def issuer(rsa_keys: dict[str, RSAKey], clock: Clock) -> FakeIssuer:
    return FakeIssuer(rsa_keys, clock)


@pytest.fixture
async def peers(issuer: FakeIssuer):
    peers = Peers(SandboxSettings(public_url=PUBLIC))
    peers.mount(issuer.app)
    yield peers
    await peers.aclose()


@pytest.fixture
def verifier(peers: Peers, clock: Clock) -> TokenVerifier:
    return TokenVerifier(peers, clock=clock)
