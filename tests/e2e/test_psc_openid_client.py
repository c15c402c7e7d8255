"""Interoperability with the npm ``openid-client`` relying party (panva, v6) in its default configuration.

openid-client authenticates a client that has a secret with ``client_secret_post`` by default, which the
demo client (registered ``client_secret_basic``) must accept, as Keycloak (real PSC) does (issue 10).
The library is installed with ``npm ci`` from ``tests/e2e/node/package-lock.json`` into
``tests/e2e/node/node_modules`` (not committed; reused while it matches the lock file). Without node or
npm the test is skipped locally and fails in CI (``CI`` set), as the PostgreSQL and browser tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.registry import DEFAULT_SERVICES
from tests.e2e.conftest import serve_gateway

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "psc_openid_client.mjs"
REALM = "/pro-sante-connect/auth/realms/esante-wallet"
PRACTICE = ("sandbox-practice-software", "sandbox-practice-secret")
REDIRECT = "http://localhost:3000/callback"
KIT = "899700427885"  # persona kit-doc, the real sandbox's KIT DOC0042788


def missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the openid-client interop test, it may not be skipped there")
    pytest.skip(reason)


def locked_version() -> str:
    lock = json.loads((NODE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/openid-client"]["version"]


def installed_version() -> str | None:
    manifest = NODE_DIR / "node_modules" / "openid-client" / "package.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["version"] if manifest.exists() else None


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, with openid-client installed as locked (``npm ci`` when it is not)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing("node and npm are needed (apt-get install nodejs npm)")
    if installed_version() != locked_version():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR,
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            missing(f"npm ci failed in {NODE_DIR}: {done.stderr[-2000:]}")
    assert installed_version() == locked_version()
    return node


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    with serve_gateway(tmp_path_factory.mktemp("openid-client"), DEFAULT_SERVICES) as url:
        yield url


def test_openid_client_defaults_log_in_exchange_read_userinfo_and_refresh(node, base):
    env = {**os.environ, "PSC_ISSUER": base + REALM, "PSC_CLIENT_ID": PRACTICE[0], "PSC_CLIENT_SECRET": PRACTICE[1],
           "PSC_REDIRECT_URI": REDIRECT, "PSC_LOGIN_HINT": KIT}
    done = subprocess.run([node, str(SCRIPT)], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["issuer"] == base + REALM
    # the library's default: client_secret_post (secret in the body, no Basic header), for every token request
    assert result["token_requests"] and all(
        r["client_secret_in_body"] and not r["basic"] for r in result["token_requests"])
    assert [r["grant_type"] for r in result["token_requests"]] == [
        "authorization_code", "refresh_token", "authorization_code"]
    ids, access, info = result["id_claims"], result["access_claims"], result["userinfo"]
    assert ids["SubjectNameID"] == info["SubjectNameID"] == KIT and ids["aud"] == PRACTICE[0]
    assert ids["session_state"] == access["session_state"] == result["session_state"]
    assert "aud" not in access and access["authMode"] == "MOBILE" and access["otherIds"][0]["identifiant"] == KIT
    assert info["family_name"] == "DOC0042788" and info["sub"] == ids["sub"]
    assert result["refreshed_sub"] == ids["sub"]
    assert result["form_post"] == {"status": 200, "sub": ids["sub"]}
