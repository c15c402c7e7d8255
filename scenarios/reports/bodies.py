"""Bodies as a person reads them in the HTML report: JSON indented, XML indented, binary named, long cut.

A body is kept as text by the runner, or as base64 when its bytes are not UTF-8 (``Exchange.request_base64``
and ``response_base64``, ``core/masking.encode_body``). JSON is re-indented when it parses, XML (SOAP, CDA)
when lxml parses it with entities, DTDs and the network off; anything else is shown as it came. Nothing here raises.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from lxml import etree

SHOWN = 100_000  # characters of a body the HTML shows; the JSON report holds the whole (kept) body
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True,
                          huge_tree=False)


@dataclass
class Body:
    """What the report shows of one body: its kind (json, xml, text, binary), the text, what was cut."""

    kind: str
    text: str
    size: int  # characters of the text kept, or bytes of a binary body
    cut: int = 0  # characters of the (indented) text not shown

    @property
    def label(self) -> str:
        if self.kind == "binary":
            return f"binary, {self.size} bytes"
        return f"{self.kind}, {self.size} characters"


def binary_size(body: str) -> int | None:
    """The byte count of a base64 body whose bytes are not UTF-8 text; ``None`` when it is text after all."""
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return len(data)
    return None


def _json(text: str) -> str | None:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None


def _xml(text: str) -> str | None:
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
        return etree.tostring(root.getroottree(), pretty_print=True, encoding="unicode").rstrip("\n")
    except (etree.XMLSyntaxError, ValueError):
        return None


def pretty(body: str | None, base64_flag: bool = False) -> Body | None:
    """The body as shown, or ``None`` when there is none."""
    if not body:
        return None
    if base64_flag and (size := binary_size(body)) is not None:
        return Body("binary", "", size)
    start = body.lstrip()[:1]
    kind, text = "text", body
    if start in ("{", "[") and (shaped := _json(body)) is not None:
        kind, text = "json", shaped
    elif start == "<" and (shaped := _xml(body)) is not None:
        kind, text = "xml", shaped
    cut = max(0, len(text) - SHOWN)
    return Body(kind, text[:SHOWN] if cut else text, len(body), cut)
