"""CIBA in poll mode (OpenID CIBA Core 1.0; spec digest §2.5): card or e-CPS authentication on a device
the professional holds, while the software waits.

The request names the professional (``login_hint`` = idNat_PS), shows a ``binding_message`` on both
sides and picks a ``channel`` (CARD or MOBILE). The client then polls the token endpoint with
``grant_type=urn:openid:params:grant-type:ciba``: ``authorization_pending`` until the professional
decides, ``slow_down`` (and 5 s more interval) when it polls faster than ``interval``, ``access_denied``
after a refusal, ``expired_token`` after ``expires_in``, tokens once approved, and ``invalid_grant``
for a request already spent. The professional's phone is the e-CPS page; a tenant can also approve
automatically after a delay (a setting), which scripted suites use.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import Connection, insert, select, update

from core.digits import ascii_digits
from core.errors import OAuthError
from core.oidc.clients import Client
from core.oidc.form import require
from core.oidc.grants import FailAfter, invalid_grant
from core.oidc.provider import Provider
from core.oidc.store import Login
from core.oidc.tokens import user_tokens
from services.pro_sante_connect.tables import PscTables

CHANNELS = ("CARD", "MOBILE")
BINDING_RE = re.compile(r"[\w .:-]{1,32}")
SLOW_DOWN_STEP = 5  # CIBA Core §11: increase the interval by at least 5 s
AUTO_APPROVE = "ciba_auto_approve_after"


@dataclass(frozen=True)
class CibaRequest:
    auth_req_id: str
    client_id: str
    id_nat_ps: str
    display_name: str
    login: Login
    scope: str
    binding_message: str | None
    channel: str
    status: str
    created_at: float
    expires_at: float
    interval: int
    last_poll: float | None


def check_request(client: Client, form: dict[str, str], *, max_expiry: int) -> tuple[str, str, str | None, int]:
    """(scope, channel, binding message, expires_in) of a valid backchannel request, else the CIBA error."""
    if client.public or "urn:openid:params:grant-type:ciba" not in client.grant_types:
        raise OAuthError("unauthorized_client", f"Client {client.client_id!r} is not allowed the CIBA grant.")
    if "login_hint_token" in form or "id_token_hint" in form:
        raise OAuthError("invalid_request", "Identify the professional with login_hint (idNat_PS) only.")
    require(form, "login_hint")
    if form.get("user_code"):
        raise OAuthError("invalid_request", "user_code is not supported (backchannel_user_code_parameter_supported "
                         "is false).")
    scopes = require(form, "scope").split()
    if "openid" not in scopes:
        raise OAuthError("invalid_scope", "The scope must include openid.")
    if extra := [s for s in scopes if s not in client.scope]:
        raise OAuthError("invalid_scope", f"Scope(s) not allowed for this client: {' '.join(extra)}.")
    channel = form.get("channel", "MOBILE").upper()
    if channel not in CHANNELS:
        raise OAuthError("invalid_request", "channel must be CARD or MOBILE.")
    binding = form.get("binding_message")
    if binding is not None and not BINDING_RE.fullmatch(binding):
        raise OAuthError("invalid_binding_message", "binding_message must be 1 to 32 plain characters "
                         "(PSC shows two digits, e.g. 42).")
    expiry = form.get("requested_expiry")
    expires_in = max_expiry
    if expiry is not None:
        if not ascii_digits(expiry) or len(expiry) > 9 or not 1 <= int(expiry) <= max_expiry:
            raise OAuthError("invalid_request",
                             f"requested_expiry must be a whole number of seconds in 1..{max_expiry}.")
        expires_in = int(expiry)
    return " ".join(dict.fromkeys(scopes)), channel, binding, expires_in


class Ciba:
    def __init__(self, provider: Provider, tables: PscTables, *, interval: int, default_auto: float | None) -> None:
        self.provider = provider
        self.t = tables
        self.interval = interval
        self.default_auto = default_auto

    # requests
    def create(self, conn: Connection, *, tenant: str, client: Client, id_nat_ps: str, display_name: str,
               login: Login, scope: str, channel: str, binding: str | None, expires_in: int) -> dict:
        now = time.time()
        auth_req_id = str(uuid.uuid4()) + "." + secrets.token_urlsafe(16)
        conn.execute(insert(self.t.ciba).values(
            tenant=tenant, auth_req_id=auth_req_id, client_id=client.client_id, id_nat_ps=id_nat_ps,
            display_name=display_name, login=login.dumps(), scope=scope, binding_message=binding, channel=channel,
            status="pending", created_at=now, expires_at=now + expires_in, interval=self.interval))
        return {"auth_req_id": auth_req_id, "expires_in": expires_in, "interval": self.interval}

    def get(self, conn: Connection, *, tenant: str, auth_req_id: str) -> CibaRequest | None:
        t = self.t.ciba
        row = conn.execute(select(t).where(t.c.tenant == tenant, t.c.auth_req_id == auth_req_id)).first()
        if row is None:
            return None
        return CibaRequest(
            auth_req_id=row.auth_req_id, client_id=row.client_id, id_nat_ps=row.id_nat_ps,
            display_name=row.display_name, login=Login.loads(row.login), scope=row.scope,
            binding_message=row.binding_message, channel=row.channel, status=row.status,
            created_at=row.created_at, expires_at=row.expires_at, interval=row.interval, last_poll=row.last_poll)

    def pending(self, conn: Connection, *, tenant: str, id_nat_ps: str | None = None) -> list[CibaRequest]:
        t = self.t.ciba
        query = select(t.c.auth_req_id).where(t.c.tenant == tenant, t.c.status == "pending",
                                              t.c.expires_at > time.time())
        if id_nat_ps:
            query = query.where(t.c.id_nat_ps == id_nat_ps)
        ids = conn.execute(query.order_by(t.c.created_at)).scalars().all()
        return [r for r in (self.get(conn, tenant=tenant, auth_req_id=i) for i in ids) if r is not None]

    def decide(self, conn: Connection, *, tenant: str, request: CibaRequest, approve: bool, at: float) -> bool:
        """Approve or deny a pending request; ``False`` when it was no longer pending."""
        t = self.t.ciba
        values: dict = {"status": "approved" if approve else "denied"}
        if approve:
            values["login"] = replace(request.login, auth_time=int(at)).dumps()
        changed = conn.execute(update(t).where(t.c.tenant == tenant, t.c.auth_req_id == request.auth_req_id,
                                               t.c.status == "pending").values(**values))
        return changed.rowcount == 1

    # per-tenant auto-approval
    def auto_approve_after(self, conn: Connection, *, tenant: str) -> float | None:
        t = self.t.setting
        value = conn.execute(select(t.c.value).where(t.c.tenant == tenant, t.c.name == AUTO_APPROVE)).scalar()
        return self.default_auto if value is None else json.loads(value)

    def set_auto_approve_after(self, conn: Connection, *, tenant: str, seconds: float | None) -> None:
        t = self.t.setting
        conn.execute(t.delete().where(t.c.tenant == tenant, t.c.name == AUTO_APPROVE))
        conn.execute(insert(t).values(tenant=tenant, name=AUTO_APPROVE, value=json.dumps(seconds)))

    # the token endpoint's CIBA grant
    def poll(self, provider: Provider, conn: Connection, tenant: str, client: Client, form: dict) -> dict:
        auth_req_id = require(form, "auth_req_id")
        request = self.get(conn, tenant=tenant, auth_req_id=auth_req_id)
        if request is None or request.client_id != client.client_id:
            raise invalid_grant("Unknown auth_req_id for this client.")
        now = time.time()
        if request.status == "spent":
            raise invalid_grant("This auth_req_id was already exchanged for tokens.")
        if request.status == "denied":
            raise OAuthError("access_denied", "The professional refused the authentication.")
        if now >= request.expires_at:
            raise OAuthError("expired_token", "The CIBA request expired before the professional approved it; "
                             "send a new backchannel authentication request.")
        status = request.status
        auto = self.auto_approve_after(conn, tenant=tenant)
        if status == "pending" and auto is not None and now >= request.created_at + auto:
            self.decide(conn, tenant=tenant, request=request, approve=True, at=request.created_at + auto)
            request = self.get(conn, tenant=tenant, auth_req_id=auth_req_id)
            status = "approved"
        if status == "pending":
            too_fast = request.last_poll is not None and now - request.last_poll < request.interval
            interval = request.interval + SLOW_DOWN_STEP if too_fast else request.interval
            error = (OAuthError("slow_down", f"Poll at most every {interval} s.") if too_fast else
                     OAuthError("authorization_pending", "The end-user hasn't yet been authenticated."))
            raise FailAfter(error, self._record_poll(tenant, auth_req_id, now, interval))
        t = self.t.ciba
        spent = conn.execute(update(t).where(t.c.tenant == tenant, t.c.auth_req_id == auth_req_id,
                                             t.c.status == "approved").values(status="spent"))
        if spent.rowcount != 1:
            raise invalid_grant("This auth_req_id was already exchanged for tokens.")
        sid = str(uuid.uuid4())
        provider.store.add_session(conn, tenant=tenant, sid=sid, client_id=client.client_id, login=request.login,
                                   now=now)
        session = provider.store.session(conn, tenant=tenant, sid=sid)
        return user_tokens(provider, conn, tenant, client, session, request.scope)

    def _record_poll(self, tenant: str, auth_req_id: str, now: float, interval: int):  # noqa: ANN202
        t = self.t.ciba

        def effect(conn: Connection) -> None:
            conn.execute(update(t).where(t.c.tenant == tenant, t.c.auth_req_id == auth_req_id)
                         .values(last_poll=now, interval=interval))

        return effect
