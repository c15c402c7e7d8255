"""PSC reads professionals from the Annuaire Santé over HTTP, in two calls, and names every failure."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from core.population.personas import personas
from services.pro_sante_connect.directory import DirectoryUnavailable, find_professional, search_professionals

ROBERT = "99700218896"


class Recording:
    """A peer client that records the paths it was asked for."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.calls: list[tuple[str, list]] = []

    async def get(self, path: str, *, params=None, headers=None) -> httpx.Response:
        self.calls.append((path, list(params or [])))
        return await self.client.get(path, params=params, headers=headers)


def answering(handler) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://annuaire.test")


async def test_find_by_idnat_ps_and_by_rpps_gives_the_same_record_in_two_calls(annuaire, api_key):
    client = Recording(annuaire)
    by_idnat = await find_professional(client, api_key, "8" + ROBERT)
    assert [path for path, _ in client.calls] == ["/fhir/v2/Practitioner", "/fhir/v2/Organization"]
    by_rpps = await find_professional(annuaire, api_key, ROBERT)
    assert by_idnat == by_rpps
    assert (by_idnat.id_nat_ps, by_idnat.rpps, by_idnat.given, by_idnat.family) == (
        "899700218896", ROBERT, "ROBERT", "SPECIALISTE0021889")
    assert (by_idnat.civility, by_idnat.exercise_civility, by_idnat.profession, by_idnat.category) == (
        "M", "DR", "10", "C")
    assert by_idnat.profession_label == "Médecin" and by_idnat.active and by_idnat.has_cps_card
    assert by_idnat.practitioner["resourceType"] == "Practitioner"


async def test_activities_carry_the_site_and_its_legal_entity(annuaire, api_key):
    girard = await find_professional(annuaire, api_key, "99799000031")
    [situation] = girard.activities
    assert (situation.id, situation.active, situation.mode, situation.genre) == ("1000000105", True, "L", "GENR01")
    site = situation.structure
    assert (site.name, site.finess, site.finess_ej, site.sector) == (
        "PHARMACIE DU CENTRE", "638000042", "638000034", "SA33")
    assert site.legal_entity["name"] == "SELARL PHARMACIE DU CENTRE"
    assert girard.main_structure == site


async def test_unknown_or_malformed_hints_find_nobody_and_odd_ones_are_never_sent(annuaire, api_key):
    assert await find_professional(annuaire, api_key, "899999999999") is None
    assert await find_professional(annuaire, api_key, "12345678901") is None
    client = Recording(annuaire)
    for hint in ("", "  ", "8997,99700427885", "x|y", "8" * 41):
        assert await find_professional(client, api_key, hint) is None
    assert client.calls == []


async def test_closed_record_is_found_inactive_without_situation(annuaire, api_key):
    faure = await find_professional(annuaire, api_key, "899799000080")
    assert not faure.active and faure.profession == "" and faure.cards == ()
    assert faure.open_activities == [] and faure.main_structure is None and not faure.has_cps_card


async def test_card_validity_follows_its_period(annuaire, api_key):
    leroy = await find_professional(annuaire, api_key, "99799000015")
    [card] = leroy.cards
    assert (card.type, card.number) == ("CPS", "3199000003")
    assert leroy.has_card_on(date(2026, 6, 1))
    assert not leroy.has_card_on(date(2027, 1, 15)) and not leroy.has_card_on(date(2024, 1, 14))


async def test_empty_search_lists_the_named_professionals_first(annuaire, api_key):
    found = await search_professionals(annuaire, api_key, "", limit=20)
    named = {"8" + p.rpps for p in personas().professionals}
    assert len(found) == 20
    assert {p.id_nat_ps for p in found[:len(named)]} == named


async def test_search_by_digits_and_by_name_words(annuaire, api_key):
    assert [p.family for p in await search_professionals(annuaire, api_key, "997 9900 0015")] == ["LEROY"]
    assert [p.family for p in await search_professionals(annuaire, api_key, "899799000015")] == ["LEROY"]
    assert [p.family for p in await search_professionals(annuaire, api_key, "  claire   ler ")] == ["LEROY"]
    assert [p.given for p in await search_professionals(annuaire, api_key, "jean-baptiste")] == ["Jean-Baptiste"]
    assert await search_professionals(annuaire, api_key, "leroy,faure") == []  # a comma is text, not OR
    assert len(await search_professionals(annuaire, api_key, "", limit=3)) == 3


async def test_wrong_api_key_is_unauthorized(annuaire):
    with pytest.raises(DirectoryUnavailable) as caught:
        await find_professional(annuaire, "not-a-key", ROBERT)
    assert (caught.value.reason, caught.value.status) == ("unauthorized", 401)


@pytest.mark.parametrize(("status", "body", "reason"), [
    (503, b"down", "unavailable"),
    (429, b"slow down", "unavailable"),
    (400, b'{"resourceType":"OperationOutcome"}', "rejected"),
    (200, b"<html>proxy page</html>", "invalid"),
    (200, b'{"resourceType":"Patient"}', "invalid"),
])
async def test_annuaire_failures_map_to_directory_unavailable(status, body, reason):
    async with answering(lambda request: httpx.Response(status, content=body)) as client:
        with pytest.raises(DirectoryUnavailable) as caught:
            await search_professionals(client, "key", "leroy")
    assert (caught.value.reason, caught.value.status) == (reason, status)


async def test_unreachable_annuaire(api_key):
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    async with answering(refuse) as client:
        with pytest.raises(DirectoryUnavailable) as caught:
            await find_professional(client, api_key, ROBERT)
    assert (caught.value.reason, caught.value.status) == ("unreachable", None)


async def test_the_api_key_travels_in_its_header():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"resourceType": "Bundle", "type": "searchset", "total": 0})

    async with answering(handler) as client:
        assert await find_professional(client, "k-123", ROBERT) is None
    assert seen[0].headers["ESANTE-API-KEY"] == "k-123"
    assert seen[0].url.params["identifier"] == f"https://rpps.esante.gouv.fr|{ROBERT}"
