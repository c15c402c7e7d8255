"""The kernel's one JSON reader refuses hostile JSON with a stable code, before json.loads can recurse."""

from __future__ import annotations

import json

import pytest

from core.codes import Code
from core.errors import SandboxError
from core.jsonbody import DEFAULT_MAX_DEPTH, JsonError, loads, nesting_depth_over


def nested(depth: int, opener: str = "[", closer: str = "]") -> bytes:
    return (opener * depth + closer * depth).encode()


def objects(depth: int) -> bytes:
    return ('{"a":' * depth + "1" + "}" * depth).encode()


def code_of(raw: bytes | str, **kwargs) -> str:
    with pytest.raises(SandboxError) as caught:
        loads(raw, **kwargs)
    assert caught.value.status == 400
    return caught.value.code


@pytest.mark.parametrize("depth", [1_000, 100_000, 5_000_000])
def test_arrays_nested_past_the_limit_are_refused_as_fhir_0021(depth):
    assert code_of(nested(depth)) == Code.JSON_TOO_DEEP == "FHIR-0021"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_objects_nested_past_the_limit_are_refused_as_fhir_0021(depth):
    assert code_of(objects(depth)) == "FHIR-0021"


def test_the_limit_itself_is_accepted_and_one_more_level_refused():
    assert loads(nested(DEFAULT_MAX_DEPTH)) == json.loads(nested(DEFAULT_MAX_DEPTH))
    assert code_of(nested(DEFAULT_MAX_DEPTH + 1)) == "FHIR-0021"
    assert loads(objects(5), max_depth=5) == {"a": {"a": {"a": {"a": {"a": 1}}}}}
    assert code_of(objects(6), max_depth=5) == "FHIR-0021"


def test_deep_nesting_that_alternates_with_leaves_is_measured_exactly():
    # each level holds an empty array then the next level: no long run of '[' to spot
    def level(depth: int) -> str:
        return "[]" if depth == 1 else "[[]," + level(depth - 1) + "]"

    assert not nesting_depth_over(level(40).encode(), 40)
    assert nesting_depth_over(level(41).encode(), 40)
    wide = ("[" + ",".join([level(30)] * 200) + "]").encode()
    assert not nesting_depth_over(wide, 31)
    assert nesting_depth_over(wide, 30)


def test_brackets_inside_strings_and_escaped_quotes_do_not_count():
    text = json.dumps({"a": "[[[[[[" * 50, "b": 'x\\"[[[[' * 50, "c": ["\\", "[" * 500]})
    assert loads(text, max_depth=2) == json.loads(text)


def test_mixed_objects_and_arrays_count_together():
    assert code_of(b'{"a":[{"b":[{"c":[1]}]}]}', max_depth=5) == "FHIR-0021"
    assert loads(b'{"a":[{"b":[{"c":[1]}]}]}', max_depth=6) == {"a": [{"b": [{"c": [1]}]}]}


@pytest.mark.parametrize("raw", [
    b'{"a": 1, "a": 2}',  # repeated member: json.loads would keep the last silently
    b'{"x": {"b": 1, "b": 1}}',
    b'{"a": NaN}', b"[Infinity]", b"[-Infinity]",
    '{"a": "é"}'.encode("utf-16"),  # json.loads guesses UTF-16; JSON travels in UTF-8
    b'{"a": "\xff"}',
    b'{"a": "\\ud800"}', b'["\\udc00x"]',  # lone surrogates cannot be encoded again
    b"{", b"", b"[1,]",
    b"[" + b"9" * 5000 + b"]",  # over Python's int digits limit
])
def test_json_that_rfc_8259_or_python_would_mishandle_is_refused_as_fhir_0001(raw):
    assert code_of(raw) == Code.MALFORMED_JSON == "FHIR-0001"


def test_valid_json_keeps_its_values():
    raw = '{"a": "\\ud83d\\ude00 é", "b": [1, 2.5, true, null], "c": {"d": "\\\\ud800"}}'.encode()
    assert loads(raw) == {"a": "\U0001f600 é", "b": [1, 2.5, True, None], "c": {"d": "\\ud800"}}
    assert loads(b"[]") == []


def test_a_refusal_is_also_a_value_error_for_code_that_expects_one():
    with pytest.raises(ValueError):
        loads(b"[1,")
    assert issubclass(JsonError, SandboxError)
