"""The mailbox store on SQLite and PostgreSQL (services/mssante/store.py; issue 15 "The same store serves SMTP,
IMAP and HTTP")."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import Database
from services.mssante.codes import Finding, MssCode
from services.mssante.store import MailStore, UnknownMailbox

GP = "jean.leroy@pro.mssante.fr"
SPECIALIST = "anne.durand@hopital-a.mssante.fr"
LABO = "labo@labo.mssante.fr"


def mail(subject: str, *, message_id: str = "<m1@sandbox>") -> bytes:
    return (f"From: {LABO}\r\nTo: {GP}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nResultats.\r\n").encode()


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'mssante.db'}" if request.param == "sqlite" else \
        request.getfixturevalue("postgres_url")
    database = Database(url, "mssante")
    yield database
    database.dispose()


@pytest.fixture
def store(db: Database) -> MailStore:
    mail_store = MailStore(db, scrypt_n=2**10)  # the default 2**14 costs ~50 ms a hash
    db.create_all()
    return mail_store


@pytest.fixture
def tenant(store: MailStore) -> str:
    """A tenant of its own (the PostgreSQL database is shared by the session), with three mailboxes."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    store.put_mailbox(tenant=name, address=GP, kind="PER", owner="810000000001", password="gp-secret")
    store.put_mailbox(tenant=name, address=SPECIALIST, kind="PER", owner="810000000002")
    store.put_mailbox(tenant=name, address=LABO, kind="ORG", owner="750000001")
    return name


def test_a_delivered_message_is_read_back_byte_for_byte_in_every_recipient_mailbox(store: MailStore,
                                                                                    tenant: str) -> None:
    raw = mail("Resultats")
    finding = Finding(MssCode.NIL_MISSING, "X-MSS-NIL", "add X-MSS-NIL")
    stored = store.deliver(tenant=tenant, mail_from=LABO, recipients=[SPECIALIST, GP.upper()], raw=raw,
                           findings=[finding])
    assert stored == sorted([(GP, 1), (SPECIALIST, 1)])
    got = store.message(tenant=tenant, address=GP, uid=1)
    assert got is not None and got.raw == raw and got.size == len(raw) and got.sender == LABO
    assert got.message_id == "<m1@sandbox>" and got.flags == frozenset() and not got.deleted
    assert got.findings == [{"code": "MSS-0301", "where": "X-MSS-NIL", "message": "add X-MSS-NIL",
                             "severity": "warning"}]
    assert abs(got.internal_date - datetime.now(UTC)) < timedelta(minutes=1)
    assert [m.uid for m in store.messages(tenant=tenant, address=SPECIALIST)] == [1]
    assert store.mailbox(tenant=tenant, address=GP).uidnext == 2
    statuses = store.deliveries(tenant=tenant, sender=LABO)
    assert {(d.recipient, d.status, d.uid) for d in statuses} == {(GP, "delivered", 1), (SPECIALIST, "delivered", 1)}


def test_uids_stay_unique_and_ascending_under_20_concurrent_deliveries(store: MailStore, tenant: str) -> None:
    start = threading.Barrier(20)

    def send(k: int) -> list[tuple[str, int]]:
        start.wait()
        return store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP, SPECIALIST], raw=mail(f"n{k}"))

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(send, range(20)))
    for address in (GP, SPECIALIST):
        uids = [uid for result in results for a, uid in result if a == address]
        assert sorted(uids) == list(range(1, 21))
        assert [m.uid for m in store.messages(tenant=tenant, address=address)] == list(range(1, 21))
        assert store.mailbox(tenant=tenant, address=address).uidnext == 21


def test_passwords_are_stored_as_salted_digests(store: MailStore, tenant: str) -> None:
    assert store.check_password(tenant=tenant, address=GP, password="gp-secret")
    assert not store.check_password(tenant=tenant, address=GP, password="gp-secreT")
    assert not store.check_password(tenant=tenant, address=SPECIALIST, password="")  # no password set
    assert not store.check_password(tenant=tenant, address="nobody@pro.mssante.fr", password="gp-secret")
    table = store.t.mailbox
    with store.db.read() as conn:
        first = conn.execute(select(table.c.password_hash).where(table.c.tenant == tenant,
                                                                  table.c.address == GP)).scalar()
    assert "gp-secret" not in first and first.startswith("scrypt$")
    assert store.set_password(tenant=tenant, address=GP, password="gp-secret")
    with store.db.read() as conn:
        again = conn.execute(select(table.c.password_hash).where(table.c.tenant == tenant,
                                                                  table.c.address == GP)).scalar()
    assert again != first  # a fresh salt each time
    assert store.set_password(tenant=tenant, address=GP, password=None)
    assert not store.check_password(tenant=tenant, address=GP, password="gp-secret")
    assert not store.set_password(tenant=tenant, address="nobody@pro.mssante.fr", password="x")


def test_filters_flags_expunge_and_delete(store: MailStore, tenant: str) -> None:
    for k in range(3):
        store.deliver(tenant=tenant, mail_from=LABO if k != 1 else SPECIALIST, recipients=[GP],
                      raw=mail(f"n{k}", message_id=f"<m{k}@sandbox>"))
    assert store.set_flags(tenant=tenant, address=GP, uid=1, flags={"\\Seen"})
    assert not store.set_flags(tenant=tenant, address=GP, uid=99, flags={"\\Seen"})
    assert [m.uid for m in store.messages(tenant=tenant, address=GP, unseen=True)] == [2, 3]
    assert [m.uid for m in store.messages(tenant=tenant, address=GP, sender=SPECIALIST.upper())] == [2]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert store.messages(tenant=tenant, address=GP, since=future) == []
    listed = store.messages(tenant=tenant, address=GP, include_raw=False)
    assert [m.raw for m in listed] == [None] * 3
    store.set_flags(tenant=tenant, address=GP, uid=2, flags={"\\Deleted", "\\Seen"})
    assert store.message(tenant=tenant, address=GP, uid=2).flags == {"\\Deleted", "\\Seen"}
    assert store.expunge(tenant=tenant, address=GP) == [2]
    assert store.message(tenant=tenant, address=GP, uid=2) is None
    assert store.delete(tenant=tenant, address=GP, uid=3) and not store.delete(tenant=tenant, address=GP, uid=3)
    assert store.message(tenant=tenant, address=GP, uid=3).deleted
    assert [m.uid for m in store.messages(tenant=tenant, address=GP)] == [1]
    assert store.expunge(tenant=tenant, address=GP, uids=[1, 3]) == [1, 3]
    # UIDs are never reused (RFC 3501 §2.3.1.1)
    assert store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("n4")) == [(GP, 4)]


def test_tenants_are_isolated(store: MailStore, tenant: str) -> None:
    other = f"t-{uuid.uuid4().hex[:10]}"
    store.put_mailbox(tenant=other, address=GP, kind="PER", owner="810000000001", password="other-secret")
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("mine"))
    assert store.messages(tenant=other, address=GP) == []
    assert store.message(tenant=other, address=GP, uid=1) is None
    assert not store.check_password(tenant=other, address=GP, password="gp-secret")
    assert [m.address for m in store.mailboxes_of(tenant=other, owner="810000000001")] == [GP]
    assert store.mailbox(tenant=other, address=SPECIALIST) is None
    with pytest.raises(UnknownMailbox):
        store.deliver(tenant=other, mail_from=LABO, recipients=[SPECIALIST], raw=mail("x"))
    store.db.wipe_tenant(other)
    assert store.mailbox(tenant=other, address=GP) is None and store.mailbox(tenant=tenant, address=GP) is not None


def test_a_delivery_with_an_unknown_recipient_stores_nothing(store: MailStore, tenant: str) -> None:
    unknown = "inconnu@pro.mssante.fr"
    with pytest.raises(UnknownMailbox) as refused:
        store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP, unknown, SPECIALIST], raw=mail("x"))
    assert refused.value.addresses == [unknown]
    with store.db.read() as conn:
        for table in (store.t.message, store.t.delivery):
            assert conn.execute(select(func.count()).select_from(table).where(table.c.tenant == tenant)).scalar() == 0
    assert store.mailbox(tenant=tenant, address=GP).uidnext == 1  # the UID taken before the refusal rolled back


def test_watchers_hear_committed_deliveries_and_expunges_only_of_their_mailbox(store: MailStore,
                                                                               tenant: str) -> None:
    heard: list[str] = []
    stop = store.watch(tenant=tenant, address=GP, callback=lambda: heard.append("gp"))
    store.watch(tenant=tenant, address=SPECIALIST, callback=lambda: 1 / 0)  # a failing watcher is only logged
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP, SPECIALIST], raw=mail("a"))
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[SPECIALIST], raw=mail("b"))
    with pytest.raises(UnknownMailbox):
        store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP, "x@pro.mssante.fr"], raw=mail("c"))
    store.expunge(tenant=tenant, address=GP, uids=[1])
    assert heard == ["gp", "gp"]
    stop()
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("d"))
    assert heard == ["gp", "gp"]


def test_put_mailbox_updates_owner_and_keeps_uids(store: MailStore, tenant: str) -> None:
    store.deliver(tenant=tenant, mail_from=LABO, recipients=[GP], raw=mail("a"))
    before = store.mailbox(tenant=tenant, address=GP)
    after = store.put_mailbox(tenant=tenant, address=GP, kind="CAB", owner="cab-1")
    assert (after.kind, after.owner, after.uidnext, after.uidvalidity) == ("CAB", "cab-1", 2, before.uidvalidity)
    assert after.has_password and store.check_password(tenant=tenant, address=GP, password="gp-secret")
    assert json.loads(json.dumps([m.address for m in store.mailboxes_of(tenant=tenant, owner="cab-1")])) == [GP]
