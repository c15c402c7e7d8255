"""core/pages.py: autoescaping, the strict context, the href filter and the headers of every page."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from core.pages import HEADERS, Pages, href


@pytest.fixture
def pages(tmp_path) -> Pages:
    (tmp_path / "card.html").write_text('<h1>{{ name }}</h1><a href="{{ url | href }}">x</a>{{ extra }}',
                                        encoding="utf-8")
    return Pages(tmp_path, {"extra": ""})


def test_values_are_data_never_markup(pages):
    page = pages.render("card.html", name="<script>alert(1)</script>", url="/ok")
    assert "<script>" not in page.body.decode() and "&lt;script&gt;" in page.body.decode()


@pytest.mark.parametrize(("url", "shown"), [("https://a.example/x", "https://a.example/x"), ("/path", "/path"),
                                            ("?q=1", "?q=1"), ("javascript:alert(1)", "#"), ("//evil.example", "#"),
                                            (" javascript:x", "#"), ("data:text/html,x", "#"), (None, "#")])
def test_href_keeps_http_urls_and_paths_only(url, shown):
    assert href(url) == shown


def test_a_missing_context_key_fails_and_the_headers_forbid_framing(pages):
    with pytest.raises(UndefinedError):
        pages.render("card.html", url="/")
    page = pages.render("card.html", status=400, name="n", url="/")
    assert page.status_code == 400
    assert {k.lower(): v for k, v in HEADERS.items()}.items() <= dict(page.headers).items()
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
