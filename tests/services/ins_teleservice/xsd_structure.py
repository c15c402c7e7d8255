"""Reads XSD files into comparable structures: an element's name, namespace, occurrences, attributes and
children in order, following named types across files (used to compare our contract with the CNAM's)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"


class SchemaSet:
    """Global elements and types of several XSD documents, by (namespace, name)."""

    def __init__(self, documents: list[etree._Element]) -> None:
        self.elements: dict[tuple[str, str], etree._Element] = {}
        self.types: dict[tuple[str, str], etree._Element] = {}
        for root in documents:
            tns = root.get("targetNamespace", "")
            for node in root:
                if node.tag == f"{{{XS}}}element":
                    self.elements[(tns, node.get("name"))] = node
                elif node.tag in (f"{{{XS}}}complexType", f"{{{XS}}}simpleType"):
                    self.types[(tns, node.get("name"))] = node

    @classmethod
    def from_files(cls, paths: list[Path]) -> SchemaSet:
        return cls([etree.parse(str(p)).getroot() for p in paths])

    @classmethod
    def from_texts(cls, texts: list[str]) -> SchemaSet:
        return cls([etree.fromstring(t.encode()) for t in texts])

    def structure(self, namespace: str, name: str) -> tuple:
        node = self.elements[(namespace, name)]
        return self._element(node, namespace, depth=0)

    def _qname(self, node: etree._Element, value: str) -> tuple[str, str]:
        prefix, _, local = value.rpartition(":")
        return node.nsmap.get(prefix or None, ""), local

    def _element(self, node: etree._Element, namespace: str, depth: int) -> tuple:
        occurs = (node.get("minOccurs", "1"), node.get("maxOccurs", "1"))
        if node.get("ref"):
            ns, local = self._qname(node, node.get("ref"))
            return (*self._element(self.elements[(ns, local)], ns, depth)[:2], occurs,
                    *self._element(self.elements[(ns, local)], ns, depth)[3:])
        type_name = node.get("type")
        content: tuple = ()
        if type_name:
            ns, local = self._qname(node, type_name)
            if ns != XS and (ns, local) in self.types and depth < 8:
                content = self._content(self.types[(ns, local)], depth)
        else:
            inline = node.find(f"{{{XS}}}complexType")
            if inline is not None:
                content = self._content(inline, depth)
        return (namespace, node.get("name"), occurs, *content)

    def _content(self, type_node: etree._Element, depth: int) -> tuple:
        if type_node.tag != f"{{{XS}}}complexType":
            return ()
        tns = type_node.getroottree().getroot().get("targetNamespace", "")
        attributes = tuple(sorted((a.get("name"), a.get("use", "optional"))
                                  for a in type_node.iter(f"{{{XS}}}attribute")))
        children = tuple(self._element(e, tns, depth + 1) for e in type_node.iter(f"{{{XS}}}element"))
        return (("attributes", attributes), ("children", children))
