"""The scenario file format as pydantic models; ``scenarios/schema.json`` is generated from them.

A scenario: ``id``, ``title``, ``description``, ``tags``, ``objectives`` (the roadmap objective(s) it
illustrates), ``actors`` (name -> persona + login kind, :mod:`scenarios.logins`) and ordered ``steps``
(one kind key each, :mod:`scenarios.steps`). A fragment (``fragment:`` instead of ``id:``) holds steps that
scenarios include, with parameters.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, create_model

from scenarios.logins import LOGINS, SLUG
from scenarios.steps import COMMON, load_kinds

STEP_KINDS = load_kinds()
MAX_STEPS = 500


def step_kind(data: Any) -> str | None:
    """The kind key of a raw step mapping (``None`` when it has none, or several)."""
    if not isinstance(data, dict):
        return next((k for k, m in STEP_KINDS.items() if isinstance(data, STEP_MODELS[k])), None)
    kinds = [key for key in data if key in STEP_KINDS]
    return kinds[0] if len(kinds) == 1 else None


def login_kind(data: Any) -> str | None:
    value = data.get("login") if isinstance(data, dict) else getattr(data, "login", None)
    return value if value in LOGINS else None


def _step_model(kind: str, body: type[BaseModel]) -> type[BaseModel]:
    name = "".join(part.capitalize() for part in kind.split("-")) + "Step"
    return create_model(name, __config__=ConfigDict(extra="forbid", populate_by_name=True),
                        __doc__=f"A '{kind}' step: {body.__doc__ or ''}".strip(),
                        name=(str | None, Field(default=None, max_length=200, description="Shown in reports.")),
                        description=(str, ""),
                        **{kind: (body, ...)})


STEP_MODELS = {kind: _step_model(kind, body) for kind, body in STEP_KINDS.items()}
assert all(k not in COMMON for k in STEP_MODELS)
Step = Annotated[Union[tuple(Annotated[m, Tag(k)] for k, m in STEP_MODELS.items())],  # noqa: UP007
                 Discriminator(step_kind)]
ActorModel = Annotated[Union[tuple(Annotated[k.model, Tag(key)] for key, k in LOGINS.items())],  # noqa: UP007
                       Discriminator(login_kind)]


class Scenario(BaseModel):
    """A patient journey: who takes part and what they do, in order."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"title": "e-santé sandbox scenario"})

    id: str = Field(pattern=SLUG, description="Unique slug, e.g. identity-vigilance.")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    tags: list[Annotated[str, Field(pattern=SLUG)]] = Field(default_factory=list)
    objectives: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=list, description="The roadmap objective(s) this journey illustrates.")
    actors: dict[Annotated[str, Field(pattern=SLUG)], ActorModel] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


class Fragment(BaseModel):
    """Steps that scenarios include (``include: {file, with}``); ``params`` maps names to defaults (null: required)."""

    model_config = ConfigDict(extra="forbid")

    fragment: str = Field(pattern=SLUG, description="The fragment's slug.")
    title: str = ""
    description: str = ""
    params: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")],
                 str | int | float | bool | None] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)
