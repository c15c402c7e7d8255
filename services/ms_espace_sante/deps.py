"""FastAPI dependencies of Mon espace santé's routes, each named once (DESIGN.md style 3).

Every FHIR route but ``/metadata`` takes a :data:`Caller`: a Pro Santé Connect access token of the
tenant's issuer, verified by core/oidc (401 AUTH-000x with ``WWW-Authenticate`` otherwise). Only
professionals are accepted: the digest names no system (client-credentials) access to the DMP, so a
software token gets 403 AUTH-0008 (widen :data:`CALLER_KINDS` once a source says otherwise).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from core.oidc.deps import principal_dependency
from core.oidc.principals import Practitioner
from services.ms_espace_sante.settings import MsEspaceSanteSettings
from services.ms_espace_sante.store import DmpStore

CALLER_KINDS = (Practitioner,)


async def _store(request: Request) -> DmpStore:
    return request.app.state.dmp


async def _settings(request: Request) -> MsEspaceSanteSettings:
    return request.app.state.settings


Caller = Annotated[Practitioner, Depends(principal_dependency(*CALLER_KINDS))]
Store = Annotated[DmpStore, Depends(_store)]
Settings = Annotated[MsEspaceSanteSettings, Depends(_settings)]
