"""``request``: an HTTP request made as an actor, then its ``expect`` and ``capture`` (docs/scenarios.md).

Running it renders ``path``, ``query``, ``headers`` and the body (inline, or ``body_file`` beside the file the
step is written in) with the run's values; a mapping or list body is sent as JSON (``application/json``
unless the step gives a Content-Type), a string as UTF-8 text; the actor's token goes in ``Authorization``
unless the step writes its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from core.fault_rule import METHODS
from scenarios.expect import Capture, Expect, Response
from scenarios.expect.check import as_text
from scenarios.logins import ACTOR_REF
from scenarios.runner.checks import judge, prepare
from scenarios.runner.context import ADMIN_HEADER, is_admin
from scenarios.runner.exchanges import send
from scenarios.steps import StepBody, runs, step
from scenarios.templates import render

if TYPE_CHECKING:
    from scenarios.loader import Placed
    from scenarios.results import StepResult
    from scenarios.runner.context import RunContext

# The gateway's tuple, in its order: typing caches Literal types regardless of their values' order, so two
# orders would make the generated schema depend on which module was imported first.
Method = Literal[METHODS]


@step("request")
class Request(StepBody):
    """One request to a service of the sandbox; strings in ``path``, ``query``, ``headers`` and bodies are templates."""

    actor: str = Field(pattern=ACTOR_REF, description="An actor of this scenario (its token is sent).")
    service: str = Field(description="The service slug (gateway/registry.py), or 'gateway' for /_admin routes.")
    method: Method = "GET"
    path: str = Field(pattern=r"^/", max_length=4000, description="Under the service, e.g. /fhir/Patient/$match.")
    query: dict[str, str | list[str]] | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = Field(default=None, description="Inline body: a mapping or list is sent as JSON, a string as is.")
    body_file: str | None = Field(default=None, description="A file beside the scenario, sent as is (templated).")
    expect: Expect | None = None
    capture: Capture | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Request:
        if self.body is not None and self.body_file is not None:
            raise ValueError("give body or body_file, not both")
        return self


# -- running -------------------------------------------------------------------------------------------

def _has(headers: dict[str, str], name: str) -> bool:
    return any(key.lower() == name for key in headers)


def _body(body: Request, step: Placed, ctx: RunContext, headers: dict[str, str]) -> bytes | None:
    """The body to send: a rendered file or string as UTF-8 text, a rendered mapping or list as JSON."""
    if body.body_file is not None:
        text = (Path(step.file).parent / body.body_file).read_text(encoding="utf-8")
        return as_text(render(text, ctx.templates)).encode("utf-8")
    if body.body is None:
        return None
    value = render(body.body, ctx.templates)
    if isinstance(value, str):
        return value.encode("utf-8")
    if not _has(headers, "content-type"):
        headers["Content-Type"] = "application/json"
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


@runs("request")
async def run(body: Request, step: Placed, ctx: RunContext, result: StepResult) -> None:
    """Send the request as its actor, then hold the answer to ``expect`` and take ``capture``."""
    path = as_text(render(body.path, ctx.templates))
    query = {name: [as_text(v) for v in value] if isinstance(value, list) else as_text(value)
             for name, value in render(body.query or {}, ctx.templates).items()}
    headers = {name: as_text(value) for name, value in render(body.headers, ctx.templates).items()}
    content = _body(body, step, ctx, headers)
    expect, capture = prepare(body, ctx)
    session = ctx.sessions.get(body.actor)
    if session is not None and not _has(headers, "authorization"):
        headers.update(session.authorization())
    if is_admin(body.service, path) and not _has(headers, ADMIN_HEADER.lower()):
        headers.update(ctx.admin_headers())
    response, exchange = await send(ctx.http, body.method, ctx.url(body.service, path), params=query or None,
                                    headers=headers, content=content)
    result.exchanges.append(exchange)
    if response is None:
        result.status = "error"
        result.message = (f"{body.method} {exchange.url}: {exchange.error}; is the sandbox running at "
                          f"{ctx.target}?")
        return
    judge(expect, capture, Response.from_httpx(response), ctx, result)
