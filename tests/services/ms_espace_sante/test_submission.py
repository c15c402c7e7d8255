"""The shape of an ITI-65 bundle sorted by role (submission.py), without a sandbox."""

from __future__ import annotations

import pytest

from core.errors import SandboxError
from services.ms_espace_sante.submission import parse_submission
from tests.services.ms_espace_sante.support import provide_bundle, supersede_patch


def test_entries_are_sorted_by_role():
    bundle = provide_bundle(documents=(b"a", b"bc"), replaces="old-1")
    sub = parse_submission(bundle, max_document_bytes=10)
    assert (sub.submission_set, sub.documents, sorted(sub.binaries.values()), sub.patches) == (0, [1, 2], [3, 4], [5])
    assert sub.sizes == {3: 1, 4: 2}


@pytest.mark.parametrize(("change", "code"), [
    (lambda b: b["entry"][1]["request"].update(url="List"), "MES-0002"),
    (lambda b: b["entry"][1].pop("fullUrl"), "MES-0002"),
    (lambda b: b["entry"][1].update(fullUrl=b["entry"][0]["fullUrl"]), "MES-0002"),
    (lambda b: b["entry"][0]["resource"]["code"]["coding"][0].update(code="folder"), "MES-0003"),
    (lambda b: b["entry"].append(b["entry"][0] | {"fullUrl": "urn:uuid:second-set"}), "MES-0003"),
    (lambda b: b["entry"].append(supersede_patch("x") | {"request": {"method": "PATCH", "url": "Binary/x"}}),
     "MES-0011"),
    (lambda b: b["entry"][2]["resource"].update(data="QUJDRA=="), "MES-0007"),
])
def test_what_pdsm_does_not_allow_is_refused(change, code):
    bundle = provide_bundle(documents=(b"abc",))
    change(bundle)
    with pytest.raises(SandboxError) as caught:
        parse_submission(bundle, max_document_bytes=3)
    assert caught.value.code == code, caught.value.diagnostics
