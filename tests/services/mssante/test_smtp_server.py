"""The MSSanté SMTP submission server against smtplib and hostile sockets (services/mssante/smtp_server.py,
smtp_auth.py, certificates.py; digest §3.2, issue 15)."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import re
import smtplib
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.mssante.certificates import ensure_self_signed
from services.mssante.smtp_auth import parse_oauthbearer, parse_plain, parse_xoauth2
from services.mssante.smtp_server import Refusal, SubmissionServer

GP = "jean.leroy@pro.mssante.fr"
SPECIALIST = "anne.durand@hopital-a.mssante.fr"
PATIENT = "279035121518989@patient.mssante.fr"
OUTSIDE = "someone@gmail.com"
PASSWORDS = {GP: "gp-secret", SPECIALIST: "spec-secret"}
TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "a" * 1500 + ".c2lnbmF0dXJl"  # as long as a real PSC access token
LIMIT = 64 * 1024
REPLY = re.compile(rb"^\d{3}[ -]")


@dataclass(frozen=True)
class Owner:
    mailboxes: frozenset[str]


@dataclass
class MemoryPolicy:
    delivered: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    store_down: bool = False

    async def authenticate(self, mechanism: str, login: str | None, secret: str) -> Owner | None:
        if mechanism in ("PLAIN", "LOGIN"):
            return Owner(frozenset({login})) if login and PASSWORDS.get(login) == secret else None
        if secret == TOKEN and login in (None, GP):
            return Owner(frozenset({GP}))
        return None

    async def check_sender(self, principal: Owner, address: str) -> Refusal | None:
        if address in principal.mailboxes:
            return None
        return Refusal(553, f"5.7.1 <{address}> is not a mailbox of the authenticated user")

    async def check_recipient(self, principal: Owner, address: str) -> Refusal | None:
        if address == "boom@pro.mssante.fr":
            raise RuntimeError("directory exploded")
        if address in (GP, SPECIALIST, PATIENT):
            return None
        return Refusal(550, f"5.1.1 <{address}> is not in the MSSanté trust space (sandbox directory)")

    async def deliver(self, principal: Owner, mail_from: str, rcpt_tos: list[str], raw: bytes) -> Refusal | None:
        if self.store_down:
            return Refusal(451, "4.3.0 The mailbox store is unavailable, try again later")
        self.delivered.append((mail_from, rcpt_tos, raw))
        return None


def message(sender: str = GP, to: str = SPECIALIST, body: str = "Compte rendu de consultation.") -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: CR\r\nX-MSS-NIL: SANDBOX-NIL\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
        ".leading dot kept\r\n"
    ).encode()


@pytest.fixture(scope="module")
def cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture
def policy() -> MemoryPolicy:
    return MemoryPolicy()


@pytest.fixture
async def server(policy: MemoryPolicy, cert_dir: Path) -> AsyncIterator[SubmissionServer]:
    async with SubmissionServer(
        "127.0.0.1",
        0,
        policy=policy,
        cert_dir=cert_dir,
        max_message_bytes=LIMIT,
        max_connections=4,
        idle_timeout=10,
        auth_failure_delay=0.01,
    ) as running:
        yield running


def tls(server: SubmissionServer) -> ssl.SSLContext:
    assert server.certificate is not None
    return server.certificate.client_context()


def connect(server: SubmissionServer) -> smtplib.SMTP:
    """An smtplib client after EHLO, STARTTLS (trusting the generated certificate) and EHLO again."""
    client = smtplib.SMTP("127.0.0.1", server.port, timeout=5)
    client.ehlo()
    client.starttls(context=tls(server))
    client.ehlo()
    return client


def xoauth2(user: str, token: str) -> Callable[..., str]:
    return lambda challenge=None: f"user={user}\x01auth=Bearer {token}\x01\x01" if challenge is None else ""


def oauthbearer(user: str, token: str) -> Callable[..., str]:
    return lambda challenge=None: f"n,a={user},\x01auth=Bearer {token}\x01\x01" if challenge is None else "\x01"


async def in_thread(fn: Callable[[], object]) -> object:
    return await asyncio.wait_for(asyncio.to_thread(fn), timeout=20)


async def test_plain_over_starttls_delivers_the_exact_bytes(server: SubmissionServer, policy: MemoryPolicy) -> None:
    raw = message()

    def send() -> tuple[dict[str, str], dict[str, tuple[int, bytes]]]:
        with connect(server) as client:
            features = dict(client.esmtp_features)
            client.login(GP, PASSWORDS[GP])
            return features, client.sendmail(GP, [SPECIALIST, PATIENT], raw)

    features, refused = await in_thread(send)  # type: ignore[misc]
    assert refused == {}
    assert policy.delivered == [(GP, [SPECIALIST, PATIENT], raw)]
    assert set(features["auth"].split()) == {"LOGIN", "OAUTHBEARER", "PLAIN", "XOAUTH2"}
    assert features["size"] == str(LIMIT) and "8bitmime" in features and "smtputf8" in features
    assert "starttls" not in features  # already on TLS


async def test_login_mechanism_sends(server: SubmissionServer, policy: MemoryPolicy) -> None:
    def send() -> None:
        with connect(server) as client:
            client.user, client.password = SPECIALIST, PASSWORDS[SPECIALIST]
            assert client.auth("LOGIN", client.auth_login)[0] == 235
            client.sendmail(SPECIALIST, [GP], message(SPECIALIST, GP))

    await in_thread(send)
    assert [d[0] for d in policy.delivered] == [SPECIALIST]


@pytest.mark.parametrize("mechanism, authobject", [("XOAUTH2", xoauth2), ("OAUTHBEARER", oauthbearer)])
async def test_token_mechanisms_send(
    server: SubmissionServer, policy: MemoryPolicy, mechanism: str, authobject: Callable[..., Callable[..., str]]
) -> None:
    def send() -> tuple[int, bytes]:
        with connect(server) as client:
            reply = client.auth(mechanism, authobject(GP, TOKEN))
            client.sendmail(GP, [PATIENT], message(to=PATIENT))
            return reply

    assert (await in_thread(send))[0] == 235  # type: ignore[index]
    assert policy.delivered[0][:2] == (GP, [PATIENT])


@pytest.mark.parametrize("mechanism, authobject", [("XOAUTH2", xoauth2), ("OAUTHBEARER", oauthbearer)])
async def test_a_bad_token_gets_the_json_challenge_then_535(
    server: SubmissionServer, mechanism: str, authobject: Callable[..., Callable[..., str]]
) -> None:
    seen: list[bytes] = []

    def recording(challenge: bytes | None = None) -> str:
        if challenge is not None:
            seen.append(challenge)
        return authobject(GP, "forged.token.value")(challenge)

    def attempt() -> smtplib.SMTPAuthenticationError:
        with connect(server) as client, pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            client.auth(mechanism, recording)
        return caught.value

    error = await in_thread(attempt)
    assert error.smtp_code == 535 and error.smtp_error.startswith(b"5.7.8")  # type: ignore[attr-defined]
    assert b'"invalid_token"' in seen[0]


async def test_auth_and_mail_before_starttls_are_refused(server: SubmissionServer) -> None:
    plain = base64.b64encode(f"\0{GP}\0{PASSWORDS[GP]}".encode()).decode()

    def attempt() -> tuple[bool, tuple[int, bytes], tuple[int, bytes]]:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as client:
            client.ehlo()
            return client.has_extn("auth"), client.docmd("AUTH", f"PLAIN {plain}"), client.docmd("MAIL", f"FROM:<{GP}>")

    advertised, auth, mail = await in_thread(attempt)  # type: ignore[misc]
    assert not advertised
    assert auth[0] == 530 and auth[1].startswith(b"5.7.0") and b"STARTTLS" in auth[1]
    assert mail[0] == 530


async def test_mail_without_auth_is_530_5_7_0(server: SubmissionServer) -> None:
    def attempt() -> tuple[int, bytes]:
        with connect(server) as client:
            return client.mail(GP)

    assert await in_thread(attempt) == (530, b"5.7.0 Authentication required")


async def test_wrong_password_is_535_and_the_third_failure_closes_with_421(server: SubmissionServer) -> None:
    def attempt() -> list[int]:
        codes = []
        with connect(server) as client:
            for _ in range(3):
                plain = base64.b64encode(f"\0{GP}\0wrong".encode()).decode()
                codes.append(client.docmd("AUTH", f"PLAIN {plain}")[0])
            with pytest.raises(smtplib.SMTPServerDisconnected):
                client.noop()
        return codes

    assert await in_thread(attempt) == [535, 535, 421]


async def test_unknown_recipient_is_550_with_a_clear_text(server: SubmissionServer, policy: MemoryPolicy) -> None:
    def attempt() -> tuple[int, bytes]:
        with connect(server) as client:
            client.login(GP, PASSWORDS[GP])
            client.mail(GP)
            return client.rcpt(OUTSIDE)

    code, text = await in_thread(attempt)  # type: ignore[misc]
    assert code == 550 and text.startswith(b"5.1.1") and b"not in the MSSant" in text and OUTSIDE.encode() in text
    assert policy.delivered == []


async def test_a_spoofed_sender_is_refused(server: SubmissionServer, policy: MemoryPolicy) -> None:
    def attempt() -> smtplib.SMTPSenderRefused:
        with connect(server) as client, pytest.raises(smtplib.SMTPSenderRefused) as caught:
            client.login(GP, PASSWORDS[GP])
            client.sendmail(SPECIALIST, [GP], message(SPECIALIST, GP))
        return caught.value

    error = await in_thread(attempt)
    assert error.smtp_code == 553 and b"not a mailbox of the authenticated user" in error.smtp_error  # type: ignore[attr-defined]
    assert policy.delivered == []


async def test_oversize_is_552_5_3_4_declared_or_streamed(server: SubmissionServer, policy: MemoryPolicy) -> None:
    big = message(body=("x" * 70 + "\r\n") * 2000)

    def attempt() -> tuple[tuple[int, bytes], tuple[int, bytes], tuple[int, bytes]]:
        with connect(server) as client:
            client.login(GP, PASSWORDS[GP])
            declared = client.mail(GP, [f"SIZE={len(big)}"])
            client.mail(GP)  # no SIZE: the server counts while streaming
            client.rcpt(SPECIALIST)
            streamed = client.data(big)
            client.rset()
            after = client.mail(GP)
            return declared, streamed, after

    declared, streamed, after = await in_thread(attempt)  # type: ignore[misc]
    assert declared[0] == 552 and declared[1].startswith(b"5.3.4")
    assert streamed[0] == 552 and streamed[1].startswith(b"5.3.4") and str(LIMIT).encode() in streamed[1]
    assert after[0] == 250 and policy.delivered == []


async def test_store_failure_is_451_and_a_policy_crash_is_451(server: SubmissionServer, policy: MemoryPolicy) -> None:
    policy.store_down = True

    def attempt() -> tuple[tuple[int, bytes], tuple[int, bytes], tuple[int, bytes]]:
        with connect(server) as client:
            client.login(GP, PASSWORDS[GP])
            client.mail(GP)
            crash = client.rcpt("boom@pro.mssante.fr")
            client.rcpt(SPECIALIST)
            stored = client.data(message())
            return crash, stored, client.noop()

    crash, stored, alive = await in_thread(attempt)  # type: ignore[misc]
    assert crash[0] == 451 and b"directory exploded" not in crash[1]  # no internals on the wire
    assert stored == (451, b"4.3.0 The mailbox store is unavailable, try again later")
    assert alive[0] == 250


async def _wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


async def send_one(server: SubmissionServer) -> None:
    def send() -> None:
        with connect(server) as client:
            client.login(GP, PASSWORDS[GP])
            client.sendmail(GP, [SPECIALIST], message())

    await in_thread(send)


async def test_a_flood_gets_421_and_the_server_serves_afterwards(
    server: SubmissionServer, policy: MemoryPolicy
) -> None:
    opened = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(server.max_connections)]
    for reader, _ in opened:
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"220 ")
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"421 4.7.0")
    assert await asyncio.wait_for(reader.read(), 5) == b""  # closed by the server
    writer.close()
    for _, w in opened:
        w.close()
    await _wait_until(lambda: server.connections == 0)
    await send_one(server)
    assert len(policy.delivered) == 1


async def test_an_idle_client_is_disconnected(policy: MemoryPolicy, cert_dir: Path) -> None:
    async with SubmissionServer("127.0.0.1", 0, policy=policy, cert_dir=cert_dir, idle_timeout=0.2) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
        assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"220 ")
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()


MALFORMED: list[tuple[bytes, bytes]] = [
    (b"\r\n", b"500"),
    (b"HELO x\r\n", b"530"),  # only EHLO, NOOP, STARTTLS, QUIT before TLS
    (b"EHLO\r\n", b"501"),
    (b"\xff\xfe\x00\r\n", b"500"),
    (b"MAIL FROM:<" + b"a" * 2000 + b"@x.fr>\r\n", b"500"),  # over the command length
    (b"RCPT TO:<x@y>\r\n", b"530"),  # before STARTTLS
    (b"AUTH PLAIN AAAA\r\n", b"530"),
    (b"STARTTLS extra\r\n", b"501"),
    (b"NOOP\r\n", b"250"),
]


async def test_malformed_commands_get_precise_replies(server: SubmissionServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert (await asyncio.wait_for(reader.readline(), 5)).startswith(b"220 ")
    for line, code in MALFORMED:
        writer.write(line)
        assert (await asyncio.wait_for(reader.readline(), 5))[:3] == code, line[:40]
    writer.close()


async def test_malformed_auth_and_addresses_after_starttls(server: SubmissionServer) -> None:
    good = base64.b64encode(f"\0{GP}\0{PASSWORDS[GP]}".encode()).decode()
    commands = [
        "PLAIN !!!",
        "PLAIN " + base64.b64encode(b"no-nuls").decode(),
        "XOAUTH2 " + base64.b64encode(b"user=x\x01auth=Basic y\x01\x01").decode(),
        "CRAM-MD5",
        "plain " + good,  # mechanism names are case-insensitive
    ]

    def attempt() -> list[int]:
        with connect(server) as client:
            codes = [client.docmd("AUTH", command)[0] for command in commands]
            return codes + [client.docmd("MAIL", "FROM:a@")[0], client.docmd("VRFY", "a@")[0]]

    assert await in_thread(attempt) == [501, 501, 501, 504, 235, 553, 502]  # "a@" crashes the stdlib parser


def fuzz_lines(rng: random.Random) -> list[bytes]:
    verbs = [
        b"EHLO",
        b"HELO",
        b"MAIL FROM:",
        b"RCPT TO:",
        b"DATA",
        b"AUTH",
        b"AUTH PLAIN",
        b"AUTH XOAUTH2",
        b"AUTH OAUTHBEARER",
        b"AUTH LOGIN",
        b"RSET",
        b"VRFY",
        b"HELP",
        b"BDAT",
        b"QUIT",
        b".",
    ]
    lines = []
    for _ in range(rng.randint(1, 25)):
        kind = rng.random()
        if kind < 0.4:
            arg = bytes(rng.choice(b"<>@:=. aZ0\x00\x01\xff\t*+/") for _ in range(rng.randint(0, 60)))
            lines.append(rng.choice(verbs) + b" " + arg + rng.choice([b"\r\n", b"\n", b"\r\r\n"]))
        elif kind < 0.8:
            lines.append(rng.randbytes(rng.randint(0, 300)) + b"\r\n")
        else:
            lines.append(rng.randbytes(rng.randint(900, 14000)))
    return lines


async def _fuzz_once(server: SubmissionServer, lines: list[bytes], authenticated: bool) -> bytes:
    """Hostile lines, plaintext or after STARTTLS + AUTH, closed by an end of DATA and QUIT whatever state."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    answer = b""
    try:
        answer = await asyncio.wait_for(reader.readline(), 5)
        if authenticated and answer.startswith(b"220 "):
            writer.write(b"EHLO fuzz\r\nSTARTTLS\r\n")
            while not (line := await asyncio.wait_for(reader.readline(), 5)).startswith(b"220 "):
                answer += line
            await writer.start_tls(tls(server), server_hostname="127.0.0.1")
            plain = base64.b64encode(f"\0{GP}\0{PASSWORDS[GP]}".encode())
            writer.write(b"EHLO fuzz\r\nAUTH PLAIN " + plain + b"\r\n")
        for line in lines:
            writer.write(line)
        writer.write(b"\r\n.\r\nQUIT\r\n")
        return answer + await asyncio.wait_for(reader.read(), 5)  # a hang here is a server bug
    except (ConnectionResetError, ssl.SSLError):
        return answer
    finally:
        writer.close()


async def test_fuzzed_input_never_breaks_the_server(
    server: SubmissionServer, policy: MemoryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    rng = random.Random(15)
    caplog.set_level(logging.ERROR, logger="services.mssante.smtp")
    async with asyncio.timeout(30):
        for _ in range(80):
            answer = await _fuzz_once(server, fuzz_lines(rng), authenticated=rng.random() < 0.5)
            replies = answer.split(b"\r\n")
            assert replies[0].startswith(b"220 ") or replies[0].startswith(b"421 ")
            for reply in replies[1:-1]:
                assert REPLY.match(reply), reply[:80]
            await _wait_until(lambda: server.connections < server.max_connections)
    assert not [r for r in caplog.records if r.name == "services.mssante.smtp"]  # no internal error reached
    before = len(policy.delivered)  # a fuzzed DATA may well have been delivered
    await send_one(server)
    assert len(policy.delivered) == before + 1 and policy.delivered[-1][2] == message()


@pytest.mark.parametrize("mode", ["pipelined", "garbage", "silent"])
async def test_a_broken_starttls_frees_its_slot_and_the_server_serves(
    policy: MemoryPolicy, cert_dir: Path, mode: str
) -> None:
    async with SubmissionServer(
        "127.0.0.1", 0, policy=policy, cert_dir=cert_dir, idle_timeout=0.3, max_connections=1
    ) as running:
        reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
        await asyncio.wait_for(reader.readline(), 5)
        garbage = random.Random(7).randbytes(3000)
        if mode == "pipelined":  # RFC 3207 §4.2: nothing may follow STARTTLS in its packet
            writer.write(b"EHLO fuzz\r\nSTARTTLS\r\n" + garbage)
        else:
            writer.write(b"EHLO fuzz\r\nSTARTTLS\r\n")
            while not (await asyncio.wait_for(reader.readline(), 5)).startswith(b"220 "):
                pass
            if mode == "garbage":
                writer.write(garbage)  # not a ClientHello; "silent" never sends one and meets the idle timeout
        try:
            answer = await asyncio.wait_for(reader.read(), 5)
        except ConnectionResetError:
            answer = b""
        assert (b"554 5.5.1" in answer) == (mode == "pipelined")
        writer.close()
        await _wait_until(lambda: running.connections == 0)
        await send_one(running)
    assert len(policy.delivered) == 1


def test_sasl_decoders() -> None:
    assert parse_plain(b"\0" + GP.encode() + b"\0pw") == (GP, "pw")
    assert parse_xoauth2(b"user=a@b\x01auth=Bearer t0k.en\x01\x01") == ("a@b", "t0k.en")
    assert parse_oauthbearer(b"n,a=a=2Cb=3D@c,\x01host=x\x01auth=Bearer tok\x01\x01") == ("a,b=@c", "tok")
    assert parse_oauthbearer(b"n,,\x01auth=Bearer tok\x01\x01") == (None, "tok")
    for bad in (b"p=tls-unique,,\x01auth=Bearer t\x01\x01", b"n,,\x01auth=Basic t\x01\x01", b"n,,auth=Bearer t"):
        with pytest.raises(ValueError):
            parse_oauthbearer(bad)


def test_the_certificate_is_cached_and_renewed_near_expiry(tmp_path: Path) -> None:
    first = ensure_self_signed(tmp_path)
    pem = first.cert.read_bytes()
    assert ensure_self_signed(tmp_path).cert.read_bytes() == pem
    assert first.key.stat().st_mode & 0o777 == 0o600
    assert ensure_self_signed(tmp_path, now=datetime.now(UTC) + timedelta(days=365)).cert.read_bytes() != pem
    first.key.write_bytes(b"garbage")
    assert ensure_self_signed(tmp_path).cert.read_bytes() != pem
