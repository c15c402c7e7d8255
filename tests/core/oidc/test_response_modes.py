"""The authorization response carriers: query, fragment and the form_post page."""

from __future__ import annotations

from core.oidc.response_modes import AuthorizationResponse, form_action


def test_query_keeps_the_redirect_uris_own_query_and_drops_none():
    answer = AuthorizationResponse("https://rp.example/cb?team=a", {"code": "c", "state": None}, "query")
    assert answer.location == "https://rp.example/cb?team=a&code=c"


def test_fragment_carries_everything_after_the_hash():
    answer = AuthorizationResponse("https://rp.example/cb", {"code": "c d", "state": "s"}, "fragment")
    response = answer.to_response(303)
    assert response.status_code == 303 and response.headers["location"] == "https://rp.example/cb#code=c+d&state=s"


def test_form_action_is_the_origin_or_nothing_when_it_cannot_be_written_safely():
    assert form_action("https://rp.example:8443/cb?x=1") == "https://rp.example:8443"
    assert form_action("com.example.app:/callback") == "com.example.app:"
    assert form_action("https://a;b.example/cb") == ""  # ';' would end the CSP directive


def test_a_form_post_without_a_writable_origin_still_has_a_strict_policy():
    response = AuthorizationResponse("https://a;b.example/cb", {"code": "c"}, "form_post").to_response()
    csp = response.headers["content-security-policy"]
    assert "form-action" not in csp and csp.startswith("default-src 'none'; script-src 'sha256-")
    assert response.status_code == 200 and 'value="c"' in response.body.decode()
