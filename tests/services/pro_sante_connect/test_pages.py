"""The wallet login page, the e-CPS phone and the message page: escaped, self-contained, usable without JS."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from jinja2 import UndefinedError

from services.pro_sante_connect.directory import Card, DirectoryProfessional
from services.pro_sante_connect.pages import EcpsRequestView, render

HOSTILE = '<script>alert("x")</script>'
VALID = Card("CPS", "3199000003", date(2020, 1, 1), date(2099, 12, 31))
EXPIRED = Card("CPS", "3199000009", date(2010, 1, 1), date(2013, 1, 1))


class Elements(HTMLParser):
    """Every start tag of a page with its attributes (bare attributes such as ``disabled`` map to None)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str, **wanted: str) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())]


def professional(rpps: str, family: str, *, cards=(VALID,), active: bool = True) -> DirectoryProfessional:
    return DirectoryProfessional(
        id=f"003-00001-{rpps}", id_nat_ps="8" + rpps, rpps=rpps, given="Claire", family=family, civility="MME",
        exercise_civility="DR", profession="10", category="C", specialty_type="S", specialty="SM54", active=active,
        cards=tuple(cards), activities=(), practitioner={})


def login(**context):
    base = {"client_name": "Logiciel de cabinet", "request_id": "req-1", "login_url": "/pro-sante-connect/wallet/login",
            "search_url": "/pro-sante-connect/wallet/auth", "professionals": []}
    return render("login.html", **{**base, **context})


def text(response) -> str:
    return response.body.decode()


def test_login_page_lists_professionals_with_card_and_ecps_buttons():
    leroy = professional("99799000015", "LEROY")
    response = login(professionals=[leroy, professional("99799000023", "SANSCARTE", cards=(EXPIRED,))])
    page = Elements(text(response))
    assert response.status_code == 200 and response.media_type == "text/html"
    assert "Pro Santé Connect (bac à sable)" in text(response) and "Logiciel de cabinet" in text(response)
    forms = page.all("form", method="post", action="/pro-sante-connect/wallet/login")
    assert len(forms) == 2
    assert [a["value"] for a in page.all("input", name="id_nat_ps")] == ["899799000015", "899799000023"]
    assert {a["value"] for a in page.all("input", name="request_id")} == {"req-1"}
    cards, mobiles = page.all("button", value="CARD"), page.all("button", value="MOBILE")
    assert ["disabled" in a for a in cards] == [False, True]
    assert ["disabled" in a for a in mobiles] == [False, False]
    assert all(a["name"] == "method" and a["type"] == "submit" for a in cards + mobiles)


def test_closed_professional_has_no_login_button():
    page = Elements(text(login(professionals=[professional("99799000080", "FAURE", active=False)])))
    assert page.all("button", name="method") == []


def test_search_form_is_a_get_keeping_the_pending_request():
    page = Elements(text(login(query="ler")))
    [form] = page.all("form", method="get")
    assert form["action"] == "/pro-sante-connect/wallet/auth"
    assert page.all("input", name="request_id", type="hidden")[0]["value"] == "req-1"
    assert page.all("input", name="q")[0]["value"] == "ler"
    assert len(page.all("label", **{"for": "q"})) == 1


def test_hostile_values_are_escaped_everywhere():
    body = text(login(client_name=HOSTILE, query=HOSTILE, request_id='"><b>x', error=HOSTILE,
                      professionals=[professional("99799000015", HOSTILE)]))
    assert "<script" not in body and "<b>x" not in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body
    page = Elements(body)
    assert {a["value"] for a in page.all("input", name="request_id")} == {'"><b>x'}
    assert len(page.all("div", role="alert")) == 1


def test_pages_are_self_contained_and_refuse_framing():
    response = login(professionals=[professional("99799000015", "LEROY")])
    page = Elements(text(response))
    assert not page.all("script") and not page.all("link") and not page.all("img")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert len(page.all("html", lang="fr")) == 1


def ecps(**context):
    url = "/pro-sante-connect/ecps/requests/abc"
    request = EcpsRequestView("abc", "Claire LEROY", "899799000015", "Logiciel de cabinet", "42", "MOBILE", 97,
                              f"{url}/approve", f"{url}/deny")
    base = {"requests": [request], "filter_url": "/pro-sante-connect/ecps"}
    return render("ecps.html", **{**base, **context})


def test_ecps_phone_shows_the_binding_message_and_posts_approve_or_deny():
    body = text(ecps())
    page = Elements(body)
    assert len(page.all("meta", **{"http-equiv": "refresh", "content": "5"})) == 1
    assert '<p class="binding">42</p>' in body and "97 s" in body and "Logiciel de cabinet" in body
    assert len(page.all("form", method="post")) == 1
    assert len(page.all("button", formaction="/pro-sante-connect/ecps/requests/abc/approve")) == 1
    assert len(page.all("button", formaction="/pro-sante-connect/ecps/requests/abc/deny")) == 1
    assert not page.all("input", type="password")
    assert len(page.all("input", name="login_hint", type="text")) == 1


def test_ecps_phone_asks_the_admin_token_and_stops_refreshing_when_required():
    page = Elements(text(ecps(admin_token_required=True, login_hint="899799000015")))
    assert len(page.all("input", type="password", name="admin_token")) == 1
    assert not page.all("meta", **{"http-equiv": "refresh"})
    assert page.all("input", name="login_hint", type="hidden")[0]["value"] == "899799000015"


def test_ecps_phone_accepts_dicts_and_escapes_the_binding_message():
    request = {"auth_req_id": "x", "professional": "P", "id_nat_ps": "8", "client_name": "C",
               "binding_message": HOSTILE, "channel": "CARD", "seconds_left": 3,
               "approve_url": "javascript:alert(1)", "deny_url": "/deny"}
    body = text(ecps(requests=[request]))
    assert "<script" not in body and "javascript:" not in body
    assert Elements(body).all("button", formaction="#")


def test_ecps_phone_without_pending_requests():
    body = text(ecps(requests=[], login_hint="899700218896"))
    assert "Aucune demande en attente pour 899700218896" in body and "formaction" not in body


def test_ecps_phone_asks_for_the_professional_when_the_list_is_scoped():
    body = text(ecps(requests=[], admin_token_required=True, professional_required=True))
    page = Elements(body)
    assert "Saisissez votre idNat_PS" in body and "Aucune demande" not in body
    assert len(page.all("input", name="login_hint", type="text")) == 1 and "formaction" not in body


def test_message_page_keeps_status_and_escapes_detail():
    response = render("message.html", status=400, title="Adresse de retour refusée", message="redirect_uri inconnue",
                      detail=HOSTILE, error_code="PSC-0001", link_url="javascript:alert(1)")
    body = text(response)
    assert response.status_code == 400 and "PSC-0001" in body and "<script" not in body
    assert Elements(body).all("a", href="#")


def test_missing_required_context_fails_loudly():
    with pytest.raises(UndefinedError):
        render("message.html", title="t")
    with pytest.raises(UndefinedError):
        render("login.html", **{"client_name": "c", "request_id": "r", "search_url": "/s",
                                "professionals": [professional("1", "A")]})
