"""FETCH data items of the MSSanté IMAP server (RFC 3501 §6.4.5, §7.4.2; spec digest §3.2; issue 15).

Sections are cut from the stored bytes themselves, never from a re-serialised message, so that
``BODY[]`` is the exact message and ``BODY[2]`` the exact (still encoded) attachment a vendor can hash:
the MIME tree is found by splitting on the boundaries (RFC 2046 §5.1.1), headers are read with the stdlib
parser. Supported: FLAGS, UID, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY, BODYSTRUCTURE (without
extension data, which §7.4.2 makes optional), BODY[section]<partial> and BODY.PEEK (sections ``""``,
HEADER, HEADER.FIELDS[.NOT], TEXT, MIME and part numbers such as ``2`` or ``1.2.TEXT``), RFC822,
RFC822.HEADER, RFC822.TEXT and the macros ALL, FAST, FULL. Depth and part counts are capped.

:class:`MailboxCommands` (mixed into the session) holds the authenticated/selected-state commands: LIST,
LSUB, STATUS, SELECT, EXAMINE, FETCH, STORE, SEARCH, EXPUNGE, CLOSE, UNSELECT, CHECK (RFC 3501 §6.3-6.4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses

from services.mssante.imap_commands import (
    Atom,
    ImapSyntaxError,
    Token,
    format_internal_date,
    quote,
)

SYSTEM_FLAG_LIST = "\\Answered \\Flagged \\Deleted \\Seen \\Draft"
MAX_PARTS = 200
MAX_DEPTH = 10
_MACROS = {"ALL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"], "FAST": ["FLAGS", "INTERNALDATE",
           "RFC822.SIZE"], "FULL": ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]}
_SIMPLE = {"FLAGS", "UID", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822",
           "RFC822.HEADER", "RFC822.TEXT"}
_SECTION = re.compile(r"(BODY|BODY\.PEEK)\[([^\]]*)\](?:<(\d{1,10})\.(\d{1,10})>)?\Z", re.IGNORECASE)
_PART = re.compile(r"((?:[1-9]\d{0,4})(?:\.[1-9]\d{0,4})*)?\.?(HEADER\.FIELDS\.NOT|HEADER\.FIELDS|HEADER|TEXT|MIME)?"
                   r"(?: \((.*)\))?\Z", re.IGNORECASE | re.DOTALL)


@dataclass
class Part:
    """One MIME entity: its exact header block (with the blank line) and body bytes."""

    header: bytes
    body: bytes
    headers: Message
    children: list[Part] = field(default_factory=list)
    inner: Part | None = None  # the message inside a message/rfc822 part

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()


def split_header(raw: bytes) -> tuple[bytes, bytes]:
    """(header block including the blank line, body); a missing blank line means no body."""
    if raw.startswith((b"\r\n", b"\n")):
        size = 2 if raw.startswith(b"\r\n") else 1
        return raw[:size], raw[size:]
    crlf, lf = raw.find(b"\r\n\r\n"), raw.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf <= lf):
        return raw[: crlf + 4], raw[crlf + 4 :]
    if lf >= 0:
        return raw[: lf + 2], raw[lf + 2 :]
    return raw, b""


def parse_part(raw: bytes, depth: int = 0, budget: list[int] | None = None) -> Part:
    """The MIME tree of ``raw``; beyond the caps, deeper content stays one opaque leaf."""
    budget = budget if budget is not None else [MAX_PARTS]
    header, body = split_header(raw)
    part = Part(header, body, BytesHeaderParser(policy=compat32).parsebytes(header))
    if depth >= MAX_DEPTH or budget[0] <= 0:
        return part
    if part.headers.get_content_maintype() == "multipart":
        boundary = part.headers.get_param("boundary")
        if isinstance(boundary, str) and boundary:
            for chunk in _split_multipart(body, boundary.encode("utf-8", "replace")):
                budget[0] -= 1
                if budget[0] < 0:
                    break
                part.children.append(parse_part(chunk, depth + 1, budget))
    elif part.content_type == "message/rfc822":
        part.inner = parse_part(body, depth + 1, budget)
    return part


def _split_multipart(body: bytes, boundary: bytes) -> list[bytes]:
    delimiter = re.compile(rb"(?:\A|\r?\n)--" + re.escape(boundary) + rb"(--)?[ \t]*(?:\r?\n|\Z)")
    chunks: list[bytes] = []
    start: int | None = None
    for match in delimiter.finditer(body):
        if start is not None:
            chunks.append(body[start : match.start()])
        if match[1]:
            return chunks
        start = match.end()
    if start is not None:  # no close delimiter: the last part runs to the end
        chunks.append(body[start:])
    return chunks


@dataclass(frozen=True)
class FetchItem:
    """One requested data item: ``name`` (e.g. ``BODY[1.MIME]``), section and partial range for sections."""

    name: str
    section: str | None = None
    peek: bool = False
    partial: tuple[int, int] | None = None
    fields: tuple[str, ...] = ()

    @property
    def sets_seen(self) -> bool:
        return (self.section is not None and not self.peek) or self.name in ("RFC822", "RFC822.TEXT")


def parse_fetch_items(token: Token) -> list[FetchItem]:
    """The items of a FETCH: one atom, a macro, or a parenthesized list."""
    tokens = token if isinstance(token, list) else [token]
    if not tokens:
        raise ImapSyntaxError("FETCH needs at least one data item")
    if len(tokens) == 1 and isinstance(tokens[0], Atom) and tokens[0].upper() in _MACROS:
        return [FetchItem(name) for name in _MACROS[tokens[0].upper()]]
    items = []
    for item in tokens:
        if not isinstance(item, Atom):
            raise ImapSyntaxError("FETCH data items are atoms")
        upper = item.upper()
        if upper in _SIMPLE:
            items.append(FetchItem(upper))
            continue
        match = _SECTION.match(item)
        if match is None:
            raise ImapSyntaxError(f"unknown FETCH data item {item}")
        section = match[2]
        part = _PART.match(section)
        if part is None or (part[3] is not None) != (part[2] or "").upper().startswith("HEADER.FIELDS"):
            raise ImapSyntaxError(f"bad section [{section}]")
        fields = tuple(name.upper() for name in (part[3] or "").split())
        if part[3] is not None and (not fields or any(not re.fullmatch(r"[!-9;-~]+", f) for f in fields)):
            raise ImapSyntaxError("HEADER.FIELDS needs a list of header names")
        if part[2] and part[2].upper() == "MIME" and not part[1]:
            raise ImapSyntaxError("MIME needs a part number")
        canonical = ".".join(x for x in (part[1], (part[2] or "").upper()) if x)
        if fields:
            canonical += " (" + " ".join(fields) + ")"
        partial = (int(match[3]), int(match[4])) if match[3] is not None else None
        if partial is not None and partial[1] == 0:
            raise ImapSyntaxError("a partial range needs a non-zero length")
        items.append(FetchItem(f"BODY[{canonical}]", canonical, match[1].upper() == "BODY.PEEK", partial, fields))
    return items


def section_bytes(root: Part, section: str, fields: tuple[str, ...]) -> bytes:
    """The octets of ``BODY[section]`` (empty when the part does not exist, as common servers answer)."""
    match = _PART.match(section)
    assert match is not None
    numbers, what = match[1], (match[2] or "").upper()
    part: Part | None = root
    for number in (numbers.split(".") if numbers else []):
        if part is None:
            return b""
        index = int(number) - 1
        if part.inner is not None and part is not root:  # a message/rfc822 part: numbering continues inside
            part = part.inner
        if part.children:
            part = part.children[index] if index < len(part.children) else None
        elif index != 0:  # a non-multipart entity has a single part, itself (§6.4.5)
            part = None
    if part is None:
        return b""
    if numbers and what in ("HEADER", "TEXT", "HEADER.FIELDS", "HEADER.FIELDS.NOT"):
        if part.inner is None:
            return b""
        part = part.inner
    if what == "":
        return part.body if numbers else root.header + root.body
    if what == "TEXT":
        return part.body
    if what in ("HEADER", "MIME"):
        return part.header
    return _header_fields(part.header, set(fields), keep=what == "HEADER.FIELDS")


def _header_fields(header: bytes, names: set[str], *, keep: bool) -> bytes:
    out = bytearray()
    taking = False
    for line in header.splitlines(keepends=True):
        if line in (b"\r\n", b"\n"):
            break
        if line[:1] not in (b" ", b"\t"):
            name = line.split(b":", 1)[0].strip().decode("ascii", "replace").upper()
            taking = (name in names) == keep
        if taking:
            out += line
    return bytes(out) + b"\r\n"


def _nstring(value: object) -> bytes:
    if value is None:
        return b"NIL"
    return quote(" ".join(str(value).split()))


def envelope(headers: Message) -> bytes:
    """§7.4.2 ENVELOPE: date subject from sender reply-to to cc bcc in-reply-to message-id."""
    def addresses(name: str, fallback: str | None = None) -> bytes:
        values = headers.get_all(name) or (headers.get_all(fallback) if fallback else None)
        if not values:
            return b"NIL"
        parsed = [(n, a) for n, a in getaddresses([str(v) for v in values]) if a or n]
        if not parsed:
            return b"NIL"
        out = []
        for name_, address in parsed:
            mailbox, _, host = address.rpartition("@") if "@" in address else (address, "", "")
            out.append(b"(" + b" ".join([_nstring(name_ or None), b"NIL", _nstring(mailbox or None),
                                         _nstring(host or None)]) + b")")
        return b"(" + b"".join(out) + b")"

    fields = [_nstring(headers.get("Date")), _nstring(headers.get("Subject")), addresses("From"),
              addresses("Sender", "From"), addresses("Reply-To", "From"), addresses("To"), addresses("Cc"),
              addresses("Bcc"), _nstring(headers.get("In-Reply-To")), _nstring(headers.get("Message-ID"))]
    return b"(" + b" ".join(fields) + b")"


def bodystructure(part: Part) -> bytes:
    """§7.4.2 BODYSTRUCTURE without extension data (the same form answers BODY)."""
    if part.children:
        subtype = part.headers.get_content_subtype().upper()
        return b"(" + b"".join(bodystructure(child) for child in part.children) + b" " + quote(subtype) + b")"
    maintype, subtype = part.headers.get_content_maintype(), part.headers.get_content_subtype()
    params = [(k, v) for k, v in part.headers.get_params(failobj=[], header="content-type")[1:]
              if isinstance(v, str)]
    if not params and maintype == "text":
        params = [("charset", "us-ascii")]
    plist = b"(" + b" ".join(quote(k.upper()) + b" " + quote(v) for k, v in params) + b")" if params else b"NIL"
    encoding = str(part.headers.get("Content-Transfer-Encoding", "7bit")).strip().upper() or "7BIT"
    fields = [quote(maintype.upper()), quote(subtype.upper()), plist, _nstring(part.headers.get("Content-ID")),
              _nstring(part.headers.get("Content-Description")), quote(encoding), b"%d" % len(part.body)]
    if part.inner is not None:
        fields += [envelope(part.inner.headers), bodystructure(part.inner), b"%d" % part.body.count(b"\n")]
    elif maintype == "text":
        fields.append(b"%d" % part.body.count(b"\n"))
    return b"(" + b" ".join(fields) + b")"


def render(item: FetchItem, *, uid: int, flags: frozenset[str], internal_date: object, raw: bytes,
           tree: Part | None) -> bytes:
    """``NAME value`` of one item for a FETCH response (``tree`` is the parsed message when needed)."""
    if item.name == "UID":
        return b"UID %d" % uid
    if item.name == "FLAGS":
        return b"FLAGS (" + " ".join(sorted(flags)).encode() + b")"
    if item.name == "INTERNALDATE":
        return b"INTERNALDATE " + format_internal_date(internal_date).encode()  # type: ignore[arg-type]
    if item.name == "RFC822.SIZE":
        return b"RFC822.SIZE %d" % len(raw)
    if item.name == "RFC822":
        return b"RFC822 " + _literal(raw)
    assert tree is not None
    if item.name == "RFC822.HEADER":
        return b"RFC822.HEADER " + _literal(tree.header)
    if item.name == "RFC822.TEXT":
        return b"RFC822.TEXT " + _literal(tree.body)
    if item.name == "ENVELOPE":
        return b"ENVELOPE " + envelope(tree.headers)
    if item.name in ("BODY", "BODYSTRUCTURE"):
        return item.name.encode() + b" " + bodystructure(tree)
    assert item.section is not None
    data = section_bytes(tree, item.section, item.fields)
    name = item.name.encode()
    if item.partial is not None:
        start, length = item.partial
        data = data[start : start + length]
        name += b"<%d>" % start
    return name + b" " + _literal(data)


def _literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


def needs_tree(items: list[FetchItem]) -> bool:
    return any(i.name not in ("UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "RFC822") for i in items)
