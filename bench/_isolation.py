"""The isolation check of bench/projectathon.py: after every team ran the library in its tenant, nothing one
tenant recorded or holds is visible from another.

Exchanges: ``GET /t/{team}/_admin/exchanges?limit=1000`` lists only rows of that tenant (each row names its
tenant and its path starts ``/t/{team}/``), every exchange the team's run sent (told by the ``x-request-id``
the gateway answered, or an await's recorded id) is among them, no row id is listed by two tenants, and what
is left over is the services' own calls (Pro Santé Connect reading the Annuaire Santé), counted by service.
Resources: each tenant gets an IDAM registration, an INS test identity and a fault rule of its own; each
tenant's listings show its own and no other, and an INSi ``$match`` of a team's identity finds it in its
tenant and not in the next team's.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpx

from bench._scenarios import exchanges_of
from core.identifiers import nir_key
from scenarios.results import ScenarioResult

LISTED = 1000  # the most /_admin/exchanges lists at once
PARALLEL = 8  # requests of the check at once


async def gather(items: Iterable[Any], work: Callable[[Any], Awaitable[Any]]) -> list[Any]:
    limit = asyncio.Semaphore(PARALLEL)

    async def one(item: Any) -> Any:
        async with limit:
            return await work(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


def sent_ids(scenarios: Iterable[ScenarioResult]) -> dict[str, set[str]]:
    """Per tenant, the ids of the service exchanges its runs sent or awaited (``/_admin`` calls are not recorded)."""
    out: dict[str, set[str]] = {}
    for scenario in scenarios:
        ids = out.setdefault(scenario.tenant, set())
        for exchange in exchanges_of(scenario):
            if "/_admin/" in exchange.url or exchange.status is None:
                continue
            ids.add(exchange.recorded_id or exchange.response_headers.get("x-request-id", f"none:{exchange.url}"))
    return out


async def check_exchanges(http: httpx.AsyncClient, target: str, teams: Sequence[str],
                          scenarios: Sequence[ScenarioResult]) -> tuple[list[str], int, int, Counter, Counter]:
    """(leaks, rows checked, exchanges sent, services of the rows no run sent, teams per number of such rows)."""
    sent = sent_ids(scenarios)

    async def listing(team: str) -> list[dict[str, Any]]:
        answer = await http.get(f"{target}/t/{team}/_admin/exchanges", params={"limit": LISTED})
        answer.raise_for_status()
        return answer.json()["exchanges"]

    listed = dict(zip(teams, await gather(teams, listing), strict=True))
    leaks: list[str] = []
    internal: Counter = Counter()
    per_team: Counter = Counter()
    owner: dict[str, str] = {}
    for team, rows in listed.items():
        if len(rows) >= LISTED:
            leaks.append(f"{team}: {len(rows)} exchanges listed, the listing's limit: the check cannot see them all")
        known: set[str] = set()
        before = sum(internal.values())
        for row in rows:
            if row.get("tenant") != team or not str(row.get("path", "")).startswith(f"/t/{team}/"):
                leaks.append(f"{team}: lists exchange {row.get('id')} of tenant {row.get('tenant')} "
                             f"({row.get('path')})")
            if (first := owner.setdefault(row["id"], team)) != team:
                leaks.append(f"{team}: exchange {row['id']} is listed by {first} too")
            known |= {row["id"], row.get("request_id")}
            if row.get("request_id") not in sent.get(team, set()) and row["id"] not in sent.get(team, set()):
                internal[row.get("service")] += 1
        per_team[sum(internal.values()) - before] += 1
        for missing in sorted(sent.get(team, set()) - known)[:5]:
            where = next((other for other, ids in sent.items() if other != team and missing in ids), None)
            leaks.append(f"{team}: sent exchange {missing} is not in its listing" + (f" (sent by {where})" if where
                                                                                     else ""))
    checked = sum(len(rows) for rows in listed.values())
    return leaks, checked, sum(len(ids) for ids in sent.values()), internal, per_team


def first_name(number: int) -> str:
    """A first name of letters only, one per team (INSi traits take no digits): 1 -> EQUIPEB, 26 -> EQUIPEBA."""
    letters = ""
    while True:
        number, digit = divmod(number, 26)
        letters = chr(65 + digit) + letters
        if not number:
            return "EQUIPE" + letters


def identity(number: int) -> dict[str, Any]:
    matricule = f"1850763113{number % 1000:03d}"
    return {"id": f"isolation-{number}", "birthName": "ISOLATION", "firstNames": [first_name(number)], "sex": "M",
            "birthDate": "1985-07-14", "birthPlace": "63113", "ins": matricule + nir_key(matricule)}


async def check_resources(http: httpx.AsyncClient, target: str, teams: Sequence[str]) -> tuple[list[str], int]:
    """(leaks, resources checked): an IDAM, an identity and a fault rule per tenant, each seen in its tenant only."""
    numbered = list(enumerate(teams, 1))

    async def create(item: tuple[int, str]) -> str:
        number, team = item
        base = f"{target}/t/{team}"
        for url, body in ((f"{base}/ins-teleservice/_admin/software", {"idam": f"ISOLATION-{team.upper()}"}),
                          (f"{base}/ins-teleservice/_admin/identities", identity(number))):
            (await http.post(url, json=body)).raise_for_status()
        rule = await http.post(f"{base}/_admin/faults", json={"service": "annuaire-sante", "path": f"/isolation/{team}",
                                                              "status": 503})
        rule.raise_for_status()
        return rule.json()["id"]

    rules = dict(zip(teams, await gather(numbered, create), strict=True))

    async def match(team: str, number: int) -> set[str]:
        person = identity(number)
        answer = await http.post(f"{target}/t/{team}/ins-teleservice/fhir/Patient/$match", json={
            "resourceType": "Patient", "name": [{"family": person["birthName"], "given": person["firstNames"]}],
            "gender": "male", "birthDate": person["birthDate"]}, headers={"content-type": "application/fhir+json"})
        return {entry["resource"].get("id") for entry in answer.json().get("entry", [])}

    async def check(item: tuple[int, str]) -> list[str]:
        number, team = item
        base, found = f"{target}/t/{team}", []
        software = (await http.get(f"{base}/ins-teleservice/_admin/software")).json()["software"]
        own = {s["idam"] for s in software if s.get("origin") == "tenant"}
        if own != {f"ISOLATION-{team.upper()}"}:
            found.append(f"{team}: registered IDAMs {sorted(own)}")
        listed = (await http.get(f"{base}/ins-teleservice/_admin/identities", params={"origin": "admin"})).json()
        if {i["id"] for i in listed["identities"]} != {f"isolation-{number}"}:
            found.append(f"{team}: admin identities {sorted(i['id'] for i in listed['identities'])}")
        faults = {rule["id"] for rule in (await http.get(f"{base}/_admin/faults")).json()["faults"]}
        if faults != {rules[team]}:
            found.append(f"{team}: fault rules {sorted(faults)}, its own is {rules[team]}")
        if f"isolation-{number}" not in await match(team, number):
            found.append(f"{team}: $match does not find its own identity isolation-{number}")
        if len(teams) > 1:
            neighbour = teams[number % len(teams)]
            if f"isolation-{number}" in await match(neighbour, number):
                found.append(f"{neighbour}: $match finds identity isolation-{number} of {team}")
        return found

    leaks = [line for lines in await gather(numbered, check) for line in lines]
    return leaks, 3 * len(teams)
