"""IMAP4rev1 command syntax of the MSSanté mailbox server (RFC 3501 §6, §9; spec digest §3.2; issue 15).

Pure functions, no I/O: the tokenizer of a complete command (literals already read by the server, so
``{n}\\r\\n`` is followed by its ``n`` octets in the buffer), sequence sets (§9 ``sequence-set``), flags,
dates, SEARCH keys (§6.4.4) and their evaluation, and the quoting of strings in responses. Anything the
grammar refuses raises :class:`ImapSyntaxError`, which the server answers ``BAD`` with its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime

MAX_DEPTH = 16  # nested parentheses in one command
MAX_NUMBER = 2**32 - 1  # nz-number / number (RFC 3501 §9)
SYSTEM_FLAGS = {"\\SEEN": "\\Seen", "\\ANSWERED": "\\Answered", "\\FLAGGED": "\\Flagged",
                "\\DELETED": "\\Deleted", "\\DRAFT": "\\Draft"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ATOM_STOP = frozenset(b' (){"\r\n')
_LITERAL = re.compile(rb"\{(\d{1,10})(\+?)\}\r?\n")
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})\Z")


class ImapSyntaxError(ValueError):
    """A command the RFC 3501 grammar refuses (answered ``BAD``)."""


class Atom(str):
    """An atom (or NIL, a flag, a number) as opposed to a quoted string or a literal (``bytes``)."""


Token = Atom | bytes | list["Token"]


def tokenize(data: bytes) -> list[Token]:
    """The tokens of a command line (tag and command name included), literals inlined."""
    tokens, pos = _items(data, 0, 0)
    if pos != len(data):
        raise ImapSyntaxError("unbalanced ')'")
    return tokens


def _items(data: bytes, pos: int, depth: int) -> tuple[list[Token], int]:
    if depth > MAX_DEPTH:
        raise ImapSyntaxError("too many nested parentheses")
    items: list[Token] = []
    while pos < len(data):
        char = data[pos]
        if char == 0x20:
            pos += 1
        elif char == 0x28:  # (
            inner, pos = _items(data, pos + 1, depth + 1)
            if pos >= len(data) or data[pos] != 0x29:
                raise ImapSyntaxError("missing ')'")
            items.append(inner)
            pos += 1
        elif char == 0x29:  # )
            if depth == 0:
                raise ImapSyntaxError("unbalanced ')'")
            return items, pos
        elif char == 0x22:  # "
            value, pos = _quoted(data, pos + 1)
            items.append(value)
        elif char == 0x7B:  # {
            match = _LITERAL.match(data, pos)
            if match is None:
                raise ImapSyntaxError("bad literal (expected {n}CRLF)")
            start = match.end()
            end = start + int(match[1])
            if end > len(data):
                raise ImapSyntaxError("literal shorter than announced")
            items.append(data[start:end])
            pos = end
        elif char in (0x0D, 0x0A):
            raise ImapSyntaxError("CR or LF inside a command")
        else:
            atom, pos = _atom(data, pos)
            items.append(atom)
    if depth:
        raise ImapSyntaxError("missing ')'")
    return items, pos


def _quoted(data: bytes, pos: int) -> tuple[bytes, int]:
    out = bytearray()
    while pos < len(data):
        char = data[pos]
        if char == 0x22:
            return bytes(out), pos + 1
        if char in (0x0D, 0x0A, 0x00):
            raise ImapSyntaxError("CR, LF or NUL in a quoted string")
        if char == 0x5C:  # backslash: only \" and \\ (RFC 3501 §9 quoted-specials)
            if pos + 1 >= len(data) or data[pos + 1] not in (0x22, 0x5C):
                raise ImapSyntaxError("bad escape in a quoted string")
            pos += 1
        out.append(data[pos])
        pos += 1
    raise ImapSyntaxError("unterminated quoted string")


def _atom(data: bytes, pos: int) -> tuple[Atom, int]:
    start = pos
    while pos < len(data) and data[pos] not in _ATOM_STOP:
        char = data[pos]
        if char < 0x21 or char > 0x7E:
            raise ImapSyntaxError("control or 8-bit character in an atom")
        if char == 0x5B:  # [ ... ] of a FETCH section may hold spaces and parentheses
            end = data.find(b"]", pos)
            if end < 0 or any(c in (0x0D, 0x0A) or c > 0x7E for c in data[pos:end]):
                raise ImapSyntaxError("unterminated '['")
            pos = end
        elif char == 0x5D:
            raise ImapSyntaxError("unexpected ']'")
        pos += 1
    if b"\\" in data[start + 1 : pos]:  # a backslash only opens a flag name (\Seen)
        raise ImapSyntaxError("backslash inside an atom")
    return Atom(data[start:pos].decode("ascii")), pos


def is_valid_tag(tag: bytes) -> bool:
    """RFC 3501 §9 ``tag``: 1*<any ASTRING-CHAR except "+">."""
    return bool(tag) and len(tag) <= 64 and all(0x21 <= c <= 0x7E and c not in b'(){%*"\\+' for c in tag)


def text(token: Token, what: str) -> str:
    """An astring (atom, quoted or literal) as text."""
    if isinstance(token, list):
        raise ImapSyntaxError(f"{what}: expected a string, got a list")
    if isinstance(token, bytes):
        try:
            return token.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ImapSyntaxError(f"{what}: not UTF-8") from error
    return str(token)


def number(token: Token, what: str, *, nonzero: bool = True) -> int:
    if not isinstance(token, Atom) or not token.isdigit() or len(token) > 10:
        raise ImapSyntaxError(f"{what}: expected a number")
    value = int(token)
    if value > MAX_NUMBER or (nonzero and value == 0):
        raise ImapSyntaxError(f"{what}: number out of range")
    return value


class SequenceSet:
    """A §9 ``sequence-set`` as ranges (``1:4294967295`` costs nothing)."""

    def __init__(self, ranges: list[tuple[int, int]]) -> None:
        self.ranges = ranges

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and any(low <= value <= high for low, high in self.ranges)

    @property
    def lowest(self) -> int:
        return min(low for low, _ in self.ranges)

    @property
    def highest(self) -> int:
        return max(high for _, high in self.ranges)


def parse_sequence_set(token: Token, largest: int) -> SequenceSet:
    """§9 ``sequence-set`` (``1,3:5,7:*``); ``*`` is ``largest``."""
    if not isinstance(token, Atom) or not token or token.count(",") > 1000:
        raise ImapSyntaxError("expected a sequence set")
    ranges = []
    for item in token.split(","):
        first, colon, last = item.partition(":")
        low = largest if first == "*" else number(Atom(first), "sequence set")
        high = low if not colon else largest if last == "*" else number(Atom(last), "sequence set")
        ranges.append((min(low, high), max(low, high)))
    return SequenceSet(ranges)


def parse_flags(tokens: Sequence[Token]) -> frozenset[str]:
    """Flags for STORE (a list or bare atoms): system flags normalised, ``\\Recent`` and unknown ones refused."""
    items: list[Token] = list(tokens[0]) if len(tokens) == 1 and isinstance(tokens[0], list) else list(tokens)
    flags: set[str] = set()
    for item in items:
        if not isinstance(item, Atom) or not item or item == "NIL" and len(items) > 1:
            raise ImapSyntaxError("flags must be atoms")
        if item.startswith("\\"):
            if item.upper() not in SYSTEM_FLAGS:
                raise ImapSyntaxError(f"{item} cannot be stored")
            flags.add(SYSTEM_FLAGS[item.upper()])
        elif any(c in item for c in "%*[]"):
            raise ImapSyntaxError(f"bad keyword {item}")
        else:
            flags.add(str(item))
    return frozenset(flags)


def parse_date(token: Token) -> date:
    """§9 ``date`` (``1-Feb-1994``, quoted or not)."""
    match = _DATE.match(text(token, "date"))
    if match is None or match[2].title() not in MONTHS:
        raise ImapSyntaxError("expected a date like 1-Feb-1994")
    try:
        return date(int(match[3]), MONTHS.index(match[2].title()) + 1, int(match[1]))
    except ValueError as error:
        raise ImapSyntaxError("no such date") from error


def format_internal_date(moment: datetime) -> str:
    """§9 ``date-time``: ``"17-Jul-1996 02:44:25 -0700"`` (English months, whatever the locale)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return (f'"{moment.day:2d}-{MONTHS[moment.month - 1]}-{moment.year:04d} {moment:%H:%M:%S} '
            f'{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"')


def quote(value: str | bytes | None) -> bytes:
    """A string for a response: NIL, a quoted string, or a literal when it holds CR, LF, NUL or 8-bit."""
    if value is None:
        return b"NIL"
    raw = value.encode("utf-8") if isinstance(value, str) else value
    if any(c in (0x0D, 0x0A, 0x00) or c > 0x7E for c in raw) or len(raw) > 1024:
        return b"{%d}\r\n" % len(raw) + raw
    return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


# --- SEARCH (RFC 3501 §6.4.4) ---------------------------------------------------------------------------


@dataclass
class SearchItem:
    """What a SEARCH key looks at: one message of the selected mailbox."""

    seq: int
    uid: int
    flags: frozenset[str]
    internal_date: datetime
    raw: bytes
    _headers: Message | None = None

    @property
    def headers(self) -> Message:
        if self._headers is None:
            self._headers = BytesHeaderParser(policy=compat32).parsebytes(self.raw)
        return self._headers

    def header_text(self, name: str) -> str:
        values = self.headers.get_all(name) or []
        out = []
        for value in values:
            try:
                out.append(str(make_header(decode_header(str(value)))))
            except Exception:  # an undecodable encoded-word is matched as it is written
                out.append(str(value))
        return "\n".join(out)

    def sent_date(self) -> date | None:
        try:
            return parsedate_to_datetime(str(self.headers.get("Date", ""))).date()
        except (TypeError, ValueError, IndexError):
            return None


Matcher = Callable[[SearchItem], bool]
_FLAG_KEYS = {"SEEN": "\\Seen", "ANSWERED": "\\Answered", "FLAGGED": "\\Flagged", "DELETED": "\\Deleted",
              "DRAFT": "\\Draft"}
_HEADER_KEYS = {"FROM": "From", "TO": "To", "CC": "Cc", "BCC": "Bcc", "SUBJECT": "Subject"}


def parse_search(tokens: Sequence[Token], *, largest_seq: int, largest_uid: int) -> Matcher:
    """The conjunction of SEARCH keys (the optional ``CHARSET`` already removed by the caller)."""
    if not tokens:
        raise ImapSyntaxError("SEARCH needs at least one key")
    stream = list(tokens)
    keys: list[Matcher] = []
    while stream:
        keys.append(_search_key(stream, largest_seq, largest_uid, 0))
    return lambda item: all(key(item) for key in keys)


def _search_key(stream: list[Token], largest_seq: int, largest_uid: int, depth: int) -> Matcher:
    if depth > MAX_DEPTH:
        raise ImapSyntaxError("search keys nested too deeply")
    token = stream.pop(0)
    if isinstance(token, list):
        return parse_search(token, largest_seq=largest_seq, largest_uid=largest_uid)
    if not isinstance(token, Atom):
        raise ImapSyntaxError("expected a search key")
    key = token.upper()

    def argument() -> Token:
        if not stream:
            raise ImapSyntaxError(f"{key} needs an argument")
        return stream.pop(0)

    if key == "ALL":
        return lambda item: True
    if key in _FLAG_KEYS:
        flag = _FLAG_KEYS[key]
        return lambda item: flag in item.flags
    if key.startswith("UN") and key[2:] in _FLAG_KEYS:
        flag = _FLAG_KEYS[key[2:]]
        return lambda item: flag not in item.flags
    if key in ("NEW", "RECENT"):  # \Recent is not tracked: no message is recent
        return lambda item: False
    if key == "OLD":
        return lambda item: True
    if key in ("KEYWORD", "UNKEYWORD"):
        word = text(argument(), key)
        return (lambda item: word in item.flags) if key == "KEYWORD" else (lambda item: word not in item.flags)
    if key in ("SINCE", "BEFORE", "ON"):
        day = parse_date(argument())
        return _compare(key, day, lambda item: item.internal_date.date())
    if key in ("SENTSINCE", "SENTBEFORE", "SENTON"):
        day = parse_date(argument())
        return _compare(key[4:], day, SearchItem.sent_date)
    if key in _HEADER_KEYS:
        needle, name = text(argument(), key).casefold(), _HEADER_KEYS[key]
        return lambda item: needle in item.header_text(name).casefold()
    if key == "HEADER":
        name, needle = text(argument(), key), text(argument(), key).casefold()
        return lambda item: name in item.headers and needle in item.header_text(name).casefold()
    if key in ("BODY", "TEXT"):
        needle_bytes = text(argument(), key).casefold().encode("utf-8")
        if key == "TEXT":
            return lambda item: needle_bytes in item.raw.lower()
        return lambda item: needle_bytes in item.raw.partition(b"\r\n\r\n")[2].lower()
    if key in ("LARGER", "SMALLER"):
        size = number(argument(), key, nonzero=False)
        return (lambda item: len(item.raw) > size) if key == "LARGER" else (lambda item: len(item.raw) < size)
    if key == "UID":
        uids = parse_sequence_set(argument(), largest_uid)
        return lambda item: item.uid in uids
    if key == "NOT":
        inner = _search_key(_need(stream, key), largest_seq, largest_uid, depth + 1)
        return lambda item: not inner(item)
    if key == "OR":
        left = _search_key(_need(stream, key), largest_seq, largest_uid, depth + 1)
        right = _search_key(_need(stream, key), largest_seq, largest_uid, depth + 1)
        return lambda item: left(item) or right(item)
    if key[:1].isdigit() or key[:1] == "*":
        seqs = parse_sequence_set(token, largest_seq)
        return lambda item: item.seq in seqs
    raise ImapSyntaxError(f"unknown search key {token}")


def _need(stream: list[Token], key: str) -> list[Token]:
    if not stream:
        raise ImapSyntaxError(f"{key} needs a search key")
    return stream


def _compare(how: str, day: date, of: Callable[[SearchItem], date | None]) -> Matcher:
    def match(item: SearchItem) -> bool:
        value = of(item)
        if value is None:
            return False
        return value >= day if how == "SINCE" else value < day if how == "BEFORE" else value == day

    return match
