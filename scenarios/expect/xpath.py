"""XPath 1.0 on XML bodies (SOAP for INSi), through lxml, made easy to write and safe to run.

An expression without any prefix is evaluated on a copy of the document whose names have lost their
namespace, so ``//CR/CodeCR`` finds INSi's ``CodeCR`` whatever namespace the answer declares. An
expression with a prefix (``//soap:Fault/soap:Code/soap:Value``) is exact: its prefixes are the
document's own declarations plus :data:`PREFIXES`. The parser resolves no entity, loads no DTD and
reaches no network; a DTD is refused outright.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from scenarios.expect.response import BodyError

PREFIXES = {
    "soap": "http://www.w3.org/2003/05/soap-envelope",
    "soap12": "http://www.w3.org/2003/05/soap-envelope",
    "soap11": "http://schemas.xmlsoap.org/soap/envelope/",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "siram": "urn:siram",
    "insi": "http://www.cnamts.fr/INSiResultat",
    "insir": "http://www.cnamts.fr/INSiRecSans",
    "insiv": "http://www.cnamts.fr/INSiRecVit",
}
_PREFIXED = re.compile(r"(?<![\w.'\"-])(?<![^:]:)([A-Za-z_][\w.-]*):(?![:=])(?=[A-Za-z_*])")
DTD_REFUSED = "the body declares a DTD (<!DOCTYPE>), which SOAP forbids; it is not parsed"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def parse_xml(raw: bytes) -> Any:
    """The root element of ``raw``, or :class:`BodyError` (not XML, a DTD, empty)."""
    if not raw.strip():
        raise BodyError("the body is empty, not XML")
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise BodyError(DTD_REFUSED)
    try:
        root = etree.fromstring(raw, parser())
    except etree.XMLSyntaxError as exc:
        raise BodyError(f"the body is not XML: {exc}") from None
    if root is None:
        raise BodyError("the body is not an XML document")
    if root.getroottree().docinfo.doctype or root.getroottree().docinfo.internalDTD is not None:
        raise BodyError(DTD_REFUSED)  # the byte test above misses a UTF-16 document
    return root


def namespaces(root: Any) -> dict[str, str]:
    """:data:`PREFIXES` overlaid with every prefix the document declares (the first declaration wins)."""
    found: dict[str, str] = {}
    for element in root.iter():
        for prefix, uri in element.nsmap.items():
            if prefix and prefix not in found:
                found[prefix] = uri
    return {**PREFIXES, **found}


def local_copy(root: Any) -> Any:
    """A copy of the document with every element and attribute name stripped of its namespace."""
    copy = etree.fromstring(etree.tostring(root), parser())
    for element in copy.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = etree.QName(element).localname
        for name in [name for name in element.attrib if name.startswith("{")]:
            element.attrib[etree.QName(name).localname] = element.attrib.pop(name)
    etree.cleanup_namespaces(copy)
    return copy


def prefixes_of(expression: str) -> set[str]:
    """The namespace prefixes ``expression`` uses (outside string literals and ``axis::``)."""
    return set(_PREFIXED.findall(_QUOTED.sub("''", expression)))


def evaluate(root: Any, expression: str, *, cache: dict[str, Any] | None = None) -> Any:
    """The XPath result: a list of nodes/strings, a float, a bool or a string; ``ValueError`` if it fails."""
    used = prefixes_of(expression)
    if used:
        context, nsmap = root, namespaces(root)
        unknown = sorted(used - nsmap.keys())
        if unknown:
            raise ValueError(f"prefix {unknown[0]!r} is declared neither by the document nor by the sandbox "
                             f"({', '.join(sorted(nsmap))})")
    else:
        if cache is not None and "local" in cache:
            context = cache["local"]
        else:
            context = local_copy(root)
            if cache is not None:
                cache["local"] = context
        nsmap = {}
    try:
        return context.xpath(expression, namespaces=nsmap, smart_strings=False)
    except etree.XPathError as exc:
        raise ValueError(f"XPath error: {exc}") from None


def syntax_error(expression: str) -> str | None:
    """Why ``expression`` is not XPath 1.0, or None."""
    try:
        etree.XPath(expression, namespaces=dict.fromkeys(prefixes_of(expression) | PREFIXES.keys(), "urn:x"))
    except etree.XPathSyntaxError as exc:
        return f"not XPath 1.0: {exc}"
    return None


def node_value(node: Any) -> str:
    """An XPath value as text: an element's text content (stripped), a number without a useless '.0'."""
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, float):
        return str(int(node)) if node.is_integer() else str(node)
    if isinstance(node, str):
        return node
    if isinstance(node, etree._Element):
        return "".join(node.itertext()).strip()
    return str(node)


def values(result: Any) -> list[str]:
    """The selected values as text (a scalar result is one value)."""
    return [node_value(item) for item in result] if isinstance(result, list) else [node_value(result)]


def truthy(result: Any) -> bool:
    """XPath's ``boolean()`` of a result."""
    if isinstance(result, list):
        return bool(result)
    if isinstance(result, float):
        return result == result and result != 0
    return bool(result)
