"""The ../shared helper: found beside the checkout, a skip locally and a failure in CI when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import shared


def test_the_shared_directory_is_the_one_beside_the_checkout(monkeypatch):
    monkeypatch.delenv(shared.ENV, raising=False)
    assert shared.shared_dir() == Path(__file__).resolve().parents[1].parent / "shared"


def test_the_environment_may_point_elsewhere(monkeypatch, tmp_path):
    (tmp_path / "specs").mkdir()
    monkeypatch.setenv(shared.ENV, str(tmp_path))
    assert shared.shared_path("specs") == tmp_path / "specs"


def test_a_missing_file_fails_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv(shared.ENV, str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="may not be skipped"):
        shared.shared_path("specs", "insi")


def test_a_missing_file_is_skipped_locally(monkeypatch, tmp_path):
    monkeypatch.setenv(shared.ENV, str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="specs/insi not found"):
        shared.shared_path("specs", "insi")
