"""How an actor logs in: a small registry of login kinds, each a pydantic model keyed by its ``login`` value.

Adding a login kind is one model registered here with :func:`login`: the loader, the JSON Schema and the
runner all read :data:`LOGINS`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]{0,63}$"
ACTOR_REF = r"^(?:[a-z0-9][a-z0-9-]{0,63}|\$\{param\.[A-Za-z0-9_-]{1,64}\})$"  # a fragment may take it as a parameter
PERSONA_KINDS = ("patient", "professional", "organization")


class Actor(BaseModel):
    """Who acts in a scenario: a persona (``core/population/personas.py``) and how it logs in."""

    model_config = ConfigDict(extra="forbid")

    login: str
    persona: str | None = Field(default=None, pattern=SLUG, description="A persona slug (docs/personas.md).")
    description: str = ""


class LoginKind(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    model: type[Actor]
    persona_kinds: tuple[str, ...]  # which kinds of persona may log in this way
    persona_required: bool


LOGINS: dict[str, LoginKind] = {}


def login(key: str, *, persona_kinds: tuple[str, ...], persona_required: bool):
    """Register an actor model under its ``login`` key."""
    def register(model: type[Actor]) -> type[Actor]:
        LOGINS[key] = LoginKind(model=model, persona_kinds=persona_kinds, persona_required=persona_required)
        return model
    return register


CLIENT = Field(default="sandbox-practice-software", max_length=200,
               description="The Pro Santé Connect client (docs/pro-sante-connect.md, demo clients).")
SCOPE = Field(default="openid scope_all", max_length=1000)


@login("psc-code-pkce", persona_kinds=("professional",), persona_required=True)
class PscCodePkce(Actor):
    """Pro Santé Connect authorization code with PKCE, the login page driven programmatically."""

    login: Literal["psc-code-pkce"]
    client: str = CLIENT
    scope: str = SCOPE


@login("psc-ciba", persona_kinds=("professional",), persona_required=True)
class PscCiba(Actor):
    """Pro Santé Connect CIBA: the e-CPS approves on the professional's phone."""

    login: Literal["psc-ciba"]
    client: str = CLIENT
    scope: str = SCOPE
    binding_message: str | None = Field(default=None, max_length=200)


@login("citizen-code-pkce", persona_kinds=("patient",), persona_required=True)
class CitizenCodePkce(Actor):
    """The Mon espace santé citizen login (authorization code with PKCE), the patient picker skipped by the
    persona's INS: a patient app, or the patient in their own space."""

    login: Literal["citizen-code-pkce"]
    client: str = Field(default="sandbox-patient-app", max_length=200,
                        description="The citizen login's client (docs/ms-espace-sante.md, the demo patient app).")
    scope: str = Field(default="openid profile mes.documents.read mes.documents.write", max_length=1000)


@login("client-credentials", persona_kinds=("organization",), persona_required=False)
class ClientCredentials(Actor):
    """A system (software of a structure) with an OAuth 2 client credentials token."""

    login: Literal["client-credentials"]
    client: str = CLIENT
    secret: str | None = Field(default=None, max_length=500, description="Default: the demo client's secret.")
    scope: str = SCOPE


@login("none", persona_kinds=PERSONA_KINDS, persona_required=False)
class NoLogin(Actor):
    """No token: software that INSi identifies by its IDAM, or the Annuaire by its API key header."""

    login: Literal["none"]
