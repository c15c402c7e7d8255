"""Log a scenario's actors in before its steps: one flow per login kind, driven over HTTP against the run's tenant.

:func:`log_in` answers the actor's :class:`ActorSession` (its tokens, for ``${actor.NAME.*}`` and the
``Authorization`` header of its requests) and its :class:`~scenarios.results.ActorResult` (the login's
masked exchanges, ``error`` with a one-line message when it failed). A login kind's flow is one async
function registered with :func:`flow` under the kind's ``login`` key (``scenarios/logins.py`` holds the
models), so the citizen login of Mon espace santé adds one function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scenarios.logins import Actor
from scenarios.results import ActorResult, Exchange
from scenarios.templates import ACTOR_KEYS

if TYPE_CHECKING:
    from scenarios.runner.context import RunContext


class LoginError(Exception):
    """A login that did not succeed: one line for a person, naming the fix."""


@dataclass
class ActorSession:
    """An actor once logged in: what its requests and the ``${actor.NAME.*}`` templates use."""

    name: str
    login: str
    persona: str | None
    client: str | None
    access_token: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None
    subject: str | None = None  # the token's sub claim (what the gateway's recorder shows as the actor)

    def template_values(self) -> dict[str, str]:
        """The :data:`~scenarios.templates.ACTOR_KEYS` that have a value."""
        return {key: value for key in ACTOR_KEYS if (value := getattr(self, key)) is not None}

    def authorization(self) -> dict[str, str]:
        """The ``Authorization`` header of the actor's requests, or none without an access token."""
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}


@dataclass
class Attempt:
    """What a flow works with: the actor, the run, the session it fills in and the exchanges it made."""

    name: str
    actor: Actor
    ctx: RunContext
    session: ActorSession
    exchanges: list[Exchange] = field(default_factory=list)


Flow = Callable[[Attempt], Awaitable[None]]
FLOWS: dict[str, Flow] = {}


def flow(key: str) -> Callable[[Flow], Flow]:
    """Register the flow of the login kind ``key`` (the ``login`` value of ``scenarios/logins.py``)."""
    def register(function: Flow) -> Flow:
        FLOWS[key] = function
        return function
    return register


@flow("none")
async def _none(attempt: Attempt) -> None:
    """No token: the actor's requests carry only the headers its steps write."""


async def log_in(name: str, actor: Actor, ctx: RunContext) -> tuple[ActorSession, ActorResult]:
    """Log ``actor`` in; never raises a :class:`LoginError`: a failed login is an ``error`` result."""
    client = getattr(actor, "client", None)
    session = ActorSession(name=name, login=actor.login, persona=actor.persona, client=client)
    result = ActorResult(name=name, login=actor.login, persona=actor.persona, client=client)
    attempt = Attempt(name, actor, ctx, session, result.exchanges)
    try:
        run = FLOWS.get(actor.login)
        if run is None:
            raise LoginError(f"actor {name}: the runner has no flow for login '{actor.login}' "
                             f"(known: {', '.join(sorted(FLOWS))})")
        await run(attempt)
    except LoginError as exc:
        result.status, result.message = "error", str(exc)
    return session, result
