"""The MSSanté mailbox store: every query of the mailboxes, their messages and delivery statuses (issue 15:
"The same store serves SMTP, IMAP and HTTP: a message sent one way is read the other ways").

:meth:`MailStore.deliver` writes one message to all its recipients in one transaction: an unknown recipient
raises :class:`UnknownMailbox` and nothing is stored. UIDs (RFC 3501 §2.3.1.1) are per mailbox, strictly
ascending, taken from the mailbox row inside that transaction. Watchers (:meth:`MailStore.watch`, used by
IMAP IDLE) are called after the commit, from the committing thread, so a callback must be thread-safe
(``loop.call_soon_threadsafe``); a failing callback is logged and never undoes a delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, select, update

from core.db import Database
from services.mssante.addresses import MailboxKind, normalise
from services.mssante.codes import Finding
from services.mssante.store_tables import Delivery, Mailbox, StoredMessage, UnknownMailbox, mail_tables

__all__ = ["Delivery", "MailStore", "Mailbox", "StoredMessage", "UnknownMailbox", "hash_password", "key",
           "verify_password"]
log = logging.getLogger("services.mssante.store")

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # RFC 7914 §2 interactive-login parameters (16 MiB)
Watcher = Callable[[], None]


def key(address: str) -> str:
    """The stored form of an address: local parts compared case-insensitively, as mail operators do."""
    return address.strip().strip("<>").lower()


def hash_password(password: str, *, n: int = SCRYPT_N) -> str:
    """``scrypt$n$r$p$salt$digest`` with a fresh 16-byte salt."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the digest (constant-time comparison)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _message_id(raw: bytes) -> str | None:
    value = BytesHeaderParser().parsebytes(raw).get("Message-ID")
    if value is None:
        return None
    return " ".join(str(value).split())[:998] or None


def _flags(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _flag_text(flags: Iterable[str]) -> str:
    return " ".join(sorted({f for f in flags if f and not any(c.isspace() for c in f)}))


def _finding(f: Finding | Mapping[str, Any]) -> dict[str, str]:
    return f.as_json() if isinstance(f, Finding) else {str(k): str(v) for k, v in f.items()}


class MailStore:
    """Mailboxes, messages and delivery statuses of the MSSanté service, in its :class:`Database`."""

    def __init__(self, db: Database, *, scrypt_n: int = SCRYPT_N) -> None:
        self.db = db
        self.t = mail_tables(db.metadata, db.prefix)
        self.scrypt_n = scrypt_n
        self._watchers: dict[tuple[str, str], set[Watcher]] = {}
        self._lock = threading.Lock()

    # mailboxes

    def put_mailbox(self, *, tenant: str, address: str, kind: MailboxKind | str, owner: str,
                    password: str | None = None) -> Mailbox:
        """Create the mailbox, or update its kind and owner (UIDs and messages kept); set the password if given."""
        address, kind = key(normalise(address)), MailboxKind(kind)
        digest = hash_password(password, n=self.scrypt_n) if password is not None else None
        mb = self.t.mailbox
        where = and_(mb.c.tenant == tenant, mb.c.address == address)
        with self.db.write() as conn:
            if conn.execute(select(mb.c.address).where(where)).first() is None:
                conn.execute(insert(mb).values(tenant=tenant, address=address, kind=kind.value, owner=owner,
                                               password_hash=digest, uidvalidity=int(time.time()) & 0x7FFFFFFF,
                                               uidnext=1, created_at=time.time()))
            else:
                values: dict[str, Any] = {"kind": kind.value, "owner": owner}
                if digest is not None:
                    values["password_hash"] = digest
                conn.execute(update(mb).where(where).values(**values))
            row = conn.execute(select(mb).where(where)).one()
        return self._mailbox(row)

    def set_password(self, *, tenant: str, address: str, password: str | None) -> bool:
        """Set (or with None, remove) the mailbox password; False when there is no such mailbox."""
        digest = hash_password(password, n=self.scrypt_n) if password is not None else None
        mb = self.t.mailbox
        with self.db.write() as conn:
            done = conn.execute(update(mb).where(mb.c.tenant == tenant, mb.c.address == key(address))
                                .values(password_hash=digest))
        return done.rowcount == 1

    def check_password(self, *, tenant: str, address: str, password: str) -> bool:
        """Whether ``password`` opens the mailbox (False for an unknown mailbox or one without password)."""
        mb = self.t.mailbox
        with self.db.read() as conn:
            stored = conn.execute(select(mb.c.password_hash).where(mb.c.tenant == tenant,
                                                                   mb.c.address == key(address))).scalar()
        return stored is not None and verify_password(password, stored)

    def mailbox(self, *, tenant: str, address: str) -> Mailbox | None:
        mb = self.t.mailbox
        with self.db.read() as conn:
            row = conn.execute(select(mb).where(mb.c.tenant == tenant, mb.c.address == key(address))).first()
        return self._mailbox(row) if row is not None else None

    def mailboxes_of(self, *, tenant: str, owner: str) -> list[Mailbox]:
        """The mailboxes whose owner is this idNat_PS, organisation id or INS, by address."""
        mb = self.t.mailbox
        with self.db.read() as conn:
            rows = conn.execute(select(mb).where(mb.c.tenant == tenant, mb.c.owner == owner)
                                .order_by(mb.c.address)).all()
        return [self._mailbox(r) for r in rows]

    # messages

    def deliver(self, *, tenant: str, mail_from: str, recipients: Sequence[str], raw: bytes,
                findings: Sequence[Finding | Mapping[str, Any]] = ()) -> list[tuple[str, int]]:
        """Store ``raw`` in every recipient's mailbox, in one transaction; the (address, uid) of each copy.

        Recipients are taken in sorted order so that two deliveries lock mailbox rows in the same order
        (no deadlock on PostgreSQL). :class:`UnknownMailbox` if any is not a mailbox: nothing is stored.
        """
        addresses = sorted({key(a) for a in recipients})
        if not addresses:
            raise ValueError("a delivery needs at least one recipient")
        sender, now, submission = key(mail_from), time.time(), uuid.uuid4().hex
        message_id, found = _message_id(raw), json.dumps([_finding(f) for f in findings])
        mb, msg, dl = self.t.mailbox, self.t.message, self.t.delivery
        stored: list[tuple[str, int]] = []
        with self.db.write() as conn:
            for address in addresses:
                uid = conn.execute(update(mb).where(mb.c.tenant == tenant, mb.c.address == address)
                                   .values(uidnext=mb.c.uidnext + 1).returning(mb.c.uidnext)).scalar()
                if uid is None:
                    missing = [a for a in addresses if self._missing(conn, tenant, a)]
                    raise UnknownMailbox(missing)
                stored.append((address, uid - 1))
            conn.execute(insert(msg), [
                {"tenant": tenant, "address": a, "uid": u, "message_id": message_id, "internal_date": now,
                 "size": len(raw), "raw": raw, "flags": "", "sender": sender, "findings": found, "deleted": False}
                for a, u in stored])
            conn.execute(insert(dl), [
                {"tenant": tenant, "submission": submission, "recipient": a, "sender": sender,
                 "message_id": message_id, "status": "delivered", "uid": u, "at": now} for a, u in stored])
        self._notify(tenant, addresses)
        return stored

    def messages(self, *, tenant: str, address: str, unseen: bool = False, since: datetime | None = None,
                 sender: str | None = None, include_raw: bool = True) -> list[StoredMessage]:
        """The mailbox's messages not deleted through the API, by ascending UID, filtered as asked."""
        msg = self.t.message
        columns = list(msg.c) if include_raw else [c for c in msg.c if c.name != "raw"]
        query = select(*columns).where(msg.c.tenant == tenant, msg.c.address == key(address),
                                       msg.c.deleted.is_(False))
        if since is not None:
            query = query.where(msg.c.internal_date >= since.timestamp())
        if sender is not None:
            query = query.where(func.lower(msg.c.sender) == key(sender))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(msg.c.uid)).all()
        found = [self._message(r) for r in rows]
        return [m for m in found if "\\Seen" not in m.flags] if unseen else found

    def message(self, *, tenant: str, address: str, uid: int) -> StoredMessage | None:
        """One message (deleted ones too, flagged ``deleted``), or None."""
        msg = self.t.message
        with self.db.read() as conn:
            row = conn.execute(select(msg).where(msg.c.tenant == tenant, msg.c.address == key(address),
                                                 msg.c.uid == uid)).first()
        return self._message(row) if row is not None else None

    def set_flags(self, *, tenant: str, address: str, uid: int, flags: Iterable[str]) -> bool:
        """Replace the flags of one message; False when there is no such message."""
        msg = self.t.message
        with self.db.write() as conn:
            done = conn.execute(update(msg).where(msg.c.tenant == tenant, msg.c.address == key(address),
                                                  msg.c.uid == uid).values(flags=_flag_text(flags)))
        return done.rowcount == 1

    def expunge(self, *, tenant: str, address: str, uids: Sequence[int] | None = None) -> list[int]:
        """Remove for good these messages (by default those flagged ``\\Deleted``); the UIDs removed."""
        msg = self.t.message
        where = and_(msg.c.tenant == tenant, msg.c.address == key(address))
        with self.db.write() as conn:
            if uids is None:
                rows = conn.execute(select(msg.c.uid, msg.c.flags).where(where)).all()
                uids = [r.uid for r in rows if "\\Deleted" in _flags(r.flags)]
            gone = conn.execute(delete(msg).where(where, msg.c.uid.in_(list(uids))).returning(msg.c.uid))
            removed = sorted(gone.scalars().all())
        if removed:
            self._notify(tenant, [key(address)])
        return removed

    def delete(self, *, tenant: str, address: str, uid: int) -> bool:
        """Delete one message through the API: hidden from every reader at once; False if there is none."""
        msg = self.t.message
        with self.db.write() as conn:
            done = conn.execute(update(msg).where(msg.c.tenant == tenant, msg.c.address == key(address),
                                                  msg.c.uid == uid, msg.c.deleted.is_(False)).values(deleted=True))
        if done.rowcount == 1:
            self._notify(tenant, [key(address)])
        return done.rowcount == 1

    def deliveries(self, *, tenant: str, sender: str, message_id: str | None = None) -> list[Delivery]:
        """The per-recipient delivery statuses of what ``sender`` sent (of one Message-ID if given)."""
        dl = self.t.delivery
        query = select(dl).where(dl.c.tenant == tenant, dl.c.sender == key(sender))
        if message_id is not None:
            query = query.where(dl.c.message_id == message_id)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(dl.c.at, dl.c.recipient)).all()
        return [Delivery(r.submission, r.recipient, r.sender, r.message_id, r.status, r.uid,
                         datetime.fromtimestamp(r.at, UTC)) for r in rows]

    # change notification (IMAP IDLE)

    def watch(self, *, tenant: str, address: str, callback: Watcher) -> Callable[[], None]:
        """Call ``callback()`` after each committed delivery, expunge or delete in the mailbox; the unsubscribe."""
        slot = (tenant, key(address))
        with self._lock:
            self._watchers.setdefault(slot, set()).add(callback)

        def unsubscribe() -> None:
            with self._lock:
                callbacks = self._watchers.get(slot)
                if callbacks is not None:
                    callbacks.discard(callback)
                    if not callbacks:
                        del self._watchers[slot]

        return unsubscribe

    def _notify(self, tenant: str, addresses: Iterable[str]) -> None:
        with self._lock:
            callbacks = [cb for a in addresses for cb in self._watchers.get((tenant, a), ())]
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a watcher's failure is its own, the change is committed
                log.exception("mailbox watcher failed")

    # rows

    def _missing(self, conn: Any, tenant: str, address: str) -> bool:
        mb = self.t.mailbox
        return conn.execute(select(mb.c.address).where(mb.c.tenant == tenant, mb.c.address == address)).first() is None

    @staticmethod
    def _mailbox(row: Row) -> Mailbox:
        return Mailbox(row.tenant, row.address, MailboxKind(row.kind), row.owner, row.uidvalidity, row.uidnext,
                       row.password_hash is not None)

    @staticmethod
    def _message(row: Row) -> StoredMessage:
        m = row._mapping
        return StoredMessage(m["tenant"], m["address"], m["uid"], m["message_id"],
                             datetime.fromtimestamp(m["internal_date"], UTC), m["size"], _flags(m["flags"]),
                             m["sender"], json.loads(m["findings"]), bool(m["deleted"]), m.get("raw"))
