"""The patient's page (routers/page.py, patient_page.py), driven over HTTP as a browser would: the citizen login,
the page, each control, the cross-site form token. tests/e2e/test_patient_page.py drives it in Chromium."""

from __future__ import annotations

import re

import pytest

from tests.services.ms_espace_sante import support
from tests.services.ms_espace_sante.test_consents import KIT_DOC


async def browse(dmp) -> tuple:  # noqa: ANN001
    """Log Zoé Adrun in to her page through the picker; answer (the page's URL, its HTML)."""
    http, root = dmp.http, f"/t/{dmp.tenant}/ms-espace-sante"
    start = await http.get(f"{root}/espace")
    assert start.status_code == 303 and "/citizen/auth?" in start.headers["location"]
    picker = await http.get(start.headers["location"])
    assert picker.status_code == 200, picker.text[:300]
    request_id = re.search(r'name="request_id" value="([^"]+)"', picker.text).group(1)
    logged = await http.post(f"{root}/citizen/auth/login", data={"request_id": request_id, "ins": support.ADRUN_INS})
    assert logged.status_code == 303 and "/espace/callback?" in logged.headers["location"]
    back = await http.get(logged.headers["location"])
    assert back.status_code == 303, back.text
    page = await http.get(back.headers["location"])
    assert page.status_code == 200, page.text[:300]
    return f"{root}/espace", page.text


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def test_the_patient_logs_in_sees_her_record_and_masks_and_blocks_from_the_page(dmp):
    fed = await dmp.post("/DocumentReference", support.simplified())
    url, html = await browse(dmp)
    assert "Bonjour ZOE ADRUN" in html and "Compte rendu de consultation" in html
    assert "Visible des professionnels autorisés" in html and "Historique des accès" in html
    token = csrf_of(html)
    masked = await dmp.http.post(f"{url}/action", data={"csrf": token, "action": "mask", "value": fed.json()["id"]})
    assert masked.status_code == 303 and "ok=" in masked.headers["location"]
    html = (await dmp.http.get(masked.headers["location"])).text
    assert "Masqué aux professionnels" in html and "Document masqué aux professionnels." in html
    blocked = await dmp.http.post(f"{url}/action", data={"csrf": token, "action": "block", "value": KIT_DOC})
    html = (await dmp.http.get(blocked.headers["location"])).text
    assert re.search(rf'class="blocked">\s*{KIT_DOC}', html)
    unknown = await dmp.http.post(f"{url}/action", data={"csrf": token, "action": "block", "value": "899999999999"})
    html = (await dmp.http.get(unknown.headers["location"])).text
    assert 'role="alert"' in html and "MES-0307" in html  # the service's own words


@pytest.mark.parametrize("form", [{"csrf": "forged", "action": "mask", "value": "x"}, {"action": "mask"}])
async def test_a_forged_form_is_refused(dmp, form):
    url, _ = await browse(dmp)
    before = dmp.counts()
    answer = await dmp.http.post(f"{url}/action", data=form)
    assert answer.status_code == 403 and "csrf" in answer.text
    assert dmp.counts() == before


async def test_without_a_session_the_page_and_its_controls_send_to_the_login(dmp):
    root = f"/t/{dmp.tenant}/ms-espace-sante/espace"
    dmp.http.cookies.set("mes_session", "not.a.token", path=root)
    for answer in (await dmp.http.get(root), await dmp.http.post(f"{root}/action", data={"action": "mask"})):
        assert answer.status_code == 303 and "/citizen/auth?" in answer.headers["location"]
    bad = await dmp.http.get(f"{root}/callback", params={"code": "x", "state": "y"})
    assert bad.status_code == 400 and "state_mismatch" in bad.text


async def test_every_other_control_of_the_page_works(dmp):
    url, html = await browse(dmp)
    token = csrf_of(html)

    async def do(**form: str) -> str:
        answer = await dmp.http.post(f"{url}/action", data={"csrf": token, **form})
        assert answer.status_code == 303 and "ok=" in answer.headers["location"], answer.headers["location"]
        return (await dmp.http.get(answer.headers["location"])).text

    html = await do(action="oppose", value="centre_15")
    assert re.search(r'class="opposed">Opposé au mode centre_15', html)
    html = await do(action="temporary", value="899799000072", days="3")
    assert re.search(r'class="temporary">899799000072 jusqu', html)
    html = await do(action="carer", value="297022A02077878", correct="1")
    assert re.search(r'class="carer">297022A02077878 \(access, correct\)', html)
    for kind in ("opposed", "temporary", "carer"):
        consent = re.search(rf'class="{kind}">.*?name="value" value="([^"]+)"', html, re.S).group(1)
        html = await do(action="revoke", value=consent)
        assert f'class="{kind}"' not in html
    unknown = await dmp.http.post(f"{url}/action", data={"csrf": token, "action": "explode", "value": "x"})
    assert "error=" in unknown.headers["location"]
