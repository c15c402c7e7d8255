"""The mailbox store's tables (prefix ``mssante_``; issue 15 "The same store serves SMTP, IMAP and HTTP").

Every row carries ``tenant`` (first column of every primary key), so :meth:`core.db.Database.wipe_tenant`
empties a tenant and two tenants may hold the same address. A mailbox keeps its IMAP ``uidvalidity`` and
the next UID to hand out (``uidnext``): :meth:`MailStore.deliver` takes UIDs by incrementing that row inside
the delivery's write transaction, so the row lock (PostgreSQL) or the single writer (SQLite) orders two
concurrent deliveries. Passwords are stored as salted scrypt digests, never in clear. The frozen
dataclasses below are the rows as :class:`services.mssante.store.MailStore` returns them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from services.mssante.addresses import MailboxKind

ADDRESS = 254  # RFC 5321 §4.5.3.1


@dataclass(frozen=True)
class MailTables:
    """The store's three tables."""

    mailbox: Table
    message: Table
    delivery: Table  # one row per recipient of a submitted message: what the sender can ask about


def mail_tables(metadata: MetaData, prefix: str = "mssante_") -> MailTables:
    """Declare the store's tables on ``metadata`` under ``prefix`` (the service's package name)."""
    p = prefix.rstrip("_") + "_"
    mailbox = Table(
        p + "mailbox", metadata,
        Column("tenant", String(40), primary_key=True),
        Column("address", String(ADDRESS), primary_key=True),  # lower-cased
        Column("kind", String(8), nullable=False),  # PER ORG APP CAB PATIENT
        Column("owner", String(64), nullable=False),  # idNat_PS, organisation id or INS
        Column("password_hash", Text, nullable=True),  # scrypt$n$r$p$salt$digest, None: no password login
        Column("uidvalidity", Integer, nullable=False),
        Column("uidnext", Integer, nullable=False),
        Column("created_at", Float, nullable=False),
        Index(f"ix_{p}mailbox_owner", "tenant", "owner"),
    )
    message = Table(
        p + "message", metadata,
        Column("tenant", String(40), primary_key=True),
        Column("address", String(ADDRESS), primary_key=True),
        Column("uid", Integer, primary_key=True, autoincrement=False),
        Column("message_id", String(998), nullable=True),
        Column("internal_date", Float, nullable=False),  # epoch seconds, UTC
        Column("size", Integer, nullable=False),
        Column("raw", LargeBinary, nullable=False),
        Column("flags", Text, nullable=False, default=""),  # space-separated, sorted
        Column("sender", String(ADDRESS), nullable=False),  # the envelope MAIL FROM, lower-cased
        Column("findings", Text, nullable=False, default="[]"),  # JSON list of Finding.as_json()
        Column("deleted", Boolean, nullable=False, default=False),  # deleted through the HTTP API
        Index(f"ix_{p}message_sender", "tenant", "sender"),
    )
    delivery = Table(
        p + "delivery", metadata,
        Column("tenant", String(40), primary_key=True),
        Column("submission", String(32), primary_key=True),  # one id per deliver() call
        Column("recipient", String(ADDRESS), primary_key=True),
        Column("sender", String(ADDRESS), nullable=False),
        Column("message_id", String(998), nullable=True),
        Column("status", String(16), nullable=False),  # delivered
        Column("uid", Integer, nullable=True),
        Column("at", Float, nullable=False),
        Index(f"ix_{p}delivery_sender", "tenant", "sender"),
    )
    return MailTables(mailbox=mailbox, message=message, delivery=delivery)


class UnknownMailbox(LookupError):
    """Recipients that are not mailboxes of the tenant; the delivery stored nothing."""

    def __init__(self, addresses: Sequence[str]) -> None:
        super().__init__(f"no such mailbox: {', '.join(addresses)}")
        self.addresses = list(addresses)


@dataclass(frozen=True)
class Mailbox:
    """One mailbox (no password digest: only whether one is set)."""

    tenant: str
    address: str
    kind: MailboxKind
    owner: str
    uidvalidity: int
    uidnext: int
    has_password: bool


@dataclass(frozen=True)
class StoredMessage:
    """One stored copy of a message in one mailbox."""

    tenant: str
    address: str
    uid: int
    message_id: str | None
    internal_date: datetime
    size: int
    flags: frozenset[str]
    sender: str
    findings: list[dict[str, str]]
    deleted: bool
    raw: bytes | None  # None when listed with include_raw=False


@dataclass(frozen=True)
class Delivery:
    """The status of one recipient of one submission, for its sender."""

    submission: str
    recipient: str
    sender: str
    message_id: str | None
    status: str
    uid: int | None
    at: datetime
