"""What the recorder masks: headers, URLs, query strings and bodies whatever their shape, depth or label."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.masking import (
    _PAIR,
    _QUOTED_PAIR,
    MAX_DEPTH,
    _masked_pair,
    actor_of,
    encode_body,
    mask_body,
    mask_headers,
    mask_pairs,
    mask_query,
    mask_url,
    mask_url_headers,
)
from core.secret_names import SECRET_FIELDS
from tests.gateway.support import jwt


def test_secret_headers_are_masked_keeping_the_auth_scheme() -> None:
    masked = mask_headers([
        (b"authorization", b"Bearer abc.def.ghi"),
        (b"proxy-authorization", b"Basic dXNlcjpwdw=="),
        (b"cookie", b"sid=1"),
        (b"esante-api-key", b"k"),
        (b"x-sandbox-admin-token", b"t"),
        (b"x-client-secret", b"s"),
        (b"x-refresh-token", b"r"),
        (b"x-db-password", b"p"),
        (b"x-partner-api-key", b"a"),
        (b"accept", b"application/fhir+json"),
    ])
    assert masked["authorization"] == "Bearer ***"
    assert masked["proxy-authorization"] == "Basic ***"
    for name in ("cookie", "esante-api-key", "x-sandbox-admin-token", "x-client-secret", "x-refresh-token",
                 "x-db-password", "x-partner-api-key"):
        assert masked[name] == "***", name
    assert masked["accept"] == "application/fhir+json"


def test_repeated_headers_are_joined() -> None:
    assert mask_headers([(b"accept", b"a"), (b"Accept", b"b")]) == {"accept": "a, b"}


@pytest.mark.parametrize(
    ("claims", "actor"),
    [
        ({"SubjectNameID": "810002909371", "preferred_username": "u", "sub": "s"}, "810002909371"),
        ({"preferred_username": "dr-leroy", "sub": "s"}, "dr-leroy"),
        ({"sub": "f:550e8400"}, "f:550e8400"),
        ({"client_id": "lgc-demo"}, "lgc-demo"),
        ({"aud": "x"}, None),
    ],
)
def test_actor_comes_from_the_unverified_jwt_payload(claims: dict, actor: str | None) -> None:
    assert actor_of(f"Bearer {jwt(claims)}") == actor


def test_actor_of_basic_auth_is_the_user_name_and_garbage_gives_none() -> None:
    assert actor_of("Basic " + base64.b64encode(b"client-1:pw").decode()) == "client-1"
    assert actor_of("Bearer not-a-jwt") is None
    assert actor_of("Bearer a.!!!.c") is None
    assert actor_of("Basic %%%") is None
    assert actor_of(None) is None


def test_bodies_are_text_or_base64_and_a_cut_character_is_dropped() -> None:
    assert encode_body(b"", False) == (None, False)
    assert encode_body("héllo".encode(), False) == ("héllo", False)
    assert encode_body("hé".encode()[:2], True) == ("h", False)
    assert encode_body(b"\xff\x00", False) == (base64.b64encode(b"\xff\x00").decode(), True)


FORM = [(b"content-type", b"application/x-www-form-urlencoded")]
JSON = [(b"content-type", b"application/json; charset=utf-8")]


def test_oauth_secrets_in_form_bodies_are_masked() -> None:
    body = b"grant_type=authorization_code&code=abc&code_verifier=v&client_id=lgc&client_secret=s%3Dx"
    assert mask_body(FORM, body) == (b"grant_type=authorization_code&code=***&code_verifier=***&client_id=lgc"
                                     b"&client_secret=***")


def test_tokens_in_json_bodies_keep_their_claims_but_lose_their_signature() -> None:
    body = json.dumps({"access_token": "aGVhZA.Y2xhaW1z.c2ln", "refresh_token": "opaque", "expires_in": 120,
                       "clients": [{"client_id": "x", "client_secret": "s"}]}).encode()
    masked = json.loads(mask_body(JSON, body))
    assert masked == {"access_token": "aGVhZA.Y2xhaW1z.***", "refresh_token": "***", "expires_in": 120,
                      "clients": [{"client_id": "x", "client_secret": "***"}]}


def test_other_bodies_pass_and_unreadable_oauth_bodies_are_dropped() -> None:
    fhir = b'{"resourceType": "Patient", "code": "secret"}'
    assert mask_body([(b"content-type", b"application/fhir+json")], fhir) == fhir
    assert mask_body(JSON, b'{"access_token": "trunc') == b"***"
    assert mask_body(JSON, b'{"status": "ok"}') == b'{"status": "ok"}'


TEXT = [(b"content-type", b"text/plain")]
FHIR = [(b"content-type", b"application/fhir+json")]
TYPES = [FORM, JSON, TEXT, FHIR, [], [(b"content-type", b"application/xml")], [(b"content-type", b"\xff;")]]
DEEP = b"[" * 1000 + b"]" * 1000  # the 2 KB body of issue 9
BODIES = [
    DEEP,
    b'{"token": ' + DEEP + b"}",
    b"[" * 100_000 + b'{"code": "c"}' + b"]" * 100_000,
    b'{"access_token": "' + b"x" * 1_000_000 + b'"}',
    b'{"code": "\xff\xfe"}',
    b"\xff\xfe{\x00\"\x00t\x00o\x00k\x00e\x00n\x00\"\x00",
    b'{"token": "\\ud800"}',
    b'{"token": 1' + b"1" * 5000 + b"}",
    b'{"token": NaN, "code": [1e999]}',
    b"code=" + b"%" * 10_000 + b"&token=" + b"&" * 10_000,
    b'"\\"' * 20_000 + b"token",
    b"<code>" * 10_000,
]


@pytest.mark.parametrize("headers", TYPES)
@pytest.mark.parametrize("body", BODIES, ids=range(len(BODIES)))
def test_masking_never_raises_whatever_the_body_and_its_label(headers, body: bytes) -> None:
    masked = mask_body(headers, body)
    assert isinstance(masked, bytes)
    assert b"x" * 1000 not in masked and b"\\ud800" not in masked


@pytest.mark.parametrize("headers", [JSON, TEXT, []])
def test_a_deep_body_without_a_secret_member_is_kept_as_is(headers) -> None:
    assert mask_body(headers, DEEP) == DEEP
    fhir_deep = b'{"resourceType": "Bundle", "code": "x", "entry": ' + DEEP + b"}"
    assert mask_body(headers, fhir_deep) == fhir_deep


@pytest.mark.parametrize("headers", [JSON, TEXT, []])
def test_a_body_too_deep_to_inspect_that_names_a_secret_is_masked_whole(headers) -> None:
    assert mask_body(headers, b'{"token": ' + DEEP + b"}") == b"***"
    nested = b"[" * MAX_DEPTH + b'{"code": "c"}' + b"]" * MAX_DEPTH
    assert mask_body(headers, nested) == b"***"
    within = b"[" * (MAX_DEPTH - 1) + b'{"code": "c"}' + b"]" * (MAX_DEPTH - 1)
    assert mask_body(headers, within) == b"[" * (MAX_DEPTH - 1) + b'{"code": "***"}' + b"]" * (MAX_DEPTH - 1)


@pytest.mark.parametrize("headers", [TEXT, [], [(b"content-type", b"application/octet-stream")], JSON])
def test_a_form_is_masked_whatever_its_declared_type(headers) -> None:
    body = b"grant_type=authorization_code&code=abc&code_verifier=v&client_id=lgc&client_secret=s%3Dx\n"
    assert mask_body(headers, body) == (b"grant_type=authorization_code&code=***&code_verifier=***&client_id=lgc"
                                        b"&client_secret=***\n")


@pytest.mark.parametrize("headers", [TEXT, [], [(b"content-type", b"application/octet-stream")], FORM])
def test_json_is_masked_whatever_its_declared_type(headers) -> None:
    body = b' {"client_assertion": "aGVhZA.Y2xhaW1z.c2ln", "assertion": "a", "client_id": "lgc"}'
    assert json.loads(mask_body(headers, body)) == {
        "client_assertion": "aGVhZA.Y2xhaW1z.***", "assertion": "***", "client_id": "lgc",
    }


def test_every_oauth_field_is_masked_in_a_body() -> None:
    names = ["access_token", "client_secret", "code", "code_verifier", "refresh_token", "assertion",
             "client_assertion", "id_token", "token", "password", "admin_token"]
    assert json.loads(mask_body(TEXT, json.dumps({name: "v" for name in names}).encode())) == dict.fromkeys(
        names, "***")
    form = "&".join(f"{name}=v" for name in names).encode()
    assert mask_body(TEXT, form) == "&".join(f"{name}=***" for name in names).encode()


def test_a_fhir_body_keeps_its_codes_but_not_its_tokens() -> None:
    body = b'{"resourceType": "Parameters", "code": "1234-5", "access_token": "t"}'
    assert json.loads(mask_body(TEXT, body)) == {"resourceType": "Parameters", "code": "1234-5",
                                                 "access_token": "***"}


def test_urls_quoted_in_a_body_lose_their_secrets() -> None:
    bundle = (b'{"resourceType": "Bundle", "link": [{"relation": "self", '
              b'"url": "http://s/fhir/Patient?family=X&access_token=t"}], "code": "kept"}')
    assert mask_body(FHIR, bundle) == bundle.replace(b"access_token=t", b"access_token=***")
    page = b"<a href='/cb?state=s&code=abc'>back</a> code=kept"
    assert mask_body([(b"content-type", b"text/html")], page) == page.replace(b"code=abc", b"code=***")


def test_a_body_nothing_is_masked_in_is_kept_byte_for_byte() -> None:
    for body in (b'{ "code" : 1,\n "token": null }', b"<token>secret</token>", b"the code is 1234"):
        assert mask_body(TEXT, body) == body


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        (b"http://localhost:3000/callback?code=SplxlOBe&state=xyz&iss=http%3A%2F%2Fs",
         b"http://localhost:3000/callback?code=***&state=xyz&iss=http%3A%2F%2Fs"),
        (b"https://app/cb#access_token=aGVhZA.Y2xhaW1z.c2ln&token_type=Bearer&id_token=x.y.z&state=s",
         b"https://app/cb#access_token=aGVhZA.Y2xhaW1z.***&token_type=Bearer&id_token=x.y.***&state=s"),
        (b"/cb?state=s&refresh_token=r#code=c", b"/cb?state=s&refresh_token=***#code=***"),
        (b"/code=kept/path?barcode=1&xcode=2", b"/code=kept/path?barcode=1&xcode=2"),
        (b"/no/query", b"/no/query"),
    ],
)
def test_secrets_in_a_url_query_or_fragment_are_masked(url: bytes, masked: bytes) -> None:
    assert mask_url(url) == masked


def test_location_content_location_and_referer_headers_are_masked() -> None:
    headers = [(b"Location", b"http://localhost:3000/callback?code=abc&state=s"),
               (b"content-location", b"/x?access_token=t"), (b"referer", b"http://app/cb?code=c"),
               (b"x-other", b"/?code=kept")]
    assert mask_url_headers(headers) == [
        (b"Location", b"http://localhost:3000/callback?code=***&state=s"),
        (b"content-location", b"/x?access_token=***"),
        (b"referer", b"http://app/cb?code=***"), (b"x-other", b"/?code=kept"),
    ]


@pytest.mark.parametrize(
    "name", ["access_token", "client_secret", "code", "code_verifier", "refresh_token", "assertion",
             "client_assertion"],
)
def test_secrets_in_a_query_string_are_masked(name: str) -> None:
    query = f"_format=json&{name}=s3cr3t&family=Martin".encode()
    assert mask_query(query) == f"_format=json&{name}=***&family=Martin".encode()


def test_a_query_without_secrets_is_kept() -> None:
    assert mask_query(b"family=Martin&_count=10&barcode=1") == b"family=Martin&_count=10&barcode=1"


PIECES = [*(name.encode() for name in sorted(SECRET_FIELDS)), b"=", b"&", b"?", b"#", b'"', b"'", b" ", b"x", b"\xe9",
          b"code", b"token"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_the_substring_check_before_the_scan_never_changes_what_is_masked(pieces: list[bytes]) -> None:
    text = b"".join(pieces)
    for pattern in (_PAIR, _QUOTED_PAIR):  # the scan alone, as it ran before the check was added
        assert mask_pairs(text, pattern) == pattern.sub(_masked_pair, text)
