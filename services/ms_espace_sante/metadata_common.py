"""What the metadata checks share: a collector of problems rendered as one OperationOutcome, and the
element checks (required, types, codes against the value sets, dates, identifiers, contained resources).

Every problem names the element at fault (``expression``, e.g. ``Bundle.entry[1].resource.type``) and
a stable MES-01xx code. The statuses follow FHIR's HTTP rules and the kernel: 400 when an element has
the wrong JSON type (FHIR-0003 territory), 422 when the resource breaks the PDSm/MHD profile or a
business rule (required element missing, unknown code, wrong hash, provisional identity).
"""

from __future__ import annotations

import re

from core.errors import SandboxError
from services.ms_espace_sante.codes import MesCode
from services.ms_espace_sante.valuesets import ValueSet

URI = "urn:ietf:rfc:3986"
OID_URN = re.compile(r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+")
UUID_URN = re.compile(r"urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TIME = r"T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]{1,9})?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
INSTANT = re.compile(_DATE + _TIME)
DATETIME = re.compile(r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])(" + _TIME + r")?)?)?")
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")
ISSUE_TYPES = {MesCode.MISSING_ELEMENT: "required", MesCode.MALFORMED_ELEMENT: "structure",
               MesCode.INVALID_VALUE: "value", MesCode.UNKNOWN_CODE: "code-invalid",
               MesCode.UNKNOWN_CODE_SYSTEM: "code-invalid", MesCode.RETIRED_CODE: "code-invalid"}


def items(value: object) -> list:
    """``value`` if it is a list, else no items (its type is reported where it is required)."""
    return value if isinstance(value, list) else []


def type_codes(ident: object) -> list[str]:
    """The ``type.coding[].code`` of an Identifier (entryUUID, uniqueId), whatever its shape."""
    kind = ident.get("type") if isinstance(ident, dict) else None
    return [c.get("code") for c in items(kind.get("coding")) if isinstance(c, dict)] if isinstance(kind, dict) else []


class Problems:
    """The problems found in one request, raised together as one OperationOutcome (one issue each)."""

    def __init__(self) -> None:
        self.errors: list[SandboxError] = []

    def add(self, code: MesCode, diagnostics: str, where: str, *, status: int = 422, issue: str | None = None) -> None:
        self.errors.append(SandboxError(status, code, diagnostics, issue=issue or ISSUE_TYPES.get(code, "invalid"),
                                        expression=[where]))

    def missing(self, where: str, what: str) -> None:
        self.add(MesCode.MISSING_ELEMENT, f"{where} is missing: {what}.", where)

    def malformed(self, where: str, expected: str) -> None:
        self.add(MesCode.MALFORMED_ELEMENT, f"{where} must be {expected}.", where, status=400)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def error(self) -> SandboxError:
        """One error whose issues are all the problems, in order (400 if any is structural, else 422)."""
        chained: SandboxError | None = None
        for err in reversed(self.errors):
            err.cause = chained
            chained = err
        assert chained is not None
        chained.status = 400 if any(e.status == 400 for e in self.errors) else max(e.status for e in self.errors)
        return chained

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.error()


def get(p: Problems, node: dict, key: str, where: str, kind: type | tuple, expected: str, *,
        required: str | None = None) -> object:
    """``node[key]`` if of ``kind``; records a missing (when ``required`` says why) or malformed element."""
    value = node.get(key)
    if value is None or value == "" or value == [] or value == {}:
        if required:
            p.missing(f"{where}.{key}", required)
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        p.malformed(f"{where}.{key}", expected)
        return None
    return value


def codings(p: Problems, concept: object, where: str) -> list[tuple[int, dict]]:
    """The well-formed codings of a CodeableConcept (each with a string system and code)."""
    if not isinstance(concept, dict):
        p.malformed(where, "a CodeableConcept (an object with a coding array)")
        return []
    items = concept.get("coding")
    if not isinstance(items, list) or not items:
        p.missing(f"{where}.coding", "a coding with the system and code of the value set")
        return []
    found = []
    for k, coding in enumerate(items):
        if not isinstance(coding, dict) or not isinstance(coding.get("system"), str) \
                or not isinstance(coding.get("code"), str) or not coding["system"] or not coding["code"]:
            p.malformed(f"{where}.coding[{k}]", "a Coding with a system and a code (strings)")
        else:
            found.append((k, coding))
    return found


def check_coding(p: Problems, coding: dict, where: str, vs: ValueSet) -> bool:
    """Whether ``coding`` is in ``vs``; records an unknown system, unknown or retired code otherwise."""
    system, code = coding["system"], coding["code"]
    part = vs.part(system)
    if part is None:
        p.add(MesCode.UNKNOWN_CODE_SYSTEM, f"{where}.system {system[:100]!r} is not a code system of the "
              f"'{vs.name}' value set ({vs.element}); use one of: {', '.join(vs.systems())}.", f"{where}.system")
        return False
    concept = part.lookup(code)
    if concept is None:
        extend = "" if part.complete else " (this sandbox's copy of the list is partial: a deployment adds codes " \
            "with MS_ESPACE_SANTE_EXTRA_CODES)"
        p.add(MesCode.UNKNOWN_CODE, f"{where}.code {code[:80]!r} is not in {part.name} as the '{vs.name}' value "
              f"set takes it{extend}.", f"{where}.code")
        return False
    if concept.retired:
        p.add(MesCode.RETIRED_CODE, f"{where}.code {code!r} is a retired {part.name} code: use "
              f"{concept.replaced_by!r} instead.", f"{where}.code")
        return False
    return True


def check_concept(p: Problems, concept: object, where: str, vs: ValueSet) -> list[dict]:
    """A CodeableConcept of ``vs``: its codings of the value set's systems must all be known, and one at
    least must be of those systems (other codings are translations, tolerated). Returns the good ones."""
    found = codings(p, concept, where)
    ours = [(k, c) for k, c in found if vs.part(c["system"]) is not None]
    if found and not ours:
        k, coding = found[0]
        check_coding(p, coding, f"{where}.coding[{k}]", vs)
        return []
    return [c for k, c in ours if check_coding(p, c, f"{where}.coding[{k}]", vs)]


def check_date(p: Problems, node: dict, key: str, where: str, *, instant: bool = False,
               required: str | None = None) -> None:
    value = get(p, node, key, where, str, "a string", required=required)
    pattern = INSTANT if instant else DATETIME
    if isinstance(value, str) and not pattern.fullmatch(value):
        form = "an instant with seconds and time zone (2026-06-12T10:00:00+02:00)" if instant \
            else "a FHIR dateTime (2026-06-12, or 2026-06-12T10:00:00+02:00)"
        p.add(MesCode.INVALID_VALUE, f"{where}.{key} {value[:40]!r} is not {form}.", f"{where}.{key}")


def check_uri_identifier(p: Problems, ident: object, where: str, *, oid_only: bool = False) -> str | None:
    """An identifier ``{system: urn:ietf:rfc:3986, value: urn:oid:... | urn:uuid:...}``; its value or None."""
    if not isinstance(ident, dict):
        p.malformed(where, "an Identifier (an object with system and value)")
        return None
    system, value = ident.get("system"), ident.get("value")
    if not isinstance(value, str) or not value:
        p.missing(f"{where}.value", "the identifier's urn:oid: or urn:uuid: value")
        return None
    if system != URI:
        p.add(MesCode.INVALID_VALUE, f"{where}.system must be {URI!r} (the value is a URN), not "
              f"{str(system)[:80]!r}.", f"{where}.system")
    forms = (OID_URN,) if oid_only else (OID_URN, UUID_URN)
    if not any(f.fullmatch(value) for f in forms):
        expected = "urn:oid:<OID>" if oid_only else "urn:oid:<OID> or urn:uuid:<UUID>"
        p.add(MesCode.INVALID_VALUE, f"{where}.value {value[:80]!r} is not {expected}.", f"{where}.value")
        return None
    return value


def contained_by_id(p: Problems, resource: dict, where: str) -> dict[str, dict]:
    """The contained resources by id (each needs a resourceType and a unique id)."""
    found: dict[str, dict] = {}
    items = resource.get("contained")
    if items is None:
        return found
    if not isinstance(items, list):
        p.malformed(f"{where}.contained", "an array of resources")
        return found
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str) \
                or not isinstance(item.get("id"), str) or not item["id"]:
            p.malformed(f"{where}.contained[{k}]", "a resource with a resourceType and an id")
        elif item["id"] in found:
            p.add(MesCode.INVALID_VALUE, f"{where}.contained[{k}].id {item['id'][:64]!r} is used twice.",
                  f"{where}.contained[{k}].id")
        else:
            found[item["id"]] = item
    return found


def local_target(p: Problems, ref: object, where: str, contained: dict[str, dict], types: tuple[str, ...],
                 code: MesCode = MesCode.BAD_REFERENCE) -> dict | None:
    """The contained resource a ``#id`` Reference points to, of one of ``types``; records what is wrong."""
    if not isinstance(ref, dict):
        p.malformed(where, "a Reference (an object with a reference)")
        return None
    value = ref.get("reference")
    if not isinstance(value, str) or not value.startswith("#"):
        p.add(code, f"{where}.reference {str(value)[:80]!r} must point to a resource contained in this one "
              f"('#<id>' of a contained {' or '.join(types)}).", f"{where}.reference")
        return None
    target = contained.get(value[1:])
    if target is None or target.get("resourceType") not in types:
        what = "no contained resource" if target is None else f"a contained {target.get('resourceType')}"
        p.add(code, f"{where}.reference {value[:80]!r} names {what}; it must name a contained "
              f"{' or '.join(types)}.", f"{where}.reference")
        return None
    return target


def extensions(p: Problems, resource: dict, where: str) -> dict[str, list[tuple[int, dict]]]:
    """The extensions of ``resource`` by URL, with their index."""
    items = resource.get("extension")
    found: dict[str, list[tuple[int, dict]]] = {}
    if items is None:
        return found
    if not isinstance(items, list):
        p.malformed(f"{where}.extension", "an array of extensions")
        return found
    for k, ext in enumerate(items):
        if not isinstance(ext, dict) or not isinstance(ext.get("url"), str):
            p.malformed(f"{where}.extension[{k}]", "an extension with a url")
        else:
            found.setdefault(ext["url"], []).append((k, ext))
    return found
