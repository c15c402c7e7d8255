"""The authenticated- and selected-state commands of the IMAP session (RFC 3501 §6.3, §6.4: LIST, SELECT,
EXAMINE, STATUS, FETCH, SEARCH, STORE, EXPUNGE, CLOSE), mixed into
:class:`~services.mssante.imap_session.ImapSession`;
FETCH items are rendered by :mod:`services.mssante.imap_fetch`."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from services.mssante.imap_commands import (
    Atom,
    ImapSyntaxError,
    SearchItem,
    Token,
    parse_flags,
    parse_search,
    parse_sequence_set,
    quote,
    text,
)
from services.mssante.imap_fetch import (
    SYSTEM_FLAG_LIST,
    FetchItem,
    needs_tree,
    parse_fetch_items,
    parse_part,
    render,
)


class No(Exception):
    """A command that is well formed but refused: ``tag NO text``."""


Handler = Callable[[str, list[Token], bool], Awaitable[None]]


class MailboxCommands:
    """The authenticated- and selected-state commands (RFC 3501 §6.3, §6.4), mixed into the session."""

    backend: Any
    principal: Any
    state: str
    mailbox: str | None
    read_only: bool
    uids: list[int]  # the UID of each message sequence number the client knows (index + 1)

    if TYPE_CHECKING:

        async def send(self, line: str | bytes) -> None: ...

    def mailbox_handlers(self) -> dict[str, Handler]:
        return {"LIST": self.cmd_list, "LSUB": self.cmd_list, "SELECT": self.cmd_select,
                "EXAMINE": self.cmd_select, "STATUS": self.cmd_status, "SUBSCRIBE": self.cmd_subscribe,
                "UNSUBSCRIBE": self.cmd_subscribe}

    def selected_handlers(self) -> dict[str, Handler]:
        return {"FETCH": self.cmd_fetch, "STORE": self.cmd_store, "SEARCH": self.cmd_search,
                "EXPUNGE": self.cmd_expunge, "CLOSE": self.cmd_close, "UNSELECT": self.cmd_close,
                "CHECK": self.cmd_check}

    async def _current(self) -> dict[int, Any]:
        return {m.uid: m for m in await self.backend.messages(self.principal, self.mailbox)}

    async def sync(self) -> None:
        """Report messages expunged and arrived since the client last heard (``EXPUNGE``, ``EXISTS``)."""
        current = await self._current()
        known = set(self.uids)
        for index in range(len(self.uids) - 1, -1, -1):
            if self.uids[index] not in current:
                del self.uids[index]
                await self.send(f"* {index + 1} EXPUNGE")
        highest = max(known, default=0)
        arrived = sorted(u for u in current if u not in known and u > highest)
        if arrived or len(known) != len(self.uids):
            self.uids.extend(arrived)
            await self.send(f"* {len(self.uids)} EXISTS")

    def _mailbox_name(self, token: Token) -> str:
        name = text(token, "mailbox")
        return "INBOX" if name.upper() == "INBOX" else name

    async def cmd_list(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2:
            raise ImapSyntaxError("LIST needs a reference and a mailbox pattern")
        command = "LSUB" if getattr(self, "_command_name", "") == "LSUB" else "LIST"
        reference, pattern = text(args[0], "reference"), text(args[1], "pattern")
        if pattern == "":
            await self.send(f'* {command} (\\Noselect) "/" ""')
        else:
            regex = "".join(".*" if c == "*" else "[^/]*" if c == "%" else re.escape(c) for c in reference + pattern)
            for name in await self.backend.list_mailboxes(self.principal):
                if re.fullmatch(regex, name) or name == "INBOX" and re.fullmatch(regex, "INBOX", re.IGNORECASE):
                    await self.send(f'* {command} (\\HasNoChildren) "/" '.encode() + quote(name))
        await self.send(f"{tag} OK {command} completed")

    async def cmd_subscribe(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) != 1:
            raise ImapSyntaxError("SUBSCRIBE needs a mailbox")
        await self.send(f"{tag} OK Every readable mailbox is subscribed")

    async def cmd_select(self, tag: str, args: list[Token], uid: bool) -> None:
        examine = getattr(self, "_command_name", "") == "EXAMINE"
        if len(args) != 1:
            raise ImapSyntaxError("SELECT needs a mailbox")
        name = self._mailbox_name(args[0])
        self.state, self.mailbox, self.uids = "authenticated", None, []  # a failed SELECT deselects (§6.3.1)
        info = await self.backend.mailbox_info(self.principal, name)
        if info is None:
            raise No(f"[NONEXISTENT] No mailbox {name[:100]!r}")
        messages = await self.backend.messages(self.principal, name)
        self.mailbox, self.read_only, self.uids = name, examine, [m.uid for m in messages]
        await self.send(f"* FLAGS ({SYSTEM_FLAG_LIST})")
        await self.send(f"* {len(messages)} EXISTS")
        await self.send("* 0 RECENT")
        unseen = next((seq for seq, m in enumerate(messages, 1) if "\\Seen" not in m.flags), None)
        if unseen is not None:
            await self.send(f"* OK [UNSEEN {unseen}] First unseen message")
        await self.send(f"* OK [UIDVALIDITY {info.uidvalidity}] UIDs valid")
        await self.send(f"* OK [UIDNEXT {info.uidnext}] Predicted next UID")
        permanent = "" if examine else f"{SYSTEM_FLAG_LIST} \\*"
        await self.send(f"* OK [PERMANENTFLAGS ({permanent})] Flags the client may change")
        self.state = "selected"
        mode = "READ-ONLY" if examine else "READ-WRITE"
        await self.send(f"{tag} OK [{mode}] {'EXAMINE' if examine else 'SELECT'} completed")

    async def cmd_status(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2 or not isinstance(args[1], list) or not args[1]:
            raise ImapSyntaxError("STATUS needs a mailbox and a list of items")
        name = self._mailbox_name(args[0])
        wanted = [str(item).upper() for item in args[1]]
        if any(item not in ("MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN") for item in wanted):
            raise ImapSyntaxError("STATUS items are MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN")
        info = await self.backend.mailbox_info(self.principal, name)
        if info is None:
            raise No(f"[NONEXISTENT] No mailbox {name[:100]!r}")
        messages = await self.backend.messages(self.principal, name)
        values = {"MESSAGES": len(messages), "RECENT": 0, "UIDNEXT": info.uidnext, "UIDVALIDITY": info.uidvalidity,
                  "UNSEEN": sum("\\Seen" not in m.flags for m in messages)}
        body = " ".join(f"{item} {values[item]}" for item in wanted)
        await self.send(b"* STATUS " + quote(name) + f" ({body})".encode())
        await self.send(f"{tag} OK STATUS completed")

    def _targets(self, token: Token, uid: bool) -> list[tuple[int, int]]:
        """(sequence number, UID) of the messages a sequence set names."""
        if uid:
            wanted = parse_sequence_set(token, max(self.uids, default=0))
            return [(seq, u) for seq, u in enumerate(self.uids, 1) if u in wanted]
        wanted = parse_sequence_set(token, len(self.uids))
        if wanted.lowest < 1 or wanted.highest > len(self.uids):
            raise ImapSyntaxError(f"Message sequence number out of range (the mailbox has {len(self.uids)})")
        return [(seq, u) for seq, u in enumerate(self.uids, 1) if seq in wanted]

    async def cmd_fetch(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) != 2:
            raise ImapSyntaxError("FETCH needs a sequence set and data items")
        items = parse_fetch_items(args[1])
        if uid and not any(i.name == "UID" for i in items):
            items.insert(0, FetchItem("UID"))
        targets = self._targets(args[0], uid)
        current = await self._current()
        marks_seen = not self.read_only and any(i.sets_seen for i in items)
        for seq, u in targets:
            message = current.get(u)
            if message is None:  # expunged by another session; reported at the next NOOP
                continue
            flags = message.flags
            extra: list[FetchItem] = []
            if marks_seen and "\\Seen" not in flags:
                flags = flags | {"\\Seen"}
                await self.backend.set_flags(self.principal, self.mailbox, u, flags)
                if not any(i.name == "FLAGS" for i in items):
                    extra.append(FetchItem("FLAGS"))
            tree = parse_part(message.raw) if needs_tree(items) else None
            data = [render(i, uid=u, flags=flags, internal_date=message.internal_date, raw=message.raw, tree=tree)
                    for i in items + extra]
            await self.send(b"* %d FETCH (" % seq + b" ".join(data) + b")")
        await self.send(f"{tag} OK {'UID ' if uid else ''}FETCH completed")

    async def cmd_store(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) < 3 or not isinstance(args[1], Atom):
            raise ImapSyntaxError("STORE needs a sequence set, FLAGS/+FLAGS/-FLAGS[.SILENT] and flags")
        operation = args[1].upper()
        silent = operation.endswith(".SILENT")
        operation = operation.removesuffix(".SILENT")
        if operation not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise ImapSyntaxError("STORE takes FLAGS, +FLAGS or -FLAGS (optionally .SILENT)")
        flags = parse_flags(args[2:])
        targets = self._targets(args[0], uid)
        if self.read_only:
            raise No("[READ-ONLY] The mailbox is opened with EXAMINE")
        current = await self._current()
        for seq, u in targets:
            message = current.get(u)
            if message is None:
                continue
            new = flags if operation == "FLAGS" else message.flags | flags if operation == "+FLAGS" \
                else message.flags - flags
            if new != message.flags:
                await self.backend.set_flags(self.principal, self.mailbox, u, frozenset(new))
            if not silent:
                uid_part = f" UID {u}" if uid else ""
                await self.send(f"* {seq} FETCH (FLAGS ({' '.join(sorted(new))}){uid_part})")
        await self.send(f"{tag} OK {'UID ' if uid else ''}STORE completed")

    async def cmd_search(self, tag: str, args: list[Token], uid: bool) -> None:
        if len(args) >= 2 and isinstance(args[0], Atom) and args[0].upper() == "CHARSET":
            if text(args[1], "charset").upper() not in ("US-ASCII", "UTF-8"):
                raise No("[BADCHARSET (US-ASCII UTF-8)] Unsupported charset")
            args = args[2:]
        matcher = parse_search(args, largest_seq=len(self.uids), largest_uid=max(self.uids, default=0))
        current = await self._current()
        found = []
        for seq, u in enumerate(self.uids, 1):
            message = current.get(u)
            if message is not None and matcher(SearchItem(seq, u, message.flags, message.internal_date, message.raw)):
                found.append(u if uid else seq)
        await self.send(" ".join(["* SEARCH", *map(str, found)]))
        await self.send(f"{tag} OK {'UID ' if uid else ''}SEARCH completed")

    async def _expunge(self, *, report: bool) -> None:
        current = await self._current()
        doomed = [u for u in self.uids if u in current and "\\Deleted" in current[u].flags]
        if doomed:
            await self.backend.expunge(self.principal, self.mailbox, doomed)
        for u in reversed(doomed):  # highest first, so each number is still the client's
            seq = self.uids.index(u) + 1
            del self.uids[seq - 1]
            if report:
                await self.send(f"* {seq} EXPUNGE")

    async def cmd_expunge(self, tag: str, args: list[Token], uid: bool) -> None:
        if args:
            raise ImapSyntaxError("EXPUNGE takes no arguments")
        if self.read_only:
            raise No("[READ-ONLY] The mailbox is opened with EXAMINE")
        await self._expunge(report=True)
        await self.send(f"{tag} OK EXPUNGE completed")

    async def cmd_close(self, tag: str, args: list[Token], uid: bool) -> None:
        if args:
            raise ImapSyntaxError("CLOSE takes no arguments")
        name = getattr(self, "_command_name", "CLOSE")
        if name == "CLOSE" and not self.read_only:
            await self._expunge(report=False)  # §6.4.2: CLOSE expunges silently
        self.state, self.mailbox, self.uids = "authenticated", None, []
        await self.send(f"{tag} OK {name} completed")

    async def cmd_check(self, tag: str, args: list[Token], uid: bool) -> None:
        if args:
            raise ImapSyntaxError("CHECK takes no arguments")
        await self.sync()
        await self.send(f"{tag} OK CHECK completed")
