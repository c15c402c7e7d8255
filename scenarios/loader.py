"""Load a scenario file: read, validate, expand includes and check every reference before anything runs.

``load(path)`` answers a :class:`Plan` (the scenario and its flat list of steps, includes expanded) or raises
a :class:`~scenarios.errors.ScenarioError` holding every issue of the file and of the fragments it includes
(docs/scenarios.md, "Errors"). Checked: YAML syntax and bounds, the format (unknown keys with the close
match, missing fields, wrong types, unknown step and login kinds), personas, service slugs
(given by the caller), actors, ``${...}`` templates (known namespaces, captures defined by an earlier
step, fragment parameters), body files, include cycles and missing fragments.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from core.errors import SandboxError
from core.fault_rule import parse_rule
from core.population.model import Population
from core.population.personas import personas
from scenarios import templates
from scenarios.errors import Issue, Location, ScenarioError, display, suggest
from scenarios.expect import validate_capture, validate_expect
from scenarios.logins import LOGINS
from scenarios.model import ActorModel, Fragment, Scenario, Step, step_kind
from scenarios.source import MAX_BYTES, Document, read
from scenarios.validation import STEP, issues

GATEWAY = "gateway"  # the gateway's own routes (/_admin/...), beside the registered services
MAX_INCLUDE_DEPTH = 16
MAX_TOTAL_STEPS = 2000
ACTOR = TypeAdapter(ActorModel)




@dataclass(frozen=True)
class Placed:
    """One step to run: its kind and model, where it is written and the include steps that brought it in."""

    kind: str
    body: Any  # the kind's model (scenarios.steps.*)
    name: str | None
    where: Location
    via: tuple[Location, ...] = ()
    file: str = ""  # the absolute path of the file it is written in (body_file is relative to it)
    groups: tuple[str | None, ...] = ()  # the names of the include steps that brought it in, outermost first


@dataclass
class Plan:
    """A loaded scenario: the validated model and the steps in run order, includes expanded."""

    scenario: Scenario
    path: str
    steps: list[Placed] = field(default_factory=list)


def _persona_kind(population: Population, slug: str) -> str | None:
    for kind, group in (("patient", population.patients), ("professional", population.professionals),
                        ("organization", population.organizations)):
        if any(p.id == slug for p in group):
            return kind
    return None


class _Loader:
    def __init__(self, population: Population, slugs: tuple[str, ...]) -> None:
        self.population, self.slugs = population, slugs
        self.issues: list[Issue] = []
        self.placed: list[Placed] = []
        self.order: list[tuple[Placed | None, Document, tuple, Any, tuple[Location, ...]]] = []  # valid or not

    def validate(self, model: type[BaseModel], doc: Document) -> BaseModel | None:
        try:
            return model.model_validate(doc.data)
        except ValidationError as exc:
            self.issues += issues(exc, model, doc, skip_steps=True)
            return None

    def steps(self, doc: Document, raw_steps: Any, via: tuple[Location, ...], stack: tuple[Path, ...],
              groups: tuple[str | None, ...] = ()) -> None:
        if not isinstance(raw_steps, list):
            return
        for index, raw in enumerate(raw_steps):
            where = ("steps", index)
            try:
                model = STEP.validate_python(raw)
            except ValidationError as exc:
                self.issues += issues(exc, Step, doc, where, via)
                self.order.append((None, doc, where, raw, via))  # its templates are still checked
                continue
            kind = step_kind(raw)
            body = getattr(model, kind)
            if len(self.placed) >= MAX_TOTAL_STEPS:
                self.issues.append(Issue(doc.at(where), "SCN-0003", f"more than {MAX_TOTAL_STEPS} steps", via))
                return
            if kind == "include":
                self.include(doc, body, raw["include"], where, via, stack, (*groups, model.name))
            else:
                placed = Placed(kind, body, model.name, doc.at(where), via, str(doc.file or doc.path), groups)
                self.placed.append(placed)
                self.order.append((placed, doc, where, raw, via))

    def include(self, doc: Document, body: Any, raw: dict, where: tuple, via: tuple[Location, ...],
                stack: tuple[Path, ...], groups: tuple[str | None, ...]) -> None:
        site = doc.at((*where, "include", "file"))
        target = (stack[-1].parent / body.file).resolve()
        if target in stack:
            chain = " -> ".join(display(p) for p in (*stack[stack.index(target):], target))
            self.issues.append(Issue(site, "SCN-0030", f"include cycle: {chain}", via))
            return
        if len(stack) > MAX_INCLUDE_DEPTH:
            self.issues.append(Issue(site, "SCN-0030", f"includes nested deeper than {MAX_INCLUDE_DEPTH}", via))
            return
        if not target.is_file():
            self.issues.append(Issue(site, "SCN-0031", f"no fragment file '{body.file}' (looked for {display(target)})",
                                     via))
            return
        try:
            fdoc = read(target)
        except ScenarioError as exc:
            self.issues += [Issue(i.where, i.code, i.message, (*via, site)) for i in exc.issues]
            return
        inner = (*via, site)
        data = fdoc.data
        if not isinstance(data, dict) or "fragment" not in data:
            self.issues.append(Issue(fdoc.at(()), "SCN-0031", "not a fragment (a fragment file starts with "
                                     "'fragment: <slug>' and has steps)", inner))
            return
        if not isinstance(data.get("steps"), list) or not data["steps"]:
            self.issues.append(Issue(fdoc.at(()), "SCN-0010", "a fragment needs steps (a list of at least one)", inner))
            return
        try:  # its own keys; its steps are checked one by one below, after the parameters are replaced
            fragment = Fragment.model_validate({**data, "steps": [{"fault": {"clear": "all"}}]})
        except ValidationError as exc:
            self.issues += issues(exc, Fragment, fdoc, (), inner, skip_steps=True)
            return
        values = self.params(fragment, body, raw, doc, where, via)
        if values is None:
            return
        for path, ref in templates.refs(data.get("steps"), ("steps",)):
            if isinstance(ref, templates.Ref) and ref.namespace == "param" and (
                    message := templates.check(ref, captures=set(), population=self.population,
                                               params=set(values))):
                self.issues.append(Issue(fdoc.at(path), "SCN-0021", message, inner))
        fdoc.data = {**data, "steps": substitute(data.get("steps"), values)}
        self.steps(fdoc, fdoc.data["steps"], inner, (*stack, target), groups)

    def params(self, fragment: Fragment, body: Any, raw: dict, doc: Document, where: tuple,
               via: tuple[Location, ...]) -> dict[str, Any] | None:
        values, ok = {}, True
        for name, given in body.with_.items():
            if name not in fragment.params:
                known = ", ".join(fragment.params) or "none"
                self.issues.append(Issue(doc.key_at((*where, "include", "with", name)), "SCN-0032",
                                         f"the fragment has no parameter '{name}'{suggest(name, fragment.params)}"
                                         f" (parameters: {known})", via))
                ok = False
            values[name] = given
        for name, default in fragment.params.items():
            if name not in values:
                if default is None:
                    self.issues.append(Issue(doc.at((*where, "include")), "SCN-0032",
                                             f"the fragment needs parameter '{name}' (include: with: {{{name}: ...}})",
                                             via))
                    ok = False
                values[name] = default
        return values if ok else None

    def check(self, doc: Document) -> None:
        actors = doc.data.get("actors") if isinstance(doc.data, dict) else None
        actors = actors if isinstance(actors, dict) else {}
        for name, raw_actor in actors.items():
            try:
                actor = ACTOR.validate_python(raw_actor)
            except ValidationError:
                continue  # reported by the scenario's validation
            self.actor(name, actor, doc)
        captures: set[str] = set()
        for placed, sdoc, where, raw, via in self.order:
            found = templates.refs(raw, where)
            if placed is not None:
                self.references(placed, sdoc, where, actors)
                found += self.body_file_refs(placed, where)
            for path, ref in found:
                if isinstance(ref, templates.TemplateError):
                    self.issues.append(Issue(sdoc.at(path), "SCN-0020", str(ref), via))
                elif ref.namespace == "param" and via:
                    continue  # checked against the fragment's parameters when the include was expanded
                elif ref.namespace == "param":
                    self.issues.append(Issue(sdoc.at(path), "SCN-0021", f"${{{ref.text}}}: parameters exist only "
                                             "in fragment files", via))
                elif message := templates.check(ref, captures=captures, population=self.population, actors=actors):
                    self.issues.append(Issue(sdoc.at(path), "SCN-0021", message, via))
            captures |= _captured(raw)

    def actor(self, name: str, actor: Any, doc: Document) -> None:
        kind = LOGINS[actor.login]
        where = ("actors", name, "persona")
        if actor.persona is None:
            if kind.persona_required:
                self.issues.append(Issue(doc.at(("actors", name)), "SCN-0013",
                                         f"actor '{name}': login {actor.login} needs a persona", ()))
            return
        persona_kind = _persona_kind(self.population, actor.persona)
        if persona_kind is None:
            every = [p.id for g in (self.population.patients, self.population.professionals,
                                    self.population.organizations) for p in g]
            self.issues.append(Issue(doc.at(where), "SCN-0013",
                                     f"unknown persona '{actor.persona}'{suggest(actor.persona, every)}", ()))
        elif persona_kind not in kind.persona_kinds:
            self.issues.append(Issue(doc.at(where), "SCN-0013", f"persona '{actor.persona}' is a {persona_kind}: "
                                     f"login {actor.login} takes a {' or '.join(kind.persona_kinds)}", ()))

    def references(self, placed: Placed, doc: Document, where: tuple, actors: Any) -> None:
        body, base = placed.body, (*where, placed.kind)

        def service(value: str | None, path: tuple, allow_all: bool = False) -> None:
            if value is None or value in self.slugs or (allow_all and value == "all"):
                return
            self.issues.append(Issue(doc.at(path), "SCN-0014", f"unknown service '{value}'{suggest(value, self.slugs)}"
                                     f" (registered: {', '.join(self.slugs)})", placed.via))

        def actor(value: str | None, path: tuple) -> None:
            if value is not None and value not in actors:
                self.issues.append(Issue(doc.at(path), "SCN-0015", f"unknown actor '{value}'{suggest(value, actors)}"
                                         f" (actors: {', '.join(actors) or 'none'})", placed.via))

        block = _raw_at(doc.data, base)
        for key, validate in (("expect", validate_expect), ("capture", validate_capture)):
            self.expressions(block, (key,), validate, doc, base, placed.via)
        if placed.kind == "await":
            self.expressions(block, ("match", "request"), validate_expect, doc, base, placed.via)
        if placed.kind == "request":
            actor(body.actor, (*base, "actor"))
            service(body.service, (*base, "service"))
            if body.body_file is not None:
                self.body_file(doc.file or Path(doc.path), body.body_file, doc, (*base, "body_file"), placed.via)
        elif placed.kind == "await":
            actor(body.match.actor, (*base, "match", "actor"))
            service(body.match.service, (*base, "match", "service"))
        elif placed.kind == "fault":
            service(body.clear, (*base, "clear"), allow_all=True)
            if body.set is not None:
                service(body.set.service, (*base, "set", "service"))
                try:  # the gateway's own checks of a posted rule (one effect, path stars)
                    parse_rule(body.set.model_dump(exclude_none=True), services=[body.set.service],
                               max_latency_ms=10**9)
                except SandboxError as exc:
                    self.issues.append(Issue(doc.at((*base, "set")), "SCN-0016", exc.diagnostics, placed.via))

    def expressions(self, block: Any, key: tuple, validate: Any, doc: Document, base: tuple, via: tuple) -> None:
        """The expression syntax of an ``expect`` / ``capture`` block (FHIRPath, JSONPath, XPath, regexes)."""
        data = _raw_at(block, key)
        if data is None:
            return
        for path, message in validate(data):
            where = (*base, *key, *path)
            self.issues.append(Issue(doc.key_at(where), "SCN-0017", f"{'.'.join(map(str, (*key, *path)))}: {message}",
                                     via))

    @staticmethod
    def body_file_refs(placed: Placed, where: tuple) -> list[tuple[tuple, Any]]:
        """The ``${...}`` of a request's body file, located at its ``body_file`` key (the text is a template)."""
        name = getattr(placed.body, "body_file", None)
        target = Path(placed.file).parent / name if name else None
        if target is None or not target.is_file() or target.stat().st_size > MAX_BYTES:
            return []
        text = target.read_text(encoding="utf-8", errors="replace")
        return [((*where, placed.kind, "body_file"), ref) for _, ref in templates.refs(text)]

    def body_file(self, scenario_file: Path, name: str, doc: Document, path: tuple, via: tuple) -> None:
        target = scenario_file.parent / name
        if not target.is_file():
            self.issues.append(Issue(doc.at(path), "SCN-0033", f"no body file '{name}'", via))
        elif target.stat().st_size > MAX_BYTES:
            self.issues.append(Issue(doc.at(path), "SCN-0003", f"body file '{name}' is larger than {MAX_BYTES} bytes",
                                     via))


def _raw_at(data: Any, path: tuple) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data or isinstance(data, list) and isinstance(part, int):
            data = data[part]
        else:
            return None
    return data


def _captured(raw: Any) -> set[str]:
    """The names a raw step captures (its kind's ``capture`` mapping)."""
    kind = step_kind(raw)
    body = raw.get(kind) if kind and isinstance(raw, dict) else None
    capture = body.get("capture") if isinstance(body, dict) else None
    return set(capture) if isinstance(capture, dict) else set()


def substitute(value: Any, params: dict[str, Any]) -> Any:
    """``value`` with ``${param.NAME}`` replaced (a string that is exactly one keeps the parameter's type)."""
    if isinstance(value, str) and "${param." in value:
        try:
            pieces = templates.parse(value)
        except templates.TemplateError:
            return value  # reported when the step's templates are checked
        def text(p: Any) -> Any:
            if isinstance(p, templates.Ref) and p.namespace == "param" and len(p.parts) == 1 and p.parts[0] in params:
                return params[p.parts[0]]
            return p if isinstance(p, str) else "${" + p.text + "}"
        if len(pieces) == 1:
            return text(pieces[0])
        return "".join(str(text(p)).replace("${", "$${") if isinstance(p, str) else str(text(p)) for p in pieces)
    if isinstance(value, list):
        return [substitute(item, params) for item in value]
    if isinstance(value, dict):  # keys too: an expect block's expressions are its keys
        return {(str(substitute(key, params)) if isinstance(key, str) else key): substitute(item, params)
                for key, item in value.items()}
    return value


def load(path: Path | str, *, services: Iterable[str], population: Population | None = None) -> Plan:
    """The scenario at ``path``, validated and with its includes expanded; ``ScenarioError`` lists every issue.

    ``services`` are the slugs a step may name besides ``gateway``: the caller's registry (``sandbox run``
    passes ``gateway/registry.py``'s; DESIGN.md: scenarios import core and speak HTTP, never the gateway)."""
    file = Path(path).resolve()
    doc = read(Path(path))
    loader = _Loader(population or personas(), (*services, GATEWAY))
    if not isinstance(doc.data, dict):
        raise ScenarioError([Issue(doc.at(()), "SCN-0010", "a scenario is a mapping (id, title, actors, steps)")])
    if "fragment" in doc.data and "id" not in doc.data:
        raise ScenarioError([Issue(doc.at(()), "SCN-0010", "this is a fragment: scenarios include it, it does not "
                                   "run on its own")])
    scenario = loader.validate(Scenario, doc)
    loader.steps(doc, doc.data.get("steps"), (), (file,))
    loader.check(doc)
    if loader.issues or scenario is None:
        raise ScenarioError(loader.issues)
    return Plan(scenario, doc.path, loader.placed)  # type: ignore[arg-type]
