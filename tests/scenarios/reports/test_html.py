"""The HTML report: one self-contained file, everything escaped, opened in headless Chromium (Debian's)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from scenarios.reports.html import render_html, write_html
from tests.scenarios.reports.sample import HOSTILE, sample_run


def test_no_external_asset_and_a_policy_that_allows_none():
    html = render_html(sample_run())
    assert not re.search(r"<script[^>]+src|<link[^>]+href|<img|<iframe|@import|url\(", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    policy = unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)[1])
    assert policy.startswith("default-src 'none';") and "script-src 'sha256-" in policy
    assert html.count("<script>") == 1


def test_a_hostile_body_stays_text():
    html = render_html(sample_run())
    assert "<img src=x onerror" not in html and "</script><script>alert(1)" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=" in html


def test_every_value_is_escaped_wherever_it_shows():
    run = sample_run()
    scenario = run.scenarios[5]
    scenario.title = scenario.description = HOSTILE
    scenario.tags = [HOSTILE]
    scenario.team = scenario.tenant = scenario.path = HOSTILE
    scenario.actors[0].persona = scenario.actors[0].message = HOSTILE
    step = scenario.steps[2]
    step.name = step.where = step.message = step.instruction = HOSTILE
    step.failures[0].update(label=HOSTILE, expected=HOSTILE, found=HOSTILE)
    step.captured = {HOSTILE: HOSTILE}
    exchange = scenario.steps[1].exchanges[0]
    exchange.url = exchange.error = HOSTILE
    exchange.request_headers = {HOSTILE: HOSTILE}
    exchange.fault = {"id": HOSTILE}
    html = render_html(run)
    assert "<img" not in html and "<link" not in html and html.count("<script") == 1


def test_bodies_are_pretty_binary_is_named_long_is_cut_and_the_fault_shown():
    html = render_html(sample_run())
    assert '\n  &#34;resourceType&#34;: &#34;Patient&#34;,\n' in html  # JSON indented
    assert "<soap:Body>\n    <soap:Fault>" in html.replace("&lt;", "<").replace("&gt;", ">")  # XML indented
    assert "binary, 1033 bytes" in html
    assert "more characters not shown here: the JSON report holds the whole body" in html
    assert "fault f1" in html and "Fault rule that applied" in html
    assert "Bearer ***" in html


def test_write_html_writes_utf8(tmp_path):
    path = write_html(sample_run(), tmp_path / "report.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "Her MSSanté address" in path.read_text(encoding="utf-8")


# -- in a browser (tests/conftest.py's) -------------------------------------------------------------------

@pytest.fixture
def page(browser, tmp_path):
    path = write_html(sample_run(), tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"requests": [], "dialogs": [], "errors": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("dialog", lambda dialog: (seen["dialogs"].append(dialog.message), dialog.dismiss()))
    page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    yield page, seen
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)  # for a person to look at
    page.close()


def test_the_page_opens_and_shows_the_score_sheet(page):
    page, seen = page
    assert "sandbox run" in page.title()
    rows = page.locator("table.score-sheet tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(0).inner_text() == "team-a"
    assert rows.nth(0).locator("td").nth(2).inner_text() == "2/3"
    assert rows.nth(1).locator("td").nth(8).inner_text().lower() == "failed"
    assert page.locator("header.run").evaluate("e => getComputedStyle(e).position") == "sticky"
    assert all(url.startswith("file://") for url in seen["requests"]), seen["requests"]
    assert seen["errors"] == []  # the inline script ran under the page's policy (its hash matched)


def test_a_failure_is_shown_in_full_and_an_await_its_instruction(page):
    page, _ = page
    step = page.locator("#s2-1")
    assert "headers content-type: expected application/fhir+json; found application/json" in step.inner_text()
    assert "From your software, search INSi for ADRUN ZOE" in page.locator("#s6-3 .instruction").inner_text()


def test_an_exchange_expands_and_shows_the_masked_header(page):
    page, _ = page
    details = page.locator("#s2-1 details.exchange").first
    assert details.get_attribute("open") is None
    assert not details.locator("table.headers").first.is_visible()
    details.locator("summary").click()
    assert details.get_attribute("open") == ""
    headers = details.locator("table.headers").first
    assert headers.is_visible()
    assert headers.locator("tr", has_text="authorization").locator("td").inner_text() == "Bearer ***"


def test_a_hostile_body_is_text_in_the_page(page):
    page, seen = page
    page.get_by_role("button", name="expand all").click()
    assert page.locator("details.exchange:not([open])").count() == 0
    body = page.locator("#s4-2 pre.body.text").first
    assert body.inner_text().startswith("</script><script>alert(1)</script><img src=x onerror=")
    assert page.locator("main img, main link, main script").count() == 0
    assert seen["dialogs"] == []
    assert all(url.startswith("file://") for url in seen["requests"]), seen["requests"]


def test_only_problems_hides_what_passed(page):
    page, _ = page
    assert page.locator("#s1").is_visible()
    page.get_by_label("only problems").check()
    assert not page.locator("#s1").is_visible() and page.locator("#s2").is_visible()
    assert not page.locator("#s2-2").is_visible()  # skipped
