"""``await``: wait until the gateway records an exchange matching a pattern (a vendor's software takes part).

The step prints ``instruction`` for the operator, then polls the recorded exchanges of the run's tenant until
one matches or ``timeout`` seconds pass (docs/scenarios.md, "await"). Each new exchange of the service
recorded since the step started is looked at once, oldest first: its summary (method, path under the
service, actor), then its detail (client, ``request`` assertions, on the recorded body, which the recorder
masked and may have cut). A timeout names the closest exchanges seen, or says none reached the tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from pydantic import Field

from core.masking import actor_of
from core.settings import DEFAULT_TENANT
from scenarios.expect import Capture, Expect, Response, check
from scenarios.expect.check import as_text
from scenarios.logins import ACTOR_REF
from scenarios.results import Exchange
from scenarios.runner.checks import StepError, judge, prepare, refusal, rendered
from scenarios.runner.context import GATEWAY, service_prefix
from scenarios.runner.exchanges import send
from scenarios.steps import StepBody, runs, step
from scenarios.steps.request import Method
from scenarios.templates import render

if TYPE_CHECKING:
    from scenarios.loader import Placed
    from scenarios.results import StepResult
    from scenarios.runner.context import RunContext

MAX_TIMEOUT = 3600.0


class Pattern(StepBody):
    """What the awaited exchange must be; every key given must hold."""

    service: str = Field(description="The service slug the exchange went to.")
    method: Method | None = None
    path: str | None = Field(default=None, max_length=4000,
                             description="The path under the service; '*' matches any run of characters.")
    actor: str | None = Field(default=None, pattern=ACTOR_REF, description="An actor of this scenario (its token).")
    client: str | None = Field(default=None, max_length=200, description="The OAuth client the token was issued to.")
    tenant: str | None = Field(default=None, max_length=63, description="Default: the run's tenant.")
    request: Expect | None = Field(default=None, description="Assertions the recorded request must hold (its body).")


@step("await")
class Await(StepBody):
    """An exchange that someone else (the vendor's software) must perform against the sandbox."""

    instruction: str = Field(min_length=1, max_length=4000, description="What the operator must do (templated).")
    match: Pattern
    timeout: float = Field(default=120.0, gt=0, le=MAX_TIMEOUT, description="Seconds to wait.")
    expect: Expect | None = Field(default=None, description="Assertions on the sandbox's answer to that exchange.")
    capture: Capture | None = Field(default=None, description="Values taken from the sandbox's answer.")


# -- running -------------------------------------------------------------------------------------------

POLL_SECONDS = 0.3
LISTED = 1000  # newest exchanges read per poll (the API's most): missed only past 1,000 in one 0.3 s poll interval
SHOWN = 3  # closest exchanges named when the await times out


def glob_regex(pattern: str) -> re.Pattern[str]:
    """``*`` is any run of characters (``/`` too); everything else is literal; the whole path must match."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


@dataclass
class Wanted:
    """The pattern of one await, rendered with the run's values."""

    service: str
    tenant: str
    prefix: str  # the service's root in the tenant, as the recorder's paths start
    method: str | None
    path: str | None  # the glob, as written (rendered)
    actors: set[str] | None  # what the recorder shows as the actor's (actor_of its token)
    client: str | None
    request: Expect | None

    def summary_mismatch(self, row: dict[str, Any]) -> str | None:
        """Why a listed exchange is not the awaited one (``None``: its detail must be checked)."""
        path = str(row.get("path") or "")
        relative = path[len(self.prefix):] if path.startswith(self.prefix) else path
        if self.method and row.get("method") != self.method:
            return f"method {row.get('method')}, not {self.method}"
        if self.path is not None and not glob_regex(self.path).fullmatch(relative):
            return f"path {relative} does not match {self.path}"
        if self.actors is not None and row.get("actor") not in self.actors:
            return f"made as {row.get('actor') or 'no one (no token)'}, not as the actor"
        return None

    def detail_mismatch(self, detail: dict[str, Any]) -> str | None:
        if self.client is not None and self.client not in clients_of(detail):
            return f"not made by client {self.client}"
        if self.request is not None:
            try:
                failures = check(self.request, Response.from_recorded(detail, part="request"))
            except ValueError as exc:  # a recorded body marked base64 that is not
                return f"its request cannot be read: {exc}"
            if failures:
                return "its request: " + str(failures[0]).split("\n")[0]
        return None


def clients_of(detail: dict[str, Any]) -> set[str]:
    """The OAuth clients a recorded request shows: the actor of a client's own token or Basic login (Keycloak
    names a client's service account ``service-account-<client>``), a ``client_id`` of its form or JSON body."""
    found: set[str] = set()
    actor = detail.get("actor")
    if isinstance(actor, str):
        found |= {actor, actor.removeprefix("service-account-")}
    body = detail.get("request_body")
    if isinstance(body, str) and not detail.get("request_body_base64"):
        found |= {value for name, value in parse_qsl(body) if name == "client_id"}
        with contextlib.suppress(ValueError, AttributeError):
            value = json.loads(body)
            if isinstance(value, dict) and isinstance(value.get("client_id"), str):
                found.add(value["client_id"])
    return found


def _text(value: str | None, ctx: RunContext) -> str | None:
    return None if value is None else as_text(render(value, ctx.templates))


def wanted(match: Pattern, ctx: RunContext) -> Wanted:
    tenant = _text(match.tenant, ctx) or ctx.tenant
    actors = None
    if match.actor is not None:
        session = ctx.sessions.get(match.actor)
        token = session.access_token if session is not None else None
        actors = {value for value in (actor_of(f"Bearer {token}") if token else None,
                                      session.subject if session is not None else None) if value}
        if not actors:
            raise StepError(f"match.actor {match.actor}: the actor has no token (login "
                            f"{session.login if session else 'unknown'}), so the recorder cannot tell its requests "
                            "apart; remove match.actor or give the actor a login with a token")
    path = _text(match.path, ctx)
    return Wanted(service=match.service, tenant=tenant, prefix=service_prefix(match.service, tenant),
                  method=match.method, path=path, actors=actors,
                  client=_text(match.client, ctx), request=rendered(match.request, Expect, ctx, "match.request"))


def recorded_exchange(detail: dict[str, Any], ctx: RunContext) -> Exchange:
    """A recorded exchange (already masked by the recorder) as a result's exchange."""
    query = detail.get("query") or ""
    return Exchange(
        method=str(detail.get("method")), url=ctx.target + str(detail.get("path")) + (f"?{query}" if query else ""),
        request_headers=dict(detail.get("request_headers") or {}), request_body=detail.get("request_body"),
        status=detail.get("status"), response_headers=dict(detail.get("response_headers") or {}),
        response_body=detail.get("response_body"),
        request_base64=bool(detail.get("request_body_base64")),
        response_base64=bool(detail.get("response_body_base64")),
        duration_ms=float(detail.get("duration_ms") or 0.0), recorded_id=detail.get("id"), fault=detail.get("fault"))


def since_key(value: str) -> datetime:
    """An ISO date-time of the recorder (or the step's start) as an aware datetime, for comparing them."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Watch:
    """Polls the recorder of the awaited tenant; each exchange is looked at once."""

    def __init__(self, ctx: RunContext, want: Wanted, since: datetime) -> None:
        self.ctx, self.want, self.start = ctx, want, since.isoformat()
        self.since = self.start  # moves on to the newest exchange looked at
        self.seen: dict[str, tuple[dict[str, Any], str]] = {}  # id -> (summary, why it did not match)
        self.problem = ""  # the last poll that failed, for the timeout message

    async def poll(self) -> dict[str, Any] | None:
        """The detail of the first new exchange that matches, or ``None``."""
        ctx, want = self.ctx, self.want
        url = ctx.url(GATEWAY, "/_admin/exchanges", tenant=want.tenant)
        response, exchange = await send(ctx.http, "GET", url, headers=ctx.admin_headers(),
                                        params={"service": want.service, "since": self.since, "limit": LISTED})
        if response is None or not response.is_success:
            self.problem = exchange.error or f"{exchange.status} from {exchange.url}"
            if response is not None and response.status_code in (401, 403, 404):
                raise StepError(f"the gateway refused to list the exchanges of tenant {want.tenant}: "
                                f"{refusal(response)}")
            return None
        self.problem = ""
        listed = response.json().get("exchanges", [])
        rows = [row for row in listed if row.get("id") not in self.seen]
        # the next poll lists from the newest exchange looked at (the recorder's since is inclusive, and an id
        # is looked at once), so a busy tenant never pushes unseen exchanges out of the listing's limit
        complete = True
        for row in reversed(rows):  # oldest first: the first matching exchange since the step started
            reason = want.summary_mismatch(row)
            detail = None
            if reason is None:
                detail_url = ctx.url(GATEWAY, f"/_admin/exchanges/{row['id']}", tenant=want.tenant)
                answer, _ = await send(ctx.http, "GET", detail_url, headers=ctx.admin_headers())
                if answer is None or not answer.is_success:
                    complete = False
                    continue  # looked at again on the next poll
                detail = answer.json()
                reason = want.detail_mismatch(detail)
            self.seen[row["id"]] = (row, reason or "")
            if reason is None:
                return detail
        if complete and listed and isinstance(listed[0].get("started_at"), str):
            self.since = max(self.since, listed[0]["started_at"], key=since_key)
        return None

    async def in_default_tenant(self) -> int:
        """How many exchanges of the service reached the default tenant meanwhile (software missing ``/t/...``)."""
        if self.want.tenant == DEFAULT_TENANT:
            return 0
        url = self.ctx.url(GATEWAY, "/_admin/exchanges", tenant=DEFAULT_TENANT)
        response, _ = await send(self.ctx.http, "GET", url, headers=self.ctx.admin_headers(),
                                 params={"service": self.want.service, "since": self.start, "limit": LISTED})
        return int(response.json().get("count", 0)) if response is not None and response.is_success else 0

    async def timeout_message(self, timeout: float) -> str:
        want, ctx = self.want, self.ctx
        what = " ".join(part for part in (want.method or "request", "to", want.service, want.path) if part)
        base = ctx.base_url(want.service, want.tenant)
        fix = f"the software's base URL for {want.service} must be {base}"
        if not self.seen:
            found = f"no exchange of {want.service} was recorded for tenant {want.tenant}"
            if strays := await self.in_default_tenant():
                found += f" ({strays} reached the default tenant meanwhile: is the software missing /t/{want.tenant}?)"
        else:
            newest = sorted(self.seen.values(), key=lambda item: str(item[0].get("started_at")), reverse=True)
            found = "closest seen: " + "; ".join(
                f"{row.get('method')} {row.get('path')} {row.get('status')} ({why})" for row, why in newest[:SHOWN])
            fix = f"check what the software sends ({fix})"
        problem = f"; the last poll failed: {self.problem}" if self.problem else ""
        return f"no {what} within {timeout:g} s: {found}{problem}; {fix}"


@runs("await")
async def run(body: Await, step: Placed, ctx: RunContext, result: StepResult) -> None:
    """Tell the operator what to do, then wait for the exchange, and hold the sandbox's answer to it."""
    since = datetime.now(UTC)
    text = as_text(render(body.instruction, ctx.templates))
    result.instruction = text
    want = wanted(body.match, ctx)
    expect, capture = prepare(body, ctx)
    ctx.events.instruction(ctx.scenario, result, text)
    watch = Watch(ctx, want, since)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + body.timeout
    while (detail := await watch.poll()) is None:
        if loop.time() >= deadline:
            result.status, result.message = "failed", await watch.timeout_message(body.timeout)
            return
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - loop.time())))
    result.exchanges.append(recorded_exchange(detail, ctx))
    judge(expect, capture, Response.from_recorded(detail, part="response"), ctx, result)
