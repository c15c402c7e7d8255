"""scenarios/source.py: YAML with the position of every key and value, refused constructs, bounds."""

from __future__ import annotations

import pytest

from scenarios import source
from scenarios.errors import ScenarioError


def _fails(text: str, **limits) -> str:
    with pytest.raises(ScenarioError) as caught:
        source.parse(text, "f.yaml", **limits)
    [issue] = caught.value.issues
    return str(issue)


def test_every_value_and_key_has_its_line_and_column():
    doc = source.parse("a: 1\nb:\n  - x: 01\n    y: '2'\n", "f.yaml")
    assert doc.data == {"a": 1, "b": [{"x": "01", "y": "2"}]}
    assert str(doc.at(("b", 0, "y"))) == "f.yaml:4:8"
    assert str(doc.key_at(("b", 0, "y"))) == "f.yaml:4:5"
    assert str(doc.at(("b", 0, "nothing", "deeper"))) == "f.yaml:3:5"  # nearest located ancestor


def test_plain_scalars_resolve_as_json_reads_them():
    doc = source.parse("cr: 01\nn: 12\nf: 1.5\nt: true\nno_: no\nd: 1975-12-31\nz: ~\ns: '12'\nk: 0o17\n", "f.yaml")
    assert doc.data == {"cr": "01", "n": 12, "f": 1.5, "t": True, "no_": "no", "d": "1975-12-31", "z": None,
                        "s": "12", "k": "0o17"}


def test_billion_laughs_is_refused_at_the_first_alias():
    laughs = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\n"
    assert _fails(laughs) == "f.yaml:2:8: YAML aliases (*a) are not allowed: write the value out [SCN-0004]"


@pytest.mark.parametrize(("text", "expected"), [
    ("a: !!python/object:os.system x\n", "f.yaml:1:4: YAML tags (tag:yaml.org,2002:python/object:os.system) are"),
    ("a: 1\na: 2\n", "f.yaml:2:1: duplicate key 'a' [SCN-0005]"),
    ("a: {<<: {b: 1}}\n", "f.yaml:1:5: YAML merge keys (<<) are not allowed"),
    ("? [a]\n: 1\n", "f.yaml:1:3: mapping keys must be plain text"),
    ("a: [\n", "f.yaml:2:1: invalid YAML: did not find expected node content [SCN-0002]"),
    ("a: 1\n---\nb: 2\n", "f.yaml:2:1: one YAML document per file"),
])
def test_refused_constructs_are_located(text, expected):
    assert _fails(text).startswith(expected)


def test_nesting_and_value_count_are_bounded():
    assert "nested deeper than 64 levels [SCN-0003]" in _fails("[" * 1000 + "]" * 1000)
    assert "more than 100 values in one file [SCN-0003]" in _fails("[" + "1, " * 200 + "1]", max_nodes=100)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: " + b"x" * (source.MAX_BYTES + 10))
    with pytest.raises(ScenarioError) as caught:
        source.read(big)
    assert caught.value.issues[0].message == f"the file is larger than {source.MAX_BYTES} bytes"


def test_a_file_that_is_not_utf8_or_missing(tmp_path):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: é".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"not UTF-8 \(byte 7\) \[SCN-0002\]"):
        source.read(latin)
    with pytest.raises(ScenarioError, match=r"cannot read the file .* \[SCN-0001\]"):
        source.read(tmp_path / "none.yaml")
