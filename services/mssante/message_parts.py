"""The defensive pieces of :mod:`services.mssante.messages`: a guarded parsing policy, header decoding,
the capped MIME walk, body decoding and attachment names (spec digest §3.2, §3.4).

Measured on the stdlib ``email`` package (Python 3.11): the ``policy.default`` header parser is quadratic on
some inputs (a 32 KiB Content-Type of quotes or semicolons takes ~20 s, a 64 KiB To of quotes ~40 s) and
recursive on others (comments, deep multiparts raise RecursionError). Hence: :class:`GuardedPolicy`
neuters over-long or over-complex header values as the parser reads them, address headers are split with
the linear legacy :func:`email.utils.getaddresses`, the walk is iterative with a depth and a part cap, and
every decoding step catches what the stdlib is known to raise.
"""

from __future__ import annotations

import binascii
import codecs
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from email.errors import MessageDefect
from email.header import decode_header, make_header
from email.message import Message
from email.policy import EmailPolicy

from services.mssante.codes import Finding, MssCode

MAX_HEADER_CHARS = 16 * 1024  # one unfolded header value
MAX_MIME_HEADER_CHARS = 2 * 1024  # Content-* values, parsed by the quadratic structured parser
MAX_MIME_SPECIALS = 64  # quotes, semicolons, backslashes, parentheses in one Content-* value
MIME_SPECIALS = re.compile(r'["\\;()]')
STRUCTURED = ("content-type", "content-disposition", "content-transfer-encoding")
WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)
MAX_FILE_NAME_BYTES = 255


class GuardedPolicy(EmailPolicy):
    """``policy.default`` whose parser blanks header values too long (or, for Content-*, too complex) to
    parse in linear time; each blanked header is appended to ``blanked`` as (name, length)."""

    blanked: list[tuple[str, int]] | None = None

    def header_source_parse(self, sourcelines: list[str]) -> tuple[str, str]:
        name, value = super().header_source_parse(sourcelines)
        structured = name.strip().lower() in STRUCTURED
        too_long = len(value) > (MAX_MIME_HEADER_CHARS if structured else MAX_HEADER_CHARS)
        if too_long or (structured and len(MIME_SPECIALS.findall(value)) > MAX_MIME_SPECIALS):
            if self.blanked is not None:
                self.blanked.append((name, len(value)))
            return name, ""
        return name, value


def guarded_policy() -> GuardedPolicy:
    return GuardedPolicy(blanked=[])


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with undecodable bytes (surrogate escapes) replaced and control characters turned into '?'."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    allowed = "\t\n" if keep_newlines else ""
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c if c in allowed or unicodedata.category(c) != "Cc" else "?" for c in text)


def has_control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c != "\t" for c in text)


def decode_words(value: str) -> str:
    """An unfolded header value with its RFC 2047 encoded words decoded; the raw value when they are broken."""
    unfolded = re.sub(r"\r?\n[ \t]", " ", value)
    try:
        return str(make_header(decode_header(unfolded)))
    except (LookupError, UnicodeError, ValueError, TypeError, binascii.Error, AssertionError):
        return unfolded


@dataclass(frozen=True)
class Attachment:
    """A leaf part that is not a body: sanitised ``filename``, ``content_type``, decoded ``content``."""

    filename: str
    content_type: str
    content: bytes
    original_filename: str | None = None

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha1(self) -> str:
        return hashlib.sha1(self.content).hexdigest()


@dataclass
class Walked:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)


def sanitise_file_name(name: str, number: int) -> str:
    """A file name safe on any file system: no path, control or reserved characters, 255 UTF-8 bytes at most."""
    base = re.split(r"[/\\]", clean(name))[-1]
    base = re.sub(r'[<>:"|?*\x00-\x1f\x7f]', "_", base).strip(" .")
    if WINDOWS_RESERVED.fullmatch(base):
        base = "_" + base
    stem, dot, ext = base.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = base, ""
    while len(base.encode()) > MAX_FILE_NAME_BYTES and stem:
        stem = stem[:-1]
        base = f"{stem}.{ext}" if ext else stem
    return base or f"attachment-{number}.bin"


def _defects(part: Message, where: str, seen: set[type], problems: list[Finding]) -> None:
    for defect in getattr(part, "defects", []):
        kind = type(defect)
        if kind in seen or not isinstance(defect, MessageDefect):
            continue
        seen.add(kind)
        name = kind.__name__
        if "Base64" in name:
            problems.append(Finding(MssCode.BAD_TRANSFER_ENCODING, where, f"Part {where}: base64 does not "
                                    f"decode cleanly ({name}); encode attachments with standard base64."))
        else:
            problems.append(Finding(MssCode.MIME_BROKEN, where, f"Part {where}: {name} ({str(defect)[:100]}); "
                                    "send well-formed MIME (each boundary declared, opened and closed)."))


def _param(part: Message, getter: str) -> str | None:
    try:
        value = getattr(part, getter)()
    except (LookupError, UnicodeError, ValueError, TypeError, IndexError, AttributeError, RecursionError):
        return None  # the stdlib's structured-header parser can raise on hostile parameters
    return None if value is None else str(value)


def _text(part: Message, payload: bytes, where: str, problems: list[Finding]) -> str:
    charset = (_param(part, "get_content_charset") or "us-ascii").strip().lower()
    try:
        known = codecs.lookup(charset)._is_text_encoding  # rot13, zlib, base64 codecs are not text encodings
    except (LookupError, ValueError, TypeError):  # ValueError: a NUL in the name
        known = False
    if not known:
        problems.append(Finding(MssCode.BAD_CHARSET, where, f"Part {where} declares the unknown charset "
                                f"{clean(charset)[:40]!r}: read as UTF-8 with errors replaced; declare UTF-8."))
        charset = "utf-8"
    try:
        return clean(payload.decode(charset), keep_newlines=True)
    except UnicodeError:
        problems.append(Finding(MssCode.BAD_CHARSET, where, f"Part {where} holds bytes invalid in {charset}: "
                                "they were replaced; declare the charset the text is written in."))
    except (LookupError, ValueError, TypeError):
        charset = "utf-8"
    return clean(payload.decode(charset, "replace"), keep_newlines=True)


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (LookupError, UnicodeError, ValueError, TypeError, IndexError, AttributeError, binascii.Error):
        return b""
    return data if isinstance(data, bytes) else b""


def walk(root: Message, *, max_depth: int, max_parts: int) -> Walked:
    """Bodies and attachments of ``root``, iteratively, at most ``max_depth`` deep and ``max_parts`` parts."""
    out = Walked()
    stack: list[tuple[Message, int, str]] = [(root, 0, "1")]
    count, seen_defects, deep_flagged = 0, set(), False
    while stack:
        part, depth, where = stack.pop()
        count += 1
        if count > max_parts:
            out.problems.append(Finding(MssCode.MIME_TOO_MANY_PARTS, where, f"The message has more than "
                                        f"{max_parts} MIME parts: the rest were not read; send fewer attachments."))
            break
        children = part.get_payload() if part.is_multipart() else None
        if not isinstance(children, list):
            _leaf(part, where, out)  # decoding first: base64 defects are recorded while decoding
            _defects(part, where, seen_defects, out.problems)
            continue
        _defects(part, where, seen_defects, out.problems)
        if depth >= max_depth:
            if not deep_flagged:
                deep_flagged = True
                out.problems.append(Finding(MssCode.MIME_TOO_DEEP, where, f"Multiparts nest deeper than "
                                            f"{max_depth} levels: the deeper parts were not read."))
            continue
        kids = [c for c in children if isinstance(c, Message)]
        stack.extend((child, depth + 1, f"{where}.{i}") for i, child in reversed(list(enumerate(kids, 1))))
    return out


def _leaf(part: Message, where: str, out: Walked) -> None:
    content_type = (_param(part, "get_content_type") or "application/octet-stream").lower()
    disposition = (_param(part, "get_content_disposition") or "").lower()
    raw_name = _param(part, "get_filename")
    payload = _payload(part)
    if content_type in ("text/plain", "text/html") and disposition != "attachment" and raw_name is None:
        slot = "text" if content_type == "text/plain" else "html"
        if getattr(out, slot) is None:
            setattr(out, slot, _text(part, payload, where, out.problems))
            return
    number = len(out.attachments) + 1
    name = sanitise_file_name(raw_name or "", number)
    if raw_name is not None and name != raw_name:
        shown = clean(raw_name)[:120]
        out.problems.append(Finding(MssCode.ATTACHMENT_NAME_UNSAFE, name, f"The attachment name {shown!r} was "
                                    f"sanitised to {name!r} (no path, control or reserved characters)."))
    out.attachments.append(Attachment(filename=name, content_type=clean(content_type)[:255], content=payload,
                                      original_filename=None if raw_name is None else clean(raw_name)[:1024]))
