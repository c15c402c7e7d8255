"""MSSanté messages: read a hostile RFC 5322 message safely, compose a compliant one (spec digest §3.2-§3.4).

:func:`read_message` never raises: every byte may come from an attacker and the real space still
delivers what it can, so what is wrong comes back as coded findings on the :class:`ReadMessage`:
``MSS-01xx`` for the transport (size, MIME structure, headers, encodings, addresses), then the
``MSS-02xx`` of an attached ``IHE_XDM.ZIP`` (:func:`services.mssante.xdm.parse_xdm`) and the ``MSS-03xx``
of the X-MSS rules (:func:`services.mssante.mss_headers.check_headers`). The caller gives the size cap;
depth, part and header caps have defaults. The parsing guards are in :mod:`services.mssante.message_parts`.

:func:`build_message` composes a message for scenarios and vendors: ``X-MSS-NIL`` always, and, when an
XDM is attached, ``X-MSS-CODECDA`` / ``X-MSS-INS`` computed from its CDAs (:mod:`services.mssante.cda`) and
the ``XDM/1.0/DDM+`` subject prefix (digest §3.4).
"""

from __future__ import annotations

import email.policy
import email.utils
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser

from services.mssante.addresses import (
    TRUST_SUFFIX,
    AddressError,
    MailboxKind,
    address_findings,
    mailbox_kind,
    parse_address,
)
from services.mssante.cda import cdas_in
from services.mssante.codes import Finding, MssCode
from services.mssante.message_parts import Attachment, clean, decode_words, guarded_policy, has_control, walk
from services.mssante.mss_headers import SUBJECT_PREFIX, check_headers
from services.mssante.xdm import XDM_FILE_NAME, XdmPackage, parse_xdm

MAX_DEPTH = 32
MAX_PARTS = 500
MAX_HEADERS = 1000
MAX_RECIPIENTS = 1000
MSS_HEADERS = ("X-MSS-NIL", "X-MSS-CODECDA", "X-MSS-INS", "X-MSS-MES")

__all__ = ["Attachment", "ReadMessage", "build_message", "read_message"]


@dataclass
class ReadMessage:
    """What :func:`read_message` found; ``problems`` holds every finding (transport, XDM, X-MSS)."""

    sender: str | None = None
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None
    date: datetime | None = None
    mss_headers: dict[str, str] = field(default_factory=dict)  # X-MSS-* by canonical name, decoded
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    xdm: XdmPackage | None = None
    problems: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def codes(self) -> list[MssCode]:
        return [f.code for f in self.problems]


def read_message(raw: bytes, *, max_bytes: int, max_depth: int = MAX_DEPTH, max_parts: int = MAX_PARTS,
                 max_headers: int = MAX_HEADERS, kinds: Mapping[str, MailboxKind] | None = None,
                 envelope_recipients: Iterable[str] = (), suffix: str = TRUST_SUFFIX) -> ReadMessage:
    """Read an untrusted raw message; never raises. ``kinds`` maps addresses to their directory BAL type
    (unknown non-patient recipients count as professionals for the masking rule); ``envelope_recipients``
    are the RCPT TO addresses (Bcc included), checked with To and Cc."""
    read = ReadMessage()
    try:
        data = bytes(raw)
    except (TypeError, ValueError):
        read.problems.append(Finding(MssCode.MIME_BROKEN, "message", "The message is not bytes.", "error"))
        return read
    if len(data) > max_bytes:
        read.problems.append(Finding(MssCode.MESSAGE_TOO_LARGE, "message", f"The message is {len(data)} bytes, "
                                     f"over the limit of {max_bytes}: it was not read; send smaller attachments.",
                                     "error"))
        return read
    policy = guarded_policy()
    try:
        message = BytesParser(policy=policy).parsebytes(data)
    except RecursionError:
        read.problems.append(Finding(MssCode.MIME_TOO_DEEP, "message", f"Multiparts nest too deep for the parser "
                                     f"(limit {max_depth}): the message was not read.", "error"))
        return read
    except (LookupError, UnicodeError, ValueError, TypeError, IndexError, AttributeError) as exc:
        read.problems.append(Finding(MssCode.MIME_BROKEN, "message", f"The message could not be parsed "
                                     f"({type(exc).__name__}): send well-formed RFC 5322 / MIME.", "error"))
        return read
    try:
        _read_parsed(message, read, policy.blanked or [], max_depth=max_depth, max_parts=max_parts,
                     max_headers=max_headers, kinds=kinds or {}, envelope=envelope_recipients, suffix=suffix)
    except Exception as exc:  # noqa: BLE001 - last resort: the SMTP/IMAP servers must never crash on a mail
        # Every known stdlib failure is caught where it happens; this only keeps the promise of never raising.
        # where="internal" lets the fuzz tests see that a new case reached it.
        read.problems.append(Finding(MssCode.MIME_BROKEN, "internal", f"The message could not be fully read "
                                     f"({type(exc).__name__}): send well-formed RFC 5322 / MIME."))
    return read


def _read_parsed(message: Message, read: ReadMessage, blanked: list[tuple[str, int]], *, max_depth: int,
                 max_parts: int, max_headers: int, kinds: Mapping[str, MailboxKind], envelope: Iterable[str],
                 suffix: str) -> None:
    for name, length in blanked[:20]:
        shown = clean(name)[:60]
        read.problems.append(Finding(MssCode.HEADER_TOO_LONG, shown, f"The header {shown} ({length} characters) "
                                     "is over the length or complexity limit: its value was ignored."))
    _headers(message, read, max_headers=max_headers, suffix=suffix)
    try:
        walked = walk(message, max_depth=max_depth, max_parts=max_parts)
    except RecursionError:  # a stdlib accessor recursing on a hostile part
        read.problems.append(Finding(MssCode.MIME_BROKEN, "message", "A MIME part could not be read."))
        return
    read.text, read.html, read.attachments = walked.text, walked.html, walked.attachments
    read.problems.extend(walked.problems)
    _xdm(read, kinds, [*read.to, *read.cc, *_valid(envelope)], suffix)


def _valid(addresses: Iterable[str]) -> list[str]:
    out = []
    for address in addresses:
        try:
            out.append(str(parse_address(address)))
        except AddressError:
            continue
    return out


def _raw_headers(message: Message) -> list[tuple[str, str]]:
    return [(str(name), str(value)) for name, value in message.raw_items()]


def _headers(message: Message, read: ReadMessage, *, max_headers: int, suffix: str) -> None:
    items = _raw_headers(message)
    if len(items) > max_headers:
        read.problems.append(Finding(MssCode.HEADERS_TOO_MANY, "headers", f"The message has {len(items)} header "
                                     f"fields, over the limit of {max_headers}: send fewer."))
    first: dict[str, str] = {}
    for name, value in items:
        first.setdefault(name.strip().lower(), value)
    for key in ("subject", "message-id", *(h.lower() for h in MSS_HEADERS)):
        if key in first:
            decoded = decode_words(first[key])
            if has_control(decoded):
                read.problems.append(Finding(MssCode.HEADER_INVALID, key.title(), f"The {key.title()} header holds "
                                             "a control character (header injection?): it was replaced by '?'."))
            first[key] = clean(decoded).strip()
    read.subject = first.get("subject", "")
    read.message_id = first.get("message-id") or None
    read.mss_headers = {h: first[h.lower()] for h in MSS_HEADERS if h.lower() in first}
    senders = _addresses(first, "from", read, suffix)
    read.sender = senders[0] if senders else None
    if "from" in first and len(senders) > 1:
        read.problems.append(Finding(MssCode.HEADER_INVALID, "From", "From names several mailboxes: an MSSanté "
                                     "message has one sender."))
    read.to = _addresses(first, "to", read, suffix)
    read.cc = _addresses(first, "cc", read, suffix)
    for key in ("from", "date"):
        if not first.get(key, "").strip():
            read.problems.append(Finding(MssCode.HEADER_MISSING, key.title(), f"The message has no {key.title()} "
                                         "header (required by RFC 5322 §3.6): add it."))
    if first.get("date", "").strip():
        try:
            read.date = email.utils.parsedate_to_datetime(clean(first["date"]))
        except (ValueError, TypeError, IndexError, OverflowError):
            read.problems.append(Finding(MssCode.HEADER_INVALID, "Date", "The Date header is not an RFC 5322 "
                                         "date-time (e.g. Tue, 04 Mar 2025 10:30:00 +0100)."))


def _addresses(first: Mapping[str, str], key: str, read: ReadMessage, suffix: str) -> list[str]:
    if key not in first:
        return []
    label = key.title()
    value = first[key]
    if has_control(value.replace("\r\n", "").replace("\n", "")):
        read.problems.append(Finding(MssCode.HEADER_INVALID, label, f"The {label} header holds a control "
                                     "character (header injection?): it was not read."))
        return []
    try:  # the legacy parser is linear; policy.default's address parser is quadratic on quotes
        pairs = email.utils.getaddresses([value.replace("\r\n", " ").replace("\n", " ")])
    except (RecursionError, ValueError, TypeError, IndexError):
        pairs = []
    found = [addr for _, addr in pairs if addr]
    if not found and value.strip():
        read.problems.append(Finding(MssCode.HEADER_INVALID, label, f"The {label} header holds no readable "
                                     "address: write name <local@domain>, comma-separated."))
    if len(found) > MAX_RECIPIENTS:
        read.problems.append(Finding(MssCode.HEADER_INVALID, label, f"The {label} header lists {len(found)} "
                                     f"addresses, over the limit of {MAX_RECIPIENTS}: the rest were not read."))
        found = found[:MAX_RECIPIENTS]
    addresses = []
    for address in found:
        problems = address_findings(address, suffix=suffix)
        read.problems.extend(Finding(p.code, label, p.message, p.severity) for p in problems)
        try:
            addresses.append(str(parse_address(address)))
        except AddressError:
            continue
    return addresses


def _xdm(read: ReadMessage, kinds: Mapping[str, MailboxKind], recipients: list[str], suffix: str) -> None:
    packages = [a for a in read.attachments if a.filename.casefold() == XDM_FILE_NAME.casefold()]
    if len(packages) > 1:
        read.problems.append(Finding(MssCode.XDM_SEVERAL, XDM_FILE_NAME, f"The message carries {len(packages)} "
                                     f"{XDM_FILE_NAME} attachments: only the first was read; send one per message."))
    if packages:
        read.xdm = parse_xdm(packages[0].content)
        read.problems.extend(read.xdm.problems)
    found = [mailbox_kind(r, directory_kind=kinds.get(r), suffix=suffix) for r in recipients]
    to_patient = MailboxKind.PATIENT in found
    professionals = any(kind is None or kind.is_professional for kind in found)
    headers = {"Subject": read.subject, **read.mss_headers}
    read.problems.extend(check_headers(headers, read.xdm, to_patient=to_patient,
                                       recipients_are_professionals=professionals))


def build_message(*, sender: str, to: Sequence[str], subject: str, text: str, nil: str, cc: Sequence[str] = (),
                  html: str | None = None, attachments: Sequence[tuple[str, str, bytes]] = (),
                  xdm: bytes | None = None, mes_fin: bool = False, message_id: str | None = None,
                  date: datetime | None = None, headers: Mapping[str, str | None] | None = None) -> bytes:
    """A raw message (CRLF, RFC 5322) from ``sender`` to ``to``/``cc``; ``attachments`` are (file name,
    content type, bytes); ``xdm`` is attached as ``IHE_XDM.ZIP`` and sets X-MSS-CODECDA/X-MSS-INS and the
    subject prefix; ``headers`` adds or (None) removes headers last, to craft non-compliant messages.
    ValueError on an invalid address or a header value with CR/LF."""
    if not to and not cc:
        raise ValueError("a message has at least one recipient")
    origin = parse_address(sender)
    message = EmailMessage(policy=email.policy.default)
    message["From"] = str(origin)
    if to:
        message["To"] = ", ".join(str(parse_address(a)) for a in to)
    if cc:
        message["Cc"] = ", ".join(str(parse_address(a)) for a in cc)
    message["Date"] = email.utils.format_datetime(date or datetime.now(UTC))
    message["Message-ID"] = message_id or email.utils.make_msgid(domain=origin.domain)
    message["X-MSS-NIL"] = nil
    for name, _content_type, content in attachments:
        if name.casefold() == XDM_FILE_NAME.casefold() and xdm is None:
            xdm = content
    if xdm is not None:
        codes, qualified = _cda_summary(xdm)
        if codes:
            message["X-MSS-CODECDA"] = ",".join(codes)
            message["X-MSS-INS"] = "O" if qualified else "N"
        if not subject.startswith(SUBJECT_PREFIX):
            subject = SUBJECT_PREFIX + subject
    message["Subject"] = subject
    if mes_fin:
        message["X-MSS-MES"] = "FIN"
    for name, value in (headers or {}).items():
        del message[name]
        if value is not None:
            message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    parts = list(attachments)
    if xdm is not None and not any(n.casefold() == XDM_FILE_NAME.casefold() for n, _, _ in parts):
        parts.append((XDM_FILE_NAME, "application/zip", xdm))
    for name, content_type, content in parts:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(content, maintype=maintype or "application", subtype=subtype or "octet-stream",
                               filename=name)
    return message.as_bytes(policy=email.policy.SMTP)


def _cda_summary(xdm: bytes) -> tuple[list[str], bool]:
    """The header codes of the XDM's CDAs (document order, once each) and whether one holds a qualified INS."""
    cdas, _ = cdas_in(parse_xdm(xdm))
    codes = list(dict.fromkeys(info.code for _, info in cdas if info.code))
    return codes, any(info.qualified_ins for _, info in cdas)
