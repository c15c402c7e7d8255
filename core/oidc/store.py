"""All queries of the OpenID provider (keyword-only, one connection passed in by the caller).

Single use is enforced by the database, not by a read-then-write: a code or a refresh token is spent
by an ``UPDATE ... WHERE used_at IS NULL`` whose row count says whether this request won, so two
concurrent exchanges of one code cannot both succeed.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.oidc.clients import Client, client_from_row
from core.oidc.tables import OidcTables

CLIENT_CACHE_SECONDS = 2.0


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Login:
    """What an authentication established: who, how and when (stored with its session)."""

    subject: str
    claims: dict  # the userinfo claims, ``sub`` excluded
    auth_time: int
    amr: tuple[str, ...]
    acr: str
    method: str = ""  # provider-specific (Pro Santé Connect: CARD or MOBILE)

    def dumps(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> Login:
        data = json.loads(text)
        return cls(**{**data, "amr": tuple(data["amr"])})


@dataclass(frozen=True)
class Session:
    sid: str
    client_id: str
    login: Login
    revoked: bool


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    sid: str
    redirect_uri: str
    code_challenge: str | None
    nonce: str | None
    scope: str
    expires_at: float


@dataclass(frozen=True)
class RefreshGrant:
    sid: str
    client_id: str
    scope: str
    expires_at: float
    rotated: bool


class OidcStore:
    def __init__(self, tables: OidcTables) -> None:
        self.t = tables
        self._clients: dict[tuple[str, str], tuple[Client, float]] = {}

    # clients
    def client(self, conn: Connection, *, tenant: str, client_id: str) -> Client | None:
        """A tenant's client. Known clients are cached for a moment: the token endpoint is hot and a
        client_credentials request then needs no query at all. Changes made here drop the entry at once;
        a tenant wiped elsewhere is seen within ``CLIENT_CACHE_SECONDS``."""
        key = (tenant, client_id)
        cached = self._clients.get(key)
        if cached is not None and time.monotonic() - cached[1] < CLIENT_CACHE_SECONDS:
            return cached[0]
        t = self.t.client
        meta = conn.execute(select(t.c.meta).where(t.c.tenant == tenant, t.c.client_id == client_id)).scalar()
        if not meta:
            return None  # misses are not cached: a client declared next must work at once
        client = client_from_row(json.loads(meta))
        if len(self._clients) > 10_000:
            self._clients.clear()
        self._clients[key] = (client, time.monotonic())
        return client

    def clients(self, conn: Connection, *, tenant: str) -> list[Client]:
        t = self.t.client
        rows = conn.execute(select(t.c.meta).where(t.c.tenant == tenant).order_by(t.c.client_id)).scalars()
        return [client_from_row(json.loads(meta)) for meta in rows]

    def put_client(self, conn: Connection, *, tenant: str, client: Client, now: float, replace: bool) -> bool:
        """Store a client; ``False`` when the id is taken and ``replace`` is off."""
        t = self.t.client
        self._clients.pop((tenant, client.client_id), None)
        meta = json.dumps(client.metadata(), ensure_ascii=False)
        if replace:
            conn.execute(delete(t).where(t.c.tenant == tenant, t.c.client_id == client.client_id))
        try:
            with conn.begin_nested():
                conn.execute(insert(t).values(tenant=tenant, client_id=client.client_id, meta=meta, created_at=now))
        except IntegrityError:
            return False
        return True

    def delete_client(self, conn: Connection, *, tenant: str, client_id: str) -> bool:
        t = self.t.client
        self._clients.pop((tenant, client_id), None)
        return conn.execute(delete(t).where(t.c.tenant == tenant, t.c.client_id == client_id)).rowcount > 0

    # signing keys
    def signing_keys(self, conn: Connection, *, tenant: str) -> list[tuple[str, str, float, float | None]]:
        """(kid, private JWK, created_at, retired_at), newest first."""
        t = self.t.signing_key
        rows = conn.execute(select(t.c.kid, t.c.private_jwk, t.c.created_at, t.c.retired_at)
                            .where(t.c.tenant == tenant).order_by(t.c.created_at.desc()))
        return [tuple(r) for r in rows]

    def add_key(self, conn: Connection, *, tenant: str, kid: str, private_jwk: str, now: float) -> None:
        t = self.t.signing_key
        conn.execute(update(t).where(t.c.tenant == tenant, t.c.retired_at.is_(None)).values(retired_at=now))
        conn.execute(insert(t).values(tenant=tenant, kid=kid, private_jwk=private_jwk, created_at=now))

    def prune_keys(self, conn: Connection, *, tenant: str, retired_before: float) -> None:
        t = self.t.signing_key
        conn.execute(delete(t).where(t.c.tenant == tenant, t.c.retired_at < retired_before))

    # pending authorization requests
    def add_pending(self, conn: Connection, *, tenant: str, request_id: str, client_id: str, params: dict,
                    expires_at: float) -> None:
        conn.execute(insert(self.t.pending).values(tenant=tenant, request_id=request_id, client_id=client_id,
                                                   params=json.dumps(params), expires_at=expires_at))

    def pending(self, conn: Connection, *, tenant: str, request_id: str, now: float) -> dict | None:
        t = self.t.pending
        row = conn.execute(select(t.c.params).where(t.c.tenant == tenant, t.c.request_id == request_id,
                                                    t.c.expires_at > now)).scalar()
        return json.loads(row) if row else None

    def take_pending(self, conn: Connection, *, tenant: str, request_id: str, now: float) -> bool:
        """Consume a pending request (and sweep expired ones); ``False`` when another request took it first."""
        t = self.t.pending
        live = (t.c.tenant == tenant) & (t.c.request_id == request_id) & (t.c.expires_at > now)
        taken = conn.execute(delete(t).where(live)).rowcount == 1
        conn.execute(delete(t).where(t.c.tenant == tenant, t.c.expires_at <= now))
        return taken

    # sessions (token families)
    def add_session(self, conn: Connection, *, tenant: str, sid: str, client_id: str, login: Login,
                    now: float) -> None:
        conn.execute(insert(self.t.session).values(tenant=tenant, sid=sid, client_id=client_id,
                                                   subject=login.subject, grant=login.dumps(), created_at=now))

    def session(self, conn: Connection, *, tenant: str, sid: str) -> Session | None:
        t = self.t.session
        row = conn.execute(select(t.c.client_id, t.c.grant, t.c.revoked_at)
                           .where(t.c.tenant == tenant, t.c.sid == sid)).first()
        if row is None:
            return None
        return Session(sid=sid, client_id=row.client_id, login=Login.loads(row.grant),
                       revoked=row.revoked_at is not None)

    def session_revoked(self, conn: Connection, *, tenant: str, sid: str) -> bool:
        t = self.t.session
        revoked = conn.execute(select(t.c.revoked_at).where(t.c.tenant == tenant, t.c.sid == sid)).first()
        return revoked is None or revoked[0] is not None

    def revoke_session(self, conn: Connection, *, tenant: str, sid: str, now: float) -> None:
        t = self.t.session
        conn.execute(update(t).where(t.c.tenant == tenant, t.c.sid == sid, t.c.revoked_at.is_(None))
                     .values(revoked_at=now))

    def revoke_sessions(self, conn: Connection, *, tenant: str, client_id: str, subject: str, now: float) -> int:
        """End every session of ``subject`` with ``client_id`` (its refresh tokens and the tokens they issued);
        answer how many were open."""
        t = self.t.session
        return conn.execute(update(t).where(t.c.tenant == tenant, t.c.client_id == client_id, t.c.subject == subject,
                                            t.c.revoked_at.is_(None)).values(revoked_at=now)).rowcount

    # authorization codes
    def add_code(self, conn: Connection, *, tenant: str, code: str, grant: CodeGrant) -> None:
        conn.execute(insert(self.t.code).values(tenant=tenant, code_hash=digest(code), **asdict(grant)))

    def spend_code(self, conn: Connection, *, tenant: str, code: str, now: float) -> tuple[CodeGrant | None, bool]:
        """The code's grant and whether this call spent it (``False``: unknown, or already used)."""
        t = self.t.code
        key = (t.c.tenant == tenant) & (t.c.code_hash == digest(code))
        row = conn.execute(select(t).where(key)).first()
        if row is None:
            return None, False
        won = conn.execute(update(t).where(key, t.c.used_at.is_(None)).values(used_at=now)).rowcount == 1
        grant = CodeGrant(client_id=row.client_id, sid=row.sid, redirect_uri=row.redirect_uri,
                          code_challenge=row.code_challenge, nonce=row.nonce, scope=row.scope,
                          expires_at=row.expires_at)
        return grant, won

    # refresh tokens
    def add_refresh(self, conn: Connection, *, tenant: str, token: str, grant: RefreshGrant) -> None:
        values = asdict(grant)
        values.pop("rotated")
        conn.execute(insert(self.t.refresh).values(tenant=tenant, token_hash=digest(token), **values))

    def refresh(self, conn: Connection, *, tenant: str, token: str) -> RefreshGrant | None:
        t = self.t.refresh
        row = conn.execute(select(t).where(t.c.tenant == tenant, t.c.token_hash == digest(token))).first()
        if row is None:
            return None
        return RefreshGrant(sid=row.sid, client_id=row.client_id, scope=row.scope, expires_at=row.expires_at,
                            rotated=row.rotated_at is not None)

    def rotate_refresh(self, conn: Connection, *, tenant: str, token: str, now: float) -> bool:
        """Mark a refresh token as used; ``False`` when it already was (a replay)."""
        t = self.t.refresh
        spent = update(t).where(t.c.tenant == tenant, t.c.token_hash == digest(token), t.c.rotated_at.is_(None))
        return conn.execute(spent.values(rotated_at=now)).rowcount == 1

    # revoked access tokens, used client assertions
    def revoke_jti(self, conn: Connection, *, tenant: str, jti: str, expires_at: float) -> None:
        t = self.t.revoked_jti
        if not conn.execute(select(t.c.jti).where(t.c.tenant == tenant, t.c.jti == jti)).first():
            conn.execute(insert(t).values(tenant=tenant, jti=jti, expires_at=expires_at))

    def jti_revoked(self, conn: Connection, *, tenant: str, jti: str) -> bool:
        t = self.t.revoked_jti
        return conn.execute(select(t.c.jti).where(t.c.tenant == tenant, t.c.jti == jti)).first() is not None

    def use_assertion(self, conn: Connection, *, tenant: str, client_id: str, jti: str, expires_at: float) -> bool:
        """Record a client assertion's ``jti``; ``False`` when it was already used (a replay)."""
        try:
            with conn.begin_nested():
                conn.execute(insert(self.t.assertion_jti).values(tenant=tenant, client_id=client_id, jti=jti,
                                                                 expires_at=expires_at))
        except IntegrityError:
            return False
        return True

    def sweep(self, conn: Connection, *, tenant: str, before: float) -> None:
        """Delete what expired before ``before``: codes, refresh tokens, revoked jtis, used assertions, and
        the sessions left with no refresh token that started before it.

        The caller passes ``now`` minus an access token's lifetime: an access token is issued with a
        session or a refresh token, so once those are gone that long, no token naming the session lives.
        A replayed refresh token older than that reads as unknown rather than as a replay: both are
        ``invalid_grant``."""
        for table in (self.t.code, self.t.refresh, self.t.revoked_jti, self.t.assertion_jti):
            conn.execute(delete(table).where(table.c.tenant == tenant, table.c.expires_at < before))
        s, r = self.t.session, self.t.refresh
        live = select(r.c.sid).where(r.c.tenant == tenant)
        conn.execute(delete(s).where(s.c.tenant == tenant, s.c.created_at < before, s.c.sid.not_in(live)))
