"""Search: parameter types, modifiers, prefixes, chaining, paging, sorting, includes, counts."""

import pytest

from tests.outcomes import assert_outcome, patient

NIR = "urn:oid:1.2.250.1.213.1.4.8"


async def ids(fhir, query: str) -> list[str]:
    r = await fhir.get(f"/{query}")
    assert r.status_code == 200, r.text
    return [e["resource"]["id"] for e in r.json().get("entry", []) if e["search"]["mode"] == "match"]


@pytest.fixture
async def people(fhir):
    made = {}
    for key, body in {
        "helene": patient("Dupré", "Hélène", birthDate="1980-05-02", gender="female", active=True,
                          identifier=[{"system": NIR, "value": "280052B02012345"}],
                          telecom=[{"system": "email", "value": "helene@example.org"}],
                          address=[{"city": "Ajaccio"}]),
        "jean": patient("Dupont", "Jean-Marc", birthDate="1975-12-31", gender="male", active=False,
                        identifier=[{"system": "urn:oid:1.2.250.1.213.1.4.9", "value": "175123"}]),
        "zoe": patient("Adrun", "Zoé", birthDate="2001", gender="female"),
    }.items():
        r = await fhir.post("/Patient", json=body)
        made[key] = r.json()["id"]
    return made


async def test_string_search_is_prefix_case_and_accent_insensitive(fhir, people):
    assert await ids(fhir, "Patient?name=dup&_sort=given") == [people["helene"], people["jean"]]
    assert await ids(fhir, "Patient?given=HELE") == [people["helene"]]
    assert await ids(fhir, "Patient?family=upr") == []


async def test_string_exact_and_contains(fhir, people):
    assert await ids(fhir, "Patient?family:exact=Dupré") == [people["helene"]]
    assert await ids(fhir, "Patient?family:exact=dupré") == []
    assert await ids(fhir, "Patient?family:contains=UPR") == [people["helene"]]
    assert await ids(fhir, "Patient?given:contains=marc") == [people["jean"]]


async def test_token_forms(fhir, people):
    assert await ids(fhir, f"Patient?identifier={NIR}|280052B02012345") == [people["helene"]]
    assert await ids(fhir, "Patient?identifier=280052B02012345") == [people["helene"]]
    assert await ids(fhir, f"Patient?identifier={NIR}|&_sort=_id") == [people["helene"]]
    assert await ids(fhir, "Patient?identifier=|280052B02012345") == []
    assert await ids(fhir, "Patient?gender=male") == [people["jean"]]
    assert sorted(await ids(fhir, "Patient?gender:not=male")) == sorted([people["helene"], people["zoe"]])
    assert await ids(fhir, "Patient?active=true") == [people["helene"]]
    assert await ids(fhir, "Patient?telecom=helene@example.org") == [people["helene"]]


async def test_or_with_comma_and_and_with_repetition(fhir, people):
    assert sorted(await ids(fhir, "Patient?given=jean,zo")) == sorted([people["jean"], people["zoe"]])
    assert await ids(fhir, "Patient?gender=female&family=adrun") == [people["zoe"]]


async def test_missing_modifier(fhir, people):
    assert await ids(fhir, "Patient?address-city:missing=false") == [people["helene"]]
    assert sorted(await ids(fhir, "Patient?identifier:missing=true")) == [people["zoe"]]
    assert_outcome(await fhir.get("/Patient?identifier:missing=maybe"), 400, "FHIR-0014")


@pytest.mark.parametrize("query, expected", [
    ("birthdate=1980", ["helene"]),
    ("birthdate=1980-05-02", ["helene"]),
    ("birthdate=eq1980-05", ["helene"]),
    ("birthdate=ne1980", ["jean", "zoe"]),
    ("birthdate=gt1980-05-02", ["zoe"]),
    ("birthdate=ge1980-05-02", ["helene", "zoe"]),
    ("birthdate=lt1980", ["jean"]),
    ("birthdate=le1980-05-02", ["helene", "jean"]),
    ("birthdate=1975-12-31", ["jean"]),
    ("birthdate=sa1999", ["zoe"]),
    ("birthdate=eb1976", ["jean"]),
    ("birthdate=ge1975&birthdate=lt2000", ["helene", "jean"]),
])
async def test_date_prefixes(fhir, people, query, expected):
    assert sorted(await ids(fhir, f"Patient?{query}")) == sorted(people[k] for k in expected)


async def test_bad_date_and_unknown_parameter_and_modifier(fhir, people):
    assert_outcome(await fhir.get("/Patient?birthdate=ge2020-13-45"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?birthdate=xx2020"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?shoe-size=42"), 400, "FHIR-0013")
    assert_outcome(await fhir.get("/Patient?gender:contains=ma"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?_count=ten"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?_sort=shoe-size"), 400, "FHIR-0013")
    assert_outcome(await fhir.get("/Patient?_summary=text"), 400, "FHIR-0014")


async def test_lenient_handling_ignores_unknown_parameters(fhir, people):
    r = await fhir.get("/Patient?shoe-size=42&gender=male", headers={"Prefer": "handling=lenient"})
    assert [e["resource"]["id"] for e in r.json()["entry"]] == [people["jean"]]


async def test_id_and_last_updated(fhir, people):
    assert await ids(fhir, f"Patient?_id={people['zoe']}") == [people["zoe"]]
    assert len(await ids(fhir, "Patient?_lastUpdated=ge2020-01-01")) == 3
    assert await ids(fhir, "Patient?_lastUpdated=lt2020-01-01") == []


async def test_paging_with_next_and_previous_links(fhir):
    for i in range(7):
        await fhir.post("/Patient", json=patient(family=f"Page{i}"))
    first = (await fhir.get("/Patient?family=page&_count=3&_sort=family")).json()
    assert first["total"] == 7 and len(first["entry"]) == 3
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "previous" not in links and links["next"].startswith(f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir/")
    second = (await fhir.get(links["next"].split("/fhir", 1)[1])).json()
    assert [e["resource"]["name"][0]["family"] for e in second["entry"]] == ["Page3", "Page4", "Page5"]
    second_links = {link["relation"]: link["url"] for link in second["link"]}
    assert "previous" in second_links and "next" in second_links
    last = (await fhir.get(second_links["next"].split("/fhir", 1)[1])).json()
    assert len(last["entry"]) == 1 and "next" not in {link["relation"] for link in last["link"]}


async def test_sort_ascending_descending(fhir, people):
    assert await ids(fhir, "Patient?_sort=birthdate") == [people["jean"], people["helene"], people["zoe"]]
    assert await ids(fhir, "Patient?_sort=-birthdate") == [people["zoe"], people["helene"], people["jean"]]
    assert await ids(fhir, "Patient?_sort=family,-given") == [people["zoe"], people["jean"], people["helene"]]


async def test_summary_count_returns_total_only(fhir, people):
    body = (await fhir.get("/Patient?_summary=count&gender=female")).json()
    assert body["total"] == 2 and "entry" not in body


async def test_elements_subsets_and_tags(fhir, people):
    body = (await fhir.get(f"/Patient?_id={people['helene']}&_elements=gender")).json()
    resource = body["entry"][0]["resource"]
    assert set(resource) == {"resourceType", "id", "meta", "gender"}
    assert resource["meta"]["tag"][0]["code"] == "SUBSETTED"


async def observation(fhir, subject: str, code: str = "8867-4", when: str = "2024-03-01T10:00:00Z") -> str:
    r = await fhir.post("/Observation", json={
        "resourceType": "Observation", "status": "final", "effectiveDateTime": when,
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": subject}})
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_reference_search_forms(fhir, people):
    obs = await observation(fhir, f"Patient/{people['helene']}")
    await observation(fhir, f"Patient/{people['jean']}")
    assert await ids(fhir, f"Observation?subject=Patient/{people['helene']}") == [obs]
    assert await ids(fhir, f"Observation?subject={people['helene']}") == [obs]
    assert await ids(fhir, f"Observation?subject:Patient={people['helene']}") == [obs]
    absolute = f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir/Patient/{people['helene']}"
    assert await ids(fhir, f"Observation?patient={absolute}") == [obs]


async def test_reference_type_modifier_must_be_a_target(fhir, people):
    body = assert_outcome(await fhir.get("/Observation?patient:Practitioner=x"), 400, "FHIR-0014")
    assert "Patient" in body["issue"][0]["diagnostics"]  # names the type it refers to
    assert_outcome(await fhir.get("/Observation?subject:Nothing=x"), 400, "FHIR-0014")  # no such type


async def test_absolute_reference_to_own_base_is_indexed_as_local(fhir, people):
    absolute = f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir/Patient/{people['zoe']}"
    obs = await observation(fhir, absolute)
    assert await ids(fhir, f"Observation?patient=Patient/{people['zoe']}") == [obs]


async def test_chained_search(fhir, people):
    obs = await observation(fhir, f"Patient/{people['helene']}")
    await observation(fhir, f"Patient/{people['jean']}")
    assert await ids(fhir, f"Observation?patient.identifier={NIR}|280052B02012345") == [obs]
    assert await ids(fhir, "Observation?subject:Patient.family=dupr&patient.gender=female") == [obs]
    assert_outcome(await fhir.get("/Observation?patient.shoe=1"), 400, "FHIR-0013")
    assert_outcome(await fhir.get("/Observation?code.system=1"), 400, "FHIR-0014")


async def test_include_and_revinclude(fhir, people):
    obs = await observation(fhir, f"Patient/{people['helene']}")
    body = (await fhir.get(f"/Observation?_id={obs}&_include=Observation:subject")).json()
    modes = {(e["resource"]["resourceType"], e["search"]["mode"]) for e in body["entry"]}
    assert modes == {("Observation", "match"), ("Patient", "include")} and body["total"] == 1
    body = (await fhir.get(f"/Patient?_id={people['helene']}&_revinclude=Observation:subject")).json()
    assert [(e["resource"]["id"], e["search"]["mode"]) for e in body["entry"]] == [
        (people["helene"], "match"), (obs, "include")]
    assert_outcome(await fhir.get("/Observation?_include=Observation:code"), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient?_revinclude=Observation:nothing"), 400, "FHIR-0014")


async def test_search_by_post_form(fhir, people):
    r = await fhir.post("/Patient/_search", content="gender=male",
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert [e["resource"]["id"] for e in r.json()["entry"]] == [people["jean"]]


async def test_searchset_shape(fhir, people):
    body = (await fhir.get("/Patient?gender=male")).json()
    assert body["resourceType"] == "Bundle" and body["type"] == "searchset" and body["total"] == 1
    entry = body["entry"][0]
    assert entry["fullUrl"] == f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir/Patient/{people['jean']}"


async def test_unknown_underscore_controls_of_other_servers_are_ignored(fhir, people):
    assert await ids(fhir, "Patient?gender=male&_totalMethod=count") == [people["jean"]]


async def test_include_wildcard_follows_every_reference_parameter(fhir, people):
    org = (await fhir.post("/Organization", json={"resourceType": "Organization", "name": "Clinique"})).json()["id"]
    pid = (await fhir.post("/Patient", json=patient(managingOrganization={"reference": f"Organization/{org}"},
                                                    generalPractitioner=[{"reference": f"Organization/{org}"}])
                           )).json()["id"]
    for wildcard in ("*", "Patient:*"):
        body = (await fhir.get(f"/Patient?_id={pid}&_include={wildcard}")).json()
        assert [(e["resource"]["id"], e["search"]["mode"]) for e in body["entry"]] == [(pid, "match"), (org, "include")]


async def test_system_search_across_types_with_paging(fhir, people):
    await observation(fhir, f"Patient/{people['helene']}")
    body = (await fhir.get("?_type=Patient,Observation&_count=2")).json()
    assert body["type"] == "searchset" and body["total"] == 4 and len(body["entry"]) == 2
    links = {link["relation"]: link["url"] for link in body["link"]}
    assert links["next"].startswith(f"http://sandbox.test/t/{fhir.tenant}/kernel-demo/fhir?_type=Patient%2CObservation")
    rest = (await fhir.get("?" + links["next"].split("?", 1)[1])).json()
    kinds = [e["resource"]["resourceType"] for e in body["entry"] + rest["entry"]]
    assert kinds == ["Patient", "Patient", "Patient", "Observation"]
    only = (await fhir.post("/_search", content="_type=Patient&gender=male",
                            headers={"content-type": "application/x-www-form-urlencoded"})).json()
    assert [e["resource"]["id"] for e in only["entry"]] == [people["jean"]]
    assert (await fhir.get("?_type=Patient&gender=male&_summary=count")).json()["total"] == 1


async def test_system_search_rejects_unknown_types_and_parameters(fhir, people):
    assert_outcome(await fhir.get("?_type=Patient,Medication"), 400, "FHIR-0002")
    assert_outcome(await fhir.get("?_type=Patient,Observation&gender=male"), 400, "FHIR-0013")


# issue 9: hostile integers, value lists and digits -------------------------------------------------------------

@pytest.mark.parametrize("value", [str(2**63), str(2**64), str(10**30), str(2**31), "-1", "+5", "1_0", "5.0", " 5",
                                   "５", "٥", "²", "9" * 5000])
async def test_count_and_offset_outside_ascii_digits_up_to_max_int_return_400_fhir_0014(fhir, people, value):
    for name in ("_offset", "_count"):
        assert_outcome(await fhir.get("/Patient", params={name: value}), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/", params={"_type": "Patient", "_offset": value}), 400, "FHIR-0014")
    assert_outcome(await fhir.get(f"/Patient/{people['zoe']}/_history", params={"_count": value}), 400, "FHIR-0014")


async def test_the_largest_offset_and_a_huge_count_are_answered(fhir, people):
    far = (await fhir.get("/Patient", params={"_offset": str(2**31 - 1)})).json()
    assert (far["total"], far.get("entry", [])) == (3, [])
    capped = (await fhir.get("/Patient", params={"_count": str(2**31 - 1)})).json()
    assert len(capped["entry"]) == 3
    assert {link["relation"]: link["url"] for link in capped["link"]}["self"].endswith("_count=500")  # max_count


async def test_a_version_id_that_is_no_ascii_integer_is_simply_not_found(fhir, people):
    for vid in (str(2**63), "１", "٣"):
        assert_outcome(await fhir.get(f"/Patient/{people['zoe']}/_history/{vid}"), 404, "FHIR-0008")
    assert (await fhir.get(f"/Patient/{people['zoe']}/_history/1")).status_code == 200


@pytest.mark.parametrize("name, value", [("identifier", f"{NIR}|X"), ("identifier", "X"), ("family", "dup"),
                                         ("birthdate", "2000"), ("_id", "x"),
                                         ("general-practitioner", "Practitioner/x")])
async def test_more_than_100_values_in_one_parameter_return_400_fhir_0022(fhir, people, name, value):
    assert_outcome(await fhir.get("/Patient", params={name: ",".join([value] * 1_000)}), 400, "FHIR-0022")
    assert (await fhir.get("/Patient", params={name: ",".join([value] * 100)})).status_code == 200


async def test_more_than_100_criteria_or_sort_keys_return_400_fhir_0022(fhir, people):
    assert_outcome(await fhir.get("/Patient", params=[("family", "dup")] * 101), 400, "FHIR-0022")
    assert_outcome(await fhir.get("/Patient", params={"_sort": ",".join(["family"] * 101)}), 400, "FHIR-0022")
    assert await ids(fhir, "Patient?" + "&".join(["family=dup"] * 100) + "&_sort=given") == [
        people["helene"], people["jean"]]


async def test_token_alternatives_match_per_system_as_one_list(fhir, people):
    nia = "urn:oid:1.2.250.1.213.1.4.9"
    many = ",".join([f"{NIR}|280052B02012345", f"{nia}|175123", f"{NIR}|175123", "nope", f"{nia}|", *(
        f"{NIR}|{n}" for n in range(95))])
    assert sorted(await ids(fhir, f"Patient?identifier={many}")) == sorted([people["helene"], people["jean"]])
    assert await ids(fhir, f"Patient?identifier={NIR}|175123,{nia}|280052B02012345") == []
    assert await ids(fhir, f"Patient?identifier={nia}|,{NIR}|nope") == [people["jean"]]
    assert await ids(fhir, "Patient?identifier=175123,280052B02012345&_sort=family") == [
        people["jean"], people["helene"]]
    assert await ids(fhir, "Patient?gender:not=male,female") == []


@pytest.mark.parametrize("value", ["１９８０-05-02", "١٩٨٠-05-02", "1980-０5-02", "ge１９８０"])
async def test_dates_with_digits_other_than_ascii_return_400_fhir_0014(fhir, people, value):
    assert_outcome(await fhir.get("/Patient", params={"birthdate": value}), 400, "FHIR-0014")
    assert_outcome(await fhir.get("/Patient", params={"_lastUpdated": value}), 400, "FHIR-0014")
