"""pydantic's validation errors as located issues: the path of each error mapped to its line and column."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from scenarios.errors import Issue, Location, suggest
from scenarios.logins import LOGINS
from scenarios.model import STEP_KINDS, STEP_MODELS, Step
from scenarios.source import Document
from scenarios.steps import COMMON

STEP = TypeAdapter(Step)


def _unwrap(tp: Any, part: Any) -> Any:
    """The type found under ``part`` (a field name, index, key or union tag) of ``tp``."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            options = typing.get_args(tp)
            for option in options:
                meta = getattr(option, "__metadata__", ())
                if any(getattr(m, "tag", None) == part for m in meta):
                    return typing.get_args(option)[0]
            tp = next((o for o in options if o is not type(None)), None)
        else:
            break
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    if origin is list and isinstance(part, int):
        return typing.get_args(tp)[0]
    if origin is dict:
        return typing.get_args(tp)[1]
    return None


def _keys(tp: Any) -> list[str]:
    while typing.get_origin(tp) in (typing.Annotated, typing.Union, types.UnionType):
        tp = next((a for a in typing.get_args(tp) if a is not type(None)), None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [info.alias or name for name, info in tp.model_fields.items()]
    return []


def _clean(loc: tuple, root: Any) -> tuple:
    """The error path without pydantic's union tags, so that it is the path in the file."""
    if root is Step and loc and loc[0] in STEP_MODELS:
        loc = loc[1:]
    out: list[Any] = []
    for part in loc:
        if len(out) >= 2 and out[-2] == "steps" and isinstance(out[-1], int) and part in STEP_MODELS:
            continue
        if len(out) == 2 and out[0] == "actors" and part in LOGINS:
            continue
        out.append(part)
    return tuple(out)


def _step_kind_message(data: Any) -> str:
    kinds = list(STEP_KINDS)
    if not isinstance(data, dict):
        return f"a step is a mapping with one of: {', '.join(kinds)}"
    present = [key for key in data if key in STEP_KINDS]
    if len(present) > 1:
        return f"one kind per step: found {' and '.join(present)}"
    others = [key for key in data if key not in COMMON]
    if not others:
        return f"the step has no kind: add one of {', '.join(kinds)}"
    return f"unknown step kind '{others[0]}'{suggest(others[0], kinds)} (known: {', '.join(kinds)})"


def _login_message(data: Any) -> str:
    logins = list(LOGINS)
    if not isinstance(data, dict):
        return f"an actor is a mapping with persona and login (one of {', '.join(logins)})"
    if "login" not in data:
        return f"missing field 'login' (one of {', '.join(logins)})"
    return f"unknown login kind '{data['login']}'{suggest(data['login'], logins)} (known: {', '.join(logins)})"


def issues(exc: ValidationError, root: Any, doc: Document, prefix: tuple = (), via: tuple[Location, ...] = (),
           *, skip_steps: bool = False) -> list[Issue]:
    """One issue per error of ``exc`` (raised validating ``root`` on the data at ``prefix`` of ``doc``)."""
    found = []
    for error in exc.errors():
        raw, kind, msg = tuple(error["loc"]), error["type"], error["msg"]
        loc = _clean(raw, root)
        if skip_steps and len(loc) > 1 and loc[0] == "steps":
            continue
        where = (*prefix, *loc)
        if kind == "union_tag_not_found" and "step_kind" in str(error.get("ctx", {})):
            found.append(Issue(doc.key_at(where), "SCN-0011", _step_kind_message(error["input"]), via))
        elif kind == "union_tag_not_found":
            found.append(Issue(doc.at(where), "SCN-0012", _login_message(error["input"]), via))
        elif kind == "extra_forbidden":
            tp = root
            for part in raw[:-1]:
                tp = _unwrap(tp, part) if tp is not None else None
            found.append(Issue(doc.key_at(where), "SCN-0010",
                               f"unknown key '{loc[-1]}'{suggest(loc[-1], _keys(tp))}", via))
        elif kind == "missing":
            found.append(Issue(doc.at(where[:-1]), "SCN-0010", f"missing field '{loc[-1]}'", via))
        else:
            text = msg.removeprefix("Value error, ")
            field = next((p for p in reversed(loc) if isinstance(p, str)), None)
            found.append(Issue(doc.at(where), "SCN-0010", f"'{field}': {text}" if field else text, via))
    return found
