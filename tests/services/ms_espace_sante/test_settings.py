"""Settings of Mon espace santé: MS_ESPACE_SANTE_EXTRA_CODES extends the value sets the writes are checked
against, MS_ESPACE_SANTE_HABILITATIONS_FILE replaces the habilitation matrix; a bad value stops the start."""

from __future__ import annotations

import json

import pydantic
import pytest

from services.ms_espace_sante.habilitations import default_matrix, matrix_to_json
from services.ms_espace_sante.settings import SLUG, MsEspaceSanteSettings
from tests.services.ms_espace_sante import support

R02 = "https://mos.esante.gouv.fr/NOS/TRE_R02-SecteurActivite/FHIR/TRE-R02-SecteurActivite"


def sa70() -> dict:
    doc = support.simplified()
    doc["context"]["facilityType"]["coding"][0]["code"] = "SA70"  # past the SA01-SA69 range the digest gives
    return doc


async def test_without_extra_codes_an_unlisted_code_is_refused(dmp):
    answer = await dmp.post("/DocumentReference", sa70())
    assert answer.status_code == 422 and "MES-0104" in answer.text


@pytest.mark.parametrize("as_file", [False, True])
async def test_extra_codes_are_accepted_inline_or_from_a_file(tmp_path, monkeypatch, as_file):
    value = json.dumps({"facility-type": [{"system": R02, "code": "SA70", "display": "Secteur de test"}]})
    if as_file:
        (tmp_path / "codes.json").write_text(value, encoding="utf-8")
        value = f"@{tmp_path / 'codes.json'}"
    monkeypatch.setenv("MS_ESPACE_SANTE_EXTRA_CODES", value)
    async for http in support.sandbox(tmp_path):
        dmp = await support.Dmp.login(http)
        answer = await dmp.post("/DocumentReference", sa70())
        assert answer.status_code == 201, answer.text


async def test_a_replacement_matrix_applies_to_retrievals(tmp_path, monkeypatch):
    rows = json.loads(matrix_to_json(default_matrix()))
    physician = next(r for r in rows if r["profession"] == "10")
    physician.update(classes=["11"], denied_types=[])  # physicians: syntheses only
    path = tmp_path / "matrix.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    monkeypatch.setenv("MS_ESPACE_SANTE_HABILITATIONS_FILE", str(path))
    async for http in support.sandbox(tmp_path):
        dmp = await support.Dmp.login(http)
        answer = await dmp.post("", support.provide_bundle())  # a consultation report, class 10
        url = answer.json()["entry"][2]["response"]["location"].split("/_history/")[0]
        refused = await dmp.get(url)
        assert refused.status_code == 403 and "MES-0202" in refused.text


@pytest.mark.parametrize(("name", "value", "names"), [
    ("MS_ESPACE_SANTE_EXTRA_CODES", "{not json", "is not JSON"),
    ("MS_ESPACE_SANTE_EXTRA_CODES", '{"no-such-set": []}', "no value set"),
    ("MS_ESPACE_SANTE_EXTRA_CODES", "@/nonexistent/codes.json", "cannot read"),
    ("MS_ESPACE_SANTE_HABILITATIONS_FILE", "/nonexistent/matrix.json", "MS_ESPACE_SANTE_HABILITATIONS_FILE"),
])
def test_a_bad_value_stops_the_service_naming_what_is_wrong(monkeypatch, name, value, names):
    monkeypatch.setenv(name, value)
    with pytest.raises(pydantic.ValidationError, match=names):
        MsEspaceSanteSettings.for_slug(SLUG)


def test_a_matrix_file_that_is_not_a_list_of_rows_stops_the_service(tmp_path, monkeypatch):
    path = tmp_path / "matrix.json"
    for text in ("[]", '[{"label": "no profession"}]', "{"):
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("MS_ESPACE_SANTE_HABILITATIONS_FILE", str(path))
        with pytest.raises(pydantic.ValidationError, match="not a habilitation matrix"):
            MsEspaceSanteSettings.for_slug(SLUG)
