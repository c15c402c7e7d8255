"""ITI-66 Find Document Lists (search.py, routers/search.py): submission sets and folders of one patient."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from tests.services.ms_espace_sante.search_support import (
    CURRENT,
    KIT_DOC,
    MASQUE_PS,
    PATIENT,
    as_professional,
    audit_events,
)
from tests.services.ms_espace_sante.support import LIST_TYPES, location_id, provide_bundle

SEARCH = "/List"
SETS = ("code", f"{LIST_TYPES}|submissionset")
FOLDERS = ("code", f"{LIST_TYPES}|folder")


def with_folder(bundle: dict, title: str = "Suivi diabète") -> dict:
    """The bundle with a Folder of its documents (a copy of the SubmissionSet, code folder, title)."""
    folder = copy.deepcopy(bundle["entry"][0])
    folder["fullUrl"] = f"urn:uuid:{uuid.uuid4()}"
    resource = folder["resource"]
    resource["code"]["coding"][0]["code"] = "folder"
    resource["title"] = title
    resource["identifier"][0]["value"] = f"urn:oid:1.2.250.1.999.2.{uuid.uuid4().int % 10**9}"
    bundle["entry"][0]["resource"]["entry"].append({"item": {"reference": folder["fullUrl"]}})
    bundle["entry"].insert(1, folder)
    return bundle


async def fed(dmp, title: str = "Suivi diabète") -> tuple[str, str]:  # noqa: ANN001
    """(SubmissionSet id, Folder id) of one ITI-65 submission."""
    answer = await dmp.post("", with_folder(provide_bundle(), title))
    assert answer.status_code == 200, answer.text[:2000]
    entries = answer.json()["entry"]
    return location_id(entries[0]["response"]["location"]), location_id(entries[1]["response"]["location"])


def ids(answer) -> list[str]:  # noqa: ANN001
    assert answer.status_code == 200, answer.text[:2000]
    return sorted(e["resource"]["id"] for e in answer.json().get("entry", []) if e["search"]["mode"] == "match")


async def test_submission_sets_and_folders(dmp):
    submission, folder = await fed(dmp)
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, SETS])) == [submission]
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, FOLDERS])) == [folder]
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, ("code", "submissionset,folder")])) == sorted(
        [submission, folder])
    by_reference = await dmp.get(SEARCH, params=[("patient", "Patient/dmp-adrun-zoe"), CURRENT, SETS])
    assert ids(by_reference) == [submission]


@pytest.mark.parametrize(("params", "code", "name"), [
    ([CURRENT, SETS], "MES-0020", "patient"),
    ([PATIENT, SETS], "MES-0020", "status"),
    ([PATIENT, CURRENT], "MES-0020", "code"),
    ([PATIENT, CURRENT, ("code", "dossier")], "MES-0022", "code"),
    ([PATIENT, CURRENT, ("code", "http://other|folder")], "MES-0022", "code"),
    ([("patient", "Patient/a,Patient/b"), CURRENT, SETS], "MES-0021", "patient"),
])
async def test_mandatory_parameters(dmp, params, code, name):
    answer = await dmp.get(SEARCH, params=params)
    assert answer.status_code == 400, answer.text
    issue = answer.json()["issue"][0]
    assert issue["details"]["coding"][0]["code"] == code and issue["expression"] == [name]


@pytest.mark.parametrize("param", ["date", "title", "identifier", "item"])
async def test_parameters(dmp, param):
    submission, folder = await fed(dmp)
    await fed(dmp, "Grossesse")  # another submission, which the criteria leave out
    lists = await dmp.get(SEARCH, params=[PATIENT, CURRENT, ("code", "submissionset,folder"), ("_id", folder)])
    resource = lists.json()["entry"][0]["resource"]
    value = {"date": resource["date"][:10], "title": "suivi diab",
             "identifier": f"urn:ietf:rfc:3986|{resource['identifier'][0]['value']}",
             "item": resource["entry"][0]["item"]["reference"]}[param]
    found = ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, FOLDERS, (param, value)]))
    assert folder in found and (param == "date" or found == [folder])


async def test_post_search_traces_and_blocking(dmp):
    submission, _ = await fed(dmp)
    posted = await dmp.http.post(dmp.base + SEARCH + "/_search", data=dict([PATIENT, CURRENT, SETS]),
                                 headers={"authorization": f"Bearer {dmp.token}"})
    assert ids(posted) == [submission]
    (event,) = audit_events(dmp, "ITI-66")
    assert event["outcome"] == "0" and f"List/{submission}" in [e.get("what", {}).get("reference")
                                                               for e in event["entity"]]
    kit = await as_professional(dmp, KIT_DOC)
    refused = await kit.get(SEARCH, params=[PATIENT, CURRENT, SETS], headers={"x-access-mode": "TRE_R248"})
    assert refused.status_code == 400 and "MES-0201" in refused.text


@pytest.mark.parametrize(("param", "value"), [
    ("designationType", "10"), ("sourceId", "urn:ietf:rfc:3986|urn:oid:1.2.250.1.999.42"),
    ("source.family", "special"), ("isArchived:missing", "true")])
async def test_pdsm_list_parameters(dmp, param, value):
    submission, _ = await fed(dmp)
    assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, SETS, (param, value)])) == [submission]
    if not param.endswith(":missing"):
        assert ids(await dmp.get(SEARCH, params=[PATIENT, CURRENT, SETS, (param, "nothing-like-it")])) == []


def items(answer) -> dict[str, list[str]]:  # noqa: ANN001
    """List id -> the references of its items, as the searchset returned them."""
    assert answer.status_code == 200, answer.text[:2000]
    return {e["resource"]["id"]: [i["item"]["reference"] for i in e["resource"].get("entry", [])]
            for e in answer.json().get("entry", []) if e["resource"]["resourceType"] == "List"}


async def test_a_list_names_only_the_documents_the_caller_may_see(dmp):
    bundle = with_folder(provide_bundle(documents=(b"Compte rendu: RAS.", b"Compte rendu: suivi.")))
    bundle["entry"][3]["resource"]["securityLabel"].append(MASQUE_PS)  # the second document
    answer = await dmp.post("", bundle)
    assert answer.status_code == 200, answer.text[:2000]
    entries = answer.json()["entry"]
    submission, folder = (location_id(entries[i]["response"]["location"]) for i in (0, 1))
    shown, masked = (f"DocumentReference/{location_id(entries[i]['response']['location'])}" for i in (2, 3))
    both = [PATIENT, CURRENT, ("code", "submissionset,folder")]
    assert items(await dmp.get(SEARCH, params=both)) == {  # the author sees every item
        submission: [shown, masked, f"List/{folder}"], folder: [shown, masked]}
    kit = await as_professional(dmp, KIT_DOC)
    assert items(await kit.get(SEARCH, params=both)) == {submission: [shown, f"List/{folder}"], folder: [shown]}
    included = await kit.get(SEARCH, params=[*both, ("_include", "List:item")])
    assert masked not in included.text and shown in included.text
    emergency = await kit.get(SEARCH, params=both, headers={"x-access-mode": "bris_de_glace"})
    assert items(emergency)[folder] == [shown, masked]
    store = dmp.store()  # the stored Lists are unchanged: only the returned copies are screened
    with store.db.read() as conn:
        stored = json.loads(store.api.store.current(conn, tenant=dmp.tenant, rtype="List", rid=folder)[0].body)
    assert [i["item"]["reference"] for i in stored["entry"]] == [shown, masked]


async def test_a_list_whose_every_document_is_masked_comes_without_entry(dmp):
    bundle = with_folder(provide_bundle())
    bundle["entry"][2]["resource"]["securityLabel"].append(MASQUE_PS)
    answer = await dmp.post("", bundle)
    folder = location_id(answer.json()["entry"][1]["response"]["location"])
    kit = await as_professional(dmp, KIT_DOC)
    found = await kit.get(SEARCH, params=[PATIENT, CURRENT, FOLDERS])
    (resource,) = [e["resource"] for e in found.json()["entry"] if e["resource"]["id"] == folder]
    assert "entry" not in resource
