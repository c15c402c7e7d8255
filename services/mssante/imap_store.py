"""The IMAP server's backend over the mailbox store (:class:`services.mssante.imap_backend.ImapBackend` on
:class:`services.mssante.store.MailStore`; issue 15 "The same store serves SMTP, IMAP and HTTP").

Mailbox names: ``INBOX`` is the principal's first mailbox (its ``primary`` if it has one, else the first
address in order); each further mailbox the principal holds (an ORG or APP box of its organisation) is
listed under its address. A password opens exactly the mailbox it was set on; an access token is checked
by the ``verify_token`` coroutine the service passes in (Pro Santé Connect), which names the mailboxes.
Store calls run in worker threads (``asyncio.to_thread``): scrypt and database I/O never block the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from services.mssante.imap_backend import ImapMessage, MailboxInfo
from services.mssante.smtp_server import Principal
from services.mssante.store import MailStore, key

PASSWORD_MECHANISMS = frozenset({"LOGIN", "PLAIN"})
TokenVerifier = Callable[[str, str | None, str], Awaitable[Principal | None]]  # (mechanism, login, token)


@dataclass(frozen=True)
class MailboxPrincipal:
    """Who opened an IMAP session: the tenant, the mailboxes it may read and the one shown as ``INBOX``."""

    tenant: str
    mailboxes: frozenset[str]
    primary: str | None = None
    subject: str | None = None  # idNat_PS for a token login


class StoreImapBackend:
    """:class:`ImapBackend` reading and writing :class:`MailStore` in ``tenant`` (or the principal's own)."""

    def __init__(self, store: MailStore, *, tenant: str, verify_token: TokenVerifier | None = None) -> None:
        self.store = store
        self.tenant = tenant
        self.verify_token = verify_token

    async def authenticate(self, mechanism: str, login: str | None, secret: str) -> Principal | None:
        """A password checked against the mailbox's digest, or a token checked by ``verify_token``."""
        if mechanism.upper() in PASSWORD_MECHANISMS:
            if not login:
                return None
            ok = await asyncio.to_thread(self.store.check_password, tenant=self.tenant, address=login,
                                         password=secret)
            return MailboxPrincipal(self.tenant, frozenset({key(login)}), key(login)) if ok else None
        if self.verify_token is None:
            return None
        return await self.verify_token(mechanism.upper(), login, secret)

    async def list_mailboxes(self, principal: Principal) -> list[str]:
        """``INBOX`` then the principal's other existing mailboxes, by address."""
        names = await asyncio.to_thread(self._names, principal)
        return list(names)

    async def mailbox_info(self, principal: Principal, mailbox: str) -> MailboxInfo | None:
        """UIDVALIDITY and UIDNEXT from the mailbox row, or None when the principal has no such mailbox."""
        address = await asyncio.to_thread(self._address, principal, mailbox)
        if address is None:
            return None
        row = await asyncio.to_thread(self.store.mailbox, tenant=self._tenant(principal), address=address)
        return MailboxInfo(row.uidvalidity, row.uidnext) if row is not None else None

    async def messages(self, principal: Principal, mailbox: str) -> list[ImapMessage]:
        """The mailbox's messages by ascending UID (none for a mailbox the principal does not hold)."""
        address = await asyncio.to_thread(self._address, principal, mailbox)
        if address is None:
            return []
        stored = await asyncio.to_thread(self.store.messages, tenant=self._tenant(principal), address=address)
        return [ImapMessage(m.uid, m.flags, m.internal_date, m.raw or b"") for m in stored]

    async def set_flags(self, principal: Principal, mailbox: str, uid: int, flags: frozenset[str]) -> None:
        """Replace the flags of one message."""
        address = await asyncio.to_thread(self._address, principal, mailbox)
        if address is not None:
            await asyncio.to_thread(self.store.set_flags, tenant=self._tenant(principal), address=address,
                                    uid=uid, flags=flags)

    async def expunge(self, principal: Principal, mailbox: str, uids: Sequence[int]) -> None:
        """Remove these messages for good."""
        address = await asyncio.to_thread(self._address, principal, mailbox)
        if address is not None and uids:
            await asyncio.to_thread(self.store.expunge, tenant=self._tenant(principal), address=address,
                                    uids=list(uids))

    def watch(self, principal: Principal, mailbox: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Subscribe ``callback`` to the store's change notifications of that mailbox."""
        address = self._address(principal, mailbox)
        if address is None:
            return lambda: None
        return self.store.watch(tenant=self._tenant(principal), address=address, callback=callback)

    # naming

    def _tenant(self, principal: Principal) -> str:
        return getattr(principal, "tenant", None) or self.tenant

    def _names(self, principal: Principal) -> dict[str, str]:
        """IMAP name -> address, for the principal's mailboxes that exist in the store."""
        tenant = self._tenant(principal)
        held = sorted(a for a in {key(m) for m in principal.mailboxes}
                      if self.store.mailbox(tenant=tenant, address=a) is not None)
        if not held:
            return {}
        primary = getattr(principal, "primary", None)
        inbox = key(primary) if primary and key(primary) in held else held[0]
        return {"INBOX": inbox} | {a: a for a in held if a != inbox}

    def _address(self, principal: Principal, mailbox: str) -> str | None:
        names = self._names(principal)
        return names.get("INBOX" if mailbox.upper() == "INBOX" else key(mailbox))
