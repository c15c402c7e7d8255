"""The MSSanté IMAP server against imaplib and hostile sockets (services/mssante/imap_server.py, imap_commands.py,
imap_fetch.py; RFC 3501, RFC 2177, RFC 7628; digest §3.2, issue 15)."""

from __future__ import annotations

import asyncio
import base64
import imaplib
import random
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.mssante.certificates import TlsFiles, ensure_self_signed
from services.mssante.imap_server import ImapMessage, ImapServer, MailboxInfo

GP = "jean.leroy@pro.mssante.fr"
PASSWORD = "gp-secret"
TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "a" * 1500 + ".c2lnbmF0dXJl"
LIMIT = 4096


@dataclass(frozen=True)
class Owner:
    mailboxes: frozenset[str]


def mail(sender: str, subject: str, body: str = "Compte rendu.", *, attachment: bool = False) -> bytes:
    head = f"From: {sender}\r\nTo: {GP}\r\nSubject: {subject}\r\nDate: Mon, 3 Mar 2025 10:00:00 +0100\r\n" \
           "Message-ID: <m1@sandbox>\r\nMIME-Version: 1.0\r\n"
    if not attachment:
        return (head + f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").encode()
    return (head + 'Content-Type: multipart/mixed; boundary="XX"\r\n\r\npreamble\r\n--XX\r\n'
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--XX\r\n"
            'Content-Type: application/pdf; name="cr.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            "JVBERi0xLjQK\r\n--XX--\r\n").encode()


@dataclass
class MemoryBackend:
    messages_: list[ImapMessage] = field(default_factory=list)
    uidnext: int = 1
    watchers: list[Callable[[], None]] = field(default_factory=list)

    def add(self, raw: bytes, when: datetime, flags: Sequence[str] = ()) -> None:
        self.messages_.append(ImapMessage(self.uidnext, frozenset(flags), when, raw))
        self.uidnext += 1
        for callback in list(self.watchers):
            callback()

    async def authenticate(self, mechanism: str, login: str | None, secret: str) -> Owner | None:
        if mechanism in ("LOGIN", "PLAIN"):
            return Owner(frozenset({GP})) if login == GP and secret == PASSWORD else None
        if login == "boom@pro.mssante.fr":
            raise RuntimeError("token service down")
        return Owner(frozenset({GP})) if secret == TOKEN and login in (None, GP) else None

    async def list_mailboxes(self, principal: Owner) -> list[str]:
        return ["INBOX"]

    async def mailbox_info(self, principal: Owner, mailbox: str) -> MailboxInfo | None:
        return MailboxInfo(20250303, self.uidnext) if mailbox == "INBOX" else None

    async def messages(self, principal: Owner, mailbox: str) -> list[ImapMessage]:
        return list(self.messages_)

    async def set_flags(self, principal: Owner, mailbox: str, uid: int, flags: frozenset[str]) -> None:
        self.messages_ = [ImapMessage(m.uid, flags, m.internal_date, m.raw) if m.uid == uid else m
                          for m in self.messages_]

    async def expunge(self, principal: Owner, mailbox: str, uids: Sequence[int]) -> None:
        self.messages_ = [m for m in self.messages_ if m.uid not in uids]

    def watch(self, principal: Owner, mailbox: str, callback: Callable[[], None]) -> Callable[[], None]:
        self.watchers.append(callback)
        return lambda: self.watchers.remove(callback)


def seeded() -> MemoryBackend:
    backend = MemoryBackend()
    backend.add(mail("labo@labo.mssante.fr", "Resultats"), datetime(2025, 3, 1, 9, tzinfo=UTC), ["\\Seen"])
    backend.add(mail("anne.durand@hopital-a.mssante.fr", "CR", attachment=True), datetime(2025, 3, 3, 10, tzinfo=UTC))
    backend.add(mail("labo@labo.mssante.fr", "Bilan"), datetime(2025, 3, 5, 8, tzinfo=UTC))
    return backend


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def served(tls: TlsFiles) -> AsyncIterator[tuple[ImapServer, MemoryBackend]]:
    backend = seeded()
    server = ImapServer("127.0.0.1", 0, backend=backend, tls_context=tls.server_context(), max_connections=4,
                        idle_timeout=5, max_line=LIMIT, max_literal=LIMIT, auth_failure_delay=0)
    async with server:
        yield server, backend


def client(server: ImapServer, tls: TlsFiles) -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", server.port, timeout=5)
    imap.starttls(ssl_context=tls.client_context())
    return imap


async def test_login_list_select_search_fetch_store_expunge_over_starttls(
    served: tuple[ImapServer, MemoryBackend], tls: TlsFiles
) -> None:
    server, backend = served

    def flow() -> None:
        imap = client(server, tls)
        assert "AUTH=XOAUTH2" in imap.capabilities and "LOGINDISABLED" not in imap.capabilities
        assert imap.login(GP, PASSWORD)[0] == "OK"
        typ, listing = imap.list()
        assert typ == "OK" and listing == [b'(\\HasNoChildren) "/" "INBOX"']
        typ, data = imap.select("INBOX")
        assert (typ, data) == ("OK", [b"3"])
        assert imap.response("UIDVALIDITY")[1] == [b"20250303"]
        assert imap.search(None, "UNSEEN")[1] == [b"2 3"]
        assert imap.search(None, "SINCE", "3-Mar-2025")[1] == [b"2 3"]
        assert imap.search(None, "FROM", '"labo@labo"')[1] == [b"1 3"]
        assert imap.search(None, "(OR FROM anne SUBJECT Bilan)", "UNSEEN")[1] == [b"2 3"]
        assert imap.uid("SEARCH", "NOT", "SEEN")[1] == [b"2 3"]
        typ, data = imap.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
        assert data[0][1] == b"From: anne.durand@hopital-a.mssante.fr\r\nSubject: CR\r\n\r\n"
        typ, data = imap.fetch("2", "(BODY.PEEK[2] BODY.PEEK[2.MIME])")
        assert data[0][1] == b"JVBERi0xLjQK" and b"application/pdf" in data[1][1]
        typ, data = imap.uid("FETCH", "3", "(FLAGS RFC822.SIZE INTERNALDATE ENVELOPE BODYSTRUCTURE BODY[TEXT])")
        assert b"UID 3" in data[0][0] and b'"Bilan"' in data[0][0] and b'"TEXT" "PLAIN"' in data[0][0]
        assert data[0][1] == b"Compte rendu.\r\n"
        assert imap.search(None, "UNSEEN")[1] == [b"2"]  # BODY[TEXT] without PEEK set \Seen
        typ, data = imap.fetch("1", "(RFC822)")
        assert data[0][1] == backend.messages_[0].raw
        assert imap.store("2", "+FLAGS", "(\\Seen)")[0] == "OK"
        assert imap.search(None, "UNSEEN")[1] == [b""]
        assert imap.store("1", "+FLAGS.SILENT", "(\\Deleted \\Flagged)") == ("OK", [None])
        assert imap.expunge()[1] == [b"1"]
        assert imap.search(None, "ALL")[1] == [b"1 2"]
        assert imap.close()[0] == "OK"
        assert imap.logout()[0] == "BYE"

    await asyncio.to_thread(flow)
    assert [m.uid for m in backend.messages_] == [2, 3]


@pytest.mark.parametrize("mechanism", ["XOAUTH2", "OAUTHBEARER"])
async def test_authenticate_with_a_psc_token(
    served: tuple[ImapServer, MemoryBackend], tls: TlsFiles, mechanism: str
) -> None:
    server, _ = served
    blob = f"user={GP}\x01auth=Bearer {TOKEN}\x01\x01" if mechanism == "XOAUTH2" \
        else f"n,a={GP},\x01auth=Bearer {TOKEN}\x01\x01"
    answers: list[bytes] = []

    def flow() -> None:
        imap = client(server, tls)
        assert imap.authenticate(mechanism, lambda challenge: blob.encode())[0] == "OK"
        assert imap.select("INBOX", readonly=True)[1] == [b"3"]
        assert imap.store("1", "+FLAGS", "\\Seen")[0] == "NO"
        imap.logout()
        imap = client(server, tls)

        def wrong(challenge: bytes) -> bytes:
            answers.append(challenge)
            return blob.replace(TOKEN, "forged").encode() if len(answers) == 1 else b"\x01"

        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            imap.authenticate(mechanism, wrong)
        imap.logout()

    await asyncio.to_thread(flow)
    assert b"invalid_token" in answers[1]  # the RFC 7628 §3.2.2 error challenge


async def talk(server: ImapServer, lines: Sequence[bytes], *, tls: TlsFiles | None = None,
               until: bytes | None = None) -> bytes:
    """Pipeline raw lines (after STARTTLS and LOGIN when ``tls`` is given); read until ``until`` appears, the
    server closes, or (without ``until``) it has been quiet for 50 ms. Every wait is bounded."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    out = await asyncio.wait_for(reader.readline(), 2)
    try:
        if tls is not None:
            writer.write(b"s STARTTLS\r\n")
            out += await asyncio.wait_for(reader.readline(), 2)
            await writer.start_tls(tls.client_context(), server_hostname="localhost")
            writer.write(f"l LOGIN {GP} {PASSWORD}\r\n".encode())
            out += await asyncio.wait_for(reader.readline(), 2)
        writer.write(b"".join(lines))
        await writer.drain()
        async with asyncio.timeout(3):
            while until is None or until not in out:
                try:
                    chunk = await asyncio.wait_for(reader.read(65536), 0.05 if until is None else 3)
                except TimeoutError:
                    break
                if not chunk:
                    break
                out += chunk
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()
    return out


async def test_commands_out_of_state_and_before_tls(served: tuple[ImapServer, MemoryBackend]) -> None:
    server, _ = served
    out = await talk(server, [b"a CAPABILITY\r\n", b"b LOGIN x y\r\n", b"c AUTHENTICATE PLAIN AGEAYg==\r\n",
                              b"d SELECT INBOX\r\n", b"e FETCH 1 FLAGS\r\n", b"f LOGOUT\r\n"],
                     until=b"f OK LOGOUT")
    assert b"STARTTLS LOGINDISABLED" in out and b"AUTH=" not in out
    assert b"b NO [PRIVACYREQUIRED]" in out and b"c NO [PRIVACYREQUIRED]" in out
    assert b"d BAD SELECT is not valid in the not authenticated state" in out
    assert b"e BAD FETCH is not valid in the not authenticated state" in out and b"f OK LOGOUT" in out


async def test_malformed_commands_answer_bad(served: tuple[ImapServer, MemoryBackend], tls: TlsFiles) -> None:
    server, _ = served
    out = await talk(server, [b"\r\n", b"+bad NOOP\r\n", b"a FROB\r\n", b'b SELECT "INBOX\r\n', b"c SELECT\r\n",
                              b"d LOGIN x\r\n", b"e SELECT INBOX\r\n", b"f FETCH 9 FLAGS\r\n",
                              b"g FETCH 1 (BODY[HEADER.FIELDS])\r\n", b"h SEARCH SINCE 31-Foo-2025\r\n",
                              b"i STORE 1 +FLAGS (\\Recent)\r\n", b"j UID COPY 1 x\r\n", b"k FETCH 1 (FLAGS\r\n",
                              b"l SEARCH CHARSET KOI8-R ALL\r\n", b"m NOOP\r\n"], tls=tls, until=b"m OK NOOP")
    assert b"* BAD Empty command line" in out and b"* BAD Invalid tag" in out
    for tag in (b"a", b"b", b"c", b"d", b"f", b"g", b"h", b"i", b"j", b"k"):
        assert b"\r\n" + tag + b" BAD " in out, tag
    assert b"d BAD LOGIN is not valid in the authenticated state" in out
    assert b"l NO [BADCHARSET" in out and b"m OK NOOP" in out


async def test_oversize_literal_and_line(served: tuple[ImapServer, MemoryBackend], tls: TlsFiles) -> None:
    server, _ = served
    out = await talk(server, [b"a SELECT {%d}\r\n" % (LIMIT + 1), b"b SELECT {5}\r\n", b"INBOX\r\n",
                              b"c NOOP\r\n"], tls=tls, until=b"c OK NOOP")
    assert b"a BAD Literal too large" in out and b"+ Ready for literal data" in out
    assert b"b OK [READ-WRITE]" in out and b"c OK NOOP" in out
    out = await talk(server, [b"a NOOP " + b"x" * (LIMIT + 10) + b"\r\n"])
    assert b"* BYE Line too long" in out
    out = await talk(server, [b"a LOGIN {99999+}\r\n"])
    assert b"a BAD Literal too large" in out and b"* BYE" in out


async def test_sasl_ir_cancel_and_backend_failure(served: tuple[ImapServer, MemoryBackend], tls: TlsFiles) -> None:
    server, _ = served
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    await reader.readline()
    writer.write(b"s STARTTLS\r\n")
    await reader.readline()
    await writer.start_tls(tls.client_context(), server_hostname="localhost")
    plain = base64.b64encode(f"\0{GP}\0{PASSWORD}".encode())
    boom = base64.b64encode(b"n,a=boom@pro.mssante.fr,\x01auth=Bearer abc\x01\x01")
    for line, expected in [(b"a AUTHENTICATE OAUTHBEARER " + boom, b"a NO [UNAVAILABLE]"),
                           (b"b AUTHENTICATE PLAIN !!!", b"b BAD Malformed"),
                           (b"c AUTHENTICATE PLAIN", b"+ "), (b"*", b"c BAD AUTHENTICATE cancelled"),
                           (b"d AUTHENTICATE PLAIN " + plain, b"d OK")]:
        writer.write(line + b"\r\n")
        assert (await asyncio.wait_for(reader.readline(), 2)).startswith(expected)
    writer.close()


async def test_idle_pushes_exists_of_a_new_message(
    served: tuple[ImapServer, MemoryBackend], tls: TlsFiles
) -> None:
    server, backend = served
    loop = asyncio.get_running_loop()
    arrived = datetime(2025, 3, 6, tzinfo=UTC)

    def flow() -> list[bytes]:
        imap = client(server, tls)
        imap.login(GP, PASSWORD)
        imap.select("INBOX")
        imap.send(b"i1 IDLE\r\n")  # imaplib has no IDLE before 3.14
        lines = [imap.readline()]
        loop.call_soon_threadsafe(backend.add, mail("labo@labo.mssante.fr", "Nouveau"), arrived)
        lines.append(imap.readline())
        imap.send(b"DONE\r\n")
        lines.append(imap.readline())
        lines.append(imap.fetch("4", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1])
        imap.logout()
        return lines

    lines = await asyncio.to_thread(flow)
    assert lines == [b"+ idling\r\n", b"* 4 EXISTS\r\n", b"i1 OK IDLE terminated\r\n", b"Subject: Nouveau\r\n\r\n"]
    assert backend.watchers == []


async def test_too_many_connections_get_bye(served: tuple[ImapServer, MemoryBackend]) -> None:
    server, _ = served
    held = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(server.max_connections)]
    for reader, _ in held:
        assert (await asyncio.wait_for(reader.readline(), 2)).startswith(b"* OK")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await asyncio.wait_for(reader.read(), 2) == b"* BYE Too many connections, try again later\r\n"
    for _, w in held:
        w.close()
    writer.close()


_SEEDS = [b"a LOGIN x y", b"b SELECT INBOX", b"c FETCH 1:* (FLAGS BODY[1.MIME] BODYSTRUCTURE ENVELOPE)",
          b"d UID SEARCH OR (FROM x SINCE 1-Jan-2025) NOT UNSEEN", b"e STORE 1 +FLAGS (\\Seen)", b"f IDLE",
          b"DONE", b"g AUTHENTICATE PLAIN", b"h LIST \"\" *", b"i EXPUNGE", b"j STATUS INBOX (MESSAGES)",
          b"k FETCH 2 BODY[HEADER.FIELDS (FROM)]<0.10>", b"l SELECT {5}", b"INBOX", b"m CLOSE"]


def _mutate(rng: random.Random, line: bytes) -> bytes:
    data = bytearray(line)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        position = rng.randint(0, len(data))
        if choice < 0.3:
            data[position:position] = bytes([rng.randint(0, 255)])
        elif choice < 0.5 and data:
            del data[min(position, len(data) - 1)]
        elif choice < 0.7:
            data[position:position] = rng.choice([b"(", b")", b"{3}\r\n", b'"', b"[", b"]", b"*", b"\\", b"\r\n",
                                                  b"{99999}", b" ", b"0:4294967296", b"\x00"])
        else:
            data[position:position] = rng.choice(_SEEDS)
    return bytes(data) + b"\r\n"


async def test_seeded_fuzz_leaves_the_server_usable(
    served: tuple[ImapServer, MemoryBackend], tls: TlsFiles, caplog: pytest.LogCaptureFixture
) -> None:
    server, _ = served
    rng = random.Random(3501)
    for round_ in range(60):
        lines = [_mutate(rng, rng.choice(_SEEDS)) for _ in range(12)]
        out = await talk(server, lines, tls=tls if round_ % 2 else None, )
        assert out.startswith(b"* OK [CAPABILITY")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

    def flow() -> list[bytes]:
        imap = client(server, tls)
        imap.login(GP, PASSWORD)
        imap.select("INBOX")
        found = imap.search(None, "ALL")[1]
        imap.logout()
        return found

    assert len((await asyncio.to_thread(flow))[0].split()) >= 1
    await asyncio.sleep(0.1)
    assert server.connections == 0


def test_server_needs_tls_material() -> None:
    with pytest.raises(ValueError):
        ImapServer("127.0.0.1", 0, backend=MemoryBackend())


async def test_generated_certificate_is_used(tmp_path: Path) -> None:
    server = ImapServer("127.0.0.1", 0, backend=seeded(), cert_dir=tmp_path)
    async with server:
        assert server.certificate is not None
        out = await talk(server, [b"z LOGOUT\r\n"], tls=server.certificate, until=b"z OK")
    assert b"l OK [CAPABILITY" in out
