"""What sandbox run runs: directories without fragments, every file loaded first, selection by tag and the
vendor-in-the-loop journeys left out unless asked for."""

from __future__ import annotations

from pathlib import Path

from scenarios.runner.selection import LIBRARY, collect, load_all, select
from tests.scenarios.support import SERVICES, write

SCENARIO = """\
id: {id}
title: T
tags: [{tags}]
actors:
  desk: {{persona: ch-volcans, login: none}}
steps:
  - request: {{actor: desk, service: ins-teleservice, path: /fhir/metadata}}
"""

FRAGMENT = """\
fragment: a-fragment
steps:
  - request: {actor: desk, service: ins-teleservice, path: /fhir/metadata}
"""


def scenario(directory: Path, name: str, tags: str = "demo") -> Path:
    return write(directory, f"{name}.yaml", SCENARIO.format(id=name, tags=tags))


def test_a_directory_gives_its_yaml_files_sorted_without_fragments_each_once(tmp_path: Path) -> None:
    b, a = scenario(tmp_path, "b"), scenario(tmp_path / "sub", "a")
    write(tmp_path, "frag.yaml", FRAGMENT)
    write(tmp_path, "notes.txt", "not a scenario")
    files, missing = collect([tmp_path, b])
    assert files == [b, a] and missing == []  # sorted by path: b.yaml before sub/a.yaml; b given twice, kept once


def test_a_path_that_does_not_exist_is_an_issue(tmp_path: Path) -> None:
    files, missing = collect([tmp_path / "nowhere.yaml"])
    assert files == [] and [i.code for i in missing] == ["SCN-0001"]
    assert "no such file or directory" in missing[0].message


def test_every_file_is_loaded_and_every_issue_kept(tmp_path: Path) -> None:
    scenario(tmp_path, "good")
    write(tmp_path, "bad.yaml", "id: bad\ntittle: x\nsteps: []\n")
    write(tmp_path / "copy", "good.yaml", SCENARIO.format(id="good", tags="demo"))
    plans, problems = load_all(collect([tmp_path])[0], services=SERVICES)
    assert [p.scenario.id for p in plans] == ["good", "good"]
    lines = [str(issue) for issue in problems]
    assert f"{(tmp_path / 'bad.yaml').as_posix()}:2:1: unknown key 'tittle' (did you mean 'title'?) [SCN-0010]" in lines
    assert f"{(tmp_path / 'good.yaml').as_posix()}:1:1: scenario id 'good' is also the id of " \
           f"{(tmp_path / 'copy' / 'good.yaml').as_posix()}: ids are unique in a suite [SCN-0010]" in lines


def test_tags_keep_the_scenarios_carrying_any_of_them(tmp_path: Path) -> None:
    for name, tags in (("one", "insi"), ("two", "psc"), ("three", "insi, psc")):
        scenario(tmp_path, name, tags)
    plans, _ = load_all(collect([tmp_path])[0], services=SERVICES)
    kept, left = select(plans, tags=["insi"])
    assert sorted(p.scenario.id for p in kept) == ["one", "three"]
    assert [(item.plan.scenario.id, item.reason) for item in left] == [("two", "not tagged insi")]


def test_vendor_in_the_loop_is_left_out_unless_its_tag_or_its_file_is_given(tmp_path: Path) -> None:
    plain = scenario(tmp_path, "plain")
    vendor = scenario(tmp_path, "vendor", "insi, vendor-in-the-loop")
    plans, _ = load_all([plain, vendor], services=SERVICES)
    kept, left = select(plans)
    assert [p.scenario.id for p in kept] == ["plain"]
    assert "--tag vendor-in-the-loop" in left[0].reason
    assert [p.scenario.id for p in select(plans, tags=["insi"])[0]] == []  # the tag insi is not enough
    assert [p.scenario.id for p in select(plans, tags=["vendor-in-the-loop"])[0]] == ["vendor"]
    assert [p.scenario.id for p in select(plans, include_vendor=[vendor])[0]] == ["plain", "vendor"]
    assert [p.scenario.id for p in select(plans, include_vendor=True)[0]] == ["plain", "vendor"]


def test_the_library_holds_journey_4_tagged_vendor_in_the_loop() -> None:
    plans, problems = load_all(collect([LIBRARY])[0], services=SERVICES)
    assert problems == []
    kept, left = select(plans)
    assert [item.plan.scenario.id for item in left] == ["vendor-insi-search"]
    assert "vendor-insi-search" not in {p.scenario.id for p in kept} and kept
