"""What the IMAP server needs from the service (RFC 3501 data model): the messages of a mailbox, their
flags, UIDs and changes, behind the :class:`ImapBackend` protocol the service implements on its store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.mssante.smtp_server import Principal


@dataclass(frozen=True)
class ImapMessage:
    """One stored message as IMAP sees it."""

    uid: int
    flags: frozenset[str]  # \Seen \Answered \Flagged \Deleted \Draft and keywords
    internal_date: datetime  # when the sandbox received it (timezone-aware)
    raw: bytes  # the exact RFC 5322 bytes


@dataclass(frozen=True)
class MailboxInfo:
    uidvalidity: int
    uidnext: int


class ImapBackend(Protocol):
    """What the server asks of the service's store. Mailbox names are IMAP names (``INBOX`` at least)."""

    async def authenticate(self, mechanism: str, login: str | None, secret: str) -> Principal | None:
        """The principal for a password (LOGIN, PLAIN) or an access token (XOAUTH2, OAUTHBEARER), or None."""
        ...

    async def list_mailboxes(self, principal: Principal) -> list[str]:
        """The IMAP mailboxes the principal may read."""
        ...

    async def mailbox_info(self, principal: Principal, mailbox: str) -> MailboxInfo | None:
        """UIDVALIDITY and UIDNEXT, or None when the principal has no such mailbox."""
        ...

    async def messages(self, principal: Principal, mailbox: str) -> list[ImapMessage]:
        """The messages of the mailbox, in ascending UID order."""
        ...

    async def set_flags(self, principal: Principal, mailbox: str, uid: int, flags: frozenset[str]) -> None:
        """Replace the flags of one message."""
        ...

    async def expunge(self, principal: Principal, mailbox: str, uids: Sequence[int]) -> None:
        """Remove these messages for good."""
        ...

    def watch(self, principal: Principal, mailbox: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from any thread) whenever the mailbox changes; returns the unsubscribe."""
        ...
