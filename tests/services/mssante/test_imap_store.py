"""imaplib against the IMAP server on the store-backed backend (services/mssante/imap_store.py; issue 15: a message
delivered once is read over IMAP, IDLE hears new deliveries)."""

from __future__ import annotations

import asyncio
import imaplib
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from core.db import Database
from services.mssante.certificates import TlsFiles, ensure_self_signed
from services.mssante.imap_server import ImapServer
from services.mssante.imap_store import MailboxPrincipal, StoreImapBackend
from services.mssante.smtp_server import Principal
from services.mssante.store import MailStore

GP = "jean.leroy@pro.mssante.fr"
CABINET = "cabinet.leroy@pro.mssante.fr"
LABO = "labo@labo.mssante.fr"
PASSWORD = "gp-secret"
TOKEN = "psc-access-token"


def mail(subject: str) -> bytes:
    return (f"From: {LABO}\r\nTo: {GP}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@sandbox>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nResultats.\r\n").encode()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return ensure_self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[MailStore]:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'mssante.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    db = Database(url, "mssante")
    mail_store = MailStore(db, scrypt_n=2**10)
    db.create_all()
    yield mail_store
    db.dispose()


@pytest.fixture
async def served(store: MailStore, tls: TlsFiles) -> AsyncIterator[tuple[ImapServer, MailStore, str]]:
    tenant = f"t-{uuid.uuid4().hex[:10]}"
    store.put_mailbox(tenant=tenant, address=GP, kind="PER", owner="810000000001", password=PASSWORD)
    store.put_mailbox(tenant=tenant, address=CABINET, kind="CAB", owner="cab-1")
    store.put_mailbox(tenant=tenant, address=LABO, kind="ORG", owner="750000001")

    async def verify_token(mechanism: str, login: str | None, token: str) -> Principal | None:
        if token != TOKEN:
            return None
        return MailboxPrincipal(tenant, frozenset({GP, CABINET, "gone@pro.mssante.fr"}), GP, "810000000001")

    backend = StoreImapBackend(store, tenant=tenant, verify_token=verify_token)
    server = ImapServer("127.0.0.1", 0, backend=backend, tls_context=tls.server_context(), idle_timeout=5,
                        auth_failure_delay=0)
    async with server:
        yield server, store, tenant


def client(server: ImapServer, tls: TlsFiles) -> imaplib.IMAP4:
    imap = imaplib.IMAP4("127.0.0.1", server.port, timeout=5)
    imap.starttls(ssl_context=tls.client_context())
    return imap


async def test_a_delivered_message_is_read_flagged_and_expunged_over_imap(
    served: tuple[ImapServer, MailStore, str], tls: TlsFiles
) -> None:
    server, store, tenant = served
    raw = mail("Resultats")
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=raw)
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("Bilan"))
    uidvalidity = store.mailbox(tenant=tenant, address=GP).uidvalidity

    def flow() -> None:
        imap = client(server, tls)
        with pytest.raises(imaplib.IMAP4.error):
            imap.login(GP, "wrong")
        assert imap.login(GP.upper(), PASSWORD)[0] == "OK"
        assert imap.list()[1] == [b'(\\HasNoChildren) "/" "INBOX"']
        assert imap.select("INBOX") == ("OK", [b"2"])
        assert imap.response("UIDVALIDITY")[1] == [str(uidvalidity).encode()]
        assert imap.search(None, "UNSEEN")[1] == [b"1 2"]
        assert imap.fetch("1", "(RFC822)")[1][0][1] == raw  # sets \Seen
        assert imap.search(None, "UNSEEN")[1] == [b"2"]
        assert imap.store("2", "+FLAGS.SILENT", "(\\Deleted)")[0] == "OK"
        assert imap.expunge()[1] == [b"2"]
        imap.logout()

    await asyncio.to_thread(flow)
    assert [(m.uid, m.flags) for m in store.messages(tenant=tenant, address=GP)] == [(1, frozenset({"\\Seen"}))]


async def test_a_token_login_lists_every_existing_mailbox_of_the_principal(
    served: tuple[ImapServer, MailStore, str], tls: TlsFiles
) -> None:
    server, store, tenant = served
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[CABINET], raw=mail("Cabinet"))

    def flow() -> None:
        imap = client(server, tls)
        blob = f"user={GP}\x01auth=Bearer {TOKEN}\x01\x01".encode()
        assert imap.authenticate("XOAUTH2", lambda _: blob)[0] == "OK"
        assert imap.list()[1] == [b'(\\HasNoChildren) "/" "INBOX"', f'(\\HasNoChildren) "/" "{CABINET}"'.encode()]
        assert imap.select("INBOX") == ("OK", [b"0"])
        assert imap.select(CABINET) == ("OK", [b"1"])
        assert imap.select("gone@pro.mssante.fr")[0] == "NO"
        imap.logout()

    await asyncio.to_thread(flow)


async def test_idle_hears_exists_after_a_deliver(served: tuple[ImapServer, MailStore, str], tls: TlsFiles) -> None:
    server, store, tenant = served
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("Premier"))
    idling = asyncio.Event()
    loop = asyncio.get_running_loop()

    def flow() -> list[bytes]:
        imap = client(server, tls)
        imap.authenticate("PLAIN", lambda _: f"\0{GP}\0{PASSWORD}".encode())
        imap.select("INBOX")
        imap.send(b"i1 IDLE\r\n")  # imaplib has no IDLE before 3.14
        lines = [imap.readline()]
        loop.call_soon_threadsafe(idling.set)
        lines.append(imap.readline())
        imap.send(b"DONE\r\n")
        lines.append(imap.readline())
        lines.append(imap.fetch("2", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")[1][0][1])
        imap.logout()
        return lines

    session = asyncio.create_task(asyncio.to_thread(flow))
    await asyncio.wait_for(idling.wait(), 5)
    await asyncio.to_thread(store.deliver, tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("Nouveau"))
    lines = await asyncio.wait_for(session, 10)
    assert lines == [b"+ idling\r\n", b"* 2 EXISTS\r\n", b"i1 OK IDLE terminated\r\n", b"Subject: Nouveau\r\n\r\n"]
    assert store._watchers == {}
