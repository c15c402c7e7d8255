"""Strict base64, the size limit, SHA-1 and reference rewriting (documents.py), without a sandbox."""

from __future__ import annotations

import base64

import pytest

from core.errors import SandboxError
from services.ms_espace_sante.documents import decode_data, rewrite_references, sha1_base64


def test_base64_is_strict_and_sized():
    assert decode_data(base64.b64encode(b"abc").decode(), "data", 3) == b"abc"
    for value, code in (("", "MES-0008"), (None, "MES-0008"), ("YWJj\n", "MES-0008"), ("YW Jj", "MES-0008"),
                        ("YWJ", "MES-0008"), (base64.b64encode(b"abcd").decode(), "MES-0007"),
                        ("A" * 4_000, "MES-0007")):
        with pytest.raises(SandboxError) as caught:
            decode_data(value, "Binary.data", 3)
        assert caught.value.code == code and caught.value.expression == ["Binary.data"]


def test_sha1_of_the_empty_file_is_the_digests_value():
    assert sha1_base64(b"") == "2jmj7l5rSw0yVb/vlWAYkK/YBwk="


def test_references_are_rewritten_except_inside_contained():
    node = {"subject": {"reference": "urn:uuid:a"}, "contained": [{"x": {"reference": "urn:uuid:a"}}],
            "entry": [{"item": {"reference": "#local"}}, {"item": {"reference": 7}}]}
    rewrite_references(node, lambda ref, where: {"urn:uuid:a": "Patient/1"}.get(ref, ref), "List")
    assert node["subject"]["reference"] == "Patient/1"
    assert node["contained"][0]["x"]["reference"] == "urn:uuid:a"
    assert node["entry"][0]["item"]["reference"] == "#local" and node["entry"][1]["item"]["reference"] == 7
