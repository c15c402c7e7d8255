"""Log a scenario's actors in before its steps: one flow per login kind, driven over HTTP against the run's tenant.

:func:`log_in` answers the actor's :class:`ActorSession` (its tokens, for ``${actor.NAME.*}`` and the
``Authorization`` header of its requests) and its :class:`~scenarios.results.ActorResult` (the login's
masked exchanges, ``error`` with a one-line message when it failed). A login kind's flow is one async
function registered with :func:`flow` under the kind's ``login`` key (``scenarios/logins.py`` holds the
models), so the citizen login of Mon espace santé adds one function.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from core.masking import actor_of
from scenarios.logins import Actor
from scenarios.results import ActorResult, Exchange
from scenarios.runner.exchanges import send
from scenarios.templates import ACTOR_KEYS

if TYPE_CHECKING:
    from scenarios.runner.context import RunContext

logger = logging.getLogger(__name__)


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
    # who the token names, as the gateway's recorder shows the actor (core.masking.actor_of): a professional's
    # SubjectNameID (idNat_PS), software's sub (service-account-<client_id>)
    subject: str | None = None

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
    cache: dict[str, Any] = field(default_factory=dict)  # what a flow fetched once (a JWKS)

    def fail(self, message: str) -> LoginError:
        """A :class:`LoginError` about this actor (``raise attempt.fail(...)``)."""
        return LoginError(f"actor {self.name}: {message}")

    async def send(self, method: str, url: str, **options: Any) -> httpx.Response:
        """Send one request of the login, keep its masked exchange; no answer is a :class:`LoginError`."""
        response, exchange = await send(self.ctx.http, method, url, **options)
        self.exchanges.append(exchange)
        if response is None:
            raise self.fail(f"{method} {exchange.url} got {exchange.error}: is the sandbox at {self.ctx.target} up?")
        return response

    def keep(self, tokens: dict[str, Any]) -> None:
        """Keep a token answer's tokens; the subject is what the gateway's recorder shows as the actor."""
        session = self.session
        session.access_token = tokens.get("access_token")
        session.refresh_token = tokens.get("refresh_token")
        session.id_token = tokens.get("id_token")
        session.subject = actor_of(f"Bearer {session.access_token}") if session.access_token else None


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
    """Log ``actor`` in. Never raises: a failed login is an ``error`` result whose message says why (the
    :class:`LoginError`'s), and the session then has no token."""
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
    except Exception as exc:  # noqa: BLE001 - a flow's crash is the actor's error, the run goes on to report
        logger.exception("the login of actor %s failed in the runner", name)
        result.status = "error"
        result.message = (f"actor {name}: the runner failed to log in ({type(exc).__name__}: {exc}); "
                          "this is a bug of the sandbox: please report it")
    return session, result


from scenarios.runner import login_flows  # noqa: E402, F401  (registers the flows; they import this module)
